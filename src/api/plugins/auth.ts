/**
 * Bearer-token authentication and role checks. Every route under /api/v1 is authenticated unless it
 * declares `config: { public: true }`; a route lists its allowed roles in `config.roles`.
 * Member tokens are bound to one ASN: `assertAsnAccess` is called by every route that takes an ASN.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Principal, Role } from '../../auth/roles.js';
import type { TokensService } from '../../auth/tokens.service.js';
import { AppError } from '../../shared/errors.js';
import type { Metrics } from '../../shared/metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    public?: boolean;
    roles?: readonly Role[];
  }
}

export function registerAuth(app: FastifyInstance, tokens: TokensService, metrics: Metrics): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/v1/')) return;
    const cfg = req.routeOptions.config;
    if (cfg?.public) return;
    const header = req.headers.authorization;
    if (!header || !/^Bearer\s+\S+$/i.test(header)) {
      metrics.authFailures.inc({ reason: 'missing' });
      throw new AppError(
        'IXMETER_ERR_AUTH_MISSING',
        'send Authorization: Bearer <token> (create one with `ixmeter token create`)',
      );
    }
    const principal = await tokens.authenticate(header.replace(/^Bearer\s+/i, '').trim(), req.ip);
    if (!principal) {
      metrics.authFailures.inc({ reason: 'invalid' });
      throw new AppError('IXMETER_ERR_AUTH_INVALID', 'the bearer token is unknown or revoked');
    }
    req.principal = principal;
    const roles = cfg?.roles;
    if (roles && !roles.includes(principal.role)) {
      metrics.authFailures.inc({ reason: 'forbidden' });
      throw new AppError(
        'IXMETER_ERR_FORBIDDEN',
        `role '${principal.role}' may not ${req.method} ${req.routeOptions.url ?? req.url}`,
      );
    }
  });
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new AppError('IXMETER_ERR_AUTH_MISSING', 'authentication required');
  return req.principal;
}

/** A member token may only touch its own ASN. Staff roles may read every member. */
export function assertAsnAccess(req: FastifyRequest, asn: number): Principal {
  const p = requirePrincipal(req);
  if (p.role === 'member' && p.asn !== asn) {
    throw new AppError('IXMETER_ERR_FORBIDDEN', `this token is bound to AS${p.asn} and may not access AS${asn}`);
  }
  return p;
}

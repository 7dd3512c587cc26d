import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AsnSchema, RoleSchema } from '../../auth/roles.js';
import type { ApiDeps } from '../deps.js';
import { requirePrincipal } from '../plugins/auth.js';

const CreateTokenBody = z
  .object({
    role: RoleSchema,
    asn: AsnSchema.optional(),
    name: z.string().max(200).optional(),
  })
  .strict();

const TokenInfo = z.object({
  id: z.string(),
  role: RoleSchema,
  asn: z.number().nullable(),
  name: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  revoked_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
});

export function tokensRoutes(deps: ApiDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/tokens',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['access'],
          summary: 'Create an API token (shown once)',
          body: CreateTokenBody,
          response: { 201: z.object({ id: z.string(), token: z.string() }) },
        },
      },
      async (req, reply) => {
        const p = requirePrincipal(req);
        const created = await deps.tokens.create({ ...req.body, createdBy: `${p.tokenId} (${p.name || p.role})` });
        await deps.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'token.create',
          object: created.id,
          outcome: 'ok',
          sourceIp: req.ip,
          details: { role: req.body.role, asn: req.body.asn ?? null, name: req.body.name ?? '' },
        });
        return reply.status(201).send(created);
      },
    );

    app.get(
      '/tokens',
      {
        config: { roles: ['admin', 'auditor'] },
        schema: {
          tags: ['access'],
          summary: 'List tokens (never their secrets); paginated with limit/offset',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(10_000).default(1000),
            offset: z.coerce.number().int().min(0).default(0),
          }),
          response: {
            200: z.object({ tokens: z.array(TokenInfo), total: z.number(), limit: z.number(), offset: z.number() }),
          },
        },
      },
      async (req) => {
        const rows = await deps.tokens.list();
        const { limit, offset } = req.query;
        return {
          tokens: rows.slice(offset, offset + limit).map(({ token_hash: _h, version: _v, ...r }) => r),
          total: rows.length,
          limit,
          offset,
        };
      },
    );

    app.delete(
      '/tokens/:id',
      {
        config: { roles: ['admin'] },
        schema: {
          tags: ['access'],
          summary: 'Revoke a token',
          params: z.object({ id: z.string().min(1).max(100) }),
          response: { 200: z.object({ id: z.string(), revoked_at: z.string() }) },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        const row = await deps.tokens.revoke(req.params.id);
        await deps.audit.append({
          actor: p.tokenId,
          role: p.role,
          action: 'token.revoke',
          object: row.id,
          outcome: 'ok',
          sourceIp: req.ip,
        });
        return { id: row.id, revoked_at: row.revoked_at ?? '' };
      },
    );
  };
}

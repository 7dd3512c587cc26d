/** `GET /me`: who the bearer token is (the console's sign-in check). Any authenticated role. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RoleSchema } from '../../auth/roles.js';
import { requirePrincipal } from '../plugins/auth.js';

export const MeSchema = z.object({
  token_id: z.string(),
  name: z.string(),
  role: RoleSchema,
  asn: z.number().nullable(),
});

export function meRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/me',
      {
        config: { roles: ['admin', 'finance', 'security', 'member', 'auditor', 'regulator'] },
        schema: {
          tags: ['access'],
          summary: 'The token behind this request: id, name, role and bound ASN (members)',
          response: { 200: MeSchema },
        },
      },
      async (req) => {
        const p = requirePrincipal(req);
        return { token_id: p.tokenId, name: p.name, role: p.role, asn: p.asn };
      },
    );
  };
}

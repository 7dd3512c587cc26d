/** `ixmeter token create|list|revoke`: local storage or the running service's API (see local-or-api.ts). */
import type { Role } from '../../auth/roles.js';
import { createTokensRepository } from '../../auth/tokens.repository.js';
import { createTokensService } from '../../auth/tokens.service.js';
import type { Storage } from '../../storage/clickhouse/client.js';
import { withLocalOrApi } from '../local-or-api.js';

const tokensOf = (storage: Storage) => createTokensService(createTokensRepository(storage.client));

export async function runTokenCreate(o: { role: Role; asn?: number; name?: string }): Promise<void> {
  const created = await withLocalOrApi(
    async ({ storage, audit }) => {
      const c = await tokensOf(storage).create({ role: o.role, asn: o.asn ?? null, name: o.name, createdBy: 'cli' });
      await audit.append({
        actor: 'cli',
        role: 'admin',
        action: 'token.create',
        object: c.id,
        outcome: 'ok',
        sourceIp: 'local',
        details: { role: o.role, asn: o.asn ?? null },
      });
      return c;
    },
    async (api) =>
      (await api('POST', '/tokens', {
        role: o.role,
        ...(o.asn ? { asn: o.asn } : {}),
        ...(o.name ? { name: o.name } : {}),
      })) as { id: string; token: string },
  );
  process.stderr.write(
    `created token ${created.id} (role ${o.role}${o.asn ? `, AS${o.asn}` : ''}); it is shown once:\n`,
  );
  process.stdout.write(`${created.token}\n`);
}

export async function runTokenList(): Promise<void> {
  const rows = await withLocalOrApi(
    async ({ storage }) => (await tokensOf(storage).list()).map(({ token_hash: _h, version: _v, ...r }) => r),
    async (api) => ((await api('GET', '/tokens')) as { tokens: unknown[] }).tokens,
  );
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

export async function runTokenRevoke(id: string): Promise<void> {
  await withLocalOrApi(
    async ({ storage, audit }) => {
      await tokensOf(storage).revoke(id);
      await audit.append({
        actor: 'cli',
        role: 'admin',
        action: 'token.revoke',
        object: id,
        outcome: 'ok',
        sourceIp: 'local',
      });
    },
    async (api) => {
      await api('DELETE', `/tokens/${encodeURIComponent(id)}`);
    },
  );
  process.stdout.write(`revoked ${id}\n`);
}

/**
 * API tokens: random 256-bit secrets shown once, stored as SHA-256. Lookups are cached briefly so
 * authentication costs no query per request (one lookup per token per CACHE_TTL_MS, shared by
 * concurrent requests); revocation clears the cache of this process at once (other processes see it
 * within CACHE_TTL_MS). Last-used times are kept in memory and written by flushUsage (every 30 s).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { Principal, Role } from './roles.js';
import type { TokenRow, TokensRepository } from './tokens.repository.js';

export const CACHE_TTL_MS = 5_000;
/** Unknown secrets are cached too (as null): bound the map against a flood of random tokens. */
const CACHE_MAX_ENTRIES = 10_000;
const ENV_ADMIN_ID = 'tok_env_admin';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newTokenSecret(): string {
  return `ixm_${randomBytes(32).toString('base64url')}`;
}

function nowIso(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}

export interface CreateTokenInput {
  role: Role;
  asn?: number | null;
  name?: string;
  createdBy: string;
}

export function createTokensService(repo: TokensRepository) {
  const cache = new Map<string, { row: TokenRow | null; at: number }>();
  const lookups = new Map<string, Promise<TokenRow | null>>();
  let epoch = 0; // bumped by every change: a lookup that started before one is not cached

  function forget(hash: string): void {
    epoch++;
    cache.delete(hash);
    lookups.delete(hash);
  }

  async function lookup(hash: string): Promise<TokenRow | null> {
    const cached = cache.get(hash);
    if (cached && Date.now() - cached.at <= CACHE_TTL_MS) return cached.row;
    let p = lookups.get(hash);
    if (!p) {
      const started = epoch;
      p = repo
        .findByHash(hash)
        .then((row) => {
          if (epoch === started) {
            cache.delete(hash);
            cache.set(hash, { row, at: Date.now() });
            if (cache.size > CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
          }
          return row;
        })
        .finally(() => {
          if (lookups.get(hash) === p) lookups.delete(hash);
        });
      lookups.set(hash, p);
    }
    return p;
  }
  const usage = new Map<string, { last_used_at: string; last_ip: string }>();

  function validate(input: CreateTokenInput): void {
    if (input.role === 'member' && (input.asn === undefined || input.asn === null)) {
      throw new AppError('IXMETER_ERR_VALIDATION', "a 'member' token must be bound to an ASN (--asn N)");
    }
    if (input.role !== 'member' && input.asn !== undefined && input.asn !== null) {
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        `only 'member' tokens carry an ASN; role '${input.role}' sees all members`,
      );
    }
  }

  async function insertWithSecret(
    input: CreateTokenInput,
    secret: string,
    id: string,
  ): Promise<{ id: string; token: string }> {
    await repo.insert({
      id,
      token_hash: hashToken(secret),
      role: input.role,
      asn: input.role === 'member' ? (input.asn ?? null) : null,
      name: input.name ?? '',
      created_at: nowIso(),
      created_by: input.createdBy,
      revoked_at: null,
      version: Date.now(),
    });
    forget(hashToken(secret));
    return { id, token: secret };
  }

  return {
    async create(input: CreateTokenInput): Promise<{ id: string; token: string }> {
      validate(input);
      return insertWithSecret(input, newTokenSecret(), `tok_${randomBytes(8).toString('hex')}`);
    },

    async revoke(id: string): Promise<TokenRow> {
      const row = await repo.findById(id);
      if (!row) throw new AppError('IXMETER_ERR_NOT_FOUND', `no token with id ${id}`);
      if (row.revoked_at) return row;
      const revoked = { ...row, revoked_at: nowIso(), version: Math.max(Date.now(), row.version + 1) };
      await repo.insert(revoked);
      forget(row.token_hash);
      return revoked;
    },

    list: () => repo.list(),

    /** Resolve a bearer secret to a principal, or null when unknown/revoked. */
    async authenticate(secret: string, ip: string): Promise<Principal | null> {
      const hash = hashToken(secret);
      const row = await lookup(hash);
      if (!row || row.revoked_at) return null;
      // Constant-time compare of the stored hash (defence in depth against a cache keyed by a near-miss).
      if (!timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) return null;
      usage.set(row.id, { last_used_at: nowIso(), last_ip: ip });
      return { tokenId: row.id, name: row.name, role: row.role, asn: row.asn };
    },

    /** Write last-used times gathered since the previous flush. */
    async flushUsage(): Promise<void> {
      if (!usage.size) return;
      const rows = [...usage.entries()].map(([id, u]) => ({ id, ...u }));
      usage.clear();
      await repo.recordUsage(rows);
    },

    /**
     * First start: register IXMETER_ADMIN_TOKEN when given; otherwise, if no admin token exists,
     * create one and return its secret so the caller prints it once.
     */
    async bootstrapAdmin(
      envToken: string | undefined,
    ): Promise<{ created: boolean; token?: string; envTokenRevoked?: boolean }> {
      if (envToken) {
        const existing = await repo.findByHash(hashToken(envToken));
        // A revoked IXMETER_ADMIN_TOKEN stays revoked: the operator must set a new one.
        if (existing?.revoked_at) return { created: false, envTokenRevoked: true };
        if (!existing) {
          await insertWithSecret(
            { role: 'admin', name: 'IXMETER_ADMIN_TOKEN', createdBy: 'bootstrap' },
            envToken,
            `${ENV_ADMIN_ID}_${hashToken(envToken).slice(0, 8)}`,
          );
        }
        return { created: false };
      }
      if ((await repo.countActiveAdmins()) > 0) return { created: false };
      const { token } = await insertWithSecret(
        { role: 'admin', name: 'first admin (bootstrap)', createdBy: 'bootstrap' },
        newTokenSecret(),
        `tok_${randomBytes(8).toString('hex')}`,
      );
      return { created: true, token };
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;

/**
 * Append-only, hash-chained audit log. Each process writes one chain (chain_id = host:pid:start);
 * row n stores SHA-256(prev_hash | canonical fields), so deleting or editing a row breaks the chain
 * for every later row (verifyChain). Writes are serialized; a failed write is retried with the next.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../shared/logger.js';

export interface AuditEvent {
  actor: string;
  role: string;
  action: string;
  object: string;
  outcome: 'ok' | 'denied' | 'error';
  sourceIp: string;
  details?: Record<string, unknown>;
}

export interface AuditRow {
  ts: string;
  chain_id: string;
  seq: number;
  actor: string;
  role: string;
  action: string;
  object: string;
  outcome: string;
  source_ip: string;
  details: string;
  prev_hash: string;
  hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

export function rowHash(prev: string, r: Omit<AuditRow, 'prev_hash' | 'hash'>): string {
  const canonical = JSON.stringify([r.ts, r.chain_id, r.seq, r.actor, r.role, r.action, r.object, r.outcome, r.source_ip, r.details]);
  return createHash('sha256').update(prev).update('|').update(canonical).digest('hex');
}

/** Returns the seq of the first broken row, or null when the chain is intact. */
export function verifyChain(rows: AuditRow[]): number | null {
  let prev = GENESIS_HASH;
  let expectSeq = 0;
  for (const r of [...rows].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    if (Number(r.seq) !== expectSeq || r.prev_hash !== prev || rowHash(prev, { ...r, seq: Number(r.seq) }) !== r.hash) return Number(r.seq);
    prev = r.hash;
    expectSeq++;
  }
  return null;
}

export function createAuditLog(client: ClickHouseClient, log: Logger) {
  const chainId = `${hostname()}:${process.pid}:${Date.now()}:${randomBytes(3).toString('hex')}`;
  let seq = 0;
  let prev = GENESIS_HASH;
  let tail: Promise<void> = Promise.resolve();

  function append(ev: AuditEvent): Promise<void> {
    const base = {
      ts: new Date().toISOString().replace('T', ' ').replace('Z', ''),
      chain_id: chainId,
      seq: seq++,
      actor: ev.actor,
      role: ev.role,
      action: ev.action,
      object: ev.object,
      outcome: ev.outcome,
      source_ip: ev.sourceIp,
      details: JSON.stringify(ev.details ?? {}),
    };
    const hash = rowHash(prev, base);
    const row: AuditRow = { ...base, prev_hash: prev, hash };
    prev = hash;
    tail = tail.catch(() => undefined).then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.insert({ table: 'audit_log', values: [row], format: 'JSONEachRow' });
          return;
        } catch (e) {
          // A lost row would break the chain for every later row: retry before giving up loudly.
          if (attempt >= 5) {
            log.error({ err: e, action: ev.action, seq: row.seq }, 'audit log write failed; the chain now has a gap');
            throw e;
          }
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    });
    return tail;
  }

  return { chainId, append, flush: () => tail.catch(() => undefined) };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

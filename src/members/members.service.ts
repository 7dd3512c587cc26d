/**
 * Member registry: import an IX-F export (file, CLI or API) as a new version of every member, and
 * move attribution keys forward in time — intervals no longer in the file are closed at the import's
 * effective time, new ones open there. Nothing earlier is rewritten, so past months keep their
 * attribution when recomputed. A file with any problem changes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import { OPEN_UNTIL_MS, type AssignmentRow, type MembersRepository, type MemberRow } from './members.repository.js';
import { parseRegistry } from './registry.js';

export interface ImportOptions {
  source: string;
  actor: string;
  /** When the new mappings take effect (default: now). */
  effectiveAtMs?: number;
  /** Do nothing when the file is byte-identical to the last import (IXMETER_MEMBERS_FILE at every start). */
  skipIfUnchanged?: boolean;
}

export interface ImportSummary {
  import_id: string;
  members: number;
  deactivated: number;
  opened: number;
  closed: number;
  effective_at: string;
  unchanged?: boolean;
}

export function createMembersService(repo: MembersRepository, onAssignmentsChanged?: () => void) {
  return {
    async importRegistry(text: string, opts: ImportOptions): Promise<ImportSummary> {
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new AppError('IXMETER_ERR_MEMBERS_INVALID', `${opts.source}: not JSON (${(e as Error).message})`);
      }
      const reg = parseRegistry(doc, opts.source);
      const now = Date.now();
      const sha = createHash('sha256').update(text).digest('hex');
      if (opts.skipIfUnchanged && (await repo.lastImportSha()) === sha) {
        return {
          import_id: '',
          members: reg.members.length,
          deactivated: 0,
          opened: 0,
          closed: 0,
          effective_at: new Date(now).toISOString(),
          unchanged: true,
        };
      }
      const eff = opts.effectiveAtMs ?? now;
      const importId = `imp_${new Date(now).toISOString().slice(0, 10).replace(/-/g, '')}_${randomBytes(4).toString('hex')}`;
      const version = now;

      const current = (await repo.assignments(now - 1)).filter((a) => a.valid_to === OPEN_UNTIL_MS);
      const wanted = new Map(reg.assignments.map((a) => [`${a.kind}|${a.key}|${a.asn}`, a]));
      const open = new Map(current.map((a) => [`${a.kind}|${a.key}|${a.asn}`, a]));
      const rows: AssignmentRow[] = [];
      let closed = 0;
      for (const [k, a] of open) {
        if (wanted.has(k)) continue;
        if (eff < a.valid_from) {
          throw new AppError(
            'IXMETER_ERR_MEMBERS_INVALID',
            `${opts.source}: effective time ${new Date(eff).toISOString()} is before ${a.kind} ${a.key} (AS${a.asn}) started on ${new Date(a.valid_from).toISOString()}; history is never rewritten`,
          );
        }
        rows.push({ ...a, valid_to: eff, import_id: importId, version });
        closed++;
      }
      let opened = 0;
      for (const [k, a] of wanted) {
        if (open.has(k)) continue;
        rows.push({
          kind: a.kind,
          key: a.key,
          asn: a.asn,
          valid_from: eff,
          valid_to: OPEN_UNTIL_MS,
          import_id: importId,
          version,
        });
        opened++;
      }

      const previous = await repo.currentMembers();
      const inFile = new Set(reg.members.map((m) => m.asn));
      const memberRows: MemberRow[] = reg.members.map((m) => ({ ...m, active: 1, import_id: importId, version }));
      let deactivated = 0;
      for (const p of previous) {
        if (!inFile.has(p.asn) && p.active) {
          memberRows.push({ ...p, active: 0, import_id: importId, version });
          deactivated++;
        }
      }
      // Members first, then keys, then the import record: a crash in between leaves keys unchanged.
      await repo.insertMembers(memberRows);
      await repo.insertAssignments(rows);
      await repo.recordImport({
        import_id: importId,
        imported_at: now,
        effective_at: eff,
        source: opts.source,
        actor: opts.actor,
        sha256: sha,
        members: reg.members.length,
        opened,
        closed,
      });
      if (rows.length) onAssignmentsChanged?.();
      return {
        import_id: importId,
        members: reg.members.length,
        deactivated,
        opened,
        closed,
        effective_at: new Date(eff).toISOString(),
      };
    },

    async list(includeInactive = false): Promise<MemberRow[]> {
      const all = await repo.currentMembers();
      return includeInactive ? all : all.filter((m) => m.active === 1);
    },

    async get(asn: number): Promise<MemberRow> {
      const m = await repo.member(asn);
      if (!m) throw new AppError('IXMETER_ERR_NOT_FOUND', `no member AS${asn}`);
      return m;
    },

    assignments: (sinceMs?: number) => repo.assignments(sinceMs),
  };
}

export type MembersService = ReturnType<typeof createMembersService>;

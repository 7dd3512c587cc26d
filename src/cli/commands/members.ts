/** `ixmeter members import FILE [--effective ISO]`: local storage or the running service's API. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createMembersRepository } from '../../members/members.repository.js';
import { createMembersService, type ImportSummary } from '../../members/members.service.js';
import { AppError } from '../../shared/errors.js';
import { withLocalOrApi } from '../local-or-api.js';

export async function runMembersImport(file: string, o: { effective?: string }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('IXMETER_ERR_MEMBERS_INVALID', `cannot read ${file}: ${(e as Error).message}`);
  }
  let effectiveAtMs: number | undefined;
  if (o.effective) {
    effectiveAtMs = Date.parse(o.effective);
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.effective) ||
      Number.isNaN(effectiveAtMs)
    ) {
      throw new AppError(
        'IXMETER_ERR_VALIDATION',
        `--effective ${o.effective}: use ISO 8601 with an offset, e.g. 2026-11-15T00:00:00+08:00`,
      );
    }
  }
  const summary = await withLocalOrApi<ImportSummary>(
    async ({ storage, audit }) => {
      const s = await createMembersService(createMembersRepository(storage.client)).importRegistry(text, {
        source: resolve(file),
        actor: 'cli',
        effectiveAtMs,
      });
      await audit.append({
        actor: 'cli',
        role: 'admin',
        action: 'members.import',
        object: s.import_id,
        outcome: 'ok',
        sourceIp: 'local',
        details: { ...s, file: resolve(file) },
      });
      return s;
    },
    async (api) =>
      (await api(
        'POST',
        `/members/import${o.effective ? `?effective=${encodeURIComponent(o.effective)}` : ''}`,
        JSON.parse(text),
      )) as ImportSummary,
  );
  process.stdout.write(
    `imported ${summary.members} members (${summary.deactivated} no longer listed): ${summary.opened} attribution keys opened, ${summary.closed} closed, effective ${summary.effective_at} [${summary.import_id}]\n`,
  );
}

/** Fee imports (all or nothing) and reads. */
import { createHash, randomBytes } from 'node:crypto';
import type { MembersService } from '../members/members.service.js';
import type { ProgrammeRepository } from '../programme/programme.repository.js';
import { AppError } from '../shared/errors.js';
import { formatFen } from '../subsidies/money.js';
import { csvRows, validateFees, xlsxRows, type FeeInputRow, type FeeProblem } from './fees-parse.js';

export type FeeFormat = 'csv' | 'xlsx' | 'json';

export function createFeesService(repo: ProgrammeRepository, members: MembersService) {
  return {
    /** Import a fee file; refused with every problem listed (IXMETER_ERR_FEES_INVALID) and nothing written. */
    async import(body: Buffer | FeeInputRow[], format: FeeFormat, actor: string, source = 'upload') {
      const parsed =
        format === 'json'
          ? { rows: (body as FeeInputRow[]).map((v, i) => ({ row: i + 1, v })), problems: [] as FeeProblem[] }
          : format === 'xlsx'
            ? await xlsxRows(body as Buffer)
            : csvRows(body as Buffer);
      const known = new Set((await members.list(true)).map((m) => m.asn));
      const v = parsed.problems.length ? { fees: [], problems: parsed.problems } : validateFees(parsed.rows, known);
      if (v.problems.length) {
        const lines = v.problems.map(
          (p) => `${p.row ? `row ${p.row}` : 'file'}${p.column ? ` (${p.column})` : ''}: ${p.message}`,
        );
        throw new AppError(
          'IXMETER_ERR_FEES_INVALID',
          `fee file refused, nothing imported (${v.problems.length} problem${v.problems.length > 1 ? 's' : ''}):\n  ${lines.join('\n  ')}`,
          { details: v.problems },
        );
      }
      const importId = `fees-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
      const now = Date.now();
      const sha256 = createHash('sha256')
        .update(Buffer.isBuffer(body) ? body : JSON.stringify(body))
        .digest('hex');
      await repo.insertFees(
        v.fees.map((f) => ({
          asn: f.asn,
          month: f.month,
          invoiced_fen: f.invoicedFen.toString(),
          paid_fen: f.paidFen.toString(),
          import_id: importId,
          imported_at: now,
          imported_by: actor,
        })),
        { import_id: importId, source, sha256, imported_at: now, imported_by: actor },
      );
      return { import_id: importId, rows: v.fees.length, sha256 };
    },
    async list(from: string, to: string) {
      return (await repo.fees(from, to)).map((f) => ({
        asn: f.asn,
        month: f.month,
        invoiced_cny: formatFen(BigInt(f.invoiced_fen)),
        paid_cny: formatFen(BigInt(f.paid_fen)),
        import_id: f.import_id,
        imported_by: f.imported_by,
      }));
    },
  };
}

export type FeesService = ReturnType<typeof createFeesService>;

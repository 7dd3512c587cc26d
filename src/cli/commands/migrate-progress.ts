/**
 * What `ixmeter migrate` shows while a backfill copies: a progress bar per backfill on a terminal, one line
 * per chunk otherwise (logs, CI, a test reading stderr), e.g.
 *   backfill member_io_5m (0011_create_member_io_5m.sql): chunk 202409 copied, 3/36 chunks, 12000/144000 source rows
 * `skipped` = copied by an earlier, interrupted run; `redone` = half-copied by it, deleted and copied again.
 */
import cliProgress from 'cli-progress';
import type { BackfillProgress, ProgressSink } from '../../storage/clickhouse/backfill.js';

export function backfillProgressLine(p: BackfillProgress): string {
  return `backfill ${p.target} (${p.migration}): chunk ${p.chunk} ${p.state}, ${p.done}/${p.chunks} chunks, ${p.rowsDone}/${p.sourceRows} source rows`;
}

export function migrateProgress(stream: NodeJS.WriteStream = process.stderr): { sink: ProgressSink; stop(): void } {
  if (!stream.isTTY) return { sink: (p) => stream.write(`${backfillProgressLine(p)}\n`), stop: () => undefined };
  let bar: cliProgress.SingleBar | undefined;
  let current = '';
  let skipped = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const sink: ProgressSink = (p) => {
    if (current !== p.migration) {
      stop();
      current = p.migration;
      skipped = 0;
      bar = new cliProgress.SingleBar(
        {
          format: `backfill ${p.target} [{bar}] {percentage}% | {value}/{total} chunks | {rows} | {note}`,
          hideCursor: true,
          stream,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(p.chunks, 0, { rows: '', note: '' });
    }
    if (p.state === 'skipped') skipped++;
    bar?.update(p.done, {
      rows: `${p.rowsDone}/${p.sourceRows} rows`,
      note: skipped ? `${skipped} already copied (resumed)` : '',
    });
    if (p.done === p.chunks) stop();
  };
  return { sink, stop };
}

/**
 * Bench part: kill -9 under load (tests/helpers/crash-run.ts) at BENCH_CRASH_RATES (default 100000,500000)
 * flows/s for BENCH_CRASH_SECONDS (default 10), with and without the write-ahead (IXMETER_WRITE_AHEAD),
 * IXMETER_FLUSH_INTERVAL_MS = 1000. Run: node dist/tests/bench/crash-loss.js. Prints one line per run and
 * a JSON array on stdout. The goal: decoded-and-lost ≤ 1.5 s of the offered rate.
 */
import { loadavg } from 'node:os';
import { crashLine, crashRun } from '../helpers/crash-run.js';

export async function benchCrashLoss(): Promise<unknown[]> {
  const rates = (process.env.BENCH_CRASH_RATES ?? '100000,500000').split(',').map(Number);
  const seconds = Number(process.env.BENCH_CRASH_SECONDS ?? 10);
  const out = [];
  for (const rate of rates) {
    for (const writeAhead of [true, false]) {
      const r = await crashRun({ rate, durationMs: seconds * 1000, flushMs: 1000, writeAhead });
      process.stderr.write(
        `crash-loss ${rate}/s write-ahead ${writeAhead ? 'on' : 'off'} (load ${loadavg()[0]!.toFixed(1)}): ${crashLine(r)}\n`,
      );
      out.push({ ...r, writeAhead, load1: loadavg()[0] });
    }
  }
  return out;
}

if (process.argv[1]?.endsWith('crash-loss.js') || process.argv[1]?.endsWith('crash-loss.ts')) {
  process.stdout.write(`${JSON.stringify(await benchCrashLoss(), null, 1)}\n`);
}

/**
 * End-to-end benchmark adapter for pmacct's nfacctd (sfacctd for sFlow): print plugin writing CSV,
 * counted as Σ PACKETS after SIGINT (the cache is purged on exit).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, stopChild, udpSockets, waitFor } from './processes.js';
import type { RunCtx, Running } from './types.js';

export async function startPmacct(ctx: RunCtx): Promise<Running> {
  const daemon = ctx.protocol === 'sflow' ? 'sfacctd' : 'nfacctd';
  const k = daemon;
  const out = join(ctx.dir, 'out');
  mkdirSync(out, { recursive: true });
  const conf = join(ctx.dir, `${daemon}.conf`);
  const logfile = join(ctx.dir, `${daemon}.log`);
  writeFileSync(
    conf,
    [
      'daemonize: false',
      `${k}_ip: 127.0.0.1`,
      `${k}_port: ${ctx.port}`,
      `${k}_pipe_size: ${ctx.opts.recvBufferBytes}`,
      // core → plugin ring: generous (pmacct's advice: buffer ≈ pipe/1000) so that it is not the bottleneck
      'plugin_pipe_size: 268435456',
      'plugin_buffer_size: 268435',
      `logfile: ${logfile}`,
      `pidfile: ${join(ctx.dir, `${daemon}.pid`)}`,
      'plugins: print[p]',
      'aggregate[p]: src_host,dst_host,src_port,dst_port,proto,src_mac,dst_mac',
      'print_output[p]: csv',
      `print_output_file[p]: ${join(out, 'out-%s.csv')}`,
      'print_output_file_append[p]: true',
      'print_refresh_time[p]: 5',
      'print_cache_entries[p]: 65537',
      '',
    ].join('\n'),
  );
  const p = start(daemon, ['-f', conf]);
  const logText = () => {
    try {
      return readFileSync(logfile, 'utf8');
    } catch {
      return '';
    }
  };
  await waitFor(`${daemon} socket`, 15_000, () =>
    udpSockets(ctx.port).length > 0
      ? true
      : p.child.exitCode !== null
        ? Promise.reject(new Error(`${daemon} exited: ${logText().slice(-800)}${p.out().slice(-300)}`))
        : null,
  );
  // The print plugin must be up too (it logs its cache size).
  await waitFor(`${daemon} print plugin`, 10_000, () => (/cache entries=/.test(logText()) ? true : null)).catch(
    () => undefined,
  );
  return {
    daemon,
    pid: p.child.pid,
    settle: async () => ({}),
    // SIGINT: the core flushes its buffer to the plugin, which purges its cache to the CSV and exits.
    stop: async () => ({ ...(await stopChild(p.child, p.exited, 'SIGINT', 30_000)) }),
    count: async () => {
      let sum = 0,
        rows = 0;
      for (const f of readdirSync(out)) {
        const lines = readFileSync(join(out, f), 'utf8').split('\n');
        let idx = -1;
        for (const line of lines) {
          if (line.startsWith('SRC_MAC') || line.includes('PACKETS')) {
            idx = line.split(',').indexOf('PACKETS');
            continue;
          }
          if (!line || idx < 0) continue;
          const v = Number(line.split(',')[idx]);
          if (Number.isFinite(v)) {
            sum += v;
            rows++;
          }
        }
      }
      const pipe = /_pipe_size: obtained=(\d+)/.exec(logText());
      const warnings = (logText().match(/WARN|ERROR/g) ?? []).length;
      return {
        stored: sum,
        countedBy: `Σ PACKETS in ${daemon} print CSV`,
        extra: { csvRows: rows, socketBufferObtained: pipe ? Number(pipe[1]) : null, logWarnings: warnings },
      };
    },
    logTail: () => `${logText().slice(-1500)}\n${p.out().slice(-500)}`,
  };
}

/** Spawn the built CLI (`node bin/ixmeter.js …`) as a real process, the way operators run it. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    IXMETER_LOG_LEVEL: 'warn',
    IXMETER_REDIS_AUTOSTART: 'false',
    ...extra,
  };
}

export function spawnCli(args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['bin/ixmeter.js', ...args], {
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 60_000) {
  return spawnSync(process.execPath, ['bin/ixmeter.js', ...args], {
    env: baseEnv(env),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}

export async function waitForHealth(url: string, timeoutMs: number): Promise<{ status: string; [k: string]: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/api/v1/health`);
      if (r.status === 200) return (await r.json()) as { status: string };
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`no healthy answer from ${url} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

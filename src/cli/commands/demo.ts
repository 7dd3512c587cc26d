/** `ixmeter demo`: synthetic exporters driving the local service (see src/demo/run.ts). */
import { InvalidArgumentError } from 'commander';
import { runDemo } from '../../demo/run.js';

export function parsePositive(what: string, integer: boolean) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
      throw new InvalidArgumentError(`${what} must be a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

export async function runDemoCommand(o: { duration?: number; members: number; rate: number }): Promise<void> {
  await runDemo({ durationS: o.duration, members: o.members, rate: o.rate });
}

/** Decoder state (templates, sampler tables, sequences) persisted to $IXMETER_DATA_DIR/collector so a restart loses nothing. */
import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NetflowStateOptions } from '../decoders/netflow/index.js';
import {
  createDecoderState,
  restoreDecoderState,
  serializeDecoderState,
  type DecoderState,
} from '../decoders/decode.js';

export function loadDecoderState(
  path: string,
  opts?: Partial<NetflowStateOptions>,
): { state: DecoderState; restored: boolean; error?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { state: createDecoderState(opts), restored: false };
  }
  try {
    return { state: restoreDecoderState(JSON.parse(text), opts), restored: true };
  } catch (e) {
    return {
      state: createDecoderState(opts),
      restored: false,
      error: `cannot restore ${path}: ${(e as Error).message}`,
    };
  }
}

export function saveDecoderState(path: string, state: DecoderState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(serializeDecoderState(state)));
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

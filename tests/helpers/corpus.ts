/** The shared capture corpus (../shared/corpus, next to the repository) as UDP payloads in replay order. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths.js';
import { readPcapUdp } from './pcap.js';

/** The one place the corpus is found: next to the repository, never a machine path. */
export const CORPUS_DIR = join(packageRoot(), '..', 'shared', 'corpus');

let reported = false;

/** A file or folder of the corpus, e.g. corpusPath('sflow5', 'x.pcap'). */
export function corpusPath(...parts: string[]): string {
  return join(CORPUS_DIR, ...parts);
}

/**
 * Whether the corpus is there. When it is not, says so once per test file, in one line of the test output
 * (the tests that need it are skipped; the decoders' generated captures still cover the core paths).
 */
export function corpusAvailable(): boolean {
  if (existsSync(CORPUS_DIR)) return true;
  if (!reported) {
    reported = true;
    console.warn(
      `corpus: ${CORPUS_DIR} not found (../shared/corpus next to the repository): the tests that need it are skipped`,
    );
  }
  return false;
}

/** Every datagram of every capture, folder by folder, file by file (templates before data within sequences). */
export function corpusPayloads(
  folders = ['netflow1', 'netflow5', 'netflow9', 'ipfix', 'sflow5', '_sequences'],
): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of folders) {
    const d = join(CORPUS_DIR, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d)
      .filter((x) => x.endsWith('.pcap'))
      .sort()) {
      for (const p of readPcapUdp(join(d, f))) out.push(p.payload);
    }
  }
  return out;
}

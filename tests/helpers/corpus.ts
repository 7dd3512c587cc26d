/** The shared capture corpus (../shared/corpus, next to the repository) as UDP payloads in replay order. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths.js';
import { readPcapUdp } from './pcap.js';

export const CORPUS_DIR = join(packageRoot(), '..', 'shared', 'corpus');

export function corpusAvailable(): boolean {
  return existsSync(CORPUS_DIR);
}

/** Every datagram of every capture, folder by folder, file by file (templates before data within sequences). */
export function corpusPayloads(folders = ['netflow1', 'netflow5', 'netflow9', 'ipfix', 'sflow5', '_sequences']): Buffer[] {
  const out: Buffer[] = [];
  for (const dir of folders) {
    const d = join(CORPUS_DIR, dir);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter((x) => x.endsWith('.pcap')).sort()) {
      for (const p of readPcapUdp(join(d, f))) out.push(p.payload);
    }
  }
  return out;
}

import { describe, expect, it } from 'vitest';
import { parseProcNetUdp } from './kernel-drops.js';

const SAMPLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  412: 00000000:0807 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40123 2 0000000000000000 17
  413: 0100007F:18EB 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40124 2 0000000000000000 0
  414: 00000000:1283 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 40125 2 0000000000000000 3
`;

describe('/proc/net/udp drops', () => {
  it('sums the drops column per watched port', () => {
    const m = parseProcNetUdp(SAMPLE, new Set([2055, 4739, 6379]));
    expect(m.get(2055)).toBe(17);
    expect(m.get(4739)).toBe(3);
    expect(m.get(6379)).toBe(0);
    expect(parseProcNetUdp(SAMPLE, new Set([9999])).size).toBe(0);
  });
});

/**
 * Exporter health survives a real restart: `ixmeter serve` as a process receives NetFlow v9 and sFlow,
 * is stopped (SIGTERM), started again on the same data directory, and GET /exporters shows the same
 * exporters with the same last-seen times and counters before any new datagram arrives; new traffic
 * then continues the counters.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  dataSet,
  record,
  templateSet,
  v9Packet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import { counterSample, datagram, genericCounters } from '../../collectors/decoders/sflow/testing/encode.js';
import { freeTcpPort, freeUdpPort, tempDir } from '../helpers/env.js';
import { sendDatagrams } from '../helpers/in-process.js';
import { spawnCli, waitForHealth, type Spawned } from '../helpers/service.js';

const dir = tempDir();
const ADMIN = 'e2e-admin-token-restart-0123456789';
let proc: Spawned | undefined;
afterAll(async () => {
  if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
  dir.cleanup();
});

const FIELDS: FieldSpec[] = [
  { id: 8, len: 4 },
  { id: 12, len: 4 },
  { id: 2, len: 4 },
  { id: 1, len: 4 },
];
const v9 = (seq: number) =>
  v9Packet({ sourceId: 3, seq }, [
    templateSet(9, [{ id: 300, fields: FIELDS }]),
    dataSet(300, [record(FIELDS, ['10.0.0.1', '10.0.0.2', 1, 100])]),
  ]);
const sflow = (seq: number) =>
  datagram({
    agent: '10.9.9.5',
    sequence: seq,
    samples: [counterSample({ sequence: seq, sourceIndex: 2, records: [genericCounters({ ifIndex: 2 })] })],
  });

type Ex = {
  address: string;
  udp_source: string | null;
  packets: number;
  flows: number;
  counter_samples: number;
  first_seen: string;
  last_seen: string;
  status: string;
};

describe('exporter health across a restart', () => {
  it('shows the same exporters and last-seen times after a restart, before new traffic', async () => {
    const http = await freeTcpPort();
    const udp = await freeUdpPort();
    const env = {
      IXMETER_DATA_DIR: dir.path,
      IXMETER_HTTP_PORT: String(http),
      IXMETER_ADMIN_TOKEN: ADMIN,
      IXMETER_NETFLOW_PORT: String(udp),
      IXMETER_IPFIX_PORT: '0',
      IXMETER_SFLOW_PORT: '0',
      IXMETER_FLUSH_INTERVAL_MS: '200',
    };
    const url = `http://127.0.0.1:${http}`;
    const list = async (): Promise<Ex[]> => {
      const r = await fetch(`${url}/api/v1/exporters`, { headers: { authorization: `Bearer ${ADMIN}` } });
      return ((await r.json()) as { exporters: Ex[] }).exporters.sort((a, b) => a.address.localeCompare(b.address));
    };
    proc = spawnCli(['serve'], env);
    await waitForHealth(url, 90_000);
    await sendDatagrams(udp, [v9(1), v9(2)], { from: '127.0.0.31' });
    await sendDatagrams(udp, [sflow(1), sflow(2), sflow(3)], { from: '127.0.0.32' });
    let before: Ex[] = [];
    for (let i = 0; i < 100 && !(before.length === 2 && before.every((e) => e.packets > 1)); i++) {
      await new Promise((r) => setTimeout(r, 200));
      before = await list();
    }
    expect(before.map((e) => [e.address, e.packets, e.flows, e.counter_samples])).toEqual([
      ['10.9.9.5', 3, 0, 3],
      ['127.0.0.31', 2, 2, 0],
    ]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);

    proc = spawnCli(['serve'], env);
    await waitForHealth(url, 90_000);
    const after = await list();
    const pick = (l: Ex[]) =>
      l.map(({ address, udp_source, packets, flows, counter_samples, first_seen, last_seen }) => ({
        address,
        udp_source,
        packets,
        flows,
        counter_samples,
        first_seen,
        last_seen,
      }));
    expect(pick(after)).toEqual(pick(before));

    await sendDatagrams(udp, [v9(3)], { from: '127.0.0.31' });
    let again: Ex[] = [];
    for (let i = 0; i < 50 && again.find((e) => e.address === '127.0.0.31')?.packets !== 3; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await list();
    }
    const e = again.find((x) => x.address === '127.0.0.31')!;
    expect(e.packets).toBe(3);
    expect(e.flows).toBe(3);
    expect(Date.parse(e.last_seen)).toBeGreaterThan(
      Date.parse(before.find((x) => x.address === '127.0.0.31')!.last_seen),
    );
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  }, 300_000);
});

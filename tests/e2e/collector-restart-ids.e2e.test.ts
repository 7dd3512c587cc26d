/** A restarted collector keeps its id: its batch ids (ClickHouse deduplication tokens) must still be new, or the first batches after a restart are dropped as duplicates of the previous run (seen: 1 of 2 flows stored). */
import { expect, it } from 'vitest';
import {
  dataSet,
  record,
  templateSet,
  v9Packet,
  type FieldSpec,
} from '../../collectors/decoders/netflow/testing/encode.js';
import { tempDir } from '../helpers/env.js';
import { queryOne, sendDatagrams, startTestService, waitFor } from '../helpers/in-process.js';
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
it('stores the flows of a restarted collector (batch ids are unique per start)', async () => {
  const dir = tempDir();
  const env = { IXMETER_CLICKHOUSE_DATABASE: `restart_ids_${Date.now().toString(36)}` };
  let t = await startTestService(dir.path, env);
  await sendDatagrams(t.port, [v9(1)], { from: '127.0.0.41' });
  await waitFor(
    async () => (await queryOne<{ n: string }>(t.svc, 'SELECT toString(count()) AS n FROM flows_raw')).n === '1',
    10000,
    'one',
  );
  await t.svc.stop();
  t = await startTestService(dir.path, { ...env, IXMETER_NETFLOW_PORT: String(t.port) });
  await sendDatagrams(t.port, [v9(2)], { from: '127.0.0.41' });
  await new Promise((r) => setTimeout(r, 3000));
  const n = (await queryOne<{ n: string }>(t.svc, 'SELECT toString(count()) AS n FROM flows_raw')).n;
  await t.svc.stop();
  dir.cleanup();
  expect(n).toBe('2');
}, 60000);

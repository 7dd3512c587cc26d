import { describe, expect, it } from 'vitest';
import { chunkedInsert, parseBackfillDirective, RELEASED_BACKFILLS } from './backfill.js';
import { defaultMigrationsDir, readMigrations } from './migrate.js';
import { renderStatements, splitStatements } from './render.js';

const vars = { RAW_RETENTION_DAYS: 190, ROLLUP_RETENTION_DAYS: 1827 };

describe('backfill directive', () => {
  it('parses source, chunk and target_chunk (target_chunk defaults to chunk)', () => {
    expect(parseBackfillDirective('source=flows_raw chunk=toYYYYMM(received_at) target_chunk=toYYYYMM(day)')).toEqual({
      source: 'flows_raw',
      chunk: 'toYYYYMM(received_at)',
      targetChunk: 'toYYYYMM(day)',
    });
    expect(parseBackfillDirective('source=s chunk=toYYYYMM(bucket)').targetChunk).toBe('toYYYYMM(bucket)');
  });

  it('refuses a directive without source or chunk, or with a token that is not key=value', () => {
    expect(() => parseBackfillDirective('chunk=toYYYYMM(bucket)')).toThrow(/needs source/);
    expect(() => parseBackfillDirective('source=s')).toThrow(/needs chunk/);
    expect(() => parseBackfillDirective('source=s chunk=x junk')).toThrow(/not key=value/);
    expect(() => parseBackfillDirective('source=a.b chunk=x')).toThrow(/table name/);
  });

  it('marks exactly one INSERT in each backfilling migration, released ones from RELEASED_BACKFILLS; each renders to a chunked INSERT in both modes', () => {
    const marked: string[] = [];
    for (const cluster of [undefined, 'ixmeter']) {
      const sharded = new Set<string>();
      for (const file of readMigrations(defaultMigrationsDir())) {
        const parsed = splitStatements(file.text);
        const released = RELEASED_BACKFILLS[file.name];
        for (const st of parsed) {
          const out = renderStatements([st], { cluster, vars }, sharded);
          const directive = st.backfill ?? (released && /^INSERT\b/i.test(st.sql) ? released : undefined);
          if (!directive) continue;
          if (!cluster) marked.push(file.name);
          expect(out).toHaveLength(1);
          const target = /^INSERT\s+INTO\s+(\w+)/i.exec(out[0]!)![1]!;
          const sql = chunkedInsert(out[0]!, target, parseBackfillDirective(directive));
          expect(sql, file.name).toMatch(/\) = \{backfill_chunk:Int64\}/);
          expect(sql, file.name).not.toMatch(/SELECT count\(\) FROM/i);
        }
      }
    }
    expect(marked).toEqual([
      '0011_create_member_io_5m.sql',
      '0012_create_member_traffic_1h.sql',
      '0020_create_member_exporters_1d.sql',
      '0040_create_member_traffic_1d.sql',
      '0041_create_fabric_traffic_5m.sql',
    ]);
  });

  it('refuses an INSERT without the emptiness guard', () => {
    expect(() =>
      chunkedInsert('INSERT INTO t SELECT * FROM s', 't', {
        source: 's',
        chunk: 'toYYYYMM(bucket)',
        targetChunk: 'toYYYYMM(bucket)',
      }),
    ).toThrow(/guard/);
  });
});

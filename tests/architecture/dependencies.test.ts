/**
 * The dependency rule (.dependency-cruiser.cjs, docs/architecture.md) holds for the code, every listed exception is
 * still needed, and a new violation fails: the rules are run on a small fixture tree that breaks each of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/paths.js';

const ROOT = packageRoot();
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
/** What `npm run depcruise` checks. */
const SCOPE = ['src', 'collectors', 'bin', 'scripts'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}
interface CruiseModule {
  source: string;
  dependencies: { resolved: string }[];
}
interface CruiseResult {
  modules: CruiseModule[];
  summary: { violations: Violation[] };
}

/** Runs the depcruise CLI (the same one `npm run depcruise` runs) and returns its JSON result. */
function cruise(cwd: string, config: string, paths: string[]): CruiseResult {
  const out = execFileSync(process.execPath, [DEPCRUISE, ...paths, '--config', config, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return JSON.parse(out) as CruiseResult;
}

const lines = (vs: Violation[]): string[] => vs.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();

describe('dependency rule', () => {
  const result = cruise(ROOT, CONFIG, SCOPE);

  it('holds for the code (no violation beyond the listed exceptions)', () => {
    expect(lines(result.summary.violations)).toEqual([]);
  });

  it('lists no exception that the code no longer needs (delete the line when an edge is gone)', () => {
    const known = (createRequire(import.meta.url)(CONFIG) as { KNOWN_VIOLATIONS: string[][] }).KNOWN_VIOLATIONS;
    expect(known.length).toBeGreaterThan(0);
    const edges = new Set(result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} → ${d.resolved}`)));
    const stale = known.filter(([, from, to]) => !edges.has(`${from} → ${to}`)).map((k) => k.join(' '));
    expect(stale).toEqual([]);
  });
});

describe('a new violation fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ixmeter-depcruise-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fixture tree: each file imports the listed modules (extensionless; the fixture has no tsconfig). */
  const files: Record<string, string[]> = {
    'src/shared/base.ts': ['../api/app'],
    'src/api/app.ts': ['../jobs/queue'],
    'src/jobs/queue.ts': [],
    'src/members/registry.ts': ['../traffic/traffic.service', '../../collectors/part'],
    'src/traffic/traffic.service.ts': ['../members/members.service'],
    'src/members/members.service.ts': ['../../tests/helpers/pcap'],
    // a folder nobody has classified yet is a domain folder
    'src/notices/notice.ts': ['../jobs/queue'],
    // a cycle between two modules (reported once)
    'src/traffic/a.ts': ['./b'],
    'src/traffic/b.ts': ['./a'],
    'tests/helpers/pcap.ts': [],
    // a file with a listed exception keeps it, and gains no other
    'src/subsidies/engine.ts': ['../statements/canonical', '../statements/statement.ts.new'],
    'src/statements/canonical.ts': [],
    'src/statements/statement.ts.new.ts': [],
    'collectors/part.ts': ['../src/runtime/service'],
    'collectors/decoders/decode.ts': ['../../src/config/load'],
    'src/config/load.ts': ['../members/members.service'],
    'src/runtime/service.ts': ['../cli/main', '../demo/run'],
    'src/cli/main.ts': [],
    'src/demo/run.ts': [],
  };
  for (const [file, imports] of Object.entries(files)) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    const body = imports.map((m, i) => `import * as m${i} from '${m}';\nexport const x${i} = m${i};`).join('\n');
    writeFileSync(join(dir, file), `${body}\nexport const here = 1;\n`);
  }
  // The real rules; only the tsconfig (for .js → .ts resolution) is left out.
  writeFileSync(
    join(dir, 'depcruise.cjs'),
    `const c = require(${JSON.stringify(CONFIG)});\n` +
      'module.exports = { ...c, options: { ...c.options, tsConfig: undefined } };\n',
  );

  it('reports every broken rule, by name, and nothing else', () => {
    const found = lines(cruise(dir, join(dir, 'depcruise.cjs'), ['src', 'collectors']).summary.violations);
    expect(found).toEqual(
      [
        'shared-is-the-base: src/shared/base.ts → src/api/app.ts',
        'api-is-an-adapter: src/api/app.ts → src/jobs/queue.ts',
        'no-test-code-in-production: src/members/members.service.ts → tests/helpers/pcap.ts',
        'domain-below-adapters: src/members/registry.ts → collectors/part.ts',
        'domain-below-adapters: src/notices/notice.ts → src/jobs/queue.ts',
        'no-circular-modules: src/traffic/a.ts → src/traffic/b.ts',
        'no-cycles-between-domain-folders: src/members → src/traffic',
        'no-cycles-between-domain-folders: src/traffic → src/members',
        'subsidies-do-not-import-statements: src/subsidies/engine.ts → src/statements/statement.ts.new.ts',
        'collectors-are-an-adapter: collectors/part.ts → src/runtime/service.ts',
        'flows-and-decoders-are-pure: collectors/decoders/decode.ts → src/config/load.ts',
        'config-and-storage-below-domain: src/config/load.ts → src/members/members.service.ts',
        'composition-below-cli: src/runtime/service.ts → src/cli/main.ts',
        'runtime-does-not-import-demo: src/runtime/service.ts → src/demo/run.ts',
      ].sort(),
    );
  });
});

/**
 * The dependency rule (issue #14 item 2), written out in docs/architecture.md.
 * `npm test` runs it (tests/architecture/dependencies.test.ts); by hand: `npm run depcruise`.
 *
 * Layers, each importing only the ones below it (and itself):
 *
 *   cli
 *   runtime, demo                     composition roots
 *   collectors, api, jobs             adapters (siblings: they do not import each other)
 *   domain folders                    every other folder of src/; no cycles between them
 *   config, storage
 *   flows (src/flows, collectors/decoders: pure, import only flows and shared)
 *   shared
 *
 * Test code (`*.test.ts`, `tests/`, `testing/` folders) may import anything; production code imports no test code.
 *
 * KNOWN_VIOLATIONS lists every edge of today's code that breaks a rule, each with the #14 item that removes it.
 * They are exact (file → file): a new import that breaks a rule fails, from any file, listed or not.
 * When a later change removes an edge, delete its line here (a stale exception fails the test too).
 */

/** Folders of src/ that are not domain folders; every other folder of src/ (a new one too) is a domain folder. */
const NOT_DOMAIN = 'shared|flows|config|storage|api|jobs|runtime|demo|cli|web';
const DOMAIN_FILE = `^src/(?!(?:${NOT_DOMAIN})/)[^/]+/`;
const DOMAIN_FOLDER = `^src/(?!(?:${NOT_DOMAIN})$)[^/]+$`;
/**
 * Domain folders left out of no-cycles-between-domain-folders as the origin of an edge, while a known cycle between
 * them lasts (a folder rule has no per-edge exception). statements ↔ subsidies: removed by #14 item 3.
 */
const CYCLE_EXEMPT_FOLDERS = ['statements', 'subsidies'];
const TEST_CODE = '(\\.test\\.ts$|(^|/)testing/|^tests/)';

/** The layer rules, [name, what it says, from (production files), forbidden targets, allowed among those]. */
const LAYER_RULES = [
  [
    'shared-is-the-base',
    'src/shared imports nothing of ixmeter outside itself',
    '^src/shared/',
    '^(src/(?!shared/)|collectors/)',
  ],
  [
    'flows-and-decoders-are-pure',
    'src/flows and the decoders import only src/flows and src/shared (and their own folder)',
    '^(src/flows|collectors/decoders)/',
    '^(src/|collectors/)',
    '^(src/(flows|shared)/|collectors/decoders/)',
  ],
  [
    'config-and-storage-below-domain',
    'src/config and src/storage import only flows and shared (storage may read config)',
    '^src/(config|storage)/',
    '^(src/(?!(config|storage|flows|shared)/)|collectors/)',
  ],
  [
    'domain-below-adapters',
    'domain folders never import collectors, api, jobs, runtime, demo or cli',
    DOMAIN_FILE,
    '^(collectors/|src/(api|jobs|runtime|demo|cli|web)/)',
  ],
  [
    'collectors-are-an-adapter',
    'collectors import domain, storage, config, flows and shared; never api, jobs, runtime, demo, cli',
    '^collectors/',
    '^src/(api|jobs|runtime|demo|cli)/',
  ],
  [
    'api-is-an-adapter',
    'the API imports domain and below; never collectors, jobs, runtime, demo, cli',
    '^src/api/',
    '^(collectors/|src/(jobs|runtime|demo|cli)/)',
  ],
  [
    'jobs-are-an-adapter',
    'jobs import domain and below; never collectors, api, runtime, demo, cli',
    '^src/jobs/',
    '^(collectors/|src/(api|runtime|demo|cli)/)',
  ],
  ['composition-below-cli', 'runtime and demo compose everything but the CLI', '^src/(runtime|demo)/', '^src/cli/'],
  [
    'runtime-does-not-import-demo',
    'the demo is built on the runtime, not the other way round',
    '^src/runtime/',
    '^src/demo/',
  ],
  [
    'subsidies-do-not-import-statements',
    'statements use the subsidy engine; subsidies read a narrow input of their own (#14 item 3)',
    '^src/subsidies/',
    '^src/statements/',
  ],
  [
    'no-test-code-in-production',
    'production code imports no tests/, *.test.ts or testing/ module',
    '^(src|collectors|bin|scripts)/',
    TEST_CODE,
  ],
].map(([name, comment, from, to, toNot]) => ({
  name,
  comment,
  from: { path: from, pathNot: TEST_CODE },
  to: toNot ? { path: to, pathNot: toNot } : { path: to },
}));

/** Today's violations: [rule, from file, to file, the #14 item that removes it]. */
const KNOWN_VIOLATIONS = [
  // subsidies → statements (the statements ↔ subsidies cycle): item 3, the billing kernel
  ['subsidies-do-not-import-statements', 'src/subsidies/engine.ts', 'src/statements/canonical.ts', 'item 3'],
  ['subsidies-do-not-import-statements', 'src/subsidies/engine.ts', 'src/statements/percentile.ts', 'item 3'],
  ['subsidies-do-not-import-statements', 'src/subsidies/engine.ts', 'src/statements/statement.types.ts', 'item 3'],
  ['subsidies-do-not-import-statements', 'src/subsidies/eligibility.ts', 'src/statements/time.ts', 'item 3'],
  ['subsidies-do-not-import-statements', 'src/subsidies/policy.schema.ts', 'src/statements/time.ts', 'item 3'],
  [
    'subsidies-do-not-import-statements',
    'src/subsidies/policies.service.ts',
    'src/statements/statements.repository.ts',
    'item 3',
  ],
  // the demo uses encoders from the decoders' testing/ folders: item 4 promotes them to a real module
  ['no-test-code-in-production', 'src/demo/wire.ts', 'collectors/decoders/netflow/testing/encode.ts', 'item 4'],
  ['no-test-code-in-production', 'src/demo/wire.ts', 'collectors/decoders/sflow/testing/encode.ts', 'item 4'],
  // the API reads the StatementRuns type of the jobs folder: item 2 moves the interface to src/statements
  ['api-is-an-adapter', 'src/api/deps.ts', 'src/jobs/statement-runs.ts', 'item 2'],
  ['api-is-an-adapter', 'src/api/routes/statements.routes.ts', 'src/jobs/statement-runs.ts', 'item 2'],
];

const escape = (path) => path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (paths) => `^(${paths.map(escape).join('|')})$`;

/** Each layer rule, minus its exceptions: the excepted files keep the rule for every other target. */
function withExceptions(rule) {
  const mine = KNOWN_VIOLATIONS.filter(([name]) => name === rule.name);
  if (mine.length === 0) return [{ severity: 'error', ...rule }];
  const fromFiles = [...new Set(mine.map(([, from]) => from))];
  const general = {
    severity: 'error',
    ...rule,
    from: { ...rule.from, pathNot: [rule.from.pathNot, anyOf(fromFiles)].filter(Boolean).join('|') },
  };
  const perFile = fromFiles.map((from) => {
    const allowed = mine.filter(([, f]) => f === from).map(([, , to]) => to);
    return {
      severity: 'error',
      ...rule,
      from: { path: anyOf([from]) },
      to: { ...rule.to, pathNot: [rule.to.pathNot, anyOf(allowed)].filter(Boolean).join('|') },
    };
  });
  return [general, ...perFile];
}

module.exports = {
  forbidden: [
    ...LAYER_RULES.flatMap(withExceptions),
    {
      name: 'no-cycles-between-domain-folders',
      severity: 'error',
      comment:
        'domain folders form a DAG. statements ↔ subsidies is today the one cycle: its subsidies → statements ' +
        'half is listed above (rule subsidies-do-not-import-statements), so the two are left out of this ' +
        'folder rule as the origin of an edge; a cycle through any third folder is still caught there.',
      scope: 'folder',
      from: { path: DOMAIN_FOLDER, pathNot: `^src/(${CYCLE_EXEMPT_FOLDERS.join('|')})$` },
      to: { path: DOMAIN_FOLDER, circular: true },
    },
    {
      name: 'no-circular-modules',
      severity: 'error',
      comment: 'no import cycle between two modules of production code (cycles through type-only imports are harmless)',
      from: { path: '^(src|collectors)/', pathNot: TEST_CODE },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    // test code is a leaf: its imports are not followed, so it adds no edge (and no folder cycle)
    doNotFollow: { path: ['node_modules', '\\.test\\.ts$', '^tests/'] },
    exclude: { path: '(^|/)(node_modules|dist|data|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

// For the test that checks every listed exception is still needed (not a dependency-cruiser option).
Object.defineProperty(module.exports, 'KNOWN_VIOLATIONS', { value: KNOWN_VIOLATIONS, enumerable: false });

/** The `ixmeter` command line (contract.md). Parsing only; each command lives in commands/. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ROLES } from '../auth/roles.js';
import { isAppError, errorMessage } from '../shared/errors.js';
import { runConfig } from './commands/config.js';
import { parsePositive, runDemoCommand } from './commands/demo.js';
import { runMembersImport } from './commands/members.js';
import { runMigrate } from './commands/migrate.js';
import { runStatements } from './commands/statements.js';
import { runService } from './commands/serve.js';
import { runBackup, runRestore } from './commands/backup.js';
import { runTokenCreate, runTokenList, runTokenRevoke } from './commands/token.js';
import { runExclusionsAdd, runExclusionsApprove, runExclusionsList } from './commands/exclusions.js';

function parseAsn(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 4_294_967_295)
    throw new InvalidArgumentError('an ASN is an integer from 1 to 4294967295');
  return n;
}

export function buildCli(): Command {
  const program = new Command('ixmeter')
    .description(
      'Traffic accounting, flow subsidy (流量补贴) and security monitoring for the National (Zhongwei) New-type Internet Exchange Center',
    )
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('serve')
    .description('all-in-one: collectors + API/web console + workers + scheduler (embedded ClickHouse by default)')
    .action(() => runService(['api', 'collector', 'worker']));
  program
    .command('collector')
    .description('flow collectors only (server mode: IXMETER_CLICKHOUSE_URL)')
    .action(() => runService(['collector']));
  program
    .command('api')
    .description('HTTP API and web console only (server mode)')
    .action(() => runService(['api']));
  program
    .command('worker')
    .description('BullMQ workers and scheduler only (server mode)')
    .action(() => runService(['worker']));
  program
    .command('migrate')
    .description('apply ClickHouse migrations (also applied at every start)')
    .action(runMigrate);
  program
    .command('config')
    .description('print the effective configuration, secrets redacted')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'env']).default('json'))
    .action((o: { format: 'json' | 'env' }) => runConfig(o.format));

  const token = program.command('token').description('API tokens');
  token
    .command('create')
    .description('create a token and print it once')
    .addOption(new Option('--role <role>', 'role').choices([...ROLES]).makeOptionMandatory())
    .option('--asn <asn>', 'ASN a member token is bound to', parseAsn)
    .option('--name <text>', 'who or what the token is for')
    .action((o: { role: (typeof ROLES)[number]; asn?: number; name?: string }) => runTokenCreate(o));
  token.command('list').description('list tokens (never their secrets)').action(runTokenList);
  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>')
    .action((id: string) => runTokenRevoke(id));

  const members = program.command('members').description('member registry');
  members
    .command('import')
    .description('load/refresh the member registry from an IX-F Member Export JSON file')
    .argument('<file>')
    .option(
      '--effective <iso>',
      'when the new MAC/port/IP mappings take effect (default now), e.g. 2026-11-15T00:00:00+08:00',
    )
    .action((file: string, o: { effective?: string }) => runMembersImport(file, o));
  const statements = program.command('statements').description('monthly statements and subsidies');
  statements
    .command('run')
    .description('compute (or recompute) statements and subsidies for a month')
    .requiredOption('--month <YYYY-MM>')
    .action((o: { month: string }) => runStatements(o));
  const exclusions = program
    .command('exclusions')
    .description('maintenance and data-fault exclusions from statements (four eyes: another principal approves)');
  exclusions
    .command('add')
    .description('propose an exclusion for one member (--asn) or every member (--all)')
    .option('--asn <asn>', 'the member', parseAsn)
    .option('--all', 'every member (the whole fabric)')
    .requiredOption('--from <iso>', 'start, e.g. 2026-11-10T01:00:00+08:00')
    .requiredOption('--to <iso>', 'end (after --from, at most 400 days later)')
    .addOption(new Option('--reason <reason>', 'why').choices(['maintenance', 'data_fault']).makeOptionMandatory())
    .option('--note <text>', 'ticket, what happened')
    .option('--as <name>', 'who proposes (local use; default the OS user)')
    .action(
      (o: { asn?: number; all?: boolean; from: string; to: string; reason: string; note?: string; as?: string }) =>
        runExclusionsAdd(o),
    );
  exclusions
    .command('approve')
    .description('approve a proposed exclusion (not by its proposer)')
    .argument('<id>')
    .option('--as <name>', 'who approves (local use; default the OS user)')
    .action((id: string, o: { as?: string }) => runExclusionsApprove(id, o));
  exclusions
    .command('list')
    .description('list exclusions')
    .option('--month <YYYY-MM>')
    .option('--asn <asn>', 'one member (and the fabric-wide ones)', parseAsn)
    .action((o: { month?: string; asn?: number }) => runExclusionsList(o));
  program
    .command('backup')
    .description(
      'online backup of all data (ClickHouse tables, spool, collector state) into a new directory DIR, while serve runs',
    )
    .argument('<dir>')
    .option(
      '--verify',
      're-check an existing backup DIR against its manifest (sizes, SHA-256, row counts) without restoring it',
    )
    .option(
      '--keep <n>',
      'scheduled use: write DIR/ixmeter-<UTC time>/ and keep the newest N complete backups in DIR',
      parsePositive('--keep', true),
    )
    .action((dir: string, o: { verify?: boolean; keep?: number }) => runBackup(dir, o));
  program
    .command('restore')
    .description('restore backup DIR into a stopped, empty IXMETER_DATA_DIR (verifies the manifest first)')
    .argument('<dir>')
    .action((dir: string) => runRestore(dir));
  program
    .command('demo')
    .description(
      'a living demo exchange: starts the service if needed, seeds last month, drives the collectors with synthetic NetFlow v9/IPFIX/sFlow exporters',
    )
    .option(
      '--duration <seconds>',
      'seconds of live traffic (default: until Ctrl-C)',
      parsePositive('--duration', false),
    )
    .option('--members <n>', 'number of demo members', parsePositive('--members', true), 20)
    .option('--rate <flows-per-s>', 'NetFlow/IPFIX flow records per second', parsePositive('--rate', false), 2000)
    .action((o: { duration?: number; members: number; rate: number }) => runDemoCommand(o));
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (e) {
    process.stderr.write(`ixmeter: ${isAppError(e) ? `${e.message} [${e.code}]` : errorMessage(e)}\n`);
    process.exitCode = isAppError(e) && e.code === 'IXMETER_ERR_STORAGE_LOCKED' ? 75 : 1;
  }
}

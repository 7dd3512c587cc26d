/**
 * `ixmeter exclusions add|approve|list`: finance exclusions with four eyes (src/exclusions). Locally the
 * principal is `cli:<name>` (--as, default the operating-system user), so a second person approves under
 * their own name; with a running embedded service the commands go through its API with
 * IXMETER_ADMIN_TOKEN, whose principal is that token (approve then with another finance or admin token,
 * in the console or the API). Every step is audited.
 */
import { userInfo } from 'node:os';
import { loadConfig } from '../../config/load.js';
import { createDomainServices } from '../../runtime/domain-services.js';
import { AppError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import type { ExclusionView } from '../../exclusions/exclusions.service.js';
import { withLocalOrApi, type Local } from '../local-or-api.js';

const principal = (as?: string) => `cli:${as ?? userInfo().username}`;

function show(x: ExclusionView): string {
  return `${x.id}\t${x.status}\t${x.asn === null ? 'all members' : `AS${x.asn}`}\t${x.from} … ${x.to}\t${x.reason}\tproposed by ${x.proposed_by}${x.approved_by ? `, approved by ${x.approved_by}` : ''}\t${x.note}`;
}

function local<T>(
  fn: (
    d: ReturnType<typeof createDomainServices>,
    audit: (
      action: string,
      object: string,
      outcome: 'ok' | 'denied',
      details?: Record<string, unknown>,
    ) => Promise<void>,
  ) => Promise<T>,
  actor: string,
) {
  return async ({ storage, audit }: Local) => {
    const d = createDomainServices(storage, loadConfig(), createLogger('warn'));
    return fn(d, async (action, object, outcome, details) => {
      await audit.append({ actor, role: 'finance', action, object, outcome, sourceIp: 'local', details });
    });
  };
}

export async function runExclusionsAdd(o: {
  asn?: number;
  all?: boolean;
  from: string;
  to: string;
  reason: string;
  note?: string;
  as?: string;
}): Promise<void> {
  if ((o.asn === undefined) === !o.all)
    throw new AppError('IXMETER_ERR_VALIDATION', 'give either --asn <asn> (one member) or --all (every member)');
  if (o.reason !== 'maintenance' && o.reason !== 'data_fault')
    throw new AppError('IXMETER_ERR_VALIDATION', `--reason must be maintenance or data_fault, got ${o.reason}`);
  const body = {
    asn: o.asn ?? null,
    from: o.from,
    to: o.to,
    reason: o.reason as 'maintenance' | 'data_fault',
    note: o.note ?? '',
  };
  const actor = principal(o.as);
  const x = await withLocalOrApi<ExclusionView>(
    local(async (d, audit) => {
      const v = await d.exclusions.propose(body, actor);
      await audit('exclusion.propose', v.id, 'ok', { ...body });
      return v;
    }, actor),
    async (api) => (await api('POST', '/exclusions', body)) as ExclusionView,
  );
  process.stdout.write(
    `${show(x)}\nproposed: another finance or admin principal approves it with: ixmeter exclusions approve ${x.id}\n`,
  );
}

export async function runExclusionsApprove(id: string, o: { as?: string }): Promise<void> {
  const actor = principal(o.as);
  const x = await withLocalOrApi<ExclusionView>(
    local(async (d, audit) => {
      try {
        const v = await d.exclusions.approve(id, actor);
        await audit('exclusion.approve', v.id, 'ok');
        return v;
      } catch (e) {
        if (e instanceof AppError && e.code === 'IXMETER_ERR_FOUR_EYES')
          await audit('exclusion.approve', id, 'denied', { reason: 'self-approval' });
        throw e;
      }
    }, actor),
    async (api) => (await api('POST', `/exclusions/${encodeURIComponent(id)}/approve`)) as ExclusionView,
  );
  process.stdout.write(`${show(x)}\napproved: it takes effect at the next statement run (a new version)\n`);
}

export async function runExclusionsList(o: { month?: string; asn?: number }): Promise<void> {
  if (o.month && !/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month))
    throw new AppError('IXMETER_ERR_VALIDATION', `--month must be YYYY-MM, got ${o.month}`);
  const q = new URLSearchParams({ ...(o.month ? { month: o.month } : {}), ...(o.asn ? { asn: String(o.asn) } : {}) });
  const list = await withLocalOrApi<ExclusionView[]>(
    local((d) => d.exclusions.list({ month: o.month, asn: o.asn }), principal()),
    async (api) => ((await api('GET', `/exclusions?${q.toString()}`)) as { exclusions: ExclusionView[] }).exclusions,
  );
  process.stdout.write(list.length ? `${list.map(show).join('\n')}\n` : 'no exclusions\n');
}

/**
 * Monthly statements: compute a member-month from the 5-minute rollup (a bucket without any collector
 * data is missing, not zero), price it under the month's policy, and keep versions: unchanged inputs
 * add nothing, changed inputs add a new draft version and keep the old ones. Inputs shared by all
 * members of a month (registry, coverage, policy, exclusions) are read once per run (month-inputs.ts);
 * per member two queries: its traffic (the per-member rollup) and its statement state (year-to-date
 * amount, latest version); new versions and events are written with concurrent computes' (group commit).
 */
import { AppError } from '../shared/errors.js';
import type { MembersService } from '../members/members.service.js';
import type { PoliciesService } from '../subsidies/policies.service.js';
import { computeSubsidy, type SubsidyResult } from '../subsidies/engine.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { buildDocument, type StatementDocument } from './document.js';
import { buildMonthlyStatement } from './statement.js';
import { BUCKET_MS, monthBounds } from './time.js';
import type { SampleInput } from './statement.types.js';
import type { EventRow, MemberMonth, StatementRow, StatementsRepository } from './statements.repository.js';
import { groupCommit } from '../storage/clickhouse/group-insert.js';
import { currentStatus } from './workflow.js';
import { monthInputsCache } from './month-inputs.js';
import { periodRowFromDocument } from './render/period.js';
import { memberCoverage, type MemberCoverage } from './coverage.js';
import { correctionsHash, coverageSection, loadMonthSources, type StatementSources } from './statement-sources.js';
import type { ProgrammeHooks, SimulationOverride } from './programme-port.js';

const EMPTY_MONTH: MemberMonth = { buckets: [[], [], []], peers: [[], [], []] };

/** What of a member's coverage decides its valid buckets (the simulation memo's key must change with it). */
function coverageKey(c: MemberCoverage): string {
  return `${c.basis}|${c.exporters.join(',')}|${JSON.stringify(c.silent)}`;
}

/** Longest a compute's write waits for those of other computes in progress (group commit). */
export const WRITE_LINGER_MS = 100;

export interface ComputeResult {
  asn: number;
  month: string;
  version: number;
  changed: boolean;
  amount_cny: string;
  /** Simulations only: the subsidy calculation (nothing was stored). */
  subsidy?: SubsidyResult | null;
}

export function createStatementsService(
  repo: StatementsRepository,
  members: MembersService,
  policies: PoliciesService,
  timezone: string,
  sources: StatementSources,
  programme?: ProgrammeHooks,
  /** Data incidents of a month (src/operations/data-incidents.ts): appended to the event note of its computes. */
  reviewNote: (month: string) => Promise<string> = async () => '',
) {
  const monthInputs = monthInputsCache(async (month) => {
    const whole = monthBounds(month, timezone);
    const [more, registry, policy, exclusions, incidentNote] = await Promise.all([
      loadMonthSources(sources, month, whole.start, whole.end),
      members.list(true),
      policies.forMonth(month),
      repo.exclusionsOverlapping(whole.start, whole.end),
      reviewNote(month),
    ]);
    return { ...more, members: new Map(registry.map((m) => [m.asn, m])), policy, exclusions, incidentNote };
  });

  // Computes in progress in this process, and their writes grouped: a new version and its 'computed' event
  // (or an 'unchanged' event) wait until every compute in progress has its write ready, at most
  // WRITE_LINGER_MS, and go out together (statements first, then events): a few inserts per run instead of two
  // per member (each insert writes a part: see group-insert.ts). A lone compute writes at once.
  let inFlight = 0;
  const write = groupCommit<{ statement?: StatementRow; event: EventRow }>(
    async (items) => {
      await repo.insertStatements(items.flatMap((i) => (i.statement ? [i.statement] : [])));
      await repo.insertEvents(items.map((i) => i.event));
    },
    { lingerMs: (queued) => (queued >= inFlight ? 0 : WRITE_LINGER_MS) },
  );

  async function compute(asn: number, month: string, actor: string, runId: string): Promise<ComputeResult> {
    inFlight++;
    try {
      return await computeOne(asn, month, actor, runId);
    } finally {
      inFlight--;
    }
  }

  async function computeOne(
    asn: number,
    month: string,
    actor: string,
    runId: string,
    sim?: SimulationOverride,
  ): Promise<ComputeResult> {
    const {
      coverage,
      financeExclusions,
      upheldDisputes,
      members: registry,
      policy: monthPolicy,
      exclusions,
      incidentNote,
    } = await monthInputs(runId, month);
    const policy = sim?.policy ?? monthPolicy; // programme: a simulation's candidate policy
    const member = registry.get(asn) ?? (await members.get(asn));
    const first = member.first_production_date;
    const bounds = monthBounds(month, timezone, first ? { from: first } : {});
    // programme: a simulation skips members not enrolled and reuses the month's policy-independent statement (src/programme/simulate.ts)
    if (sim && !member.subsidy_enrolled)
      return { asn, month, version: 0, changed: false, amount_cny: '0.00', subsidy: null };
    const excl = exclusions
      .filter((e) => e.asn === asn && Number(e.t) > bounds.start && Number(e.f) < bounds.end)
      .concat(
        financeExclusions
          .filter((e) => (e.asn === null || e.asn === asn) && e.to > bounds.start && e.from < bounds.end)
          .map((e) => ({ asn, id: e.id, f: String(e.from), t: String(e.to), reason: e.reason, ref: e.id })),
      );
    const cov = memberCoverage(coverage, asn, bounds.start, bounds.end, timezone);
    const upheld = upheldDisputes.get(asn) ?? [];
    // The memo key names every input of the policy-independent statement: member version, period, percentile
    // settings, the exclusions that apply and the member's coverage (exporters and valid-bucket count).
    const memoKey = sim
      ? `${asn}|${month}|${member.version}|${first}|${policy.percentile}|${policy.percentile_method}|${policy.exclude_reasons.join(',')}|${excl.map((e) => `${e.id}:${e.f}-${e.t}`).join(',')}|${coverageKey(cov)}`
      : '';
    const cached = sim?.memo?.get(memoKey);
    const [data, { yearToDateFen: ytd, latest }] =
      cached || sim
        ? [
            cached ? EMPTY_MONTH : await repo.memberMonth(asn, bounds.start, bounds.end),
            { yearToDateFen: 0n, latest: null },
          ]
        : await Promise.all([repo.memberMonth(asn, bounds.start, bounds.end), repo.memberMonthState(asn, month)]);
    // One sample per bucket of the period: the i-th starts at bounds.start + i · 5 min; row[i] = its traffic row, −1 none.
    const [bTs, bIn, bOut] = data.buckets;
    const row = new Int32Array(Math.max(0, Math.ceil((bounds.end - bounds.start) / BUCKET_MS))).fill(-1);
    for (let k = 0; k < bTs.length; k++) {
      const i = (bTs[k]! * 1000 - bounds.start) / BUCKET_MS;
      if (Number.isInteger(i) && i >= 0 && i < row.length) row[i] = k;
    }
    const samples: SampleInput[] = new Array(row.length);
    for (let i = 0, t = bounds.start; i < row.length; i++, t += BUCKET_MS) {
      const k = row[i]!;
      // Valid only if every exporter carrying the member was alive (coverage.ts); a missing bucket is never zero traffic.
      const quality = cov.valid(t, k >= 0) ? 'ok' : 'missing';
      samples[i] =
        k >= 0
          ? { ts: t, inBytes: bIn[k]!, outBytes: bOut[k]!, quality }
          : { ts: t, inBytes: 0n, outBytes: 0n, quality };
    }
    const [pAsn, pIn, pOut] = data.peers;
    const statement =
      cached ??
      buildMonthlyStatement({
        asn,
        memberName: member.name,
        month,
        timeZone: timezone,
        activeFrom: first ?? undefined,
        percentileMethod: policy.percentile_method,
        percentile: policy.percentile,
        samples,
        exclusions: excl
          .filter((e) => policy.exclude_reasons.includes(e.reason as never))
          .map((e) => ({ from: Number(e.f), to: Number(e.t), reason: e.reason as 'maintenance', ref: e.id })),
        peers: pAsn.map((peer, k) => ({
          asn: peer,
          name: peer === 0 ? 'unknown / 无法归属' : registry.get(peer)?.name,
          inBytes: pIn[k]!,
          outBytes: pOut[k]!,
        })),
      });
    if (sim?.memo && !cached) sim.memo.set(memoKey, statement);
    const policyRef = {
      id: policy.policy_id,
      version: policy.version,
      official: policy.official,
      name_zh: policy.name_zh,
      name_en: policy.name_en,
    };
    let subsidy: SubsidyResult | null = null;
    if (member.subsidy_enrolled) {
      const fees = (await programme?.fees(runId, month))?.get(asn); // programme: imported fees (src/fees)
      subsidy = computeSubsidy({
        policy,
        month,
        statement,
        yearToDatePaidFen: sim ? sim.ytdFen : ytd,
        actualFeesFen: fees?.paidFen ?? null,
        invoicedFeesFen: fees?.invoicedFen ?? null,
        member: {
          type: member.member_type,
          firstProductionDate: first,
          portCapacityGbps: member.port_capacity_mbps / 1000,
          enrolled: true,
          localRegistration: member.extension?.local_registration,
          blacklist: member.extension?.blacklist,
        },
      });
    }
    const memberView = {
      asn,
      name: member.name,
      name_zh: member.name_zh,
      member_type: member.member_type,
      first_production_date: first,
      subsidy_enrolled: member.subsidy_enrolled,
      port_capacity_mbps: member.port_capacity_mbps,
    };
    const inputsHash = sha256Hex(
      canonicalJson({
        samples: statement.samples_hash,
        member: memberView,
        policy: policyRef,
        subsidy: subsidy?.inputsHash ?? null,
        peers: statement.top_peers.map((p) => [p.asn, String(p.in_bytes), String(p.out_bytes)]),
        exclusions: statement.excluded_intervals.map((e) => [e.from, e.to, e.reason]),
        ...correctionsHash(upheld),
      }),
    );
    if (sim) return { asn, month, version: 0, changed: false, amount_cny: subsidy?.amount ?? '0.00', subsidy };
    const now = Date.now();
    const note = `run:${runId}${incidentNote}`; // read once per run (month inputs)
    if (policy.budget && programme) {
      // programme: a budgeted month is final only for the whole month (src/programme/budget-phase.ts)
      const document = {
        ...buildDocument({
          version: 0,
          member: memberView,
          statement,
          subsidy,
          policy: policyRef,
          inputsHash,
          computedAt: new Date(now).toISOString(),
          computedBy: actor,
        }),
        ...coverageSection(cov, statement, upheld),
      };
      await programme.budget.stage({
        asn,
        month,
        runId,
        actor,
        inputsHash,
        amountFen: subsidy?.amountFen ?? 0n,
        document,
        policy,
      });
      return { asn, month, version: 0, changed: true, amount_cny: subsidy?.amount ?? '0.00' };
    }
    if (latest && latest.inputs_hash === inputsHash) {
      const amount = await repo.amountCny(asn, month, latest.version);
      await write({
        event: {
          asn,
          month,
          version: latest.version,
          at: now,
          action: 'unchanged',
          from_status: '',
          to_status: '',
          actor,
          role: 'system',
          note,
        },
      });
      return { asn, month, version: latest.version, changed: false, amount_cny: amount };
    }
    const version = (latest?.version ?? 0) + 1;
    const doc = {
      ...buildDocument({
        version,
        member: memberView,
        statement,
        subsidy,
        policy: policyRef,
        inputsHash,
        computedAt: new Date(now).toISOString(),
        computedBy: actor,
      }),
      ...coverageSection(cov, statement, upheld),
    };
    await write({
      statement: {
        asn,
        month,
        version,
        run_id: runId,
        inputs_hash: inputsHash,
        samples_hash: statement.samples_hash,
        policy_id: policy.policy_id,
        policy_version: policy.version,
        amount_fen: (subsidy?.amountFen ?? 0n).toString(),
        document: JSON.stringify(doc),
        created_at: now,
        created_by: actor,
      },
      event: {
        asn,
        month,
        version,
        at: now,
        action: 'computed',
        from_status: '',
        to_status: 'draft',
        actor,
        role: 'system',
        note,
      },
    });
    return { asn, month, version, changed: true, amount_cny: doc.subsidy.amount_cny };
  }

  return {
    compute,
    /** One member-month through exactly the statement computation, with a simulation's overrides; stores nothing. */
    simulate: (asn: number, month: string, runId: string, sim: SimulationOverride) =>
      computeOne(asn, month, 'simulation', runId, sim),
    /** The latest version (or a given one) with its status and history. */
    async get(asn: number, month: string, version?: number) {
      const row = version ? await repo.version(asn, month, version) : await repo.latest(asn, month);
      if (!row)
        throw new AppError(
          'IXMETER_ERR_NOT_FOUND',
          `no statement for AS${asn} ${month}${version ? ` version ${version}` : ''}; run it with POST /api/v1/statements/${month}/run`,
        );
      const [events, open] = await Promise.all([
        repo.events(asn, month),
        sources.disputes.list({ status: 'open', asn, month }),
      ]);
      // An open dispute on the member-month shows as `disputed` (and blocks approval: workflow.ts); the other disputes' steps are in the history.
      const status = open.length ? ('disputed' as const) : currentStatus(events, row.version);
      return {
        document: JSON.parse(row.document) as StatementDocument,
        status,
        events: events.filter((e) => e.version === row.version || e.action.startsWith('dispute_')),
      };
    },
    async period(month: string) {
      const [rows, open] = await Promise.all([
        repo.monthOverview(month),
        sources.disputes.list({ status: 'open', month }),
      ]);
      const disputed = new Set(open.map((d) => d.asn));
      return rows.map((r) =>
        periodRowFromDocument(
          JSON.parse(r.document) as StatementDocument,
          disputed.has(Number(r.asn)) ? 'disputed' : r.status,
        ),
      );
    },
  };
}

export type StatementsService = ReturnType<typeof createStatementsService>;

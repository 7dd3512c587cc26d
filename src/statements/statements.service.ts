/**
 * Monthly statements: compute a member-month from the 5-minute rollup (a bucket without any collector
 * data is missing, not zero), price it under the month's policy, and keep versions: unchanged inputs
 * add nothing, changed inputs add a new draft version and keep the old ones.
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
import type { StatementsRepository } from './statements.repository.js';
import { currentStatus } from './workflow.js';
import { periodRowFromDocument } from './render/period.js';

export interface ComputeResult {
  asn: number;
  month: string;
  version: number;
  changed: boolean;
  amount_cny: string;
}

export function createStatementsService(repo: StatementsRepository, members: MembersService, policies: PoliciesService, timezone: string) {
  async function compute(asn: number, month: string, actor: string, runId: string): Promise<ComputeResult> {
    const member = await members.get(asn);
    const first = member.first_production_date;
    const bounds = monthBounds(month, timezone, first ? { from: first } : {});
    const [rows, active, peers, excl, policy, ytd] = await Promise.all([
      repo.memberBuckets(asn, bounds.start, bounds.end),
      repo.activeBuckets(bounds.start, bounds.end),
      repo.peers(asn, bounds.start, bounds.end),
      repo.exclusions(asn, bounds.start, bounds.end),
      policies.forMonth(month),
      repo.yearToDateFen(asn, month),
    ]);
    const byTs = new Map(rows.map((r) => [Number(r.ts) * 1000, r]));
    const activeSet = new Set(active);
    const samples: SampleInput[] = [];
    for (let t = bounds.start; t < bounds.end; t += BUCKET_MS) {
      const r = byTs.get(t);
      // Traffic recorded in a bucket proves data; otherwise the bucket is valid only if collectors saw data at all.
      if (r) samples.push({ ts: t, inBytes: BigInt(r.i), outBytes: BigInt(r.o), quality: 'ok' });
      else samples.push({ ts: t, inBytes: 0n, outBytes: 0n, quality: activeSet.has(t) ? 'ok' : 'missing' });
    }
    const names = await members.list(true);
    const nameOf = new Map(names.map((m) => [m.asn, m.name]));
    const statement = buildMonthlyStatement({
      asn, memberName: member.name, month, timeZone: timezone, activeFrom: first ?? undefined,
      percentileMethod: policy.percentile_method, percentile: policy.percentile, samples,
      exclusions: excl.filter((e) => policy.exclude_reasons.includes(e.reason as never)).map((e) => ({ from: Number(e.f), to: Number(e.t), reason: e.reason as 'maintenance', ref: e.id })),
      peers: peers.map((p) => ({ asn: Number(p.peer), name: Number(p.peer) === 0 ? 'unknown / 无法归属' : nameOf.get(Number(p.peer)), inBytes: BigInt(p.i), outBytes: BigInt(p.o) })),
    });
    const policyRef = { id: policy.policy_id, version: policy.version, official: policy.official, name_zh: policy.name_zh, name_en: policy.name_en };
    let subsidy: SubsidyResult | null = null;
    if (member.subsidy_enrolled) {
      subsidy = computeSubsidy({
        policy, month, statement, yearToDatePaidFen: ytd,
        member: { type: member.member_type, firstProductionDate: first, portCapacityGbps: member.port_capacity_mbps / 1000, enrolled: true },
      });
    }
    const memberView = {
      asn, name: member.name, name_zh: member.name_zh, member_type: member.member_type, first_production_date: first,
      subsidy_enrolled: member.subsidy_enrolled, port_capacity_mbps: member.port_capacity_mbps,
    };
    const inputsHash = sha256Hex(canonicalJson({ samples: statement.samples_hash, member: memberView, policy: policyRef, subsidy: subsidy?.inputsHash ?? null, peers: statement.top_peers.map((p) => [p.asn, String(p.in_bytes), String(p.out_bytes)]), exclusions: statement.excluded_intervals.map((e) => [e.from, e.to, e.reason]) }));
    const latest = await repo.latest(asn, month);
    const now = Date.now();
    const note = `run:${runId}`;
    if (latest && latest.inputs_hash === inputsHash) {
      await repo.insertEvent({ asn, month, version: latest.version, at: now, action: 'unchanged', from_status: '', to_status: '', actor, role: 'system', note });
      return { asn, month, version: latest.version, changed: false, amount_cny: (JSON.parse(latest.document) as StatementDocument).subsidy.amount_cny };
    }
    const version = (latest?.version ?? 0) + 1;
    const doc = buildDocument({ version, member: memberView, statement, subsidy, policy: policyRef, inputsHash, computedAt: new Date(now).toISOString(), computedBy: actor });
    await repo.insertStatement({
      asn, month, version, run_id: runId, inputs_hash: inputsHash, samples_hash: statement.samples_hash, policy_id: policy.policy_id, policy_version: policy.version,
      amount_fen: (subsidy?.amountFen ?? 0n).toString(), document: JSON.stringify(doc), created_at: now, created_by: actor,
    });
    await repo.insertEvent({ asn, month, version, at: now, action: 'computed', from_status: '', to_status: 'draft', actor, role: 'system', note });
    return { asn, month, version, changed: true, amount_cny: doc.subsidy.amount_cny };
  }

  return {
    compute,
    /** The latest version (or a given one) with its status and history. */
    async get(asn: number, month: string, version?: number) {
      const row = version ? await repo.version(asn, month, version) : await repo.latest(asn, month);
      if (!row) throw new AppError('IXMETER_ERR_NOT_FOUND', `no statement for AS${asn} ${month}${version ? ` version ${version}` : ''}; run it with POST /api/v1/statements/${month}/run`);
      const events = await repo.events(asn, month);
      return { document: JSON.parse(row.document) as StatementDocument, status: currentStatus(events, row.version), events: events.filter((e) => e.version === row.version) };
    },
    async period(month: string) {
      return (await repo.monthOverview(month)).map((r) => periodRowFromDocument(JSON.parse(r.document) as StatementDocument, r.status));
    },
  };
}

export type StatementsService = ReturnType<typeof createStatementsService>;

/**
 * The demo exchange: ~20 synthetic members of different sizes and types, their attribution keys (one
 * router MAC each, on the peering VLAN 10 and for some also VLAN 20), the switch that exports their
 * ingress traffic (NetFlow v9, IPFIX or sFlow v5), a gravity-model traffic matrix and a diurnal curve.
 *
 * Everything is marked as demo data: member names start with "DEMO", exporters live in 198.18.0.0/15
 * (RFC 2544 benchmarking range), MACs are locally administered (02:de:…). Customer addresses are
 * synthetic global-unicast prefixes (not bogons, so they do not raise IP_BOGON_SOURCE alerts).
 */
import type { MemberType } from '../members/ixf.schema.js';

export type SwitchKind = 'v9' | 'ipfix' | 'sflow';

/** The demo's switches: history is stamped with these exporter addresses (RFC 2544 range). */
export const DEMO_SWITCHES: Record<SwitchKind, { exporter: string; sourceId: number }> = {
  v9: { exporter: '198.18.0.1', sourceId: 1 },
  ipfix: { exporter: '198.18.0.2', sourceId: 2 },
  sflow: { exporter: '198.18.0.3', sourceId: 3 },
};

export const DEMO_PREFIX = 'DEMO';
export const PEERING_VLAN = 10;
export const SECOND_VLAN = 20;

export interface DemoMember {
  index: number;
  asn: number;
  name: string;
  nameZh: string;
  type: MemberType;
  mac: number;
  macText: string;
  vlans: number[];
  lanIpv4: string;
  lanIpv6: string;
  switch: SwitchKind;
  ifIndex: number;
  speedMbps: number;
  /** Peak (21:00 local) bits per second this member sends / receives. */
  outPeakBps: number;
  inPeakBps: number;
  firstProductionDate: string;
  enrolled: boolean;
  /** ms since epoch when the member's keys open (its port went live); 0 = before the seeded history. */
  joinsAtMs: number;
}

interface Spec {
  name: string;
  zh: string;
  type: MemberType;
  out: number;
  in: number;
  sw: SwitchKind;
  speed: number;
  vlan20?: boolean;
  enrolled?: boolean;
}

const G = 1e9;
/** Order matters: any prefix of this list is a plausible fabric with every switch kind and the late joiner last. */
const CATALOG: Spec[] = [
  {
    name: 'Telecom Ningxia',
    zh: '电信宁夏',
    type: 'basic_telecom',
    out: 8 * G,
    in: 30 * G,
    sw: 'v9',
    speed: 100_000,
    vlan20: true,
  },
  { name: 'CDN Alpha', zh: '阿尔法CDN', type: 'cdn', out: 30 * G, in: 2 * G, sw: 'ipfix', speed: 100_000 },
  {
    name: 'University Net',
    zh: '高校网络',
    type: 'research_edu',
    out: 0.4 * G,
    in: 1.2 * G,
    sw: 'sflow',
    speed: 10_000,
    enrolled: false,
  },
  { name: 'Cloud West', zh: '西部云', type: 'cloud', out: 20 * G, in: 5 * G, sw: 'v9', speed: 100_000, vlan20: true },
  { name: 'IDC Zhongwei', zh: '中卫数据中心', type: 'idc', out: 6 * G, in: 4 * G, sw: 'ipfix', speed: 40_000 },
  {
    name: 'Fintech Pay',
    zh: '金融支付',
    type: 'internet_enterprise',
    out: 0.3 * G,
    in: 0.25 * G,
    sw: 'sflow',
    speed: 10_000,
  },
  { name: 'Unicom Ningxia', zh: '联通宁夏', type: 'basic_telecom', out: 6 * G, in: 20 * G, sw: 'v9', speed: 100_000 },
  {
    name: 'Video Platform',
    zh: '视频平台',
    type: 'internet_enterprise',
    out: 12 * G,
    in: 1 * G,
    sw: 'ipfix',
    speed: 40_000,
  },
  {
    name: 'Mobile Ningxia',
    zh: '移动宁夏',
    type: 'basic_telecom',
    out: 6 * G,
    in: 22 * G,
    sw: 'v9',
    speed: 100_000,
    vlan20: true,
  },
  { name: 'CDN Beta', zh: '贝塔CDN', type: 'cdn', out: 18 * G, in: 1.5 * G, sw: 'ipfix', speed: 100_000 },
  { name: 'Broadcast TV', zh: '广电网络', type: 'broadcast', out: 0.6 * G, in: 0.3 * G, sw: 'sflow', speed: 10_000 },
  { name: 'Cloud East', zh: '东部云', type: 'cloud', out: 15 * G, in: 4 * G, sw: 'v9', speed: 100_000 },
  {
    name: 'Gaming Online',
    zh: '在线游戏',
    type: 'internet_enterprise',
    out: 3 * G,
    in: 2 * G,
    sw: 'ipfix',
    speed: 10_000,
  },
  {
    name: 'Enterprise WAN',
    zh: '企业专网',
    type: 'internet_enterprise',
    out: 0.2 * G,
    in: 0.5 * G,
    sw: 'sflow',
    speed: 10_000,
    enrolled: false,
  },
  { name: 'IDC Shapotou', zh: '沙坡头数据中心', type: 'idc', out: 4 * G, in: 3 * G, sw: 'v9', speed: 40_000 },
  {
    name: 'E-Commerce',
    zh: '电商平台',
    type: 'internet_enterprise',
    out: 5 * G,
    in: 2 * G,
    sw: 'ipfix',
    speed: 40_000,
  },
  { name: 'Regional ISP', zh: '区域运营商', type: 'other', out: 0.5 * G, in: 1.5 * G, sw: 'sflow', speed: 10_000 },
  { name: 'SaaS Works', zh: '软件服务', type: 'cloud', out: 3 * G, in: 1 * G, sw: 'v9', speed: 10_000 },
  { name: 'CDN Gamma', zh: '伽马CDN', type: 'cdn', out: 6 * G, in: 0.5 * G, sw: 'ipfix', speed: 40_000 },
];
/** Always the last member of a demo fabric: joins in the middle of the seeded month. */
const LATE: Spec = {
  name: 'Newcomer Cloud',
  zh: '新入云',
  type: 'cloud',
  out: 4 * G,
  in: 1 * G,
  sw: 'ipfix',
  speed: 40_000,
};

export const DEMO_ASN_BASE = 64600;

function macText(n: number): string {
  return n
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?=.)/g, '$1:');
}

export interface Fabric {
  members: DemoMember[];
  /** The member that joins mid-month (always the last one). */
  late: DemoMember;
  /** Billing month seeded with history (YYYY-MM in the configured time zone) and its bounds. */
  month: string;
  monthStartMs: number;
  monthEndMs: number;
  tz: string;
}

/** Local calendar fields of `ms` in `tz`. */
export function localParts(ms: number, tz: string): { y: number; m: number; d: number; h: number; min: number } {
  const p = new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(ms));
  const g = (t: string) => Number(p.find((x) => x.type === t)!.value);
  return { y: g('year'), m: g('month'), d: g('day'), h: g('hour'), min: g('minute') };
}

/** ms of local midnight starting day (y, m, d) in tz (handles any fixed or DST offset by iteration). */
export function localMidnightMs(y: number, m: number, d: number, tz: string): number {
  let guess = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 3; i++) {
    const p = localParts(guess, tz);
    const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min);
    guess += Date.UTC(y, m - 1, d) - asUtc;
  }
  return guess;
}

/** The previous calendar month in tz: 'YYYY-MM' and its [start, end) in ms. */
export function previousMonthRange(nowMs: number, tz: string): { month: string; startMs: number; endMs: number } {
  const p = localParts(nowMs, tz);
  const y = p.m === 1 ? p.y - 1 : p.y;
  const m = p.m === 1 ? 12 : p.m - 1;
  return {
    month: `${y}-${String(m).padStart(2, '0')}`,
    startMs: localMidnightMs(y, m, 1, tz),
    endMs: localMidnightMs(p.y, p.m, 1, tz),
  };
}

export function buildFabric(n: number, nowMs: number, tz: string): Fabric {
  if (!Number.isInteger(n) || n < 3 || n > 200) throw new Error('--members must be an integer from 3 to 200');
  const { month, startMs, endMs } = previousMonthRange(nowMs, tz);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const lateJoinMs = localMidnightMs(y, m, 15, tz);
  const iso = (ms: number) => {
    const p = localParts(ms, tz);
    return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
  };
  const specs: Spec[] = [];
  for (let i = 0; i < n - 1; i++) {
    const s = CATALOG[i % CATALOG.length]!;
    const round = Math.floor(i / CATALOG.length);
    specs.push(round === 0 ? s : { ...s, name: `${s.name} ${round + 1}`, zh: `${s.zh}${round + 1}` });
  }
  specs.push(LATE);
  const members = specs.map((s, i): DemoMember => {
    const asn = DEMO_ASN_BASE + i + 1;
    const mac = 0x02de00000000 + i + 1;
    const late = i === n - 1;
    // First production dates spread over the past ~4 years (subsidy eligibility windows differ).
    const firstMs = late ? lateJoinMs : startMs - (40 + ((i * 97) % 1400)) * 86_400_000;
    return {
      index: i,
      asn,
      name: `${DEMO_PREFIX} ${s.name}`,
      nameZh: `演示·${s.zh}`,
      type: s.type,
      mac,
      macText: macText(mac),
      vlans: s.vlan20 ? [PEERING_VLAN, SECOND_VLAN] : [PEERING_VLAN],
      lanIpv4: `203.119.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`,
      lanIpv6: `2001:7fa:0:1::${(i + 1).toString(16)}`,
      switch: s.sw,
      ifIndex: 100 + i + 1,
      speedMbps: s.speed,
      outPeakBps: s.out,
      inPeakBps: s.in,
      firstProductionDate: iso(firstMs),
      enrolled: late || (s.enrolled ?? i % 7 !== 5),
      joinsAtMs: late ? lateJoinMs : 0,
    };
  });
  return { members, late: members[n - 1]!, month, monthStartMs: startMs, monthEndMs: endMs, tz };
}

/** Customer (not peering-LAN) addresses of a member: synthetic global unicast space. */
export function customerV4(m: DemoMember, host: number): string {
  return `${36 + Math.floor(m.index / 200)}.${(m.index % 200) + 40}.${(host >> 8) & 0xff}.${host & 0xff || 1}`;
}
export function customerV6(m: DemoMember, host: number): string {
  return `2408:8000:${(m.index + 1).toString(16)}::${(host & 0xffff).toString(16)}`;
}

/** IX-F Member Export (Euro-IX) of the fabric, with ixmeter's own fields. */
export function ixfDocument(f: Fabric, includeLate: boolean): Record<string, unknown> {
  const list = includeLate ? f.members : f.members.filter((m) => m !== f.late);
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    ixp_list: [
      {
        ixp_id: 1,
        shortname: 'DEMO-ZW-IX',
        name: 'DEMO exchange (synthetic data, ixmeter demo)',
        vlan: [
          { id: PEERING_VLAN, name: 'peering' },
          { id: SECOND_VLAN, name: 'peering-2' },
        ],
      },
    ],
    member_list: list.map((m) => ({
      asnum: m.asn,
      name: m.name,
      url: `https://as${m.asn}.demo.invalid`,
      peering_policy: 'open',
      connection_list: [
        {
          ixp_id: 1,
          state: 'active',
          if_list: [{ switch_id: m.switch === 'v9' ? 1 : m.switch === 'ipfix' ? 2 : 3, if_speed: m.speedMbps }],
          vlan_list: m.vlans.map((v) => ({
            vlan_id: v,
            ipv4: {
              address: v === PEERING_VLAN ? m.lanIpv4 : m.lanIpv4.replace(/^203\.119\./, '203.120.'),
              mac_addresses: [m.macText],
            },
            ...(v === PEERING_VLAN ? { ipv6: { address: m.lanIpv6, mac_addresses: [m.macText] } } : {}),
          })),
        },
      ],
      ixmeter: {
        member_type: m.type,
        name_zh: m.nameZh,
        first_production_date: m.firstProductionDate,
        subsidy_enrolled: m.enrolled,
        ports: [{ exporter: DEMO_SWITCHES[m.switch].exporter, if_index: m.ifIndex, speed_mbps: m.speedMbps }],
      },
    })),
  };
}

/**
 * Diurnal factor in (0, 1]: trough ~0.22 around 05:00 local, peak 1.0 at 21:00, a lunch shoulder;
 * weekends a little higher in the afternoon. Smooth, so 5-minute samples look like real traffic.
 */
export function diurnal(localHour: number, weekday: number): number {
  const h = localHour;
  const dist = Math.min(Math.abs(h - 21), 24 - Math.abs(h - 21));
  const evening = Math.exp(-(dist ** 2) / (2 * 3.5 ** 2));
  const noon = 0.35 * Math.exp(-((h - 12.5) ** 2) / (2 * 2.5 ** 2));
  const base = 0.22;
  const weekend = weekday === 0 || weekday === 6 ? 0.08 * Math.exp(-((h - 15) ** 2) / (2 * 3 ** 2)) : 0;
  return Math.min(1, base + (1 - base) * evening + noon * (1 - evening) + weekend);
}

const hourCache = new Map<string, Intl.DateTimeFormat>();
/** Local fractional hour and weekday (0 = Sunday) of `ms` in tz. */
export function localClock(ms: number, tz: string): { hour: number; weekday: number } {
  let fmt = hourCache.get(tz);
  if (!fmt)
    hourCache.set(
      tz,
      (fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      })),
    );
  const p = fmt.formatToParts(new Date(ms));
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.find((x) => x.type === 'weekday')!.value);
  return {
    hour: Number(p.find((x) => x.type === 'hour')!.value) + Number(p.find((x) => x.type === 'minute')!.value) / 60,
    weekday: wd,
  };
}

export function diurnalAt(ms: number, tz: string): number {
  const c = localClock(ms, tz);
  return diurnal(c.hour, c.weekday);
}

export interface Pair {
  src: DemoMember;
  dst: DemoMember;
  /** share of src's egress */ share: number;
  v6: boolean;
}

/**
 * Gravity model: src sends to dst ∝ dst's ingress peak; each member keeps its `maxPartners` largest
 * destinations (a month of 5-minute history stays small: one record per pair per bucket).
 */
export function trafficPairs(f: Fabric, maxPartners = 8): Pair[] {
  const out: Pair[] = [];
  for (const s of f.members) {
    const cands = f.members
      .filter((d) => d !== s)
      .sort((a, b) => b.inPeakBps - a.inPeakBps || a.index - b.index)
      .slice(0, maxPartners);
    // Always peer with the late joiner and a neighbour, so every member has some traffic both ways.
    const extra = [f.late, f.members[(s.index + 1) % f.members.length]!].filter((d) => d !== s && !cands.includes(d));
    const dsts = [...cands, ...extra];
    const total = dsts.reduce((a, d) => a + d.inPeakBps, 0);
    for (const d of dsts)
      out.push({ src: s, dst: d, share: d.inPeakBps / total, v6: (s.index * 7 + d.index * 3) % 10 < 3 });
  }
  return out;
}

export { prng } from '../shared/prng.js';

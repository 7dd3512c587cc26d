/**
 * Message texts of the IM and email channels, zh-CN by default (en per channel): a title and a markdown
 * body (DingTalk/WeCom markdown, Feishu lark_md, email text). Times in the billing time zone.
 */
import type { AlertView } from '../alerts/alerts.service.js';
import type { NoticeView } from '../notices/notices.service.js';
import { formatInstant } from '../statements/time.js';

export type Lang = 'zh' | 'en';
export interface Message {
  title: string;
  markdown: string;
  text: string;
}

const SEVERITY: Record<string, { zh: string; en: string }> = {
  info: { zh: '提示', en: 'info' },
  warning: { zh: '警告', en: 'warning' },
  major: { zh: '严重', en: 'major' },
  critical: { zh: '紧急', en: 'critical' },
};
const ALERT_EVENT: Record<string, { zh: string; en: string }> = {
  opened: { zh: '新告警', en: 'new alert' },
  escalated: { zh: '告警升级', en: 'alert escalated' },
  acknowledged: { zh: '告警已确认', en: 'alert acknowledged' },
  resolved: { zh: '告警已处置', en: 'alert resolved' },
  false_positive: { zh: '告警误报', en: 'false positive' },
};
export const NOTICE_EVENT: Record<string, { zh: string; en: string }> = {
  issued: { zh: '整改通知已下发', en: 'rectification notice issued' },
  acknowledged: { zh: '会员已签收整改通知', en: 'notice acknowledged by the member' },
  reported: { zh: '会员已报告整改情况', en: 'member reported the rectification' },
  rectified: { zh: '整改已验收', en: 'rectification verified' },
  reopened: { zh: '整改未通过，通知重新打开', en: 'notice reopened' },
  overdue: { zh: '整改通知已逾期', en: 'notice overdue' },
};
const TYPE_ZH: Record<string, string> = {
  DDOS_VOLUMETRIC_DST: '流量型 DDoS',
  DDOS_AMPLIFICATION: '反射放大攻击',
  DDOS_SYN_FLOOD: 'SYN 洪泛',
  DDOS_FRAGMENTS: '分片攻击',
  IP_BOGON_SOURCE: '伪造/保留源地址',
  SCAN_PORT: '端口扫描',
  SCAN_ADDRESS: '地址扫描',
  L2_UNKNOWN_SRC_MAC: '未登记源 MAC',
  L2_MULTIPLE_MACS: '多 MAC 地址',
  L2_FORBIDDEN_ETHERTYPE: '禁用以太类型',
  L2_LINK_LOCAL_PROTOCOL: '链路本地协议',
  L2_NON_UNICAST: '非单播流量',
  L2_MAC_IP_MISMATCH: 'MAC/IP 不符',
  TRAFFIC_ANOMALY_SPIKE: '流量突增',
  TRAFFIC_ANOMALY_DROP: '流量骤降',
};
const L = {
  type: { zh: '类型', en: 'type' },
  severity: { zh: '级别', en: 'severity' },
  target: { zh: '目标', en: 'target' },
  source: { zh: '来源', en: 'source' },
  victim: { zh: '受害方', en: 'victim' },
  first_seen: { zh: '首次发现', en: 'first seen' },
  last_seen: { zh: '最近发现', en: 'last seen' },
  id: { zh: '编号', en: 'id' },
  member: { zh: '成员', en: 'member' },
  deadline: { zh: '整改期限', en: 'deadline' },
  status: { zh: '状态', en: 'status' },
  alert: { zh: '关联告警', en: 'alert' },
  note: { zh: '说明', en: 'note' },
  title: { zh: '标题', en: 'title' },
  verify: { zh: '检测复核', en: 'detector check' },
};
const STATUS: Record<string, { zh: string; en: string }> = {
  issued: { zh: '已下发', en: 'issued' },
  acknowledged: { zh: '已签收', en: 'acknowledged' },
  reported: { zh: '已报告', en: 'reported' },
  rectified: { zh: '已整改', en: 'rectified' },
  reopened: { zh: '已重开', en: 'reopened' },
};

const pick = (t: { zh: string; en: string } | undefined, lang: Lang, fallback: string) => (t ? t[lang] : fallback);
const asn = (n: number | null) => (n === null ? '—' : `AS${n}`);
const when = (iso: string, tz: string) => formatInstant(Date.parse(iso), tz).replace('T', ' ');

function build(
  title: string,
  heading: string,
  lines: Array<[{ zh: string; en: string }, string]>,
  lang: Lang,
  tail = '',
): Message {
  const sep = lang === 'zh' ? '：' : ': ';
  const md = [
    `### ${heading}`,
    '',
    ...lines.map(([k, v]) => `- **${k[lang]}**${sep}${v}`),
    ...(tail ? ['', tail] : []),
    '',
    '> ixmeter',
  ].join('\n');
  const text = [heading, ...lines.map(([k, v]) => `${k[lang]}${sep}${v}`), ...(tail ? ['', tail] : [])].join('\n');
  return { title, markdown: md, text };
}

export function alertMessage(a: AlertView, event: string, lang: Lang, tz: string): Message {
  const type = lang === 'zh' && TYPE_ZH[a.type] ? `${TYPE_ZH[a.type]}（${a.type}）` : a.type;
  const sev = pick(SEVERITY[a.severity], lang, a.severity);
  const ev = pick(ALERT_EVENT[event], lang, event);
  const title =
    lang === 'zh'
      ? `【ixmeter 安全告警】${ev}：${TYPE_ZH[a.type] ?? a.type}（${sev}）`
      : `[ixmeter alert] ${ev}: ${a.type} (${sev})`;
  return build(
    title,
    lang === 'zh' ? `ixmeter 安全告警：${ev}` : `ixmeter security alert: ${ev}`,
    [
      [L.type, type],
      [L.severity, sev],
      [L.target, a.target],
      [L.source, asn(a.source_asn)],
      [L.victim, asn(a.victim_asn)],
      [L.first_seen, when(a.first_seen, tz)],
      [L.last_seen, when(a.last_seen, tz)],
      [L.id, a.id],
    ],
    lang,
  );
}

export function noticeMessage(n: NoticeView, event: string, lang: Lang, tz: string): Message {
  const ev = pick(NOTICE_EVENT[event], lang, event);
  const title = lang === 'zh' ? `【整改通知】${ev}：${n.title}` : `[rectification notice] ${ev}: ${n.title}`;
  const last = n.history[n.history.length - 1];
  const lines: Array<[{ zh: string; en: string }, string]> = [
    [L.id, n.id],
    [L.member, `AS${n.asn}`],
    [L.status, pick(STATUS[n.status], lang, n.status)],
    [L.deadline, when(n.deadline, tz)],
  ];
  if (n.alert_id) lines.push([L.alert, `${n.alert_id}${n.alert_type ? ` (${n.alert_type})` : ''}`]);
  if (last && last.note && event !== 'issued') lines.push([L.note, last.note]);
  if (n.verification) {
    const v = n.verification;
    lines.push([
      L.verify,
      lang === 'zh'
        ? v.recurrences
          ? `报告后再次发生 ${v.recurrences} 次`
          : `报告后 ${v.quiet_minutes} 分钟未再发生`
        : v.recurrences
          ? `${v.recurrences} recurrences since the report`
          : `no recurrence for ${v.quiet_minutes} minutes`,
    ]);
  }
  return build(
    title,
    lang === 'zh' ? `整改通知：${ev}` : `Rectification notice: ${ev}`,
    [[L.title, n.title], ...lines],
    lang,
    event === 'issued' || event === 'reopened' ? n.body : '',
  );
}

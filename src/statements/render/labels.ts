/** Bilingual labels of the statement renderers (Chinese first: the statement is issued in China). */
export type Lang = 'zh' | 'en' | 'both';
export interface Text {
  zh: string;
  en: string;
}

export const LABELS = {
  notice: { zh: '提示', en: 'notice' },
  asn: { zh: '自治系统号', en: 'ASN' },
  member_name: { zh: '成员名称（英文）', en: 'member name' },
  member_name_zh: { zh: '成员名称', en: 'member name (Chinese)' },
  member_type: { zh: '成员类型', en: 'member type' },
  month: { zh: '结算月份', en: 'month' },
  version: { zh: '版本', en: 'version' },
  status: { zh: '审核状态', en: 'workflow status' },
  period_start: { zh: '计费期开始', en: 'period start' },
  period_end: { zh: '计费期结束（不含）', en: 'period end (exclusive)' },
  days_in_period: { zh: '计费天数', en: 'days in period' },
  partial: { zh: '非整月', en: 'partial month' },
  in_bytes: { zh: '流入字节数', en: 'in bytes' },
  out_bytes: { zh: '流出字节数', en: 'out bytes' },
  avg_in_bps: { zh: '平均流入速率', en: 'average in rate' },
  avg_out_bps: { zh: '平均流出速率', en: 'average out rate' },
  peak_in_bps: { zh: '峰值流入速率', en: 'peak in rate' },
  peak_in_at: { zh: '流入峰值时间', en: 'peak in at' },
  peak_out_bps: { zh: '峰值流出速率', en: 'peak out rate' },
  peak_out_at: { zh: '流出峰值时间', en: 'peak out at' },
  p95_in_bps: { zh: 'P95 流入速率', en: 'P95 in rate' },
  p95_out_bps: { zh: 'P95 流出速率', en: 'P95 out rate' },
  billable_bps: { zh: '计费速率', en: 'billable rate' },
  percentile: { zh: '百分位', en: 'percentile' },
  percentile_method: { zh: '百分位取值方法', en: 'percentile method' },
  coverage: { zh: '数据覆盖率', en: 'coverage' },
  coverage_pct: { zh: '数据覆盖率（%）', en: 'coverage (%)' },
  expected_buckets: { zh: '应有样本数', en: 'expected samples' },
  valid_buckets: { zh: '有效样本数', en: 'valid samples' },
  missing_buckets: { zh: '缺失样本数', en: 'missing samples' },
  excluded_buckets: { zh: '剔除样本数', en: 'excluded samples' },
  used_buckets: { zh: '计算样本数', en: 'samples used' },
  direction_convention: { zh: '方向约定', en: 'direction convention' },
  subsidy_amount_cny: { zh: '补贴金额', en: 'subsidy amount' },
  subsidy_status: { zh: '补贴状态', en: 'subsidy status' },
  policy: { zh: '补贴政策', en: 'subsidy policy' },
  annual_cap_cny: { zh: '年度补贴上限', en: 'annual cap' },
  ytd_paid_cny: { zh: '本年此前已计补贴', en: 'year-to-date before this month' },
  headroom_after_cny: { zh: '年度剩余额度', en: 'annual headroom after this month' },
  computed_at: { zh: '计算时间', en: 'computed at' },
  computed_by: { zh: '计算人', en: 'computed by' },
  samples_hash: { zh: '样本集 SHA-256', en: 'sample set SHA-256' },
  samples_hash_format: { zh: '样本集格式', en: 'sample set format' },
  samples_ignored: { zh: '忽略的样本数', en: 'samples ignored' },
  inputs_hash: { zh: '输入摘要', en: 'inputs hash' },
  subsidy_inputs_hash: { zh: '补贴输入摘要', en: 'subsidy inputs hash' },
  policy_id: { zh: '政策编号', en: 'policy id' },
  policy_version: { zh: '政策版本', en: 'policy version' },
  policy_official: { zh: '正式政策', en: 'official policy' },
  collection: { zh: '采集方式', en: 'collection method' },
  document_format: { zh: '文档格式', en: 'document format' },
  // headings of the printable statement
  title: { zh: '流量对账单', en: 'Traffic statement' },
  member: { zh: '成员', en: 'Member' },
  key_figures: { zh: '主要数据', en: 'Key figures' },
  history: { zh: '审核记录', en: 'Workflow history' },
  dispute: { zh: '异议程序', en: 'Dispute procedure' },
  total: { zh: '合计', en: 'Total' },
} as const satisfies Record<string, Text>;

export type LabelKey = keyof typeof LABELS;

export const STATUS: Record<string, Text> = {
  draft: { zh: '草稿', en: 'draft' },
  reviewed: { zh: '已复核', en: 'reviewed' },
  approved: { zh: '已批准', en: 'approved' },
  exported: { zh: '已导出', en: 'exported' },
  disputed: { zh: '有异议（待处理）', en: 'disputed (open)' },
};

export function pickText(t: Text, lang: Lang): string {
  return lang === 'zh' ? t.zh : lang === 'en' ? t.en : `${t.zh} / ${t.en}`;
}

export function label(key: LabelKey, lang: Lang): string {
  return pickText(LABELS[key], lang);
}

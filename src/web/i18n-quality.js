// Console texts of one area (zh-CN default, en), merged into i18n.js's dictionaries. Keys are unique across areas.
export const zh = {
  // Exporter problem codes (GET /exporters problems[].code); the message after them comes from the server.
  'quality.problem.SILENT': '无数据', 'quality.problem.BOTH_DIRECTIONS': '双方向导出（出方向副本不计）',
  'quality.problem.DUPLICATE_SAMPLING': '疑似重复抽样（核心端口未声明）', 'quality.problem.SAMPLING_UNKNOWN': '抽样比未知',
  'quality.problem.DECODE_ERRORS': '解码错误', 'quality.problem.SEQUENCE_GAPS': '序列号缺口',
};

export const en = {
  'quality.problem.SILENT': 'Silent', 'quality.problem.BOTH_DIRECTIONS': 'Both directions exported (egress copies not counted)',
  'quality.problem.DUPLICATE_SAMPLING': 'Likely sampled twice (undeclared core port)', 'quality.problem.SAMPLING_UNKNOWN': 'Sampling rate unknown',
  'quality.problem.DECODE_ERRORS': 'Decode errors', 'quality.problem.SEQUENCE_GAPS': 'Sequence gaps',
};

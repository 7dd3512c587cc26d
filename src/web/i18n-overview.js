// Console texts of one area (zh-CN default, en), merged into i18n.js's dictionaries. Keys are unique across areas.
export const zh = {
};

export const en = {
};

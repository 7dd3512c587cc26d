/**
 * Reference tables generated from the config schema and the error catalogue into docs/ (`npm run docs`;
 * tests/docs.test.ts checks they are current). GENERATED_DOCS is the one list of files and blocks written.
 */
import { ERROR_CODES } from '../shared/errors.js';
import { ConfigSchema } from './schema.js';

function defaultOf(schema: unknown): string {
  const s = schema as { def?: { type?: string; defaultValue?: unknown; innerType?: unknown } };
  if (s.def?.type === 'default') {
    const v = s.def.defaultValue as unknown;
    return `\`${typeof v === 'function' ? String((v as () => unknown)()) : String(v)}\``;
  }
  if (s.def?.type === 'optional') return 'unset';
  return s.def?.innerType ? defaultOf(s.def.innerType) : '';
}

export function renderConfigReference(): string {
  const rows = Object.entries(ConfigSchema.shape).map(([key, schema]) => {
    const description = (schema as { description?: string }).description ?? '';
    return `| \`${key}\` | ${defaultOf(schema)} | ${description.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function renderErrorReference(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, e]) => `| \`${code}\` | ${e.status} | ${e.text} |`);
  return ['| code | HTTP | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function replaceBlock(text: string, name: string, body: string): string {
  const re = new RegExp(`(<!-- ${name}:start -->\\n)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(text)) throw new Error(`no <!-- ${name}:start/end --> block`);
  return text.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
}

/** Every generated block, by file: the only files `npm run docs` writes. */
export const GENERATED_DOCS: Record<string, Record<string, () => string>> = {
  'docs/configuration.md': { config: renderConfigReference },
  'docs/errors.md': { errors: renderErrorReference },
};

/** `text` (the content of `file`, a key of GENERATED_DOCS) with its generated blocks brought up to date. */
export function regenerateDoc(file: string, text: string): string {
  const blocks = GENERATED_DOCS[file];
  if (!blocks) throw new Error(`${file} holds no generated block`);
  return Object.entries(blocks).reduce((t, [name, render]) => replaceBlock(t, name, render()), text);
}

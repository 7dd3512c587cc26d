/** README reference tables generated from the config schema and the error catalogue (kept in sync by a test). */
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
  if (!re.test(text)) throw new Error(`README has no <!-- ${name}:start/end --> block`);
  return text.replace(re, (_m, a: string, b: string) => `${a}${body}\n${b}`);
}

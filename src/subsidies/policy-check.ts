/**
 * Check a policy document's text and say where each problem is: the line (and column) of the YAML node
 * a zod issue's path refers to (the nearest existing parent when the key is missing), or of a YAML syntax
 * error. The console's policy editor marks these lines.
 */
import { isCollection, LineCounter, parseDocument, type Node } from 'yaml';
import { SubsidyPolicySchema, type SubsidyPolicy } from './policy.schema.js';

export interface PolicyProblem {
  line: number | null;
  column: number | null;
  path: string;
  message: string;
}

export function checkPolicyText(
  text: string,
): { ok: true; policy: SubsidyPolicy; problems: [] } | { ok: false; problems: PolicyProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lc });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        return { line: at.line, column: at.col, path: '(syntax)', message: `YAML syntax: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const r = SubsidyPolicySchema.safeParse(doc.toJS());
  if (r.success) return { ok: true, policy: r.data, problems: [] };
  return {
    ok: false,
    problems: r.error.issues.map((i) => {
      const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      let node: Node | null = null;
      for (let n = path.length; n >= 0 && !node; n--) {
        const got = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
        if (got && typeof got === 'object' && 'range' in (got as object)) node = got as Node;
      }
      // A missing key points at its parent mapping: the line of its first entry is more useful than nothing.
      const offset = node?.range?.[0] ?? (isCollection(doc.contents) ? doc.contents.range?.[0] : undefined);
      const at = offset === undefined ? null : lc.linePos(offset);
      return {
        line: at?.line ?? null,
        column: at?.col ?? null,
        path: path.length ? path.join('.') : '(document)',
        message: i.message,
      };
    }),
  };
}

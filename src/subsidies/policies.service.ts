/**
 * Versioned subsidy policies: documents are added, never edited; the policy of a month is the newest
 * version whose effective dates cover the month's first day. Without any registered policy the shipped
 * EXAMPLE (示例, not official) applies, and every statement says so.
 */
import { AppError } from '../shared/errors.js';
import type { StatementsRepository } from '../statements/statements.repository.js';
import { loadExamplePolicy, parsePolicyText } from './policy.loader.js';
import { PolicyValidationError, type SubsidyPolicy } from './policy.schema.js';

export function createPoliciesService(repo: StatementsRepository) {
  let example: SubsidyPolicy | undefined;
  // Documents are never edited (a change is a new version), so each stored text is parsed once; the rows
  // are read every time, so a newly registered policy applies at once.
  const parsed = new Map<string, SubsidyPolicy>();
  const parse = (text: string, source: string): SubsidyPolicy => {
    const key = `${source}\n${text}`;
    let p = parsed.get(key);
    if (!p) parsed.set(key, (p = parsePolicyText(text, source)));
    return p;
  };
  async function all(): Promise<SubsidyPolicy[]> {
    return (await repo.policies()).map((r) => parse(r.document, `${r.policy_id} v${r.version}`));
  }
  return {
    all,
    example(): SubsidyPolicy {
      return (example ??= loadExamplePolicy());
    },
    async forMonth(month: string): Promise<SubsidyPolicy> {
      const first = `${month}-01`;
      const candidates = (await all()).filter(
        (p) => p.effective_from <= first && (p.effective_to === null || p.effective_to >= first),
      );
      candidates.sort((a, b) =>
        a.effective_from === b.effective_from ? b.version - a.version : a.effective_from < b.effective_from ? 1 : -1,
      );
      return candidates[0] ?? this.example();
    },
    /** Register a new policy document (YAML or JSON text). The same (policy_id, version) twice is refused. */
    async add(text: string, actor: string): Promise<SubsidyPolicy> {
      let p: SubsidyPolicy;
      try {
        p = parsePolicyText(text, 'policy document');
      } catch (e) {
        if (e instanceof PolicyValidationError)
          throw new AppError('IXMETER_ERR_VALIDATION', `invalid policy:\n  ${e.problems.join('\n  ')}`);
        throw e;
      }
      if ((await all()).some((x) => x.policy_id === p.policy_id && x.version === p.version)) {
        throw new AppError(
          'IXMETER_ERR_VALIDATION',
          `policy ${p.policy_id} version ${p.version} exists; a change is a new version with its own effective dates`,
        );
      }
      await repo.insertPolicy({
        policy_id: p.policy_id,
        version: p.version,
        effective_from: p.effective_from,
        effective_to: p.effective_to,
        official: p.official ? 1 : 0,
        document: text,
        created_at: Date.now(),
        created_by: actor,
      });
      return p;
    },
  };
}

export type PoliciesService = ReturnType<typeof createPoliciesService>;

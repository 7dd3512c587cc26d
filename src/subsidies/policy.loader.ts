/** Read a subsidy policy document (YAML or JSON) from a file and validate it. The only I/O here. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { packageRoot } from '../shared/paths.js';
import { parsePolicy, PolicyValidationError, type SubsidyPolicy } from './policy.schema.js';

/** Parse YAML or JSON text (JSON is YAML) and validate; throws PolicyValidationError listing each problem. */
export function parsePolicyText(text: string, source = '(text)'): SubsidyPolicy {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PolicyValidationError(
      source,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`),
    );
  }
  return parsePolicy(doc.toJS(), source);
}

export function loadPolicyFile(path: string): SubsidyPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new PolicyValidationError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  return parsePolicyText(text, path);
}

/** Path of the shipped EXAMPLE policy (示例, not official). */
export function examplePolicyPath(): string {
  return join(packageRoot(), 'policies', 'example-policy.yaml');
}

export function loadExamplePolicy(): SubsidyPolicy {
  return loadPolicyFile(examplePolicyPath());
}

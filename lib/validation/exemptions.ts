/**
 * Exemptions: an annotation `policy-exemption.platform/<rule id with "/" written as ".">` whose value
 * is the reason, e.g. `policy-exemption.platform/practice.read-only-root-filesystem: "nginx writes to /var/cache"`.
 * On workloads it is read from the workload's metadata and from its pod template's metadata.
 */
import { Issue, toFinding } from './findings';
import { K8sObject, keySegment, ObjectMeta, podTemplateOf, record } from './k8s';
import { isRuleId, RULES, RuleId } from './rules';
import { closest } from './suggest';
import { ValidationContext, ValidationReport } from './types';

/** The annotation prefix of exemptions. */
export const EXEMPTION_PREFIX = 'policy-exemption.platform/';

/** The rule that reports broken exemptions; it cannot itself be exempted. */
const INVALID: RuleId = 'practice/exemption-invalid';

/** The exemptions declared on one object: rule → reason, and the annotations that are not valid exemptions. */
export interface Exemptions {
  readonly reasons: ReadonlyMap<RuleId, string>;
  readonly issues: readonly Issue[];
}

function annotationSources(object: K8sObject): { metadata: ObjectMeta; path: string }[] {
  const template = podTemplateOf(object);
  const sources = [{ metadata: record(object.metadata), path: 'metadata' }];
  if (template && template.metadata !== object.metadata) sources.push({ metadata: template.metadata, path: template.metadataPath });
  return sources;
}

/** Reads the exemption annotations of `object` (and of its pod template). */
export function readExemptions(object: K8sObject): Exemptions {
  const reasons = new Map<RuleId, string>();
  const issues: Issue[] = [];
  for (const { metadata, path } of annotationSources(object)) {
    for (const [key, value] of Object.entries(record(metadata.annotations))) {
      if (!key.startsWith(EXEMPTION_PREFIX)) continue;
      const rule = key.slice(EXEMPTION_PREFIX.length).replace('.', '/');
      const at = `${path}.annotations${keySegment(key)}`;
      if (!isRuleId(rule) || rule === INVALID) {
        const suggestion = closest(rule, Object.keys(RULES).filter((id) => id !== INVALID));
        issues.push({
          rule: INVALID,
          object,
          path: at,
          message: `"${key}" names no rule that can be exempted ("${rule}")`,
          fix: suggestion
            ? `did you mean ${EXEMPTION_PREFIX}${suggestion.replace('/', '.')}?`
            : `write ${EXEMPTION_PREFIX}<rule id with "/" written as ".">, e.g. ${EXEMPTION_PREFIX}pss.run-as-user; the rule ids are the keys of RULES in lib/validation/rules.ts`,
        });
      } else if (typeof value !== 'string' || value.trim() === '') {
        issues.push({
          rule: INVALID,
          object,
          path: at,
          message: `the exemption from ${rule} gives no reason`,
          fix: `write why the rule does not apply as the annotation value, e.g. "${key}: the image writes to /var/cache"`,
        });
      } else {
        reasons.set(rule, value.trim());
      }
    }
  }
  return { reasons, issues };
}

/** Splits issues into findings and exempted findings, given the exemptions read per object. */
export function applyExemptions(
  issues: readonly Issue[],
  exemptions: ReadonlyMap<K8sObject, Exemptions>,
  ctx: ValidationContext,
): ValidationReport {
  const report: ValidationReport = { findings: [], exempted: [] };
  for (const issue of issues) {
    const reason = issue.rule === INVALID ? undefined : exemptions.get(issue.object)?.reasons.get(issue.rule);
    if (reason === undefined) report.findings.push(toFinding(issue, ctx));
    else report.exempted.push(toFinding(issue, ctx, reason));
  }
  return report;
}

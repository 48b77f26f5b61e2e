import { K8sObject, nameOf, namespaceOf } from './k8s';
import { RuleId } from './rules';
import { Finding, ValidationContext, ValidationReport } from './types';

/** A finding as a check emits it: about one object, before context and exemptions are applied. */
export interface Issue {
  readonly rule: RuleId;
  /** The object the finding is about; its annotations may exempt it. */
  readonly object: K8sObject;
  readonly path: string;
  readonly message: string;
  readonly fix: string;
}

/** Turns an issue into a public finding for `ctx`, with the exemption reason if any. */
export function toFinding(issue: Issue, ctx: ValidationContext, exemption?: string): Finding {
  const namespace = namespaceOf(issue.object);
  return {
    rule: issue.rule,
    platform: ctx.platform,
    environment: ctx.environment,
    kind: issue.object.kind ?? '(no kind)',
    ...(namespace !== undefined ? { namespace } : {}),
    name: nameOf(issue.object) ?? '(no name)',
    path: issue.path,
    message: issue.message,
    fix: issue.fix,
    ...(exemption !== undefined ? { exemption } : {}),
  };
}

function formatFinding(finding: Finding): string {
  const name = finding.namespace !== undefined ? `${finding.namespace}/${finding.name}` : finding.name;
  const line = `[${finding.rule}] ${finding.platform}/${finding.environment} ${finding.kind} ${name} at ${finding.path}: ${finding.message}. Fix: ${finding.fix}`;
  return finding.exemption !== undefined ? `${line}\n  Exempted: ${finding.exemption}` : line;
}

/**
 * Formats a report for humans: a count, then one block per finding
 * (`[rule] platform/environment Kind namespace/name at path: message. Fix: fix`),
 * then the exempted findings with their reasons. Messages carry no final period.
 */
export function formatFindings(report: ValidationReport): string {
  const sections = [`${report.findings.length} finding(s), ${report.exempted.length} exempted`];
  if (report.findings.length > 0) sections.push(report.findings.map(formatFinding).join('\n\n'));
  if (report.exempted.length > 0) sections.push(`Exempted:\n\n${report.exempted.map(formatFinding).join('\n\n')}`);
  return sections.join('\n\n');
}

import { EXEMPTION_PREFIX } from '../validation/exemptions';

/** Annotation prefix the validation gate reads exemptions from; the value is the reason. */
export const EXEMPTION_ANNOTATION_PREFIX = EXEMPTION_PREFIX;

/** Rule id → annotation key: `pss/privileged` → `policy-exemption.platform/pss.privileged`. */
export function exemptionAnnotationKey(rule: string): string {
  return `${EXEMPTION_ANNOTATION_PREFIX}${rule.replace(/\//g, '.')}`;
}

/** Renders named exemptions (rule id → reason) as annotations, so they travel with the object and show in review. */
export function exemptionAnnotations(exemptions: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(exemptions).map(([rule, reason]) => [exemptionAnnotationKey(rule), reason]));
}

/**
 * The validation gate: pure functions over the plain JSON objects a chart renders (`Chart.toJson()`).
 * Schema (strict), Pod Security Standards "restricted", cross-object references and production
 * practices; see README.md in this folder for the rules and how to exempt an object from one.
 */
import { checkCapacity } from './capacity';
import { applyExemptions, Exemptions, readExemptions } from './exemptions';
import { Issue, toFinding } from './findings';
import { Inventory } from './inventory';
import { K8sObject } from './k8s';
import { checkPodReferences } from './pod-references';
import { checkPodSecurity } from './pod-security';
import { checkPractices } from './practices';
import { checkReferences } from './references';
import { checkDuplicateObjects, checkSchema, duplicateKeyIssues, isNamespaced } from './schema';
import { Finding, ValidateOptions, ValidationContext, ValidationReport } from './types';

export { destinationsOf, validateAcrossSets } from './cross-chart';
export type { RenderedSet } from './cross-chart';
export { EXEMPTION_PREFIX } from './exemptions';
export { formatFindings } from './findings';
export { RULES } from './rules';
export { enableSchemaResults } from './schema-catalog';
export type { RuleId } from './rules';
export * from './types';

function isObject(value: unknown): value is K8sObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function notAnObject(value: unknown, index: number): Issue {
  return {
    rule: 'schema/wrong-type',
    object: { kind: '(not an object)', metadata: { name: `objects[${index}]` } },
    path: '(object)',
    message: `${JSON.stringify(value) ?? String(value)} is not a Kubernetes object`,
    fix: 'render only objects with apiVersion, kind and metadata',
  };
}

/** Orders issues by the position of their object in the input, keeping each object's issues in rule order. */
function byObjectOrder(issues: Issue[], objects: readonly K8sObject[]): Issue[] {
  const position = new Map(objects.map((object, i) => [object, i]));
  return issues
    .map((issue, i) => ({ issue, i, at: position.get(issue.object) ?? objects.length }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ issue }) => issue);
}

/**
 * Validates the objects of one rendered set (a platform in an environment) and returns every
 * finding, split into failing findings and findings exempted by an annotation on their object.
 */
/**
 * Whether the fields every other rule keys on (apiVersion, kind, metadata.name/namespace) have their types.
 * Objects where they do not are reported by the schema check alone: cross-object rules would judge garbage.
 */
function hasReadableIdentity(object: K8sObject): boolean {
  const metadata = (object as { metadata?: unknown }).metadata;
  const meta = isObject(metadata) ? (metadata as { name?: unknown; namespace?: unknown }) : undefined;
  return typeof object.apiVersion === 'string' && typeof object.kind === 'string' && (metadata === undefined || meta !== undefined)
    && (meta?.name === undefined || typeof meta.name === 'string') && (meta?.namespace === undefined || typeof meta.namespace === 'string');
}

export function validateObjects(objects: readonly any[], ctx: ValidationContext, options: ValidateOptions = {}): ValidationReport {
  const all = objects.filter(isObject);
  const rendered = all.filter(hasReadableIdentity);
  const inventory = new Inventory(rendered, options.externalReferences ?? []);
  const exemptions = new Map<K8sObject, Exemptions>(rendered.map((object) => [object, readExemptions(object)]));
  const issues = [
    ...[...exemptions.values()].flatMap((exemption) => exemption.issues),
    ...objects.flatMap((value, i) => (isObject(value) ? [] : [notAnObject(value, i)])),
    ...checkDuplicateObjects(rendered),
    ...all.flatMap(checkSchema),
    ...inventory.podTemplates.flatMap(checkPodSecurity),
    ...inventory.podTemplates.flatMap(checkPodReferences),
    ...checkReferences(inventory, rendered),
    ...checkPractices(inventory, rendered, isNamespaced),
    ...checkCapacity(inventory, options.capacityBudgets ?? []),
  ];
  return applyExemptions(byObjectOrder(issues, all), exemptions, ctx);
}

/**
 * Reports duplicate mapping keys in YAML text (rule `schema/duplicate-key`); `fileName` is named in
 * the finding. Objects parsed from such text silently lose one of the values, so check the text.
 */
export function checkDuplicateKeys(yamlText: string, ctx: ValidationContext, fileName: string): Finding[] {
  return duplicateKeyIssues(yamlText, fileName).map((issue) => toFinding(issue, ctx));
}

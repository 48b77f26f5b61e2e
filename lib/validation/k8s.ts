/**
 * The shapes of the Kubernetes objects the checks read, and helpers to walk them.
 *
 * Objects are untrusted JSON: the schema check reports wrong types, every other check must simply
 * not crash on them. So arrays are read through `list()` and strings through `str()`.
 */

/** A label or annotation map. */
export type StringMap = Readonly<Record<string, string>>;

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
}

/** Any rendered object. Kind-specific shapes below are reached by a cast after checking `kind`. */
export interface K8sObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMeta;
  readonly spec?: unknown;
}

export interface LabelSelectorRequirement {
  readonly key?: string;
  readonly operator?: string;
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface SecurityContext {
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly procMount?: string;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
  readonly seLinuxOptions?: { readonly type?: string; readonly user?: string; readonly role?: string; readonly level?: string };
  readonly windowsOptions?: { readonly hostProcess?: boolean };
  readonly sysctls?: readonly { readonly name?: string; readonly value?: string }[];
}

/** A port given by number or by name (IntOrString). */
export type PortRef = number | string;

export interface Probe {
  readonly httpGet?: { readonly port?: PortRef };
  readonly tcpSocket?: { readonly port?: PortRef };
  readonly grpc?: { readonly port?: number };
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort?: number;
  readonly hostPort?: number;
}

export interface KeyRef {
  readonly name?: string;
  readonly optional?: boolean;
}

export interface EnvVar {
  readonly name?: string;
  readonly value?: string;
  readonly valueFrom?: { readonly configMapKeyRef?: KeyRef; readonly secretKeyRef?: KeyRef };
}

export interface EnvFromSource {
  readonly configMapRef?: KeyRef;
  readonly secretRef?: KeyRef;
}

export interface ResourceRequirements {
  readonly requests?: StringMap;
  readonly limits?: StringMap;
}

export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly ports?: readonly ContainerPort[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly EnvFromSource[];
  readonly resources?: ResourceRequirements;
  readonly securityContext?: SecurityContext;
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly startupProbe?: Probe;
}

export interface Volume {
  readonly name?: string;
  readonly configMap?: KeyRef;
  readonly secret?: { readonly secretName?: string; readonly optional?: boolean };
  readonly persistentVolumeClaim?: { readonly claimName?: string };
  readonly projected?: { readonly sources?: readonly { readonly configMap?: KeyRef; readonly secret?: KeyRef }[] };
  readonly [source: string]: unknown;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
  readonly securityContext?: SecurityContext;
  readonly serviceAccountName?: string;
  readonly serviceAccount?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly imagePullSecrets?: readonly { readonly name?: string }[];
  readonly topologySpreadConstraints?: readonly unknown[];
  readonly affinity?: { readonly podAntiAffinity?: unknown };
  readonly os?: { readonly name?: string };
}

/** Returns `value` if it is an array, else an empty array (for untrusted input). */
export function list<T>(value: readonly T[] | undefined): readonly T[] {
  return Array.isArray(value) ? value : [];
}

/** Returns `value` if it is a non-empty string, else undefined (for untrusted input). */
export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The strings in `value`, if it is an array (for untrusted input). */
export function strings(value: readonly unknown[] | undefined): string[] {
  return list(value).flatMap((item) => str(item) ?? []);
}

/** Returns `value` if it is a plain object, else an empty object (for untrusted input; `T`'s fields must be optional). */
export function record<T extends object>(value: T | undefined): T {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : ({} as T);
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `''`. */
export function groupOf(apiVersion: unknown): string {
  const version = str(apiVersion) ?? '';
  const slash = version.indexOf('/');
  return slash < 0 ? '' : version.slice(0, slash);
}

/** Whether `object` is of `kind` in API `group` (any version). */
export function isKind(object: K8sObject, group: string, kind: string): boolean {
  return object.kind === kind && groupOf(object.apiVersion) === group;
}

/** The namespace of an object, if set. */
export function namespaceOf(object: K8sObject): string | undefined {
  return str(record(object.metadata).namespace);
}

/** The name of an object, if set. */
export function nameOf(object: K8sObject): string | undefined {
  return str(record(object.metadata).name);
}

/** A path segment for a map key: `.key`, or `["key"]` when the key is not a plain identifier. */
export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The pod template of a workload (or the spec of a Pod), with the paths to report on. */
export interface PodTemplate {
  /** The object that renders the pods. */
  readonly workload: K8sObject;
  readonly namespace: string | undefined;
  /** Pod metadata: the template's, or the Pod's own. */
  readonly metadata: ObjectMeta;
  /** Path of the pod metadata, e.g. `spec.template.metadata`. */
  readonly metadataPath: string;
  readonly spec: PodSpec;
  /** Path of the pod spec, e.g. `spec.template.spec`. */
  readonly specPath: string;
}

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATE_PATHS: ReadonlyMap<string, { readonly group: string; readonly path: readonly string[] }> = new Map([
  ['Pod', { group: '', path: [] }],
  ['Deployment', { group: 'apps', path: ['spec', 'template'] }],
  ['StatefulSet', { group: 'apps', path: ['spec', 'template'] }],
  ['DaemonSet', { group: 'apps', path: ['spec', 'template'] }],
  ['ReplicaSet', { group: 'apps', path: ['spec', 'template'] }],
  ['Job', { group: 'batch', path: ['spec', 'template'] }],
  ['CronJob', { group: 'batch', path: ['spec', 'jobTemplate', 'spec', 'template'] }],
]);

/** The pod template of `object`, or undefined if it renders no pods. */
export function podTemplateOf(object: K8sObject): PodTemplate | undefined {
  const where = POD_TEMPLATE_PATHS.get(str(object.kind) ?? '');
  if (!where || groupOf(object.apiVersion) !== where.group) return undefined;
  let template: unknown = object;
  for (const key of where.path) template = (record(template as Record<string, unknown>))[key];
  const { metadata, spec } = record(template as { metadata?: ObjectMeta; spec?: PodSpec });
  const prefix = where.path.length === 0 ? '' : `${where.path.join('.')}.`;
  return {
    workload: object,
    namespace: namespaceOf(object),
    metadata: record(metadata),
    metadataPath: `${prefix}metadata`,
    spec: record(spec),
    specPath: `${prefix}spec`,
  };
}

/** A container of a pod template with its path, e.g. `spec.template.spec.initContainers[0]`. */
export interface ContainerRef {
  readonly container: Container;
  readonly path: string;
  readonly field: 'containers' | 'initContainers' | 'ephemeralContainers';
}

/**
 * The containers of a pod spec, in the order containers, initContainers, ephemeralContainers.
 * `fields` selects which lists to include.
 */
export function containersOf(
  template: PodTemplate,
  fields: readonly ContainerRef['field'][] = ['containers', 'initContainers', 'ephemeralContainers'],
): ContainerRef[] {
  return fields.flatMap((field) =>
    list(template.spec[field]).map((container, i) => ({ container: record(container), path: `${template.specPath}.${field}[${i}]`, field })),
  );
}

/** A readable name for a container in messages: `container "api"`. */
export function containerLabel(ref: ContainerRef): string {
  const what = ref.field === 'containers' ? 'container' : ref.field === 'initContainers' ? 'init container' : 'ephemeral container';
  return `${what} "${ref.container.name ?? '?'}"`;
}

/** Whether every label in `selector` (a plain map, as in a Service) is in `labels`. */
export function mapSelects(selector: StringMap, labels: StringMap | undefined): boolean {
  const have = record(labels);
  return Object.entries(selector).every(([key, value]) => have[key] === value);
}

/** Whether a LabelSelector (matchLabels and matchExpressions) selects `labels`. An empty selector selects everything. */
export function labelSelectorSelects(selector: LabelSelector, labels: StringMap | undefined): boolean {
  const have = record(labels);
  if (!mapSelects(record(selector.matchLabels), have)) return false;
  return list(selector.matchExpressions).every((raw) => {
    const expression = record(raw);
    const key = str(expression.key) ?? '';
    const present = Object.prototype.hasOwnProperty.call(have, key);
    const values = strings(expression.values);
    switch (expression.operator) {
      case 'In':
        return present && values.includes(have[key]);
      case 'NotIn':
        return !present || !values.includes(have[key]);
      case 'Exists':
        return present;
      case 'DoesNotExist':
        return !present;
      default:
        return false;
    }
  });
}

/** Whether a LabelSelector has no requirement at all (`{}` selects everything). */
export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(record(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
}

/** Formats a label map for messages: `app=api,tier=web`. */
export function formatLabels(labels: StringMap | undefined): string {
  const entries = Object.entries(record(labels));
  return entries.length === 0 ? '(none)' : entries.map(([key, value]) => `${key}=${show(value)}`).join(',');
}

/** Any value as text for a message; malformed objects hold anything (even `{ toString: null }`), so never coerce implicitly. */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

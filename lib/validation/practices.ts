import { findSecretInArgument, findSecretLiteral, findSecretValue } from './secret-literal';
/** Rules `practice/*` (except the capacity budget): production practices in the spirit of kube-linter and Polaris. */
import { Issue } from './findings';
import { Inventory } from './inventory';
import {
  containerLabel, containersOf, EnvVar, formatLabels, isKind, K8sObject, labelSelectorSelects, LabelSelector, list, namespaceOf,
  nameOf, PodTemplate, podTemplateOf, record, ResourceRequirements, str, strings,
} from './k8s';
import { parseQuantity } from './quantity';
import { RuleId } from './rules';

const LONG_RUNNING: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const REPLICATED: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet']);

type Emit = (rule: RuleId, object: K8sObject, path: string, message: string, fix: string) => void;

/**
 * Runs the per-object practice rules. `namespaced(object)` tells whether the object's kind is
 * namespaced (undefined for unknown kinds, which are left alone).
 */
export function checkPractices(inventory: Inventory, objects: readonly K8sObject[], namespaced: (object: K8sObject) => boolean | undefined): Issue[] {
  const issues: Issue[] = [];
  const emit: Emit = (rule, object, path, message, fix) => issues.push({ rule, object, path, message, fix });
  for (const template of inventory.podTemplates) {
    checkContainers(emit, template);
    checkServiceAccountToken(emit, template);
    checkHighAvailability(emit, inventory, template);
  }
  for (const object of objects) {
    checkNamespaceSet(emit, object, namespaced(object));
    checkSecretLiterals(emit, object);
    if (isKind(object, '', 'Secret')) checkPlaintextSecret(emit, object);
    if (isKind(object, 'networking.k8s.io', 'Ingress')) checkIngressTls(emit, inventory, object);
  }
  return issues;
}

/** Whether an image reference pins a tag other than latest, or a digest. */
function imageIsPinned(image: string): boolean {
  if (image.includes('@')) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon >= 0 && lastSegment.slice(colon + 1) !== '' && lastSegment.slice(colon + 1) !== 'latest';
}

function checkContainers(emit: Emit, template: PodTemplate): void {
  const { workload } = template;
  for (const ref of containersOf(template, ['containers', 'initContainers'])) {
    const { container, path } = ref;
    const who = containerLabel(ref);
    const context = record(container.securityContext);
    if (context.readOnlyRootFilesystem !== true) {
      emit(
        'practice/read-only-root-filesystem',
        workload,
        `${path}.securityContext.readOnlyRootFilesystem`,
        `${who} can write to its root filesystem`,
        `set ${path}.securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the image writes (the Workload construct does this by default)`,
      );
    }
    const image = str(container.image);
    if (image !== undefined && !imageIsPinned(image)) {
      emit('practice/image-tag', workload, `${path}.image`, `${who} uses image ${image} without a pinned tag`, `set ${path}.image to an explicit version tag or digest, e.g. ${image.replace(/:latest$/, '')}:1.2.3`);
    }
    checkResources(emit, workload, ref.path, who, container.resources);
    if (ref.field === 'containers' && LONG_RUNNING.has(workload.kind ?? '')) {
      for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
        if (container[probe] === undefined) {
          emit('practice/probes', workload, `${path}.${probe}`, `${who} has no ${probe}`, `add ${path}.${probe} (httpGet on a health endpoint, or tcpSocket on the serving port)`);
        }
      }
    }
    checkEnv(emit, workload, ref.path, who, list(container.env));
    checkArgs(emit, workload, ref.path, who, container as Record<string, unknown>);
  }
}

function checkResources(emit: Emit, workload: K8sObject, path: string, who: string, resources: ResourceRequirements | undefined): void {
  const requests = record(record(resources).requests);
  const limits = record(record(resources).limits);
  for (const [field, map, resource] of [['requests', requests, 'cpu'], ['requests', requests, 'memory'], ['limits', limits, 'memory']] as const) {
    if (map[resource] === undefined) {
      emit(
        'practice/resources',
        workload,
        `${path}.resources.${field}.${resource}`,
        `${who} sets no ${resource} ${field === 'requests' ? 'request' : 'limit'}`,
        `set ${path}.resources.${field}.${resource} (e.g. ${resource === 'cpu' ? '"100m"' : '"256Mi"'}) from the observed usage`,
      );
    }
  }
  for (const resource of ['cpu', 'memory']) {
    const request = parseQuantity(requests[resource]);
    const limit = parseQuantity(limits[resource]);
    if (request !== undefined && limit !== undefined && limit < request) {
      emit(
        'practice/limits-below-requests',
        workload,
        `${path}.resources.limits.${resource}`,
        `${who} limits ${resource} to ${limits[resource]}, below its request of ${requests[resource]}`,
        `raise ${path}.resources.limits.${resource} to at least ${requests[resource]}, or lower the request`,
      );
    }
  }
}

function checkEnv(emit: Emit, workload: K8sObject, path: string, who: string, env: readonly EnvVar[]): void {
  const seen = new Set<string>();
  env.forEach((raw, i) => {
    const { name, value } = record(raw);
    const at = `${path}.env[${i}]`;
    if (name !== undefined) {
      if (seen.has(name)) {
        emit('practice/duplicate-env', workload, `${at}.name`, `${who} defines ${name} more than once; only the last one takes effect`, `remove one of the ${name} entries from ${path}.env`);
      }
      seen.add(name);
    }
    if (typeof value !== 'string' || value === '') return;
    const found = findSecretLiteral(name ?? '', value);
    if (found) {
      emit(
        'practice/secret-literal-env',
        workload,
        `${at}.value`,
        found.id === 'secret-name' ? `${who} sets ${name} to a literal value` : `${who} sets ${name ?? '?'} to ${found.what}`,
        `replace ${at}.value with valueFrom.secretKeyRef to a Secret rendered as a SealedSecret or ExternalSecret (or mount it as a file)`,
      );
    }
  });
}

const SECRET_FIX = 'move the value into a Secret (a SealedSecret or ExternalSecret) and reference it: an env valueFrom.secretKeyRef, a mounted file, or $(VAR) of such an env var in args';

/** Secret literals in a container's command and args (`--password=…`, a token, a URL with a password). */
function checkArgs(emit: Emit, workload: K8sObject, path: string, who: string, container: Record<string, unknown>): void {
  for (const field of ['command', 'args'] as const) {
    strings(container[field] as unknown[] | undefined).forEach((arg, i) => {
      const found = findSecretInArgument(arg);
      if (found) emit('practice/secret-literal', workload, `${path}.${field}[${i}]`, `${who} passes ${found.what} in ${field}[${i}]`, SECRET_FIX);
    });
  }
}

/** Secret literals in ConfigMap data (by key and value) and in annotations (by value) of any object and pod template. */
function checkSecretLiterals(emit: Emit, object: K8sObject): void {
  const annotationsAt = (annotations: unknown, at: string) => {
    for (const [key, value] of Object.entries(record(annotations as Record<string, unknown> | undefined))) {
      const found = typeof value === 'string' ? findSecretValue(value) : undefined;
      if (found) emit('practice/secret-literal', object, `${at}["${key}"]`, `annotation ${key} holds ${found.what}`, SECRET_FIX);
    }
  };
  annotationsAt(record(object.metadata).annotations, 'metadata.annotations');
  const template = podTemplateOf(object);
  if (template) annotationsAt(template.metadata.annotations, `${template.metadataPath}.annotations`);
  if (!isKind(object, '', 'ConfigMap')) return;
  for (const [key, value] of Object.entries(record((object as { data?: Record<string, unknown> }).data))) {
    const found = typeof value === 'string' ? findSecretLiteral(key, value) : undefined;
    if (found) emit('practice/secret-literal', object, `data["${key}"]`, `ConfigMap key ${key} holds ${found.id === 'secret-name' ? 'a literal value' : found.what}`, SECRET_FIX);
  }
}

function checkServiceAccountToken(emit: Emit, template: PodTemplate): void {
  if (template.spec.automountServiceAccountToken === false) return;
  emit(
    'practice/service-account-token',
    template.workload,
    `${template.specPath}.automountServiceAccountToken`,
    'the pod mounts a Kubernetes API token it may not need',
    `set ${template.specPath}.automountServiceAccountToken: false (the Workload construct does this by default), or exempt the workload if it calls the Kubernetes API`,
  );
}

function checkHighAvailability(emit: Emit, inventory: Inventory, template: PodTemplate): void {
  const { workload, spec, specPath } = template;
  if (!REPLICATED.has(workload.kind ?? '')) return;
  const replicas = record(workload.spec as { replicas?: number }).replicas ?? 1;
  const autoscaler = inventory.autoscalerOf(workload);
  if (replicas < 2 && (autoscaler?.minReplicas ?? 0) < 2) return;
  const count = autoscaler && autoscaler.minReplicas >= 2 ? `at least ${autoscaler.minReplicas} replicas (${autoscaler.object.kind} ${nameOf(autoscaler.object)})` : `${replicas} replicas`;
  if (list(spec.topologySpreadConstraints).length === 0 && record(spec.affinity).podAntiAffinity === undefined) {
    emit(
      'practice/high-availability',
      workload,
      `${specPath}.topologySpreadConstraints`,
      `runs ${count} without topologySpreadConstraints or podAntiAffinity, so one node or zone can take them all down`,
      `add ${specPath}.topologySpreadConstraints over topology.kubernetes.io/zone and kubernetes.io/hostname selecting the pod labels (the Workload construct does this when replicas > 1)`,
    );
  }
  const namespace = namespaceOf(workload);
  const protectedByPdb = inventory.ofKind('policy', 'PodDisruptionBudget').some(
    (pdb) =>
      namespaceOf(pdb) === namespace &&
      record(pdb.spec as { selector?: LabelSelector }).selector !== undefined &&
      labelSelectorSelects(record(record(pdb.spec as { selector?: LabelSelector }).selector), template.metadata.labels),
  );
  if (!protectedByPdb) {
    emit(
      'practice/high-availability',
      workload,
      `${template.metadataPath}.labels`,
      `runs ${count} but no PodDisruptionBudget selects its pods (${formatLabels(template.metadata.labels)})`,
      `add a policy/v1 PodDisruptionBudget in ${namespace ?? 'its namespace'} with spec.selector.matchLabels ${formatLabels(template.metadata.labels)} and maxUnavailable: 1`,
    );
  }
}

function checkNamespaceSet(emit: Emit, object: K8sObject, namespaced: boolean | undefined): void {
  const namespace = namespaceOf(object);
  if (namespaced === true && namespace === undefined) {
    emit('practice/namespace-set', object, 'metadata.namespace', `${object.kind} is namespaced but sets no metadata.namespace`, 'set metadata.namespace explicitly; the default namespace of kubectl or Argo CD is not a contract');
  } else if (namespaced === false && namespace !== undefined) {
    emit('practice/namespace-set', object, 'metadata.namespace', `${object.kind} is cluster-scoped but sets metadata.namespace ${namespace}`, 'remove metadata.namespace');
  }
}

function checkPlaintextSecret(emit: Emit, secret: K8sObject): void {
  for (const field of ['data', 'stringData'] as const) {
    const values = (secret as { data?: unknown; stringData?: unknown })[field];
    if (values !== null && typeof values === 'object' && Object.keys(values).length > 0) {
      emit(
        'practice/plaintext-secret',
        secret,
        field,
        `the Secret carries its values in ${field}, so they end up in git`,
        'do not render Secret values: render a SealedSecret (kubeseal) or an ExternalSecret, or reference an existing Secret and declare it with addExternalReference',
      );
    }
  }
}

/** Whether TLS `pattern` (a host or `*.domain`) covers `host`. */
function tlsCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  return pattern.startsWith('*.') && host.endsWith(pattern.slice(1)) && !host.slice(0, -(pattern.length - 1)).includes('.');
}

function checkIngressTls(emit: Emit, inventory: Inventory, ingress: K8sObject): void {
  const spec = record(ingress.spec as { rules?: readonly { host?: string }[]; tls?: readonly { hosts?: readonly string[] }[] } | undefined);
  const namespace = namespaceOf(ingress);
  const tlsHosts = list(spec.tls).flatMap((tls) => strings(record(tls).hosts));
  // GKE Ingress: certificates come from ManagedCertificates named in an annotation.
  const managed = (str(record(ingress.metadata?.annotations)['networking.gke.io/managed-certificates']) ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean)
    .flatMap((name) => list(record(inventory.find('ManagedCertificate', namespace, name)?.spec as { domains?: string[] }).domains));
  list(spec.rules).forEach((rule, i) => {
    const host = str(record(rule).host);
    if (host === undefined || [...tlsHosts, ...managed].some((pattern) => tlsCovers(pattern, host))) return;
    emit(
      'practice/ingress-tls',
      ingress,
      `spec.rules[${i}].host`,
      `host ${host} is served without TLS`,
      `add ${host} to spec.tls[].hosts with a secretName and the cert-manager.io/cluster-issuer annotation (or list it in a ManagedCertificate on GKE)`,
    );
  });
}

import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ApiServer } from './apiserver';

/**
 * The cluster tier's checks: install the vendored CRDs, then server-side apply every rendered object with
 * `dryRun=All&fieldValidation=Strict` in Argo CD's sync order, collecting every rejection and every `Warning`
 * header that is not on the allow-list. Namespaces are created for real (a dry-run create of a namespaced object
 * needs its Namespace to exist) with their rendered labels, so Pod Security admission warns as the cluster would.
 */

/** Who applies: one field manager, so re-applying a Namespace for the next environment replaces its labels. */
export const FIELD_MANAGER = 'platform-cluster-tier';

/**
 * Warnings that do not fail the run, each with the reason. A warning is allowed only when its text matches
 * `pattern` and it comes from `platform`'s `kind` objects.
 */
export const WARNING_ALLOW_LIST: ReadonlyArray<{ readonly platform: string; readonly kind: string; readonly pattern: RegExp; readonly reason: string }> = [
  {
    platform: 'connectors',
    kind: 'Ingress',
    pattern: /^annotation "kubernetes\.io\/ingress\.class" is deprecated, please use 'spec\.ingressClassName' instead$/,
    reason: 'GKE Ingress is claimed only by this annotation; GKE does not serve spec.ingressClassName for its built-in '
      + 'controller (cloud.google.com/kubernetes-engine/docs/concepts/ingress, "Deprecated annotation")',
  },
];

/**
 * Namespaces objects are rendered into without the platform rendering the Namespace itself, and why. Any other
 * missing Namespace fails the run, as it would fail the sync.
 */
export const EXTERNAL_NAMESPACES: Readonly<Record<string, string>> = {
  'argocd': 'Argo CD is installed into it before the app-of-apps is applied',
  'kube-system': 'exists in every cluster',
  // expense-tracker's Gateway API edge grants its HTTPRoute access to Grafana there (a ReferenceGrant in `monitoring`).
  'monitoring': 'created by the kube-prometheus-stack add-on (lib/addons/catalog.ts), which syncs in an earlier wave than the platforms',
};

/** One problem, with everything needed to find it. */
export interface ClusterFailure {
  readonly platform: string;
  readonly environment: string;
  readonly file: string;
  readonly message: string;
}

export function describeFailure(f: ClusterFailure): string {
  return `${f.platform}/${f.environment} ${f.file}: ${f.message}`;
}

// Argo CD applies a wave in this kind order (gitops-engine pkg/sync/sync_tasks.go, kindOrder); other kinds after.
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service',
  'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob',
  'IngressClass', 'Ingress', 'APIService',
];

/** A rendered object and the file it came from. */
export interface RenderedObject {
  readonly file: string;
  /** The file's text, sent as the apply body unchanged (the server parses the YAML itself). */
  readonly text: string;
  readonly object: any;
}

const wave = (o: any) => Number(o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
const kindRank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

/** The objects of one rendered directory in Argo CD's sync order: wave, kind, then name. */
export function readRendered(dir: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const docs = parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d && typeof d === 'object');
    // dist/ writes one object per file; split a multi-document file so each apply carries exactly one object.
    for (const object of docs) objects.push({ file, text: docs.length === 1 ? text : JSON.stringify(object), object });
  }
  return objects.sort((a, b) => wave(a.object) - wave(b.object) || kindRank(a.object.kind) - kindRank(b.object.kind)
    || String(a.object.metadata?.name).localeCompare(String(b.object.metadata?.name)) || a.file.localeCompare(b.file));
}

/** Kind → REST resource, from the server's discovery documents (so CRD kinds resolve too). */
export class Discovery {
  private readonly groups = new Map<string, Map<string, { name: string; namespaced: boolean }>>();

  constructor(private readonly server: ApiServer) {}

  async resource(apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean } | undefined> {
    if (!this.groups.has(apiVersion)) {
      const res = await this.server.request('GET', apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      const kinds = new Map<string, { name: string; namespaced: boolean }>();
      if (res.status === 200) {
        for (const r of res.body.resources ?? []) if (!r.name.includes('/')) kinds.set(r.kind, { name: r.name, namespaced: r.namespaced });
      }
      this.groups.set(apiVersion, kinds);
    }
    return this.groups.get(apiVersion)!.get(kind);
  }

  /** Forget what was learnt (after installing CRDs). */
  reset(): void {
    this.groups.clear();
  }
}

/** The REST path of one object. */
export async function objectPath(discovery: Discovery, o: any): Promise<string> {
  const resource = await discovery.resource(o.apiVersion, o.kind);
  if (!resource) throw new Error(`the server does not serve ${o.kind} in ${o.apiVersion} (no such API or CRD)`);
  const base = String(o.apiVersion).includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  const ns = resource.namespaced ? `/namespaces/${encodeURIComponent(o.metadata?.namespace ?? 'default')}` : '';
  return `${base}${ns}/${resource.name}/${encodeURIComponent(o.metadata?.name ?? '')}`;
}

/** The server's message of a failed call: the Status message, or the raw body. */
export function statusMessage(body: any): string {
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  return typeof body === 'string' ? body.trim() : JSON.stringify(body);
}

/** Server-side applies one object; `dryRun` validates fully without storing. */
export async function apply(server: ApiServer, discovery: Discovery, o: RenderedObject | any, dryRun: boolean) {
  const object = 'object' in o && 'text' in o ? o.object : o;
  const body = 'object' in o && 'text' in o ? o.text : JSON.stringify(o);
  const query = `fieldManager=${FIELD_MANAGER}&force=true&fieldValidation=Strict${dryRun ? '&dryRun=All' : ''}`;
  return server.request('PATCH', `${await objectPath(discovery, object)}?${query}`, body, 'application/apply-patch+yaml');
}

/** Installs every CRD under `crdDir` for real and waits until each is Established (at most `timeoutMs`). */
export async function installCrds(server: ApiServer, discovery: Discovery, crdDir: string, timeoutMs = 60_000): Promise<number> {
  const files = walk(crdDir).filter((f) => f.endsWith('.yaml'));
  const crds = files.flatMap((file) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => ({ file, crd: d.toJS() })))
    .filter(({ crd }) => crd?.kind === 'CustomResourceDefinition');
  // In parallel: each CRD's schema takes the server a while to compile, and the CRDs are independent.
  await Promise.all(crds.map(async ({ file, crd }) => {
    // A plain create: server-side apply of a CRD this size spends seconds building its managed fields.
    const res = await server.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', JSON.stringify(crd));
    if (res.status >= 300) throw new Error(`${path.relative(process.cwd(), file)}: CRD ${crd.metadata.name} rejected: ${statusMessage(res.body)}`);
  }));
  const names = crds.map(({ crd }) => String(crd.metadata.name));
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const res = await server.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const established = (res.body?.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
      if (established) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  discovery.reset();
  return names.length;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/**
 * Removes a Namespace at once. There is no namespace controller: the first DELETE only marks it Terminating, the
 * finalizer is cleared by hand, and a second DELETE removes it (what the controller does after emptying it).
 */
export async function deleteNamespace(server: ApiServer, name: string): Promise<void> {
  const first = await server.request('DELETE', `/api/v1/namespaces/${name}`);
  if (first.status === 404) return;
  const marked = await server.request('GET', `/api/v1/namespaces/${name}`);
  if (marked.status === 200) {
    const finalize = { ...marked.body, spec: { ...marked.body.spec, finalizers: [] } };
    const res = await server.request('PUT', `/api/v1/namespaces/${name}/finalize`, JSON.stringify(finalize));
    if (res.status >= 300) throw new Error(`finalizing namespace ${name}: ${statusMessage(res.body)}`);
    await server.request('DELETE', `/api/v1/namespaces/${name}`);
  }
  for (let i = 0; i < 100; i++) {
    if ((await server.request('GET', `/api/v1/namespaces/${name}`)).status === 404) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`namespace ${name} still present after delete`);
}

/**
 * Checks one rendered environment: Namespaces for real, everything else dry-run, then the Namespaces are removed
 * so the next environment starts from an empty cluster (the CRDs stay).
 */
export async function checkObjects(
  server: ApiServer, discovery: Discovery, objects: readonly RenderedObject[], where: { platform: string; environment: string },
): Promise<{ failures: ClusterFailure[]; applied: number }> {
  const failures: ClusterFailure[] = [];
  const fail = (file: string, message: string) => failures.push({ ...where, file, message });
  const created: string[] = [];
  let applied = 0;
  const rendered = new Set(objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name));
  try {
    // Namespaces the platform expects to exist already (see EXTERNAL_NAMESPACES); any other missing one fails.
    const used = new Set(objects.map((o) => o.object.metadata?.namespace).filter((n): n is string => typeof n === 'string'));
    for (const ns of [...used].sort()) {
      if (rendered.has(ns)) continue;
      if (!(ns in EXTERNAL_NAMESPACES)) {
        const first = objects.find((o) => o.object.metadata?.namespace === ns)!;
        fail(first.file, `namespace "${ns}" is neither rendered nor listed in EXTERNAL_NAMESPACES (test/cluster/check.ts)`);
        continue;
      }
      const res = await apply(server, discovery, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, false);
      if (res.status >= 300) throw new Error(`creating external namespace ${ns}: ${statusMessage(res.body)}`);
      created.push(ns);
    }
    for (const o of objects) {
      const isNamespace = o.object.kind === 'Namespace' && o.object.apiVersion === 'v1';
      let res;
      try {
        res = await apply(server, discovery, o, !isNamespace);
      } catch (error) {
        fail(o.file, (error as Error).message);
        continue;
      }
      applied++;
      if (isNamespace && res.status < 300) created.push(o.object.metadata.name);
      if (res.status >= 300) fail(o.file, `rejected (HTTP ${res.status}): ${statusMessage(res.body)}`);
      for (const w of res.warnings) {
        const allowed = WARNING_ALLOW_LIST.some((a) => a.platform === where.platform && a.kind === o.object.kind && a.pattern.test(w));
        if (!allowed) fail(o.file, `warning: ${w}`);
      }
    }
  } finally {
    for (const ns of created) await deleteNamespace(server, ns);
  }
  return { failures, applied };
}

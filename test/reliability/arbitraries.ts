import * as fc from 'fast-check';
import {
  AutoscalingOptions, ContainerPort, ContainerResources, DisruptionBudgetOptions, EnvValue, NamespaceBaselineProps, NamedContainerProps,
  PersistentVolume, PostgresDatabaseSpec, PostgresProps, Probe, RedisProps, REDIS_EVICTION_POLICIES, SecretKeyRef, WorkloadProps,
} from '../../lib';

/**
 * fast-check arbitraries that generate VALID props: every value is one the construct must accept and the
 * validation gate must pass. Each case also lists the Secrets and ConfigMaps it references, so the test can
 * declare them (ExistingSecret / external reference) the way a platform does.
 */

/** A generated Workload case. */
export interface WorkloadCase {
  readonly props: WorkloadProps & { readonly name: string; readonly namespace: string };
  /** Secret names referenced from env or mounted as files (in the workload's namespace). */
  readonly secrets: readonly string[];
  /** ConfigMap names referenced from env. */
  readonly configMaps: readonly string[];
}

/** Names the NamespaceBaseline gives its own NetworkPolicies; a workload of that name would collide with them. */
const RESERVED_NAMES = new Set(['default-deny', 'allow-dns-egress']);

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/** Strings of `alphabet` characters; built from units because `fc.stringMatching` is slow to construct inside `chain`. */
export function chars(alphabet: string, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...alphabet.split('')), minLength, maxLength });
}

const dnsLabels = new Map<string, fc.Arbitrary<string>>();

/** DNS-1123 label of `min`–`max` characters (at least 2): a letter, letters/digits/"-", a letter or digit. */
export function dnsLabel(min = 2, max = 20): fc.Arbitrary<string> {
  const key = `${min}/${max}`;
  if (!dnsLabels.has(key)) {
    dnsLabels.set(key, fc.tuple(chars(LOWER, 1, 1), chars(`${LOWER}${DIGITS}-`, Math.max(0, min - 2), max - 2), chars(`${LOWER}${DIGITS}`, 1, 1))
      .map(([a, b, c]) => `${a}${b}${c}`).filter((s) => !RESERVED_NAMES.has(s)));
  }
  return dnsLabels.get(key)!;
}

const longTail = chars(`${LOWER}${DIGITS}`, 60, 60);
const workloadNames = {
  Deployment: makeWorkloadName(63),
  StatefulSet: makeWorkloadName(52),
};

/** Workload names, short or near the limits (52 for a StatefulSet, 63 for a Deployment). */
function makeWorkloadName(longest: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: dnsLabel(2, 16) },
    { weight: 1, arbitrary: fc.tuple(dnsLabel(2, 10), longTail).map(([a, b]) => `${a}${b}`.slice(0, longest)) },
  );
}

/** IANA service name: 1–15 characters, a letter, no leading, trailing or double "-". */
export const portName: fc.Arbitrary<string> = fc.tuple(chars(LOWER, 1, 1), fc.array(fc.oneof(chars(`${LOWER}${DIGITS}`, 1, 1), chars(`${LOWER}${DIGITS}`, 1, 1).map((c) => `-${c}`)), { maxLength: 6 }))
  .map(([first, rest]) => `${first}${rest.join('')}`);

const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}$/).filter((t) => t !== 'latest');
const digest = fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`);
const repoPath = fc.array(fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
const registry = fc.constantFrom('', 'ghcr.io/', 'docker.io/', 'registry.example.com:5000/', 'europe-docker.pkg.dev/proj/', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/');

/** An image with a tag, a digest, or both; never untagged, never `latest`. */
export const image: fc.Arbitrary<string> = fc.tuple(registry, repoPath, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }))
  .filter(([, , t, d]) => t !== undefined || d !== undefined)
  .map(([r, p, t, d]) => `${r}${p}${t !== undefined ? `:${t}` : ''}${d !== undefined ? `@${d}` : ''}`);

const MI = 1024 * 1024;

/** A memory quantity string of exactly `mi` MiB, in one of several equivalent spellings. */
function memoryQuantity(mi: number): fc.Arbitrary<string> {
  const spellings = [`${mi}Mi`, `${mi * 1024}Ki`, `${mi * MI}`, `${(mi * MI) / 1e6}M`];
  if (mi % 1024 === 0) spellings.push(`${mi / 1024}Gi`);
  return fc.constantFrom(...spellings);
}

/** A CPU quantity string of exactly `milli` millicores. */
function cpuQuantity(milli: number): fc.Arbitrary<string> {
  const spellings = [`${milli}m`, `${milli / 1000}`];
  return fc.constantFrom(...spellings);
}

/** Requests and limits with limit ≥ request, in mixed units. */
export const resources: fc.Arbitrary<ContainerResources> = fc.record({
  cpuMilli: fc.integer({ min: 1, max: 8000 }),
  cpuExtra: fc.option(fc.integer({ min: 0, max: 8000 }), { nil: undefined }),
  memMi: fc.integer({ min: 1, max: 16 * 1024 }),
  memExtra: fc.integer({ min: 0, max: 16 * 1024 }),
}).chain(({ cpuMilli, cpuExtra, memMi, memExtra }) => fc.record({
  cpuRequest: cpuQuantity(cpuMilli),
  memoryRequest: memoryQuantity(memMi),
  memoryLimit: memoryQuantity(memMi + memExtra),
  ...(cpuExtra !== undefined ? { cpuLimit: cpuQuantity(cpuMilli + cpuExtra) } : {}),
}));

/** 1–3 ports with unique names, numbers and Service ports. */
export const ports: fc.Arbitrary<ContainerPort[]> = fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(
  fc.uniqueArray(portName, { minLength: n, maxLength: n }),
  fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: n, maxLength: n }),
  fc.array(fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), { minLength: n, maxLength: n }),
  fc.array(fc.option(fc.boolean(), { nil: undefined }), { minLength: n, maxLength: n }),
  fc.array(fc.constantFrom<'TCP' | 'UDP' | undefined>(undefined, 'TCP', 'UDP'), { minLength: n, maxLength: n }),
)).map(([names, numbers, servicePorts, exposes, protocols]) => {
  const used = new Set<number>();
  return names.map((name, i) => {
    const exposed = exposes[i] ?? true;
    let servicePort = servicePorts[i];
    const effective = servicePort ?? numbers[i];
    // Service ports must be unique among the exposed ports: drop a clashing override.
    if (exposed && used.has(effective)) servicePort = undefined;
    if (exposed) used.add(servicePort ?? numbers[i]);
    return { name, port: numbers[i], ...(servicePort !== undefined ? { servicePort } : {}), ...(protocols[i] ? { protocol: protocols[i] } : {}), ...(exposes[i] !== undefined ? { expose: exposes[i] } : {}) };
  }).filter((p, _i, all) => !(p.expose ?? true) || all.filter((q) => (q.expose ?? true) && (q.servicePort ?? q.port) === (p.servicePort ?? p.port)).length === 1);
}).filter((ps) => ps.length > 0);

const timing = fc.record({
  initialDelaySeconds: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
  periodSeconds: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  timeoutSeconds: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
  failureThreshold: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
}, { requiredKeys: [] });

const httpPath = fc.stringMatching(/^\/[a-z0-9/_-]{0,20}$/);

/** A probe on one of `declared` (by name, by number or by default), or an exec probe. */
export function probe(declared: readonly ContainerPort[]): fc.Arbitrary<Probe> {
  const tcpPorts = declared.filter((p) => (p.protocol ?? 'TCP') === 'TCP');
  const portRef = tcpPorts.length > 0
    ? fc.constantFrom(...tcpPorts).chain((p) => fc.constantFrom<string | number>(p.name, p.port))
    : fc.constant(undefined);
  const handlers: fc.Arbitrary<Probe>[] = [fc.constant({ exec: { command: ['/bin/health', '--quick'] } })];
  if (tcpPorts.length > 0) {
    handlers.push(
      fc.record({ path: httpPath, port: fc.option(portRef, { nil: undefined }), scheme: fc.constantFrom<'HTTP' | 'HTTPS' | undefined>(undefined, 'HTTP', 'HTTPS') })
        .map(({ path, port, scheme }) => {
          // A probe without a port takes the first declared port; that must be a TCP one.
          const p = port ?? ((declared[0].protocol ?? 'TCP') === 'TCP' ? undefined : tcpPorts[0].name);
          return { http: { path, ...(p !== undefined ? { port: p } : {}), ...(scheme ? { scheme } : {}) } };
        }),
      portRef.map((port) => ({ tcp: { port } })),
      fc.constantFrom(...tcpPorts).map((p) => ({ grpc: { port: p.port } })),
    );
  }
  return fc.tuple(fc.oneof(...handlers), timing).map(([handler, t]) => ({ ...handler, ...stripUndefined(t) }));
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const SECRET_LOOKING = /(PASSWORD|PASSWD|SECRET|TOKEN|KEY|PRIVATE|CREDENTIAL)/i;
const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/);
const secretName = fc.constantFrom('app-secrets', 'db-credentials', 'api.tokens', 'tls-certs');
const secretKey = fc.stringMatching(/^[-._a-zA-Z0-9]{1,20}$/).filter((k) => k !== '.' && !k.startsWith('..'));

/** Environment: literals under non-secret names (and `*_FILE` paths), and secretKeyRef / configMapKeyRef / fieldRef values. */
export const env: fc.Arbitrary<{ env: Record<string, EnvValue>; secrets: string[]; configMaps: string[] }> = fc.uniqueArray(
  fc.oneof(
    fc.tuple(envName.filter((n) => !SECRET_LOOKING.test(n)), fc.string({ maxLength: 30 }).filter((v) => !/:\/\/.*@/.test(v)))
      .map(([n, v]) => [n, v] as [string, EnvValue]),
    fc.tuple(envName.map((n) => `${n}_PASSWORD_FILE`), fc.stringMatching(/^\/run\/secrets\/[a-z]{1,8}$/)).map(([n, v]) => [n, v] as [string, EnvValue]),
    fc.tuple(fc.oneof(envName, envName.map((n) => `${n}_TOKEN`), envName.map((n) => `${n}_PASSWORD`)), secretName, secretKey)
      .map(([n, s, k]) => [n, { secretKeyRef: { secretName: s, key: k } }] as [string, EnvValue]),
    fc.tuple(envName, fc.constantFrom('app-settings', 'feature-flags'), secretKey)
      .map(([n, c, k]) => [n, { configMapKeyRef: { name: c, key: k } }] as [string, EnvValue]),
    fc.tuple(envName, fc.constantFrom('metadata.name', 'metadata.namespace', 'status.podIP', 'spec.nodeName'))
      .map(([n, f]) => [n, { fieldPath: f }] as [string, EnvValue]),
  ),
  { maxLength: 6, selector: ([n]) => n },
).map((entries) => {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  for (const [, v] of entries) {
    if (typeof v === 'object' && 'secretKeyRef' in v) secrets.add(v.secretKeyRef.secretName);
    if (typeof v === 'object' && 'configMapKeyRef' in v) configMaps.add(v.configMapKeyRef.name);
  }
  return { env: Object.fromEntries(entries), secrets: [...secrets].sort(), configMaps: [...configMaps].sort() };
});

/** Writable directories: unique absolute paths under /var or /tmp, as strings or with size and medium. */
export const writableDirectories = fc.uniqueArray(
  fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 3 }).map((segments) => `/var/${segments.join('/')}`),
  { maxLength: 3 },
).chain((paths) => fc.tuple(...paths.map((path) => fc.oneof(
  fc.constant<string | { path: string; sizeLimit?: string; medium?: 'Memory' }>(path),
  fc.record({ path: fc.constant(path), sizeLimit: fc.integer({ min: 1, max: 4096 }).map((n) => `${n}Mi`), medium: fc.constantFrom<'Memory' | undefined>(undefined, 'Memory') })
    .map((d) => stripUndefined(d) as { path: string }),
))).map((dirs) => ['/tmp', ...dirs]));

/** An autoscaling range and behaviour. */
export const autoscaling: fc.Arbitrary<AutoscalingOptions> = fc.integer({ min: 1, max: 5 }).chain((min) => fc.record({
  minReplicas: fc.constant(min),
  maxReplicas: fc.integer({ min: min + 1, max: 20 }),
  cpuUtilizationPercent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  memoryUtilizationPercent: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  scaleOnMemory: fc.option(fc.boolean(), { nil: undefined }),
  scaleUpStabilizationSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
  scaleUpPercentPerMinute: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
  scaleUpPodsPerMinute: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  scaleDownStabilizationSeconds: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
  scaleDownPercentPerMinute: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
}).map((o) => stripUndefined(o) as AutoscalingOptions));

/** Evictions a budget allows with `replicas` healthy pods, computed the way Kubernetes does (percentages round up). */
export function allowedDisruptions(replicas: number, budget: DisruptionBudgetOptions): number {
  const count = (v: number | string) => (typeof v === 'number' ? v : Math.ceil((replicas * Number(v.slice(0, -1))) / 100));
  if (budget.minAvailable !== undefined) return replicas - count(budget.minAvailable);
  return Math.min(count(budget.maxUnavailable ?? 1), replicas);
}

/** A PDB that still lets at least one pod of `minReplicas` be evicted. */
export function disruptionBudget(minReplicas: number): fc.Arbitrary<DisruptionBudgetOptions> {
  return fc.oneof(
    fc.integer({ min: 0, max: minReplicas - 1 }).map((n) => ({ minAvailable: n })),
    fc.integer({ min: 0, max: 100 }).map((p) => ({ minAvailable: `${p}%` })),
    fc.integer({ min: 1, max: 10 }).map((n) => ({ maxUnavailable: n })),
    fc.integer({ min: 1, max: 100 }).map((p) => ({ maxUnavailable: `${p}%` })),
  ).filter((b) => allowedDisruptions(minReplicas, b) > 0);
}

/** A valid Workload: Deployment or StatefulSet with everything the construct models. */
export function workload(namespace: fc.Arbitrary<string> = fc.constant('app')): fc.Arbitrary<WorkloadCase> {
  return fc.constantFrom<'Deployment' | 'StatefulSet'>('Deployment', 'StatefulSet').chain((kind) => fc.record({
    kind: fc.constant(kind),
    name: workloadNames[kind],
    namespace,
    image,
    resources,
    ports,
    env,
    writableDirectories: fc.option(writableDirectories, { nil: undefined }),
    replicas: fc.integer({ min: 1, max: 5 }),
    scaling: fc.option(autoscaling, { nil: undefined }),
    budgetChoice: fc.constantFrom<'default' | 'custom' | 'off'>('default', 'custom', 'custom', 'off'),
    spreadAcrossZones: fc.option(fc.boolean(), { nil: undefined }),
    runAsUser: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    component: fc.option(dnsLabel(2, 12), { nil: undefined }),
    pvCount: fc.integer({ min: 0, max: 2 }),
    rwx: fc.boolean(),
    sidecar: fc.boolean(),
    init: fc.boolean(),
    secretFile: fc.boolean(),
  })).chain((g) => {
    const pvsAllowed = g.kind === 'StatefulSet' ? !g.scaling : true;
    const pvCount = pvsAllowed ? g.pvCount : 0;
    // A Deployment may share a ReadWriteOnce claim only when it never runs more than one pod.
    const singlePod = !g.scaling && g.replicas === 1;
    const accessMode = g.kind === 'Deployment' && !singlePod ? 'ReadWriteMany' as const : g.rwx ? 'ReadWriteMany' as const : undefined;
    const persistentVolumes: PersistentVolume[] = Array.from({ length: pvCount }, (_, i) => ({
      name: `data${i}`, mountPath: `/data/${i}`, size: `${i + 1}Gi`, ...(accessMode ? { accessMode } : {}),
    }));
    const minReplicas = g.scaling ? g.scaling.minReplicas : g.replicas;
    const maxPods = Math.max(minReplicas, g.scaling?.maxReplicas ?? 0);
    const budget = maxPods > 1 && g.budgetChoice === 'custom' ? disruptionBudget(minReplicas).map((b): DisruptionBudgetOptions | false | undefined => b)
      : fc.constant<DisruptionBudgetOptions | false | undefined>(g.budgetChoice === 'off' ? false : undefined);
    const usedPorts = new Set(g.ports.map((p) => p.port));
    const usedPortNames = new Set(g.ports.map((p) => p.name));
    const sidecarPort = fc.integer({ min: 1, max: 65535 }).filter((p) => !usedPorts.has(p));
    const sidecarPortName = portName.filter((n) => !usedPortNames.has(n));
    const sidecar: fc.Arbitrary<NamedContainerProps | undefined> = g.sidecar
      ? fc.record({ port: sidecarPort, portName: sidecarPortName, image, resources }).map(({ port, portName: pn, image: img, resources: r }) => ({
        name: g.name === 'sidecar' ? 'sidecar-2' : 'sidecar',
        image: img,
        resources: r,
        ports: [{ name: pn, port }],
        readiness: { tcp: { port: pn } },
        liveness: { tcp: { port } },
      }))
      : fc.constant(undefined);
    return fc.record({
      readiness: probe(g.ports),
      liveness: probe(g.ports),
      startup: fc.option(probe(g.ports), { nil: undefined }),
      disruptionBudget: budget,
      sidecar,
      initResources: resources,
      initImage: image,
    }).map((p): WorkloadCase => {
      const secrets = new Set(g.env.secrets);
      if (g.secretFile) secrets.add('mounted.files');
      const exemptions: Record<string, string> = {};
      // Opting out of the PDB leaves a replicated workload without HA protection: the gate requires a named reason.
      if (p.disruptionBudget === false && maxPods > 1) exemptions['practice/high-availability'] = 'generated case: PDB turned off on purpose';
      const props: WorkloadCase['props'] = {
        kind: g.kind,
        name: g.name,
        namespace: g.namespace,
        image: g.image,
        resources: g.resources,
        ports: g.ports,
        env: g.env.env,
        readiness: p.readiness,
        liveness: p.liveness,
        ...(p.startup ? { startup: p.startup } : {}),
        ...(g.writableDirectories ? { writableDirectories: g.writableDirectories } : {}),
        replicas: g.replicas,
        ...(g.scaling ? { autoscaling: g.scaling } : {}),
        ...(p.disruptionBudget !== undefined ? { disruptionBudget: p.disruptionBudget } : {}),
        ...(g.spreadAcrossZones !== undefined ? { spreadAcrossZones: g.spreadAcrossZones } : {}),
        ...(g.runAsUser !== undefined ? { runAsUser: g.runAsUser } : {}),
        ...(g.component ? { component: g.component } : {}),
        ...(persistentVolumes.length > 0 ? { persistentVolumes } : {}),
        ...(p.sidecar ? { sidecars: [p.sidecar] } : {}),
        ...(g.init ? { initContainers: [{ name: g.name === 'init' ? 'init-2' : 'init', image: p.initImage, resources: p.initResources, command: ['/bin/prepare'] }] } : {}),
        ...(g.secretFile ? { secretFiles: [{ secretName: 'mounted.files', mountPath: '/etc/mounted' }] } : {}),
        ...(Object.keys(exemptions).length > 0 ? { exemptions } : {}),
      };
      return { props, secrets: [...secrets].sort(), configMaps: g.env.configMaps };
    });
  });
}

/** A valid NamespaceBaseline. */
export const namespaceBaseline: fc.Arbitrary<NamespaceBaselineProps & { name: string }> = fc.record({
  name: dnsLabel(2, 30),
  level: fc.constantFrom<'restricted' | 'baseline' | 'privileged' | undefined>(undefined, 'restricted', 'baseline', 'privileged'),
  labels: fc.option(fc.dictionary(fc.stringMatching(/^team\.example\.com\/[a-z]{1,10}$/), fc.stringMatching(/^[a-z0-9]{0,10}$/), { maxKeys: 3 }), { nil: undefined }),
  annotations: fc.option(fc.dictionary(fc.stringMatching(/^example\.com\/[a-z]{1,10}$/), fc.string({ maxLength: 40 }), { maxKeys: 3 }), { nil: undefined }),
  quotaCpu: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
  quotaMemGi: fc.option(fc.integer({ min: 1, max: 256 }), { nil: undefined }),
  quotaPods: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
  limit: fc.option(fc.record({ cpu: fc.integer({ min: 1, max: 4000 }), req: fc.integer({ min: 1, max: 4096 }), extra: fc.integer({ min: 0, max: 4096 }), maxExtra: fc.option(fc.integer({ min: 0, max: 8192 }), { nil: undefined }) }), { nil: undefined }),
  createNamespace: fc.option(fc.boolean(), { nil: undefined }),
}).map((g) => {
  const quota: Record<string, string> = {};
  if (g.quotaCpu !== undefined) quota['requests.cpu'] = String(g.quotaCpu);
  if (g.quotaMemGi !== undefined) quota['limits.memory'] = `${g.quotaMemGi}Gi`;
  if (g.quotaPods !== undefined) quota.pods = String(g.quotaPods);
  return {
    name: g.name,
    ...(g.level ? { podSecurity: g.level } : {}),
    ...(g.level && g.level !== 'restricted' ? { podSecurityReason: 'generated case: a component needs a weaker level' } : {}),
    ...(g.labels ? { labels: g.labels } : {}),
    ...(g.annotations ? { annotations: g.annotations } : {}),
    ...(Object.keys(quota).length > 0 ? { resourceQuota: quota } : {}),
    ...(g.limit ? {
      limitRange: {
        defaultCpuRequest: `${g.limit.cpu}m`,
        defaultMemoryRequest: `${g.limit.req}Mi`,
        defaultMemoryLimit: `${g.limit.req + g.limit.extra}Mi`,
        ...(g.limit.maxExtra !== undefined ? { maxMemoryLimit: `${g.limit.req + g.limit.extra + g.limit.maxExtra}Mi` } : {}),
      },
    } : {}),
    ...(g.createNamespace !== undefined ? { createNamespace: g.createNamespace } : {}),
  };
});

const secretRef = (secret: fc.Arbitrary<string>): fc.Arbitrary<SecretKeyRef> => fc.record({ secretName: secret, key: secretKey });
const pgIdentifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/);

/** A valid Postgres (secret references only). */
export const postgres: fc.Arbitrary<PostgresProps & { name: string; namespace: string }> = fc.record({
  name: dnsLabel(2, 20),
  namespace: fc.constantFrom('database', 'data'),
  serviceName: fc.option(dnsLabel(2, 20), { nil: undefined }),
  username: fc.oneof(pgIdentifier, secretRef(fc.constant('pg-superuser'))),
  password: secretRef(fc.constantFrom('pg-superuser', 'pg.passwords')),
  databases: fc.uniqueArray(fc.record({
    name: pgIdentifier,
    owner: fc.option(fc.constantFrom('app_owner', 'reporting', 'svc_x'), { nil: undefined }),
  }), { maxLength: 4, selector: (d) => d.name }),
  storageGi: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
  storageClassName: fc.option(fc.constantFrom('standard-rwo', 'gp3'), { nil: undefined }),
  resources: fc.option(resources, { nil: undefined }),
  settings: fc.option(fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,20}$/), fc.stringMatching(/^[A-Za-z0-9 ._-]{0,12}$/), { maxKeys: 3 }), { nil: undefined }),
  exporter: fc.option(fc.record({ serviceMonitor: fc.option(fc.boolean(), { nil: undefined }), interval: fc.option(fc.constantFrom('15s', '1m', '1m30s'), { nil: undefined }) }), { nil: undefined }),
  runAsUser: fc.option(fc.constantFrom(70, 999), { nil: undefined }),
}).map((g) => ({
  name: g.name,
  namespace: g.namespace,
  ...(g.serviceName ? { serviceName: g.serviceName } : {}),
  credentials: { username: g.username, password: g.password },
  databases: g.databases.map((d): PostgresDatabaseSpec => (d.owner && d.owner !== g.username
    ? { name: d.name, owner: d.owner, ownerPassword: { secretName: 'pg-owners', key: `${d.owner}-password` } }
    : { name: d.name })),
  ...(g.storageGi ? { storageSize: `${g.storageGi}Gi` } : {}),
  ...(g.storageClassName ? { storageClassName: g.storageClassName } : {}),
  ...(g.resources ? { resources: g.resources } : {}),
  ...(g.settings ? { settings: g.settings } : {}),
  ...(g.exporter ? { exporter: { ...stripUndefined(g.exporter), serviceMonitorLabels: { release: 'prometheus' } } } : {}),
  ...(g.runAsUser ? { runAsUser: g.runAsUser, runAsGroup: g.runAsUser } : {}),
}));

/** A valid Redis: maxmemory leaves 25 % headroom below the memory limit. */
export const redis: fc.Arbitrary<RedisProps & { name: string; namespace: string }> = fc.record({
  name: dnsLabel(2, 20),
  namespace: fc.constantFrom('cache', 'app'),
  password: secretRef(fc.constantFrom('redis-auth', 'redis.password')),
  maxmemoryMi: fc.integer({ min: 1, max: 8192 }),
  headroomMi: fc.integer({ min: 0, max: 4096 }),
  requestMi: fc.integer({ min: 1, max: 100 }),
  policy: fc.option(fc.constantFrom(...REDIS_EVICTION_POLICIES), { nil: undefined }),
  appendOnly: fc.option(fc.boolean(), { nil: undefined }),
  persistenceGi: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
  serviceName: fc.option(dnsLabel(2, 20), { nil: undefined }),
}).map((g) => {
  const limitMi = Math.ceil(g.maxmemoryMi * (g.appendOnly ? 2 : 1.25)) + g.headroomMi;
  return {
    name: g.name,
    namespace: g.namespace,
    password: g.password,
    maxmemory: `${g.maxmemoryMi}Mi`,
    resources: { cpuRequest: '50m', memoryRequest: `${Math.min(g.requestMi * 10, limitMi)}Mi`, memoryLimit: `${limitMi}Mi` },
    ...(g.policy ? { maxmemoryPolicy: g.policy } : {}),
    ...(g.appendOnly !== undefined ? { appendOnly: g.appendOnly } : {}),
    ...(g.persistenceGi ? { persistence: { size: `${g.persistenceGi}Gi` } } : {}),
    ...(g.serviceName ? { serviceName: g.serviceName } : {}),
  };
});

/**
 * AIaaS on Akamai Linode LKE (source: docs/architecture/aiaas-lke.md): three services (Services API Router,
 * User & Organization, Analytics) per environment namespace, a shared Redis and a RabbitMQ per environment,
 * managed PostgreSQL outside the cluster, and vLLM on a two-node GPU pool in the `system` namespace.
 *
 * Decisions, where the document leaves room:
 * - **`system` is rendered by the production chart** (`dist/aiaas/production/`), not as an environment of its own.
 *   vLLM is one shared GPU service for every environment; rendering it once means exactly one Argo CD Application
 *   (aiaas-production) owns those objects, and production's manual sync also gates GPU infrastructure changes.
 *   Development and staging reach it across namespaces; its NetworkPolicy admits their API Routers by name.
 * - **Monitoring and ingress stay in their own namespaces** (`monitoring`, `ingress-nginx`), although the document
 *   files them under "system": kube-prometheus-stack's node-exporter needs host namespaces and ingress-nginx
 *   needs privilege escalation, both forbidden by the Pod Security "restricted" level enforced on `system`, and
 *   a default-deny rendered into `system` would cut off Helm-installed controllers we do not render.
 * - **HPA, not KEDA**: the document scales every service on CPU 70 % / memory 80 % and lists custom metrics as
 *   future work, so the Analytics consumer gets the same HPA (lib/workloads/keda-scaled-object.ts stays available).
 * - **Secrets are files**: "Secrets: mounted as volumes (never in environment)". Every credential of the three
 *   services comes from a SealedSecret mounted read-only; the environment carries only `*_FILE` paths.
 * - **Sync policy** (automatic, manual in production) lives with the Argo CD Applications in charts/argocd/config.ts.
 */
import { createHash } from 'crypto';
import { EdgeRendering } from '../../lib/networking/edge';

export type AiaasEnvironment = 'development' | 'staging' | 'production';

export const AIAAS_ENVIRONMENTS: readonly AiaasEnvironment[] = ['development', 'staging', 'production'];

/** The three services, by workload name. */
export type AiaasServiceName = 'api-router' | 'user-org-service' | 'analytics-service';

export const AIAAS_SERVICES: readonly AiaasServiceName[] = ['api-router', 'user-org-service', 'analytics-service'];

/** Namespace of the platform infrastructure (vLLM). */
export const SYSTEM_NAMESPACE = 'system';

/** CPU and memory of one container. */
export interface Resources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

/** One service of the platform. */
export interface AiaasService {
  /** Image with a pinned tag. */
  readonly image: string;
  /** HTTP port (API, `/metrics`, health). */
  readonly port: number;
  /** Readiness path. */
  readonly readinessPath: string;
  /** Liveness path. */
  readonly livenessPath: string;
  /** CPU and memory; the HPA's utilisation targets are percentages of the requests. */
  readonly resources: Resources;
  /** Redis logical database (`SELECT n`): the document's "database separation per service". */
  readonly redisDb: number;
}

/** HPA settings shared by the services (document: "Scaling Architecture"). */
export interface ServiceScaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilizationPercent: number;
  readonly memoryUtilizationPercent: number;
  /** Scale up at once, by up to doubling (or 4 pods) a minute. */
  readonly scaleUpStabilizationSeconds: number;
  readonly scaleUpPercentPerMinute: number;
  readonly scaleUpPodsPerMinute: number;
  /** Scale down after 5 minutes of low load, by at most 10 % a minute. */
  readonly scaleDownStabilizationSeconds: number;
  readonly scaleDownPercentPerMinute: number;
}

/** A managed PostgreSQL instance (Linode Managed Databases). */
export interface ManagedDatabase {
  /** Host name of the instance. */
  readonly host: string;
  /** Port. */
  readonly port: number;
  /** Database the service uses. */
  readonly databaseName: string;
  /** Address range of the instance, for the egress rule (a NetworkPolicy cannot name a host). */
  readonly cidr: string;
}

/** Ciphertext of one SealedSecret, key → `kubeseal --raw` output, sealed for its name and namespace (strict scope). */
export type Sealed = Readonly<Record<string, string>>;

/** The SealedSecrets of one environment namespace. */
export interface AiaasSecrets {
  /** Login of the User & Organization database: `username`, `password`. */
  readonly userOrgDatabase: Sealed;
  /** Login of the Analytics (TimescaleDB) database: `username`, `password`. */
  readonly analyticsDatabase: Sealed;
  /** Redis `password`. */
  readonly redis: Sealed;
  /** RabbitMQ default user and Erlang cookie: `username`, `password`, `erlang-cookie`. */
  readonly rabbitmq: Sealed;
}

/** vLLM on the GPU pool, in the `system` namespace. */
export interface VllmConfig {
  readonly image: string;
  /** Hugging Face model id. */
  readonly model: string;
  /** Model name clients send. */
  readonly servedModelName: string;
  /** Replicas: one per GPU node. */
  readonly replicas: number;
  readonly gpusPerReplica: number;
  readonly maxModelLen: number;
  readonly gpuMemoryUtilization: number;
  /** `half`: the RTX 6000 (Turing, compute capability 7.5) has no bfloat16, which `auto` would pick for most models. */
  readonly dtype: 'half' | 'float16' | 'auto';
  readonly resources: Resources;
  readonly shmSize: string;
  /** Model cache per replica. */
  readonly cacheSize: string;
  readonly cacheStorageClassName: string;
  /** Node labels of the GPU pool. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Seconds to download and load the model. */
  readonly startupBudgetSeconds: number;
  /** Hugging Face token (gated models), key `token`. */
  readonly huggingFaceToken: Sealed;
  /** Environments whose API Router may call vLLM. */
  readonly clients: readonly AiaasEnvironment[];
}

export interface AiaasConfig {
  /** Namespace of the environment (its name, per the document). */
  readonly namespace: AiaasEnvironment;
  /** Public host of the API Router. */
  readonly apiHost: string;
  /** How this environment's edge is rendered: Gateway API on Envoy Gateway, an NGINX Ingress, or both during the move (docs/gateway-api-migration.md). */
  readonly edge: EdgeRendering;
  /** cert-manager ClusterIssuer (Let's Encrypt). */
  readonly clusterIssuer: string;
  /**
   * Render `clusterIssuer` here as a Let's Encrypt ACME issuer (HTTP-01 through ingress-nginx). Every environment
   * shares the `lke` cluster (charts/argocd/config.ts), so exactly one of them renders it. @default - not rendered
   */
  readonly renderClusterIssuer?: { readonly server: string };
  /** StorageClass for data that may be rebuilt; `-retain` keeps the volume when the claim is deleted. */
  readonly storageClassName: 'linode-block-storage' | 'linode-block-storage-retain';
  /** Services. */
  readonly services: Readonly<Record<AiaasServiceName, AiaasService>>;
  readonly scaling: ServiceScaling;
  /** PodDisruptionBudget `minAvailable: 1` on the services (document: "All production services"). */
  readonly disruptionBudgets: boolean;
  /**
   * Shared Redis: a cache with AOF on a volume, so the limit holds twice maxmemory for the AOF-rewrite fork.
   * `replicas`: the document's "Redis with replication": that many pods, one primary and its replicas, with Redis
   * Sentinel failing over (a volume per pod). Not Redis Cluster: it has no logical databases, and the services keep
   * theirs apart with `REDIS_DB`. @default - one instance
   */
  readonly redis: { readonly maxmemory: string; readonly storageSize: string; readonly resources: Resources; readonly replicas?: number };
  /** RabbitMQ for usage events. */
  readonly rabbitmq: { readonly replicas: number; readonly storageSize: string; readonly resources: Resources };
  /** Queue of usage events, API Router → Analytics. */
  readonly usageEventsQueue: string;
  /** Managed PostgreSQL per service. */
  readonly databases: { readonly userOrg: ManagedDatabase; readonly analytics: ManagedDatabase };
  readonly secrets: AiaasSecrets;
  /** Labels kube-prometheus-stack's Prometheus selects ServiceMonitors by. */
  readonly serviceMonitorLabels: Readonly<Record<string, string>>;
  /** The platform infrastructure, rendered by the production chart only. */
  readonly system?: VllmConfig;
}

/**
 * PLACEHOLDER ciphertext: shaped like `kubeseal --raw` output for a 4096-bit key, so the chart renders and the
 * SealedSecret construct accepts it, but it decrypts to nothing and the controller will report an unseal error.
 * Replace each call with the real value:
 * `echo -n "$VALUE" | kubeseal --raw --scope strict --namespace <ns> --name <secret> --cert sealed-secrets.pem`.
 */
function placeholder(label: string): string {
  const bytes: Buffer[] = [Buffer.from([0x02, 0x00])];
  for (let i = 0; i < 18; i++) bytes.push(createHash('sha256').update(`aiaas-placeholder/${label}/${i}`).digest());
  return Buffer.concat(bytes).subarray(0, 2 + 512 + 64).toString('base64');
}

function sealed(namespace: string, secret: string, keys: readonly string[]): Sealed {
  return Object.fromEntries(keys.map((k) => [k, placeholder(`${namespace}/${secret}/${k}`)]));
}

function secretsOf(namespace: AiaasEnvironment): AiaasSecrets {
  return {
    userOrgDatabase: sealed(namespace, 'user-org-db', ['username', 'password']),
    analyticsDatabase: sealed(namespace, 'analytics-db', ['username', 'password']),
    redis: sealed(namespace, 'redis', ['password']),
    rabbitmq: sealed(namespace, 'rabbitmq', ['username', 'password', 'erlang-cookie']),
  };
}

// The document names no images or domain: the registry, tags and `aiaas.example.com` are placeholders to replace.
const REGISTRY = 'ghcr.io/example-org/aiaas';

const base = {
  clusterIssuer: 'letsencrypt-prod',
  scaling: {
    minReplicas: 2,
    maxReplicas: 10,
    cpuUtilizationPercent: 70,
    memoryUtilizationPercent: 80,
    scaleUpStabilizationSeconds: 0,
    scaleUpPercentPerMinute: 100,
    scaleUpPodsPerMinute: 4,
    scaleDownStabilizationSeconds: 300,
    scaleDownPercentPerMinute: 10,
  },
  usageEventsQueue: 'usage-events',
  serviceMonitorLabels: { release: 'kube-prometheus-stack' },
} satisfies Partial<AiaasConfig>;

function services(resources: Readonly<Record<AiaasServiceName, Resources>>): Readonly<Record<AiaasServiceName, AiaasService>> {
  const svc = (name: AiaasServiceName, version: string, redisDb: number): AiaasService => ({
    image: `${REGISTRY}/${name}:${version}`, port: 8080, readinessPath: '/ready', livenessPath: '/health', resources: resources[name], redisDb,
  });
  return {
    'api-router': svc('api-router', '1.4.2', 0),
    'user-org-service': svc('user-org-service', '1.2.0', 1),
    'analytics-service': svc('analytics-service', '1.1.3', 2),
  };
}

const small: Resources = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };

/** Per environment, only what differs from `base`. */
export const AIAAS_CONFIG: Readonly<Record<AiaasEnvironment, AiaasConfig>> = {
  development: {
    ...base,
    namespace: 'development',
    apiHost: 'api.dev.aiaas.example.com',
    edge: 'gateway-api',
    storageClassName: 'linode-block-storage',
    services: services({ 'api-router': small, 'user-org-service': small, 'analytics-service': small }),
    disruptionBudgets: false,
    redis: { maxmemory: '128Mi', storageSize: '2Gi', resources: { cpuRequest: '50m', memoryRequest: '256Mi', memoryLimit: '256Mi' } },
    rabbitmq: { replicas: 1, storageSize: '4Gi', resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '768Mi' } },
    databases: {
      userOrg: { host: 'user-org-db.development.aiaas.example.com', port: 5432, databaseName: 'user_org', cidr: '203.0.113.10/32' },
      analytics: { host: 'analytics-db.development.aiaas.example.com', port: 5432, databaseName: 'analytics', cidr: '203.0.113.11/32' },
    },
    secrets: secretsOf('development'),
  },
  staging: {
    ...base,
    namespace: 'staging',
    apiHost: 'api.staging.aiaas.example.com',
    edge: 'gateway-api',
    storageClassName: 'linode-block-storage',
    services: services({
      'api-router': { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      'user-org-service': { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      'analytics-service': { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
    }),
    disruptionBudgets: false,
    redis: { maxmemory: '256Mi', storageSize: '5Gi', resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '512Mi' } },
    rabbitmq: { replicas: 1, storageSize: '8Gi', resources: { cpuRequest: '250m', memoryRequest: '1Gi', memoryLimit: '1Gi' } },
    databases: {
      userOrg: { host: 'user-org-db.staging.aiaas.example.com', port: 5432, databaseName: 'user_org', cidr: '203.0.113.20/32' },
      analytics: { host: 'analytics-db.staging.aiaas.example.com', port: 5432, databaseName: 'analytics', cidr: '203.0.113.21/32' },
    },
    secrets: secretsOf('staging'),
  },
  production: {
    ...base,
    namespace: 'production',
    apiHost: 'api.aiaas.example.com',
    // The one owner on `lke`: production outlives development and staging, whose deletion must not take it along.
    renderClusterIssuer: { server: 'https://acme-v02.api.letsencrypt.org/directory' },
    // The document runs ingress-nginx; production stays on it until switched here (lke then drops ingress-nginx).
    edge: 'ingress-nginx',
    // Queued usage events and Redis persistence must outlive a deleted claim.
    storageClassName: 'linode-block-storage-retain',
    services: services({
      'api-router': { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      'user-org-service': { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      'analytics-service': { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
    }),
    disruptionBudgets: true,
    // Rate limits and sessions must survive a lost node: a primary, two replicas and three Sentinels, one per node.
    // Switching a running production over needs the old StatefulSet removed with --cascade=orphan first
    // (podManagementPolicy is immutable): docs/architecture/aiaas-lke.md, "Redis".
    redis: { maxmemory: '512Mi', storageSize: '10Gi', resources: { cpuRequest: '250m', memoryRequest: '1Gi', memoryLimit: '1Gi' }, replicas: 3 },
    // Three nodes: the document's "Cluster with mirrored queues". Mirroring is gone in RabbitMQ 4.0; the RabbitMq
    // construct makes queues declared without a type replicated quorum queues (default_queue_type = quorum).
    rabbitmq: { replicas: 3, storageSize: '20Gi', resources: { cpuRequest: '500m', memoryRequest: '2Gi', memoryLimit: '2Gi' } },
    databases: {
      userOrg: { host: 'user-org-db.production.aiaas.example.com', port: 5432, databaseName: 'user_org', cidr: '203.0.113.30/32' },
      analytics: { host: 'analytics-db.production.aiaas.example.com', port: 5432, databaseName: 'analytics', cidr: '203.0.113.31/32' },
    },
    secrets: secretsOf('production'),
    system: {
      image: 'vllm/vllm-openai:v0.6.4.post1',
      // The document names no model; a 7B instruct model in float16 fits one RTX 6000 (24 GB) with room for the KV cache.
      model: 'mistralai/Mistral-7B-Instruct-v0.3',
      servedModelName: 'mistral-7b-instruct',
      // Two GPU nodes, scaled by hand: one replica on each.
      replicas: 2,
      gpusPerReplica: 1,
      maxModelLen: 8192,
      gpuMemoryUtilization: 0.9,
      dtype: 'half',
      // g1-gpu-rtx6000-1: 8 vCPUs, 32 GB; the rest is left to the kubelet, the device plugin and the CNI.
      resources: { cpuRequest: '4', memoryRequest: '20Gi', memoryLimit: '26Gi' },
      shmSize: '8Gi',
      cacheSize: '100Gi',
      // Re-downloading the weights after a deleted claim costs time and Hub quota.
      cacheStorageClassName: 'linode-block-storage-retain',
      // The Linode CCM labels every node with its plan; `lke.linode.com/pool-id` would also work but is only known after Terraform runs.
      nodeSelector: { 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-1' },
      startupBudgetSeconds: 1800,
      huggingFaceToken: sealed(SYSTEM_NAMESPACE, 'huggingface-token', ['token']),
      clients: ['development', 'staging', 'production'],
    },
  },
};

import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  acmeClusterIssuer, Edge, EnvValue, ExternalPostgres, NamespaceBaseline, Peer, PlatformChart, RabbitMq, Redis, SealedSecret, SecretFiles,
  selectorLabels, setSyncWave, VllmDeployment, vllmOpenAiBaseUrl, withEdgeRequirements, Workload, WorkloadServiceMonitor,
} from '../../lib';
import { PlatformDefinition } from '../platform';
import {
  AIAAS_CONFIG, AIAAS_ENVIRONMENTS, AiaasConfig, AiaasEnvironment, AiaasServiceName, ManagedDatabase, Sealed, SYSTEM_NAMESPACE, VllmConfig,
} from './config';

export * from './config';

const PLATFORM = 'aiaas';
/** Name of the vLLM workload and Service in `system`. */
export const VLLM_NAME = 'vllm-openai';
const VLLM_PORT = 8000;
/** Where each service finds its credential files. */
const SECRETS_DIR = '/var/run/secrets/aiaas';

export interface AiaasChartProps {
  /** Environment name. */
  readonly environment: AiaasEnvironment;
  /** Settings. @default - AIAAS_CONFIG[environment] */
  readonly config?: AiaasConfig;
}

/**
 * AIaaS in one environment namespace: the three services behind zero-trust NetworkPolicies (default deny, each
 * allowed path declared once), HPA 2–10 on CPU and memory, a PDB in production, the API Router exposed by NGINX
 * Ingress with a Let's Encrypt certificate, Redis and RabbitMQ in the namespace, managed PostgreSQL outside, every
 * credential a SealedSecret mounted as files. The production chart also renders the `system` namespace with vLLM.
 */
export class AiaasChart extends PlatformChart {
  public readonly config: AiaasConfig;
  public readonly services: Readonly<Record<AiaasServiceName, Workload>>;
  public readonly redis: Redis;
  public readonly rabbitmq: RabbitMq;
  /** The API host, rendered as config.edge says. */
  public readonly edge: Edge;
  /** vLLM, in the production chart only. */
  public readonly vllm?: VllmDeployment;

  constructor(scope: Construct, id: string, props: AiaasChartProps) {
    const config = props.config ?? AIAAS_CONFIG[props.environment];
    super(scope, id, { platform: PLATFORM, environment: props.environment, namespace: config.namespace });
    this.config = config;
    const ns = config.namespace;
    const env = props.environment;

    const baseline = new NamespaceBaseline(this, 'Namespace', { name: ns, labels: { environment: env } });
    setSyncWave(baseline, -10);
    if (config.renderClusterIssuer) {
      // development and staging on this cluster are on Gateway API: the issuer solves through both edges (lib/networking/edge.ts).
      const issuer = acmeClusterIssuer(this, 'ClusterIssuer', { name: config.clusterIssuer, server: config.renderClusterIssuer.server });
      setSyncWave(issuer, -10);
    }

    const sealed = (id: string, name: string, data: Sealed) => new SealedSecret(this, id, { name, namespace: ns, encryptedData: data });
    const secrets = {
      userOrgDb: sealed('UserOrgDbSecret', 'user-org-db', config.secrets.userOrgDatabase),
      analyticsDb: sealed('AnalyticsDbSecret', 'analytics-db', config.secrets.analyticsDatabase),
      redis: sealed('RedisSecret', 'redis', config.secrets.redis),
      rabbitmq: sealed('RabbitMqSecret', 'rabbitmq', config.secrets.rabbitmq),
    };
    for (const s of Object.values(secrets)) setSyncWave(s, -5);

    const monitoring = { labels: { ...config.serviceMonitorLabels }, targetLabels: { environment: env } };
    this.redis = new Redis(this, 'Redis', {
      // Sessions, rate limits and freshness entries: rebuildable, so a cache (a broker would need noeviction).
      usage: 'cache',
      name: 'redis',
      namespace: ns,
      password: secrets.redis.keyRef('password'),
      maxmemory: config.redis.maxmemory,
      // Sessions and freshness entries carry TTLs; evicting the least recently used key is safe for all three uses.
      maxmemoryPolicy: 'allkeys-lru',
      appendOnly: true,
      persistence: { size: config.redis.storageSize, storageClassName: config.storageClassName },
      resources: config.redis.resources,
      ...(config.redis.replicas ? { replication: { replicas: config.redis.replicas } } : {}),
    });
    this.rabbitmq = new RabbitMq(this, 'RabbitMq', {
      namespace: ns,
      replicas: config.rabbitmq.replicas,
      credentials: { secret: secrets.rabbitmq },
      storageSize: config.rabbitmq.storageSize,
      storageClassName: config.storageClassName,
      resources: config.rabbitmq.resources,
      metrics: monitoring,
    });
    setSyncWave(this.redis, -1);
    setSyncWave(this.rabbitmq, -1);

    const databases = {
      userOrg: externalDatabase(this, 'UserOrgDb', config.databases.userOrg, secrets.userOrgDb.secretName),
      analytics: externalDatabase(this, 'AnalyticsDb', config.databases.analytics, secrets.analyticsDb.secretName),
    };

    const service = (name: AiaasServiceName, extraEnv: Record<string, EnvValue>, secretFiles: SecretFiles[]): Workload => {
      const svc = config.services[name];
      const workload = new Workload(this, name, {
        name,
        namespace: ns,
        component: name === 'api-router' ? 'gateway' : 'backend',
        image: svc.image,
        ports: [{ name: 'http', port: svc.port }],
        env: {
          ENVIRONMENT: env,
          PORT: String(svc.port),
          // The Redis contract of the service images (docs/architecture/aiaas-lke.md, "Redis"): one instance gives
          // REDIS_HOST/REDIS_PORT; replicated Redis (production) gives REDIS_SENTINEL_HOSTS (host:port, comma-separated)
          // and REDIS_SENTINEL_MASTER instead, and no REDIS_HOST, so an image must use a Sentinel-aware client (redis-py
          // `Sentinel`, ioredis `sentinels`) that asks for the primary and follows failovers; a plain connection would
          // reach a read-only replica. The Sentinels take the same password. Always REDIS_DB and REDIS_PASSWORD_FILE.
          ...this.redis.endpointEnv('REDIS_'),
          REDIS_DB: String(svc.redisDb),
          REDIS_PASSWORD_FILE: `${SECRETS_DIR}/redis/password`,
          ...extraEnv,
        },
        secretFiles: [
          { secretName: secrets.redis.secretName, mountPath: `${SECRETS_DIR}/redis`, items: [{ key: 'password', path: 'password' }] },
          ...secretFiles,
        ],
        resources: svc.resources,
        autoscaling: { ...config.scaling },
        disruptionBudget: config.disruptionBudgets ? { minAvailable: 1 } : false,
        ...(config.disruptionBudgets ? {} : {
          exemptions: { 'practice/high-availability': 'the architecture applies PodDisruptionBudgets to production services only; this is a non-production environment' },
        }),
        startup: { http: { path: svc.readinessPath }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
        readiness: { http: { path: svc.readinessPath }, periodSeconds: 10, timeoutSeconds: 3 },
        liveness: { http: { path: svc.livenessPath }, periodSeconds: 20, timeoutSeconds: 3 },
      });
      this.redis.allowConnectionFrom(workload);
      new WorkloadServiceMonitor(this, `${name}-metrics`, { ...monitoring, workload, port: 'http', path: '/metrics' });
      return workload;
    };

    const amqpEnv = this.rabbitmq.connectionEnv({ mountPath: `${SECRETS_DIR}/amqp` });
    const amqpFiles = this.rabbitmq.credentialFiles(`${SECRETS_DIR}/amqp`);
    const userOrg = service('user-org-service', dbEnv(databases.userOrg, config.databases.userOrg), [dbFiles(secrets.userOrgDb.secretName)]);
    databases.userOrg.allowConnectionFrom(userOrg);
    const analytics = service('analytics-service', {
      ...dbEnv(databases.analytics, config.databases.analytics),
      ...amqpEnv,
      USAGE_EVENTS_QUEUE: config.usageEventsQueue,
    }, [dbFiles(secrets.analyticsDb.secretName), amqpFiles]);
    databases.analytics.allowConnectionFrom(analytics);
    this.rabbitmq.allowConnectionFrom(analytics);

    const apiRouter = service('api-router', {
      ...amqpEnv,
      USAGE_EVENTS_QUEUE: config.usageEventsQueue,
      USER_ORG_SERVICE_URL: `http://${userOrg.serviceHost}:${userOrg.port('http').port}`,
      ANALYTICS_SERVICE_URL: `http://${analytics.serviceHost}:${analytics.port('http').port}`,
      // The system namespace's vLLM, rendered by the production chart only (every environment calls it).
      LLM_BASE_URL: vllmOpenAiBaseUrl(VLLM_NAME, SYSTEM_NAMESPACE),
    }, [amqpFiles]);
    this.rabbitmq.allowConnectionFrom(apiRouter);
    apiRouter.connectTo(userOrg);
    apiRouter.connectTo(analytics);
    this.services = { 'api-router': apiRouter, 'user-org-service': userOrg, 'analytics-service': analytics };

    this.edge = new Edge(this, 'Edge', {
      rendering: config.edge,
      clusterIssuer: config.clusterIssuer,
      // Streamed completions hold the connection open while the model generates.
      hosts: [{ host: config.apiHost, name: 'api', paths: [{ path: '/', backend: withEdgeRequirements(apiRouter, { timeoutSeconds: 300 }) }] }],
    });

    if (config.system) {
      this.vllm = renderSystem(this, config.system, monitoring.labels);
      // In this chart the API Router and vLLM meet directly; other environments' routers are admitted by name.
      apiRouter.connectTo(this.vllm.workload);
    } else {
      apiRouter.allowTo(Peer.pods(SYSTEM_NAMESPACE, selectorLabels(VLLM_NAME, PLATFORM), `${SYSTEM_NAMESPACE}/${VLLM_NAME}`), [{ port: VLLM_PORT }]);
    }
  }
}

/** The `system` namespace: restricted, default deny, and vLLM on the GPU pool. */
function renderSystem(chart: AiaasChart, config: VllmConfig, serviceMonitorLabels: Record<string, string>): VllmDeployment {
  const baseline = new NamespaceBaseline(chart, 'SystemNamespace', { name: SYSTEM_NAMESPACE, labels: { environment: SYSTEM_NAMESPACE } });
  setSyncWave(baseline, -10);
  const token = new SealedSecret(chart, 'HuggingFaceToken', { name: 'huggingface-token', namespace: SYSTEM_NAMESPACE, encryptedData: config.huggingFaceToken });
  setSyncWave(token, -5);
  const vllm = new VllmDeployment(chart, 'Vllm', {
    name: VLLM_NAME,
    namespace: SYSTEM_NAMESPACE,
    image: config.image,
    model: config.model,
    servedModelName: config.servedModelName,
    replicas: config.replicas,
    gpusPerReplica: config.gpusPerReplica,
    maxModelLen: config.maxModelLen,
    gpuMemoryUtilization: config.gpuMemoryUtilization,
    dtype: config.dtype,
    resources: config.resources,
    nodeSelector: { ...config.nodeSelector },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    shmSize: config.shmSize,
    cacheSize: config.cacheSize,
    cacheStorageClassName: config.cacheStorageClassName,
    huggingFaceToken: token.keyRef('token'),
    startupBudgetSeconds: config.startupBudgetSeconds,
    metrics: { labels: { ...serviceMonitorLabels }, targetLabels: { environment: SYSTEM_NAMESPACE } },
  });
  for (const client of config.clients) {
    if (client !== chart.config.namespace) vllm.allowClient(Peer.pods(client, selectorLabels('api-router', PLATFORM), `${client}/api-router`));
  }
  return vllm;
}

function externalDatabase(scope: Construct, id: string, db: ManagedDatabase, secretName: string): ExternalPostgres {
  return new ExternalPostgres(scope, id, {
    host: db.host,
    port: db.port,
    databaseName: db.databaseName,
    credentials: { username: { secretName, key: 'username' }, password: { secretName, key: 'password' } },
    cidr: db.cidr,
    // Linode Managed Databases accept TLS connections only.
    sslMode: 'require',
  });
}

/** Connection settings as literals, the login as files (document: secrets never in the environment). */
function dbEnv(db: ExternalPostgres, config: ManagedDatabase): Record<string, EnvValue> {
  return {
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_NAME: config.databaseName,
    DB_SSLMODE: db.sslMode,
    DB_USER_FILE: `${SECRETS_DIR}/db/username`,
    DB_PASSWORD_FILE: `${SECRETS_DIR}/db/password`,
  };
}

function dbFiles(secretName: string): SecretFiles {
  return { secretName, mountPath: `${SECRETS_DIR}/db`, items: [{ key: 'password', path: 'password' }, { key: 'username', path: 'username' }] };
}

/** The AIaaS platform: development, staging and production, one chart each; production also renders `system`. */
export const aiaas: PlatformDefinition<AiaasEnvironment> = {
  name: PLATFORM,
  environments: AIAAS_ENVIRONMENTS,
  build: (app: App, environment: AiaasEnvironment) => new AiaasChart(app, `${PLATFORM}-${environment}`, { environment }),
};

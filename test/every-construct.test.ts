import { createHash } from 'crypto';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import * as lib from '../lib';
import {
  ArgoCdApplication, ArgoCdProject, Autoscaler, DisruptionBudget, Edge, ExistingSecret, ExternalNameService, ExternalPostgres, ExternalRabbitMq,
  ExternalSecret, FastApiBackend, GatewayHttpRoute, GcpSecretStore, GkeIngress, googleServiceAccountEmail, KedaScaledObject, Keycloak,
  NamespaceBaseline, NginxIngress, Peer, PlatformChart, Postgres, PostgresBackup, RabbitMq, Redis, SealedSecret, Temporal, TemporalNamespaceJob, TemporalSchemaJob,
  VllmDeployment, WebApp, Workload, WorkloadNetworkPolicy, WorkloadServiceMonitor,
} from '../lib';
import { renderChart } from '../lib/render/synth';

/** Ciphertext shaped like `kubeseal --raw` output (a 512-byte RSA block and an AES-GCM tag); decrypts to nothing. */
function sealed(seed: string): string {
  const body: Buffer[] = [];
  for (let i = 0; body.reduce((n, b) => n + b.length, 0) < 560; i++) body.push(createHash('sha256').update(`${seed}/${i}`).digest());
  const header = Buffer.alloc(2);
  header.writeUInt16BE(512, 0);
  return Buffer.concat([header, ...body]).subarray(0, 562).toString('base64');
}

const resources = { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
const repo = 'https://github.com/example-org/platform-manifests.git';

/**
 * One chart that uses every construct lib/ exports, the way a platform would, so the validation gate sees each
 * construct's output next to the others (references, policies, selectors) and not only in isolation.
 */
function everything(): { chart: PlatformChart; used: Set<Function> } {
  const used = new Set<Function>();
  const make = <T>(ctor: new (...args: any[]) => T, ...args: any[]): T => {
    used.add(ctor);
    return new ctor(...args);
  };
  const chart = make(PlatformChart, new App(), 'kitchen-sink', { platform: 'kitchen-sink', environment: 'test', namespace: 'shop' });
  for (const ns of ['shop', 'database', 'keycloak', 'temporal', 'system']) make(NamespaceBaseline, chart, `ns-${ns}`, { name: ns });

  const pgSecret = make(ExistingSecret, chart, 'pg-secret', { name: 'postgres-secret', namespace: 'database', managedBy: 'runbook' });
  for (const ns of ['shop', 'keycloak', 'temporal']) {
    new ExistingSecret(chart, `pg-secret-${ns}`, { name: 'postgres-secret', namespace: ns, managedBy: 'runbook (copy per namespace)' });
  }
  new ExistingSecret(chart, 'kc-secret', { name: 'keycloak-secret', namespace: 'keycloak', managedBy: 'runbook' });
  const postgres = make(Postgres, chart, 'postgres', {
    namespace: 'database', credentials: { username: 'postgres', password: pgSecret.keyRef('password') },
    databases: [{ name: 'shop' }, { name: 'keycloak' }, { name: 'temporal' }, { name: 'temporal_visibility' }],
    // Holds every declared pool (API at its HPA maximum, Keycloak, Temporal): the construct checks the sum.
    maxConnections: 400,
  });
  const external = make(ExternalPostgres, chart, 'analytics-db', {
    host: 'analytics.example.internal', databaseName: 'analytics', cidr: '10.20.0.0/16',
    credentials: { username: 'analytics', password: { secretName: 'postgres-secret', key: 'analytics-password' } },
  });
  const store = make(GcpSecretStore, chart, 'gcp', {
    projectId: 'example-project', googleServiceAccount: googleServiceAccountEmail('eso-reader', 'example-project'),
    clusterName: 'main', clusterLocation: 'europe-west6',
  });
  const jwt = make(ExternalSecret, chart, 'jwt', { store: store.ref, data: [{ secretKey: 'JWT_SECRET', remoteKey: 'jwt' }] });
  const redisPassword = make(SealedSecret, chart, 'redis-password', { encryptedData: { password: sealed('redis') } });
  const redis = make(Redis, chart, 'redis', { password: redisPassword.keyRef('password') });
  const amqp = make(SealedSecret, chart, 'amqp', { encryptedData: { username: sealed('u'), password: sealed('p'), 'erlang-cookie': sealed('c') } });
  const broker = make(RabbitMq, chart, 'broker', { credentials: { secret: amqp } });
  const cloudAmqp = make(ExternalRabbitMq, chart, 'cloudamqp', { host: 'mq.example.net', credentials: { secret: amqp } });

  const api = make(FastApiBackend, chart, 'api', {
    image: 'ghcr.io/example/api:1.0.0', database: postgres, databaseEnv: { database: 'shop' },
    env: { JWT_SECRET: { secretKeyRef: jwt.keyRef('JWT_SECRET') } },
    apiEnv: redis.connectionEnv(),
  });
  redis.allowConnectionFrom(api.api);
  broker.allowConnectionFrom(api.api);
  external.allowConnectionFrom(api.api);
  const web = make(WebApp, chart, 'web', { image: 'ghcr.io/example/web:1.0.0' });
  web.workload.connectTo(api.api);
  make(NginxIngress, chart, 'public', {
    clusterIssuer: 'letsencrypt-prod', hosts: [{ host: 'shop.example.com', paths: [{ backend: web }, { path: '/api', backend: api }] }],
  });
  make(GkeIngress, chart, 'gke', { staticIpName: 'shop-ip', hosts: [{ host: 'gke.example.com', paths: [{ backend: web.workload, healthCheck: { path: '/healthz' } }] }] });
  chart.addExternalReference({ kind: 'Gateway', namespace: 'gateway', name: 'public', reason: 'a shared Gateway of the cluster' });
  make(GatewayHttpRoute, chart, 'route', {
    gateway: { name: 'public', namespace: 'gateway', dataPlane: Peer.namespace('gateway') }, hostnames: ['gw.example.com'], rules: [{ backend: api }],
  });
  const grafana = make(ExternalNameService, chart, 'grafana', { externalName: 'grafana.monitoring.svc.cluster.local', ports: [{ name: 'http', port: 80 }] });
  make(NginxIngress, chart, 'grafana-ingress', {
    clusterIssuer: 'letsencrypt-prod', hosts: [{ host: 'grafana.example.com', paths: [{ backend: grafana }] }],
  });

  const consumer = make(Workload, chart, 'consumer', {
    image: 'ghcr.io/example/consumer:1.0.0', resources, ports: [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }],
    readiness: { http: { path: '/ready' } }, liveness: { http: { path: '/health' } },
    env: cloudAmqp.connectionEnv({ credentials: 'env' }), replicas: 2,
  });
  cloudAmqp.allowConnectionFrom(consumer);
  make(KedaScaledObject, chart, 'consumer-scaler', { target: consumer, queueName: 'events', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 6 });
  make(WorkloadServiceMonitor, chart, 'consumer-metrics', { workload: consumer });
  const batch = make(Workload, chart, 'batch', {
    image: 'ghcr.io/example/batch:1.0.0', resources, ports: [{ name: 'http', port: 8080 }],
    readiness: { http: { path: '/ready' } }, liveness: { http: { path: '/health' } }, replicas: 3, disruptionBudget: false,
    exemptions: { 'practice/high-availability': 'its own DisruptionBudget below' },
  });
  make(Autoscaler, chart, 'batch-hpa', { name: 'batch-extra', namespace: 'shop', target: { kind: 'Deployment', name: 'batch' }, minReplicas: 3, maxReplicas: 5 });
  make(DisruptionBudget, chart, 'batch-pdb', { name: 'batch-pdb', namespace: 'shop', selector: batch.selectorLabels, minReplicas: 3, maxUnavailable: 1 });
  const extraPolicy = make(WorkloadNetworkPolicy, chart, 'batch-egress', { name: 'batch-egress', namespace: 'shop', podLabels: batch.selectorLabels });
  extraPolicy.addEgress(Peer.internet(), [{ port: 443 }]);

  const keycloak = make(Keycloak, chart, 'keycloak', {
    namespace: 'keycloak', hostname: 'auth.example.com', database: postgres, databaseName: 'keycloak',
    bootstrapAdminUsername: 'admin', bootstrapAdminPassword: { secretName: 'keycloak-secret', key: 'admin-password' },
  });
  const temporal = make(Temporal, chart, 'temporal', { database: postgres });
  make(TemporalSchemaJob, chart, 'temporal-schema', { database: postgres });
  make(TemporalNamespaceJob, chart, 'temporal-namespace', {
    frontend: temporal.server, frontendAddress: temporal.frontendAddress, temporalNamespace: 'default', retentionDays: 7,
  });
  make(PostgresBackup, chart, 'backup', {
    database: postgres, destination: { s3: { bucket: 'backups', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/backup' } },
  });
  const llm = make(VllmDeployment, chart, 'llm', { namespace: 'system', model: 'mistralai/Mistral-7B-Instruct-v0.3', replicas: 1 });

  chart.addExternalReference({ kind: 'Namespace', name: 'argocd', reason: 'Argo CD is installed before any Application' });
  make(ArgoCdProject, chart, 'project', { sourceRepos: [repo], cluster: { name: 'test' }, namespaces: ['shop'], namespaceResources: [{ group: 'apps', kind: 'Deployment' }] });
  make(ArgoCdApplication, chart, 'application', { project: 'project', repoUrl: repo, path: 'kitchen-sink/test', cluster: { name: 'test' } });
  make(ExistingSecret, chart, 'unused', { name: 'unused', managedBy: 'nobody; declared to exercise the construct' });
  make(Edge, chart, 'edge', {
    rendering: 'both', clusterIssuer: 'letsencrypt-prod',
    hosts: [
      { host: 'edge.example.com', name: 'edge-web', paths: [{ backend: web }, { path: '/grafana', backend: grafana }] },
      // Every construct that serves HTTP is a backend itself: Keycloak, Temporal's Web UI, vLLM, RabbitMQ's management UI.
      { host: 'auth.example.com', name: 'edge-auth', paths: [{ backend: keycloak }] },
      { host: 'temporal.example.com', name: 'edge-temporal', paths: [{ backend: temporal }] },
      { host: 'llm.example.com', name: 'edge-llm', paths: [{ backend: llm }] },
      { host: 'mq.example.com', name: 'edge-mq', paths: [{ backend: broker }] },
    ],
  });
  return { chart, used };
}

describe('every construct in one chart', () => {
  const { chart, used } = everything();

  test('passes the validation gate end to end', () => {
    const rendered = renderChart(chart);
    expect(rendered.findings).toEqual([]);
    const kinds = new Set(rendered.files.map((f) => f.object.kind));
    for (const kind of ['Namespace', 'NetworkPolicy', 'Deployment', 'StatefulSet', 'CronJob', 'Job', 'HorizontalPodAutoscaler', 'PodDisruptionBudget',
      'Ingress', 'HTTPRoute', 'ManagedCertificate', 'BackendConfig', 'ScaledObject', 'ServiceMonitor', 'SealedSecret', 'ExternalSecret',
      'SecretStore', 'Application', 'AppProject', 'ConfigMap', 'ServiceAccount', 'Service']) {
      expect(kinds).toContain(kind);
    }
  });

  test('the chart above uses every construct lib/ exports (a new construct must be added here)', () => {
    const constructs = Object.entries(lib)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Construct)
      // Abstract bases are exercised through their subclasses.
      .filter(([name]) => name !== 'WorkloadBackedStore')
      .map(([name, value]) => ({ name, value: value as Function }));
    expect(constructs.filter((c) => !used.has(c.value)).map((c) => c.name)).toEqual([]);
  });
});

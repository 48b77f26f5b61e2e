import { App } from 'cdk8s';
import {
  EXPENSE_TRACKER_CONFIG, ExpenseTrackerChart, ExpenseTrackerEnvironment, expenseTracker,
} from '../../charts/expense-tracker';
import { renderChart } from '../../lib/render/synth';
import { edgePeer, exposed } from '../edge-util';
import { findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

const NS = 'expense-tracker';
const PROMETHEUS = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};
const pods = (name: string, extra: Record<string, string> = {}) => ({
  podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': NS, ...extra } },
});

function build(environment: ExpenseTrackerEnvironment): ExpenseTrackerChart {
  return new ExpenseTrackerChart(new App(), `expense-tracker-${environment}`, { environment });
}

function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe.each(['staging', 'production'] as const)('expense-tracker %s', (environment) => {
  const chart = build(environment);
  const objects = objectsOf(chart);
  const config = EXPENSE_TRACKER_CONFIG[environment];
  const EDGE = edgePeer(config.edge, NS);

  test('the validation gate finds nothing', () => {
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('Argo CD sync waves: namespace and cluster prerequisites, PostgreSQL, backend, frontend, then the Ingress', () => {
    const wave = (kind: string, name: string, namespace?: string) => Number(findObject(objects, kind, name, namespace).metadata.annotations['argocd.argoproj.io/sync-wave']);
    const order = [
      wave('Namespace', 'expense-tracker'), wave('ClusterIssuer', 'letsencrypt-prod'), wave('StatefulSet', 'postgres', 'expense-tracker'),
      wave('Deployment', 'backend', 'expense-tracker'), wave('Deployment', 'frontend', 'expense-tracker'),
      wave(config.edge === 'gateway-api' ? 'HTTPRoute' : 'Ingress', 'expense-tracker', 'expense-tracker'),
    ];
    expect(order).toEqual([-1, -1, 10, 20, 30, 40]);
    expect(objects.every((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toBe(true);
  });

  test('a restricted namespace with default deny and DNS egress', () => {
    expect(findObject(objects, 'Namespace', NS).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(findObject(objects, 'NetworkPolicy', 'default-deny', NS).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(findObject(objects, 'NetworkPolicy', 'allow-dns-egress', NS).spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
  });

  test('frontend: the SPA image on Nginx 8080 as user 101, Service 80 → 8080, config from a ConfigMap', () => {
    const deployment = findObject(objects, 'Deployment', 'frontend', NS);
    const c = mainContainer(deployment);
    expect(c.image).toBe('ghcr.io/dakshayahuja/expense-frontend:0.1');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(deployment.spec.template.spec.securityContext.runAsUser).toBe(101);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/etc/nginx/managed', '/tmp', '/var/cache/nginx']);
    expect(findObject(objects, 'Service', 'frontend', NS).spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const conf: string = findObject(objects, 'ConfigMap', 'frontend-nginx', NS).data['nginx.conf'];
    expect(conf).toContain('listen 8080;');
    expect(conf).toContain('pid /tmp/nginx.pid;');
    expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('backend: FastAPI image on 8000, database URL, JWT secret and Google client ID from the backend Secret', () => {
    const deployment = findObject(objects, 'Deployment', 'backend', NS);
    const c = mainContainer(deployment);
    expect(c.image).toBe('ghcr.io/dakshayahuja/expense-backend:0.1');
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(findObject(objects, 'Service', 'backend', NS).spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    const env = envOf(c);
    expect(env.DATABASE_URL).toEqual({ secretKeyRef: { name: 'backend-secrets', key: 'DATABASE_URL' } });
    expect(env.JWT_SECRET).toEqual({ secretKeyRef: { name: 'backend-secrets', key: 'JWT_SECRET' } });
    expect(env.GOOGLE_CLIENT_ID).toEqual({ secretKeyRef: { name: 'backend-secrets', key: 'GOOGLE_CLIENT_ID' } });
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) expect(probe.httpGet).toEqual({ path: '/api/ping', port: 'http', scheme: 'HTTP' });
    expect(deployment.spec.template.spec.initContainers).toBeUndefined();
    expect(objectsOfKind(objects, 'Secret')).toEqual([]);
    expect(chart.externalReferences.filter((r) => r.kind === 'Secret').map((r) => r.name).sort()).toEqual(['backend-secrets', 'expense-db']);
  });

  test('requests and memory limits on every container', () => {
    expect(mainContainer(findObject(objects, 'Deployment', 'frontend', NS)).resources).toEqual({ requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } });
    expect(mainContainer(findObject(objects, 'Deployment', 'backend', NS)).resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(mainContainer(findObject(objects, 'StatefulSet', 'postgres', NS)).resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } });
  });

  test('HPAs on CPU and memory own the frontend and backend replicas, with PDBs', () => {
    for (const [name, scaling] of [['frontend', config.frontend.scaling], ['backend', config.backend.scaling]] as const) {
      const hpa = findObject(objects, 'HorizontalPodAutoscaler', name, NS);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.minReplicas).toBe(2);
      expect(hpa.spec.maxReplicas).toBe(scaling.maxReplicas);
      // The FastAPI backend scales on CPU only (FastApiBackend default: Python keeps its peak memory); nginx on both.
      expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]))
        .toEqual(name === 'backend' ? [['cpu', 70]] : [['cpu', 70], ['memory', 80]]);
      expect(findObject(objects, 'Deployment', name, NS).spec.replicas).toBeUndefined();
      expect(findObject(objects, 'PodDisruptionBudget', name, NS).spec.maxUnavailable).toBe(1);
    }
  });

  test('PostgreSQL 15: one replica, a gp3-encrypted volume of 10Gi, Service 5432, an exporter sidecar', () => {
    const sts = findObject(objects, 'StatefulSet', 'postgres', NS);
    expect(sts.spec.replicas).toBe(1);
    expect(mainContainer(sts).image).toBe('postgres:15.10-alpine');
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'gp3-encrypted', resources: { requests: { storage: '10Gi' } } });
    expect(findObject(objects, 'Service', 'postgres', NS).spec.ports).toEqual([{ name: 'postgres', port: 5432, targetPort: 'postgres', protocol: 'TCP' }]);
    expect(sts.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['postgres', 'metrics']);
  });

  test('the StorageClass has a name of our own (a cluster may already have gp2/gp3 with other, immutable parameters)', () => {
    const names = objectsOfKind(objects, 'StorageClass').map((o) => o.metadata.name);
    expect(names).toEqual(['gp3-encrypted']);
    for (const name of names) expect(['gp2', 'gp3', 'standard', 'default']).not.toContain(name);
  });

  test('the gp3-encrypted StorageClass: EBS CSI gp3 volumes, encrypted, retained, bound where the pod lands', () => {
    const sc = findObject(objects, 'StorageClass', 'gp3-encrypted');
    expect(sc.metadata.namespace).toBeUndefined();
    expect(sc).toMatchObject({
      provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', encrypted: 'true', fsType: 'ext4' },
      reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true,
    });
  });

  test('one host with TLS from letsencrypt-prod: / → frontend:80, /api → backend:8000, /grafana → Grafana in monitoring', () => {
    expect(config.edge).toBe(environment === 'production' ? 'ingress-nginx' : 'gateway-api');
    const tls = `${NS}/${config.host.replace(/\./g, '-')}-tls`;
    expect(exposed(objects, config.edge)).toEqual([
      { host: config.host, path: '/', pathType: 'Prefix', backend: `${NS}/frontend:80`, tls, http: 'redirect-to-https' },
      { host: config.host, path: '/api', pathType: 'Prefix', backend: `${NS}/backend:8000`, tls, http: 'redirect-to-https' },
      { host: config.host, path: '/grafana', pathType: 'Prefix', backend: 'monitoring/kube-prometheus-grafana:80', tls, http: 'redirect-to-https' },
    ]);
    if (config.edge === 'ingress-nginx') {
      const ingress = findObject(objects, 'Ingress', 'expense-tracker', NS);
      expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-prod');
      expect(objectsOfKind(objects, 'Gateway')).toEqual([]);
    } else {
      expect(objectsOfKind(objects, 'Ingress')).toEqual([]);
      expect(findObject(objects, 'Certificate', `edge-${config.host.replace(/\./g, '-')}`, NS).spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'ClusterIssuer', name: 'letsencrypt-prod' });
      // Envoy Gateway does not route to ExternalName Services: the route goes to Grafana, granted by its namespace.
      expect(findObject(objects, 'ReferenceGrant', 'edge-httproute-expense-tracker', 'monitoring').spec).toEqual({
        from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: NS }],
        to: [{ group: '', kind: 'Service', name: 'kube-prometheus-grafana' }],
      });
    }
  });

  test('the ClusterIssuer letsencrypt-prod is rendered with HTTP-01 solvers for nginx and (by label) the Gateway', () => {
    const issuer = findObject(objects, 'ClusterIssuer', 'letsencrypt-prod');
    expect(issuer.metadata.namespace).toBeUndefined();
    expect(issuer.spec.acme).toMatchObject({
      server: 'https://acme-v02.api.letsencrypt.org/directory',
      privateKeySecretRef: { name: 'letsencrypt-prod' },
      solvers: [
        { http01: { ingress: { ingressClassName: 'nginx' } } },
        {
          selector: { matchLabels: { 'platform.example.org/acme-http01-solver': 'gateway-api' } },
          http01: { gatewayHTTPRoute: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', sectionName: 'http' }] } },
        },
      ],
    });
  });

  test('/grafana goes through an ExternalName Service to Grafana in monitoring, declared external', () => {
    expect(findObject(objects, 'Service', 'grafana', NS).spec).toEqual({
      type: 'ExternalName',
      externalName: 'kube-prometheus-grafana.monitoring.svc.cluster.local',
      ports: [{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }],
    });
    const refs = chart.externalReferences.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`);
    expect(refs).toEqual(expect.arrayContaining(['Namespace//monitoring', 'Service/monitoring/kube-prometheus-grafana']));
  });

  test('NetworkPolicies: edge data plane → frontend and backend, backend → postgres, prometheus → metrics', () => {
    const frontend = findObject(objects, 'NetworkPolicy', 'frontend', NS).spec;
    expect(frontend.ingress).toEqual([{ from: [EDGE], ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(frontend.egress).toEqual([]);
    const backend = findObject(objects, 'NetworkPolicy', 'backend', NS).spec;
    expect(backend.ingress).toEqual([
      { from: [EDGE], ports: [{ port: 8000, protocol: 'TCP' }] },
      { from: [PROMETHEUS], ports: [{ port: 8000, protocol: 'TCP' }] },
    ]);
    expect(backend.egress).toContainEqual({ to: [pods('postgres')], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(backend.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }],
    });
    const postgres = findObject(objects, 'NetworkPolicy', 'postgres', NS).spec;
    expect(postgres.ingress).toEqual(expect.arrayContaining([
      { from: [pods('backend')], ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: [pods('postgres-backup', { 'app.kubernetes.io/component': 'backup' })], ports: [{ port: 5432, protocol: 'TCP' }] },
      { from: [PROMETHEUS], ports: [{ port: 9187, protocol: 'TCP' }] },
    ]));
    expect(postgres.ingress).toHaveLength(3);
    expect(postgres.egress).toEqual([]);
  });

  test('ServiceMonitors for the backend and the Postgres exporter, labelled for the kube-prometheus release', () => {
    const backend = findObject(objects, 'ServiceMonitor', 'backend', NS);
    expect(backend.metadata.labels.release).toBe('kube-prometheus');
    expect(backend.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    expect(backend.spec.namespaceSelector).toEqual({ matchNames: [NS] });
    const exporter = findObject(objects, 'ServiceMonitor', 'postgres-metrics', NS);
    expect(exporter.metadata.labels.release).toBe('kube-prometheus');
    expect(exporter.spec.endpoints[0].port).toBe('metrics');
    expect(findObject(objects, 'Service', 'postgres-metrics', NS).spec.ports[0].port).toBe(9187);
  });

  test('PostgreSQL backups: a CronJob on the configured schedule to S3 through IRSA, no static keys', () => {
    const cron = findObject(objects, 'CronJob', 'postgres-backup', NS);
    expect(cron.spec.schedule).toBe(config.backup.schedule);
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('postgres-backup');
    const sa = findObject(objects, 'ServiceAccount', 'postgres-backup', NS);
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe(config.backup.roleArn);
    expect(Object.keys(sa.metadata.annotations).filter((k) => k.includes('aws'))).toEqual(['eks.amazonaws.com/role-arn']);
    const upload = mainContainer(cron);
    expect(upload.command.join(' ')).toContain(`s3://${config.backup.bucket}/${config.backup.prefix}/`);
    const allEnv = [...pod.initContainers, ...pod.containers].flatMap((c: any) => (c.env ?? []).map((e: any) => e.name));
    expect(allEnv.filter((n: string) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(n))).toEqual([]);
    expect(envOf(pod.initContainers[0]).PGPASSWORD).toEqual({ secretKeyRef: { name: 'expense-db', key: 'POSTGRES_PASSWORD' } });
    expect(pod.initContainers[0].command.join(' ')).toContain('for db in expenses; do');
  });
});

describe('expense-tracker environments', () => {
  test('production serves k8s.dakshayahuja.in and backs up nightly at 02:00 UTC; staging has the same shape (edge aside)', () => {
    expect(EXPENSE_TRACKER_CONFIG.production.host).toBe('k8s.dakshayahuja.in');
    expect(EXPENSE_TRACKER_CONFIG.production.backup.schedule).toBe('0 2 * * *');
    expect(EXPENSE_TRACKER_CONFIG.staging.backup.schedule).toBe('30 3 * * *');
    expect(EXPENSE_TRACKER_CONFIG.staging.backup.prefix).toBe('expense-tracker/staging');
    // Same edge on both, so only the environments' own differences could differ.
    const kinds = (env: ExpenseTrackerEnvironment) => objectsOf(new ExpenseTrackerChart(new App(), `expense-tracker-${env}`, {
      environment: env, config: { ...EXPENSE_TRACKER_CONFIG[env], edge: 'ingress-nginx' },
    })).map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(kinds('staging')).toEqual(kinds('production'));
  });

  test('the platform definition builds every environment', () => {
    const app = new App();
    expect(expenseTracker.name).toBe('expense-tracker');
    expect(expenseTracker.environments.map((e) => expenseTracker.build(app, e).environment)).toEqual(['staging', 'production']);
  });
});

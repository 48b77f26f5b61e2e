import {
  ExistingSecret, ExternalPostgres, FastApiBackend, FastApiBackendProps, FastApiWorkerOptions, NamespaceBaseline, NginxIngress, Peer, Postgres, Redis,
} from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind, testChart } from '../../util';

const image = 'ghcr.io/example/backend:1.4.2';

function envNames(container: any): string[] {
  return (container.env ?? []).map((e: any) => e.name);
}

describe('FastApiBackend', () => {
  test('minimal props: port 8000, /health and /ready probes, 12 × 10 s startup, alembic init container, HPA 2–10, PDB', () => {
    const chart = testChart();
    const backend = new FastApiBackend(chart, 'backend', { image });
    const objects = objectsOf(chart);
    const deploy = findObject(objects, 'Deployment', 'backend', 'demo');
    expect(deploy.spec.replicas).toBeUndefined();
    expect(deploy.metadata.labels['app.kubernetes.io/component']).toBe('api');
    const c = mainContainer(deploy);
    expect(c.image).toBe(image);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 });
    expect(c.startupProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 12 });
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    const [migrate] = deploy.spec.template.spec.initContainers;
    expect(migrate).toMatchObject({ name: 'migrate', image, command: ['alembic', 'upgrade', 'head'] });
    expect(migrate.readinessProbe).toBeUndefined();
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'backend', 'demo');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend' }, minReplicas: 2, maxReplicas: 10 });
    // CPU only: memory scaling is off by default (a Python process keeps its peak memory, so the HPA would ratchet to max).
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    expect(findObject(objects, 'PodDisruptionBudget', 'backend', 'demo').spec.maxUnavailable).toBe(1);
    expect(findObject(objects, 'Service', 'backend', 'demo').spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(backend.serviceHost).toBe('backend.demo.svc.cluster.local');
    expect(backend.resolveHttpPort()).toEqual({ name: 'http', servicePort: 8000, podPort: 8000 });
  });

  test('all props', () => {
    const chart = testChart();
    const db = new ExternalPostgres(chart, 'db', {
      host: 'expense.abc123.us-east-1.rds.amazonaws.com', databaseName: 'expenses', cidr: '10.0.0.0/16',
      credentials: { username: 'expenses', password: { secretName: 'rds', key: 'password' } },
    });
    const props: Required<FastApiBackendProps> = {
      name: 'aroti-backend-api',
      namespace: 'aroti',
      component: 'backend',
      image,
      command: ['uvicorn', 'app.main:app'],
      args: ['--host', '0.0.0.0', '--port', '8888'],
      port: 8888,
      servicePort: 80,
      serviceName: 'api',
      env: { LOG_LEVEL: 'info', API_TOKEN: { secretKeyRef: { secretName: 'aroti-backend-secrets', key: 'token' } } },
      apiEnv: { CACHE_PASSWORD: { secretKeyRef: { secretName: 'cache', key: 'password' } } },
      secretFiles: [{ secretName: 'aroti-backend-secrets', mountPath: '/run/secrets/app' }],
      configFiles: [{ name: 'settings', mountPath: '/etc/app', files: { 'settings.toml': 'debug = false\n' } }],
      writableDirectories: ['/tmp', '/app/.cache'],
      resources: { cpuRequest: '500m', memoryRequest: '512Mi', memoryLimit: '1024Mi', cpuLimit: '1000m' },
      healthPath: '/healthz',
      readyPath: '/readyz',
      livenessPeriodSeconds: 30,
      readinessPeriodSeconds: 10,
      probeTimeoutSeconds: 3,
      startupFailureThreshold: 20,
      startupPeriodSeconds: 5,
      migrationCommand: ['python', '-m', 'app.migrate'],
      migrationResources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      replicas: 3,
      autoscaling: { minReplicas: 3, maxReplicas: 6, cpuUtilizationPercent: 60 },
      disruptionBudget: { minAvailable: 1 },
      database: db,
      databaseEnv: { prefix: 'POSTGRES_' },
      databaseConnectionsPerPod: 8,
      runAsUser: 1000,
      runAsGroup: 1000,
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/backend' },
      terminationGracePeriodSeconds: 45,
      workers: { temporal: { command: ['python', '-m', 'app.workflows.worker'], heartbeat: { path: '/tmp/worker-alive' } } },
      exemptions: { 'practice/read-only-root-filesystem': 'not used; documents the exemption passthrough' },
    };
    const backend = new FastApiBackend(chart, 'backend', props);
    const objects = objectsOf(chart);
    const deploy = findObject(objects, 'Deployment', 'aroti-backend-api', 'aroti');
    // The connection budget counts the API at its HPA maximum (6 × 8) and the worker's fixed replicas (2 × 8).
    expect(db.connectionReservations).toEqual({ 'test/backend/Resource': 48, 'test/backend/Worker-temporal': 16 });
    // apiEnv reaches the API container only: not the migration, not the workers.
    expect(envNames(mainContainer(deploy))).toContain('CACHE_PASSWORD');
    expect(envNames(deploy.spec.template.spec.initContainers[0])).not.toContain('CACHE_PASSWORD');
    for (const worker of objectsOfKind(objects, 'Deployment').filter((d) => d.metadata.name !== 'aroti-backend-api')) {
      expect(envNames(mainContainer(worker))).not.toContain('CACHE_PASSWORD');
    }
    expect(deploy.metadata.labels['app.kubernetes.io/component']).toBe('backend');
    expect(deploy.metadata.annotations['policy-exemption.platform/practice.read-only-root-filesystem']).toMatch(/passthrough/);
    const pod = deploy.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 1000 });
    expect(pod.terminationGracePeriodSeconds).toBe(45);
    const c = mainContainer(deploy);
    expect(c.command).toEqual(['uvicorn', 'app.main:app']);
    expect(c.args).toEqual(['--host', '0.0.0.0', '--port', '8888']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8888, protocol: 'TCP' }]);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' }, periodSeconds: 30, timeoutSeconds: 3 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' }, periodSeconds: 10, timeoutSeconds: 3 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/healthz' }, periodSeconds: 5, failureThreshold: 20 });
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } });
    expect(envNames(c)).toEqual(['API_TOKEN', 'CACHE_PASSWORD', 'LOG_LEVEL', 'POSTGRES_HOST', 'POSTGRES_NAME', 'POSTGRES_PASSWORD', 'POSTGRES_PORT', 'POSTGRES_SSLMODE', 'POSTGRES_USER']);
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/app/.cache', '/etc/app', '/run/secrets/app', '/tmp']);
    const [migrate] = pod.initContainers;
    expect(migrate.command).toEqual(['python', '-m', 'app.migrate']);
    expect(migrate.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
    expect(envNames(migrate)).toEqual(envNames(c).filter((n: string) => n !== 'CACHE_PASSWORD'));
    expect(migrate.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/app/.cache', '/etc/app', '/run/secrets/app', '/tmp']);
    expect(findObject(objects, 'Service', 'api', 'aroti').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(findObject(objects, 'HorizontalPodAutoscaler', 'aroti-backend-api', 'aroti').spec).toMatchObject({ minReplicas: 3, maxReplicas: 6 });
    expect(findObject(objects, 'PodDisruptionBudget', 'aroti-backend-api', 'aroti').spec.minAvailable).toBe(1);
    expect(findObject(objects, 'ServiceAccount', 'aroti-backend-api', 'aroti').metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/backend' });
    const worker = findObject(objects, 'Deployment', 'aroti-backend-api-temporal', 'aroti');
    expect(findObject(objects, 'ServiceAccount', 'aroti-backend-api-temporal', 'aroti').metadata.annotations)
      .toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/backend' });
    expect(mainContainer(worker).resources).toEqual(c.resources);
    expect(backend.workers.temporal.name).toBe('aroti-backend-api-temporal');
    // Every pod reaches the external database through its CIDR.
    for (const name of ['aroti-backend-api', 'aroti-backend-api-temporal']) {
      expect(findObject(objects, 'NetworkPolicy', name, 'aroti').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '10.0.0.0/16' } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    }
  });

  test('workers share image, env and secrets, run another command, have no Service and a heartbeat probe', () => {
    const chart = testChart();
    const pg = new Postgres(chart, 'postgres', {
      credentials: { username: 'postgres', password: { secretName: 'pg', key: 'password' } },
      databases: [{ name: 'aroti', owner: 'aroti', ownerPassword: { secretName: 'aroti-db', key: 'password' } }],
      maxConnections: 200,
    });
    const backend = new FastApiBackend(chart, 'api', {
      image,
      database: pg,
      env: { LOG_LEVEL: 'info' },
      secretFiles: [{ secretName: 'app-secrets', mountPath: '/run/secrets/app' }],
    });
    const worker = backend.addWorker('worker', {
      command: ['python', '-m', 'app.workflows.worker'],
      replicas: 2,
      env: { LOG_LEVEL: 'debug', TEMPORAL_HOST: 'temporal-frontend.temporal.svc.cluster.local:7233' },
      heartbeat: { path: '/var/run/worker/heartbeat', maxAgeSeconds: 90 },
      resources: { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
    });
    expect(worker.name).toBe('api-worker');
    const objects = objectsOf(chart);
    const deploy = findObject(objects, 'Deployment', 'api-worker', 'demo');
    expect(deploy.spec.replicas).toBe(2);
    expect(deploy.metadata.labels['app.kubernetes.io/component']).toBe('worker');
    const c = mainContainer(deploy);
    expect(c.image).toBe(image);
    expect(c.command).toEqual(['python', '-m', 'app.workflows.worker']);
    expect(c.ports).toBeUndefined();
    expect(deploy.spec.template.spec.initContainers).toBeUndefined();
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({ LOG_LEVEL: 'debug', DB_USER: 'aroti', DB_PASSWORD: { secretKeyRef: { name: 'aroti-db', key: 'password' } } });
    const probe = {
      exec: { command: ['sh', '-c', 'test -f /var/run/worker/heartbeat && [ $(( $(date +%s) - $(stat -c %Y /var/run/worker/heartbeat) )) -lt 90 ]'] },
      initialDelaySeconds: 0, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3,
    };
    expect(c.livenessProbe).toEqual(probe);
    expect(c.readinessProbe).toEqual(probe);
    // The heartbeat's directory is made writable.
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/run/secrets/app', '/tmp', '/var/run/worker']);
    expect(objectsOfKind(objects, 'Service').map((s) => s.metadata.name)).not.toContain('api-worker');
    expect(findObject(objects, 'PodDisruptionBudget', 'api-worker', 'demo')).toBeDefined();
    // The database admits the API (and its migration) and the worker.
    const ingress = findObject(objects, 'NetworkPolicy', 'postgres', 'demo').spec.ingress;
    expect(ingress.map((r: any) => r.from[0].podSelector.matchLabels['app.kubernetes.io/name'])).toEqual(['api', 'api-worker']);
  });

  test('connectTo and allowTo apply to the API and to workers added before and after', () => {
    const chart = testChart();
    const redis = new Redis(chart, 'redis', { password: { secretName: 'redis', key: 'password' } });
    const backend = new FastApiBackend(chart, 'api', { image, workers: { early: { command: ['early'], probe: { exec: { command: ['true'] } } } } });
    backend.connectTo(redis);
    backend.allowTo(Peer.internet(), [{ port: 443 }]);
    backend.addWorker('late', { command: ['late'], exemptions: { 'practice/probes': 'batch consumer without a health signal' } });
    const objects = objectsOf(chart);
    for (const name of ['api', 'api-early', 'api-late']) {
      const egress = findObject(objects, 'NetworkPolicy', name).spec.egress;
      expect(egress.map((r: any) => r.ports[0].port).sort()).toEqual([443, 6379]);
    }
    const late = findObject(objects, 'Deployment', 'api-late');
    expect(late.metadata.annotations['policy-exemption.platform/practice.probes']).toBe('batch consumer without a health signal');
    expect(mainContainer(late).livenessProbe).toBeUndefined();
    expect(findObject(objects, 'NetworkPolicy', 'redis').spec.ingress).toHaveLength(3);
  });

  test('migrationCommand: false and autoscaling: false give fixed replicas without an init container', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'api', { image, migrationCommand: false, autoscaling: false, replicas: 3 });
    const objects = objectsOf(chart);
    const deploy = findObject(objects, 'Deployment', 'api');
    expect(deploy.spec.replicas).toBe(3);
    expect(deploy.spec.template.spec.initContainers).toBeUndefined();
    expect(objectsOfKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('passes the validation gate behind an NGINX Ingress', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    for (const name of ['pg', 'aroti-db', 'app-secrets']) new ExistingSecret(chart, name, { name, managedBy: 'runbook' });
    const pg = new Postgres(chart, 'postgres', {
      credentials: { username: 'postgres', password: { secretName: 'pg', key: 'password' } },
      databases: [{ name: 'aroti', owner: 'aroti', ownerPassword: { secretName: 'aroti-db', key: 'password' } }],
      maxConnections: 200,
    });
    const backend = new FastApiBackend(chart, 'api', {
      image, database: pg, secretFiles: [{ secretName: 'app-secrets', mountPath: '/run/secrets/app' }],
      workers: { worker: { command: ['python', '-m', 'worker'], heartbeat: { path: '/tmp/heartbeat' } } },
    });
    new NginxIngress(chart, 'ingress', { hosts: [{ host: 'api.example.com', paths: [{ backend }] }], clusterIssuer: 'letsencrypt' });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('scaleOnMemory: true adds the memory target (80 % unless given)', () => {
    const chart = testChart();
    new FastApiBackend(chart, 'backend', { image, autoscaling: { scaleOnMemory: true, memoryUtilizationPercent: 75 } });
    const hpa = findObject(objectsOf(chart), 'HorizontalPodAutoscaler', 'backend', 'demo');
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 75]]);
  });

  test('fails if a memory target is given without scaleOnMemory', () => {
    expect(() => new FastApiBackend(testChart(), 'api', { image, autoscaling: { memoryUtilizationPercent: 80 } }))
      .toThrow(/test\/api: invalid autoscaling.memoryUtilizationPercent \(80\): is only used with autoscaling.scaleOnMemory: true/);
  });

  test('fails if the HPA minimum is above the maximum', () => {
    expect(() => new FastApiBackend(testChart(), 'api', { image, autoscaling: { minReplicas: 5, maxReplicas: 3 } }))
      .toThrow(/test\/api: invalid autoscaling.maxReplicas \(3\): must be an integer above autoscaling.minReplicas \(5\)/);
  });

  test('fails if a worker has no health signal and no exemption', () => {
    const backend = new FastApiBackend(testChart(), 'api', { image });
    expect(() => backend.addWorker('worker', { command: ['python', '-m', 'worker'] } as FastApiWorkerOptions))
      .toThrow(/invalid workers\["worker"\] \(undefined\): a worker needs a health signal: set heartbeat/);
  });

  test('fails if a worker id is used twice', () => {
    const backend = new FastApiBackend(testChart(), 'api', { image });
    backend.addWorker('w', { command: ['a'], heartbeat: { path: '/tmp/hb' } });
    expect(() => backend.addWorker('w', { command: ['b'], heartbeat: { path: '/tmp/hb' } })).toThrow(/a worker with this id exists already/);
  });

  test('fails if the image is not pinned', () => {
    expect(() => new FastApiBackend(testChart(), 'api', { image: 'ghcr.io/example/backend' })).toThrow(/invalid image .*must pin a tag or digest/);
  });
});

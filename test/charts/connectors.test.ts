import { App } from 'cdk8s';
import { ConnectorsChart, DATABASE_SECRET_NAME, HEALTH_PATHS, SERVICE_NAMES, connectors } from '../../charts/connectors';
import { CONNECTORS_CONFIG, CONNECTORS_ENVIRONMENTS, ConnectorsConfig, ConnectorsEnvironment } from '../../charts/connectors/config';
import { renderChart } from '../../lib/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

const NS = 'airbyte';
const build = (environment: ConnectorsEnvironment, config?: ConnectorsConfig) => new ConnectorsChart(new App(), `connectors-${environment}`, { environment, config });
const podSpec = (deployment: any) => deployment.spec.template.spec;

const EXPECTED = {
  staging: { webapp: 'connectors-stage.aitronos.com', api: 'connectors-api-stage.aitronos.com', ip: 'connectors-staging-ip', project: 'aitronos-connectors-staging' },
  production: { webapp: 'connectors.aitronos.com', api: 'connectors-api.aitronos.com', ip: 'connectors-production-ip', project: 'aitronos-connectors-prod' },
} as const;

describe('connectors platform', () => {
  test('is registered for staging and production', () => {
    expect(connectors.name).toBe('connectors');
    expect(connectors.environments).toEqual(['staging', 'production']);
    const chart = connectors.build(new App(), 'staging');
    expect(chart.platform).toBe('connectors');
    expect(chart.environment).toBe('staging');
  });

  describe.each(CONNECTORS_ENVIRONMENTS)('%s', (environment) => {
    const expected = EXPECTED[environment];
    const config = CONNECTORS_CONFIG[environment];
    const chart = build(environment);
    const objects = objectsOf(chart);

    test('the namespace and its baseline are part of the output', () => {
      const ns = findObject(objects, 'Namespace', NS);
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(findObject(objects, 'NetworkPolicy', 'default-deny', NS).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      // Autopilot always runs NodeLocal DNSCache: without the link-local resolvers, default-deny would break DNS.
      const dnsPeers = findObject(objects, 'NetworkPolicy', 'allow-dns-egress', NS).spec.egress[0].to;
      expect(dnsPeers).toEqual(expect.arrayContaining([{ ipBlock: { cidr: '169.254.20.10/32' } }, { ipBlock: { cidr: '169.254.169.254/32' } }]));
    });

    test('GKE Ingress: hosts, static IP, HTTPS only, a managed certificate per host', () => {
      const ingress = findObject(objects, 'Ingress', 'airbyte', NS);
      const a = ingress.metadata.annotations;
      expect(a['kubernetes.io/ingress.class']).toBe('gce');
      expect(a['kubernetes.io/ingress.global-static-ip-name']).toBe(expected.ip);
      expect(a['kubernetes.io/ingress.allow-http']).toBe('false');
      const certNames = a['networking.gke.io/managed-certificates'].split(',');
      expect(certNames.map((n: string) => findObject(objects, 'ManagedCertificate', n, NS).spec.domains)).toEqual([[expected.webapp], [expected.api]]);
      expect(ingress.spec.rules.map((r: any) => [r.host, r.http.paths[0].backend.service.name, r.http.paths[0].backend.service.port.number]))
        .toEqual([[expected.webapp, 'airbyte-webapp-svc', 80], [expected.api, 'airbyte-server-svc', 8001]]);
    });

    test('BackendConfig health checks match the readiness probes of the exposed Services', () => {
      for (const [svcName, deploymentName, path, podPort] of [
        [SERVICE_NAMES.webapp, 'airbyte-webapp', HEALTH_PATHS.webapp, 8080],
        [SERVICE_NAMES.server, 'airbyte-server', HEALTH_PATHS.server, 8001],
      ] as const) {
        const service = findObject(objects, 'Service', svcName, NS);
        const configName = JSON.parse(service.metadata.annotations['cloud.google.com/backend-config']).default;
        expect(JSON.parse(service.metadata.annotations['cloud.google.com/neg'])).toEqual({ ingress: true });
        const hc = findObject(objects, 'BackendConfig', configName, NS).spec.healthCheck;
        expect(hc).toMatchObject({ type: 'HTTP', requestPath: path, port: podPort });
        const container = mainContainer(findObject(objects, 'Deployment', deploymentName, NS));
        expect(container.readinessProbe.httpGet.path).toBe(path);
        expect(container.ports).toEqual([{ name: 'http', containerPort: podPort, protocol: 'TCP' }]);
        const policy = findObject(objects, 'NetworkPolicy', deploymentName, NS);
        for (const cidr of ['35.191.0.0/16', '130.211.0.0/22']) {
          expect(policy.spec.ingress).toContainEqual({ from: [{ ipBlock: { cidr } }], ports: [{ port: podPort, protocol: 'TCP' }] });
        }
      }
    });

    test('Services and ports follow the architecture document', () => {
      expect(findObject(objects, 'Service', 'airbyte-webapp-svc', NS).spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
      expect(findObject(objects, 'Service', 'airbyte-server-svc', NS).spec.ports).toEqual([{ name: 'http', port: 8001, targetPort: 'http', protocol: 'TCP' }]);
      expect(findObject(objects, 'Service', 'airbyte-connector-builder-server-svc', NS).spec.ports)
        .toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
      expect(objectsOfKind(objects, 'Service').map((s) => s.metadata.name).sort())
        .toEqual(['airbyte-connector-builder-server-svc', 'airbyte-server-svc', 'airbyte-webapp-svc']);
    });

    test('every image is pinned to the one Airbyte version', () => {
      const images = objectsOfKind(objects, 'Deployment').map((d) => [d.metadata.name, mainContainer(d).image]);
      expect(images.sort()).toEqual([
        ['airbyte-connector-builder-server', `airbyte/connector-builder-server:${config.airbyteVersion}`],
        ['airbyte-cron', `airbyte/cron:${config.airbyteVersion}`],
        ['airbyte-server', `airbyte/server:${config.airbyteVersion}`],
        ['airbyte-webapp', `airbyte/webapp:${config.airbyteVersion}`],
        ['airbyte-worker', `airbyte/worker:${config.airbyteVersion}`],
      ]);
    });

    test('Autopilot fit: requests on every container, no node selectors, nothing privileged', () => {
      for (const d of objectsOfKind(objects, 'Deployment')) {
        const spec = podSpec(d);
        expect(spec.nodeSelector).toBeUndefined();
        expect(spec.securityContext.runAsNonRoot).toBe(true);
        for (const c of spec.containers) {
          expect(c.resources.requests.cpu).toBeDefined();
          expect(c.resources.requests.memory).toBeDefined();
          // Autopilot sets limits to requests; asking for the same keeps the bill and the behaviour obvious.
          expect(c.resources.limits.memory).toBe(c.resources.requests.memory);
          expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        }
      }
      expect(podSpec(findObject(objects, 'Deployment', 'airbyte-webapp', NS)).securityContext.runAsUser).toBe(101);
      expect(mainContainer(findObject(objects, 'Deployment', 'airbyte-webapp', NS)).volumeMounts.map((m: any) => m.mountPath))
        .toEqual(['/etc/nginx/conf.d', '/tmp', '/var/cache/nginx']);
    });

    test('Workload Identity: GCS users carry their Google service account, others none; no key files', () => {
      const sa = (name: string) => findObject(objects, 'ServiceAccount', name, NS).metadata.annotations?.['iam.gke.io/gcp-service-account'];
      expect(sa('airbyte-server')).toBe(`airbyte-server@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('airbyte-worker')).toBe(`airbyte-worker@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('gcp-secret-manager')).toBe(`airbyte-secrets@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('airbyte-webapp')).toBeUndefined();
      expect(sa('airbyte-cron')).toBeUndefined();
      for (const d of objectsOfKind(objects, 'Deployment')) {
        const env = podSpec(d).containers.flatMap((c: any) => c.env ?? []);
        expect(env.map((e: any) => e.name)).not.toContain('GOOGLE_APPLICATION_CREDENTIALS');
        expect((podSpec(d).volumes ?? []).filter((v: any) => v.secret)).toEqual([]);
      }
      const storageEnv = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'airbyte-worker', NS)).env.map((e: any) => [e.name, e.value]));
      expect(storageEnv).toMatchObject({ STORAGE_TYPE: 'GCS', STORAGE_BUCKET_LOG: config.storage.logBucket, STORAGE_BUCKET_STATE: config.storage.stateBucket });
    });

    test('the database password only ever comes from a secret reference', () => {
      let found = 0;
      for (const d of objectsOfKind(objects, 'Deployment')) {
        for (const c of [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers]) {
          for (const e of c.env ?? []) {
            if (!/PASSWORD|PASSWD|PWD|SECRET|CREDENTIAL/i.test(e.name)) continue;
            found += 1;
            expect(e.value).toBeUndefined();
            expect(e.valueFrom.secretKeyRef).toEqual({ name: DATABASE_SECRET_NAME, key: 'DATABASE_PASSWORD' });
          }
        }
      }
      expect(found).toBe(3); // server, worker, cron
      const secret = findObject(objects, 'ExternalSecret', DATABASE_SECRET_NAME, NS);
      expect(secret.spec.secretStoreRef).toEqual({ name: 'gcp-secret-manager', kind: 'SecretStore' });
      expect(secret.spec.data).toEqual([
        { secretKey: 'DATABASE_PASSWORD', remoteRef: { key: config.database.passwordSecretId } },
        { secretKey: 'DATABASE_USER', remoteRef: { key: config.database.userSecretId } },
      ]);
      expect(objectsOfKind(objects, 'Secret')).toEqual([]);
      const server = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'airbyte-server', NS)).env.map((e: any) => [e.name, e.value]));
      expect(server.DATABASE_URL).toBe(`jdbc:postgresql://${config.database.host}:5432/airbyte`);
    });

    test('network policies: explicit allows only', () => {
      const policy = (name: string) => findObject(objects, 'NetworkPolicy', name, NS).spec;
      const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'connectors' } } });
      expect(policy('airbyte-webapp').egress).toEqual([{ to: [pods('airbyte-server')], ports: [{ port: 8001, protocol: 'TCP' }] }]);
      expect(policy('airbyte-server').ingress).toContainEqual({ from: [pods('airbyte-webapp')], ports: [{ port: 8001, protocol: 'TCP' }] });
      expect(policy('airbyte-server').egress).toContainEqual({ to: [pods('airbyte-connector-builder-server')], ports: [{ port: 8080, protocol: 'TCP' }] });
      for (const name of ['airbyte-server', 'airbyte-worker', 'airbyte-cron']) {
        expect(policy(name).egress).toContainEqual({ to: [{ ipBlock: { cidr: config.database.cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] });
      }
      for (const name of ['airbyte-server', 'airbyte-worker']) {
        expect(policy(name).egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] });
      }
      expect(policy('airbyte-webapp').egress).not.toContainEqual(expect.objectContaining({ ports: [{ port: 5432, protocol: 'TCP' }] }));
      expect(policy('airbyte-cron').egress).not.toContainEqual(expect.objectContaining({ ports: [{ port: 443, protocol: 'TCP' }] }));
      expect(policy('airbyte-worker').ingress).toEqual([]);
    });

    test('HPA for webapp and server, PDBs and spread for what runs two or more pods', () => {
      for (const [name, c] of [['airbyte-webapp', config.webapp], ['airbyte-server', config.server]] as const) {
        const hpa = findObject(objects, 'HorizontalPodAutoscaler', name, NS);
        expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([c.minReplicas, c.maxReplicas]);
        expect(findObject(objects, 'Deployment', name, NS).spec.replicas).toBeUndefined();
        findObject(objects, 'PodDisruptionBudget', name, NS);
        expect(podSpec(findObject(objects, 'Deployment', name, NS)).topologySpreadConstraints).toHaveLength(2);
      }
      expect(findObject(objects, 'Deployment', 'airbyte-cron', NS).spec.replicas).toBe(1);
    });

    test('sync waves: namespace and store, then the ExternalSecret, then apps, then the Ingress', () => {
      const wave = (kind: string, name: string) => Number(findObject(objects, kind, name).metadata.annotations['argocd.argoproj.io/sync-wave']);
      expect(wave('Namespace', NS)).toBe(-2);
      expect(wave('SecretStore', 'gcp-secret-manager')).toBe(-2);
      expect(wave('ExternalSecret', DATABASE_SECRET_NAME)).toBe(-1);
      expect(wave('Deployment', 'airbyte-server')).toBe(0);
      expect(wave('Ingress', 'airbyte')).toBe(1);
      expect(wave('ManagedCertificate', expected.webapp.replace(/\./g, '-'))).toBe(1);
    });

    test('temporal and metrics are off', () => {
      const env = mainContainer(findObject(objects, 'Deployment', 'airbyte-worker', NS)).env.map((e: any) => e.name);
      expect(env).not.toContain('TEMPORAL_HOST');
      expect(env).not.toContain('MICROMETER_METRICS_ENABLED');
    });

    test('passes the validation gate', () => {
      const rendered = renderChart(chart);
      expect(rendered.findings).toEqual([]);
      expect(rendered.exempted).toEqual([]);
    });

    test('snapshot', () => {
      expect(objects).toMatchSnapshot();
    });
  });

  test('enabling temporal and metrics renders their env and opens egress to them', () => {
    const base = CONNECTORS_CONFIG.staging;
    const chart = build('staging', {
      ...base,
      temporal: { enabled: true, endpoint: { host: 'temporal.internal', port: 7233, cidr: '10.40.0.0/24' } },
      metrics: { enabled: true, endpoint: { host: 'otel.internal', port: 4318, cidr: '10.50.0.0/24' } },
    });
    const objects = objectsOf(chart);
    const env = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'airbyte-worker', NS)).env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ TEMPORAL_HOST: 'temporal.internal:7233', MICROMETER_METRICS_ENABLED: 'true', OTEL_COLLECTOR_ENDPOINT: 'http://otel.internal:4318' });
    const egress = findObject(objects, 'NetworkPolicy', 'airbyte-worker', NS).spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.40.0.0/24' } }], ports: [{ port: 7233, protocol: 'TCP' }] });
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.50.0.0/24' } }], ports: [{ port: 4318, protocol: 'TCP' }] });
    expect(renderChart(chart).findings).toEqual([]);
  });
});

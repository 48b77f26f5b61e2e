import { App } from 'cdk8s';
import {
  AUTH_INPUT_SECRET_NAME, AUTH_SECRET_NAME, ConnectorsChart, DATABASE_SECRET_NAME, GCS_SECRET_NAME, HEALTH_PATHS, JOB_SERVICE_ACCOUNT,
  REFERENCE_CONFIGMAP_NAME, SERVICE_NAMES, WORKLOAD_API_SECRET_NAME, connectors,
} from '../../charts/connectors';
import { AIRBYTE_COMPONENTS, AIRBYTE_CONTRACT, AirbyteComponent, contractProblems } from '../../charts/connectors/airbyte-contract';
import { parseQuantity } from '../../lib';
import { CONNECTORS_CONFIG, CONNECTORS_ENVIRONMENTS, ConnectorsConfig, ConnectorsEnvironment } from '../../charts/connectors/config';
import { renderChart } from '../../lib/render/synth';
import { findObject, mainContainer, objectsOf, objectsOfKind } from '../util';

const NS = 'airbyte';
const build = (environment: ConnectorsEnvironment, config?: ConnectorsConfig) => new ConnectorsChart(new App(), `connectors-${environment}`, { environment, config });
const podSpec = (deployment: any) => deployment.spec.template.spec;
const pods = (name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'connectors' } } });
const GCS_KEY_PATH = '/secrets/gcs-log-creds/gcp.json';

/** The env of a rendered container, ConfigMap references resolved against the rendered ConfigMaps; Secret refs as `secret:<name>/<key>`. */
function renderedEnv(objects: readonly any[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
    else if (e.valueFrom?.configMapKeyRef) {
      const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === e.valueFrom.configMapKeyRef.name);
      const value = cm?.data?.[e.valueFrom.configMapKeyRef.key];
      if (value !== undefined) env[e.name] = value;
    } else if (e.valueFrom) env[e.name] = 'fieldRef';
  }
  return env;
}

/** The rendered workload (Deployment or Job) of each Airbyte component, found by its component label. */
function renderedComponents(objects: readonly any[]): Record<string, any> {
  const out: Record<string, any> = {};
  for (const o of objects) {
    const component = o.metadata?.labels?.['app.kubernetes.io/component'];
    if ((o.kind === 'Deployment' || o.kind === 'Job') && component) out[component] = o;
  }
  return out;
}

/** Services as rendered: name and ports. */
const renderedServiceList = (objects: readonly any[]) =>
  objectsOfKind(objects, 'Service').map((s) => ({ name: s.metadata.name, ports: s.spec.ports.map((p: any) => p.port) }));

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
      expect(ingress.spec.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => [p.path, p.backend.service.name, p.backend.service.port.number])]))
        .toEqual([[expected.webapp, [['/', 'airbyte-webapp-svc', 80]]], [expected.api, [['/api/public', 'airbyte-server-svc', 8001]]]]);
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
      expect(findObject(objects, 'Service', 'airbyte-workload-api-server-svc', NS).spec.ports).toEqual([{ name: 'http', port: 8007, targetPort: 'http', protocol: 'TCP' }]);
      expect(findObject(objects, 'Service', 'airbyte-temporal', NS).spec.ports).toEqual([{ name: 'grpc', port: 7233, targetPort: 'grpc', protocol: 'TCP' }]);
      expect(objectsOfKind(objects, 'Service').map((s) => s.metadata.name).sort()).toEqual([
        'airbyte-connector-builder-server-svc', 'airbyte-server-svc', 'airbyte-temporal', 'airbyte-webapp-svc', 'airbyte-workload-api-server-svc',
      ]);
    });

    test('every image is pinned to the one Airbyte version', () => {
      const images = [...objectsOfKind(objects, 'Deployment'), ...objectsOfKind(objects, 'Job')].map((d) => [d.metadata.name, mainContainer(d).image]);
      expect(images.sort()).toEqual([
        ['airbyte-bootloader', `airbyte/bootloader:${config.airbyteVersion}`],
        ['airbyte-connector-builder-server', `airbyte/connector-builder-server:${config.airbyteVersion}`],
        ['airbyte-cron', `airbyte/cron:${config.airbyteVersion}`],
        ['airbyte-server', `airbyte/server:${config.airbyteVersion}`],
        // Upstream's airbyte-temporal chart pins this image independently of the Airbyte release (values.yaml at v1.6.0).
        ['airbyte-temporal', 'temporalio/auto-setup:1.23.0'],
        ['airbyte-webapp', `airbyte/webapp:${config.airbyteVersion}`],
        ['airbyte-worker', `airbyte/worker:${config.airbyteVersion}`],
        ['airbyte-workload-api-server', `airbyte/workload-api-server:${config.airbyteVersion}`],
        ['airbyte-workload-launcher', `airbyte/workload-launcher:${config.airbyteVersion}`],
      ]);
      // The job pods' images, passed to the launcher, carry the same release.
      const launcher = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-workload-launcher', NS)));
      for (const key of ['CONTAINER_ORCHESTRATOR_IMAGE', 'WORKLOAD_INIT_IMAGE', 'CONNECTOR_SIDECAR_IMAGE', 'CONNECTOR_PROFILER_IMAGE']) {
        expect(launcher[key]).toMatch(new RegExp(`^airbyte/[a-z-]+:${config.airbyteVersion.replace(/\./g, '\\.')}$`));
      }
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

    test('GCS: the key file from Secret Manager is mounted where Airbyte reads it; Workload Identity stays', () => {
      const sa = (name: string) => findObject(objects, 'ServiceAccount', name, NS).metadata.annotations?.['iam.gke.io/gcp-service-account'];
      expect(sa('airbyte-server')).toBe(`airbyte-server@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('airbyte-worker')).toBe(`airbyte-worker@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('gcp-secret-manager')).toBe(`airbyte-secrets@${expected.project}.iam.gserviceaccount.com`);
      expect(sa('airbyte-webapp')).toBeUndefined();
      expect(sa('airbyte-cron')).toBeUndefined();
      expect(findObject(objects, 'ExternalSecret', GCS_SECRET_NAME, NS).spec.data)
        .toEqual([{ secretKey: 'gcp.json', remoteRef: { key: config.storage.credentialsSecretId } }]);
      const usesGcs = ['airbyte-server', 'airbyte-worker', 'airbyte-workload-launcher'];
      for (const d of objectsOfKind(objects, 'Deployment')) {
        const spec = podSpec(d);
        const keyVolumes = (spec.volumes ?? []).filter((v: any) => v.secret?.secretName === GCS_SECRET_NAME);
        const env = renderedEnv(objects, mainContainer(d));
        if (usesGcs.includes(d.metadata.name)) {
          expect(keyVolumes).toHaveLength(1);
          expect(mainContainer(d).volumeMounts).toContainEqual({ name: keyVolumes[0].name, mountPath: '/secrets/gcs-log-creds', readOnly: true });
          expect(env).toMatchObject({ GOOGLE_APPLICATION_CREDENTIALS: GCS_KEY_PATH, STORAGE_TYPE: 'GCS', STORAGE_BUCKET_LOG: config.storage.logBucket, STORAGE_BUCKET_STATE: config.storage.stateBucket });
        } else {
          expect(keyVolumes).toEqual([]);
          expect(env.GOOGLE_APPLICATION_CREDENTIALS).toBeUndefined();
        }
      }
      // Job pods: the launcher mounts the same Secret at the same path and passes GOOGLE_APPLICATION_CREDENTIALS on.
      const launcher = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-workload-launcher', NS)));
      expect(launcher).toMatchObject({ CONTAINER_ORCHESTRATOR_SECRET_NAME: GCS_SECRET_NAME, CONTAINER_ORCHESTRATOR_SECRET_MOUNT_PATH: '/secrets/gcs-log-creds' });
    });

    test('secrets only ever come from secret references, each to a declared ExternalSecret key or the bootloader\'s Secret', () => {
      const declared = new Map<string, string[]>(objectsOfKind(objects, 'ExternalSecret').map((e) => [e.metadata.name, e.spec.data.map((d: any) => d.secretKey)]));
      declared.set(AUTH_SECRET_NAME, ['dataplane-client-id', 'dataplane-client-secret']);
      let found = 0;
      for (const d of [...objectsOfKind(objects, 'Deployment'), ...objectsOfKind(objects, 'Job')]) {
        for (const c of [...(podSpec(d).initContainers ?? []), ...podSpec(d).containers]) {
          for (const e of c.env ?? []) {
            if (!/PASSWORD|PASSWD|PWD|SECRET|CREDENTIAL|TOKEN/i.test(e.name)) continue;
            found += 1;
            expect(e.value === undefined || e.value.startsWith('/')).toBe(true);
            const ref = e.valueFrom?.secretKeyRef;
            if (ref) expect(declared.get(ref.name)).toContain(ref.key);
          }
        }
      }
      expect(found).toBeGreaterThan(20);
      const secret = findObject(objects, 'ExternalSecret', DATABASE_SECRET_NAME, NS);
      expect(secret.spec.secretStoreRef).toEqual({ name: 'gcp-secret-manager', kind: 'SecretStore' });
      expect(secret.spec.data).toEqual([
        { secretKey: 'DATABASE_PASSWORD', remoteRef: { key: config.database.passwordSecretId } },
        { secretKey: 'DATABASE_USER', remoteRef: { key: config.database.userSecretId } },
      ]);
      expect(objectsOfKind(objects, 'Secret')).toEqual([]);
      const server = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-server', NS)));
      expect(server.DATABASE_URL).toBe(`jdbc:postgresql://${config.database.host}:5432/airbyte`);
      expect(server.DATABASE_PASSWORD).toBe(`secret:${DATABASE_SECRET_NAME}/DATABASE_PASSWORD`);
    });

    test('bootloader: an Argo CD Sync hook before the apps, migrating the database and owning the auth Secret', () => {
      const job = findObject(objects, 'Job', 'airbyte-bootloader', NS);
      const a = job.metadata.annotations;
      expect(a['argocd.argoproj.io/hook']).toBe('Sync');
      expect(a['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation,HookSucceeded');
      const wave = (o: any) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
      expect(wave(job)).toBeLessThan(wave(findObject(objects, 'Deployment', 'airbyte-server', NS)));
      // Everything the bootloader reads exists in an earlier wave.
      for (const [kind, name] of [['ExternalSecret', DATABASE_SECRET_NAME], ['ExternalSecret', AUTH_INPUT_SECRET_NAME], ['ConfigMap', REFERENCE_CONFIGMAP_NAME]]) {
        expect(wave(findObject(objects, kind, name, NS))).toBeLessThan(wave(job));
      }
      const env = renderedEnv(objects, mainContainer(job));
      expect(env).toMatchObject({
        AIRBYTE_VERSION: config.airbyteVersion,
        DATABASE_URL: `jdbc:postgresql://${config.database.host}:5432/airbyte`,
        RUN_DATABASE_MIGRATION_ON_STARTUP: 'true',
        AB_KUBERNETES_SECRET_NAME: AUTH_SECRET_NAME,
        AB_JWT_SIGNATURE_SECRET: `secret:${AUTH_INPUT_SECRET_NAME}/jwt-signature-secret`,
      });
      expect(podSpec(job).restartPolicy).toBe('Never');
      expect(podSpec(job).serviceAccountName).toBe('airbyte-bootloader');
      expect(findObject(objects, 'Role', 'airbyte-bootloader', NS).rules).toEqual([
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: [AUTH_SECRET_NAME], verbs: ['get', 'update'] },
      ]);
      expect(findObject(objects, 'NetworkPolicy', 'airbyte-bootloader', NS).spec.egress).toEqual([
        { to: [{ ipBlock: { cidr: config.database.cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] },
        { to: [{ ipBlock: { cidr: config.kubernetesApiCidr } }], ports: [{ port: 443, protocol: 'TCP' }] },
      ]);
      // The server refuses to start below these; they have no default upstream.
      const server = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-server', NS)));
      expect(server).toMatchObject({ CONFIGS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION: '0.35.15.001', JOBS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION: '0.29.15.001' });
    });

    test('Temporal: rendered on Cloud SQL, every Temporal client dials its Service, the policies let them', () => {
      const temporal = findObject(objects, 'Deployment', 'airbyte-temporal', NS);
      const env = renderedEnv(objects, mainContainer(temporal));
      expect(env).toMatchObject({
        DB: 'postgres12', DB_PORT: '5432', POSTGRES_SEEDS: config.database.host,
        POSTGRES_USER: `secret:${DATABASE_SECRET_NAME}/DATABASE_USER`, POSTGRES_PWD: `secret:${DATABASE_SECRET_NAME}/DATABASE_PASSWORD`,
        DYNAMIC_CONFIG_FILE_PATH: 'config/dynamicconfig/development.yaml', SQL_TLS_ENABLED: 'true',
      });
      expect(mainContainer(temporal).volumeMounts.map((m: any) => m.mountPath)).toContain('/etc/temporal/config/dynamicconfig');
      expect(findObject(objects, 'ConfigMap', 'airbyte-temporal-dynamicconfig', NS).data['development.yaml']).toContain('limit.blobSize.error');
      expect(findObject(objects, 'NetworkPolicy', 'airbyte-temporal', NS).spec.egress)
        .toContainEqual({ to: [{ ipBlock: { cidr: config.database.cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] });
      const temporalIngress = findObject(objects, 'NetworkPolicy', 'airbyte-temporal', NS).spec.ingress;
      for (const name of ['airbyte-server', 'airbyte-worker', 'airbyte-cron', 'airbyte-workload-api-server', 'airbyte-workload-launcher']) {
        expect(renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', name, NS))).TEMPORAL_HOST).toBe('airbyte-temporal:7233');
        expect(temporalIngress).toContainEqual({ from: [pods(name)], ports: [{ port: 7233, protocol: 'TCP' }] });
      }
    });

    test('workload API and launcher: bearer token, RBAC as upstream grants, rootless job pods with their own egress', () => {
      for (const name of ['airbyte-worker', 'airbyte-cron', 'airbyte-workload-launcher']) {
        const env = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', name, NS)));
        expect(env.WORKLOAD_API_HOST).toBe('http://airbyte-workload-api-server-svc:8007');
        expect(env.WORKLOAD_API_BEARER_TOKEN).toBe(`secret:${WORKLOAD_API_SECRET_NAME}/WORKLOAD_API_BEARER_TOKEN`);
      }
      expect(renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-workload-api-server', NS))).WORKLOAD_API_BEARER_TOKEN)
        .toBe(`secret:${WORKLOAD_API_SECRET_NAME}/WORKLOAD_API_BEARER_TOKEN`);
      const launcherDeployment = findObject(objects, 'Deployment', 'airbyte-workload-launcher', NS);
      const launcher = renderedEnv(objects, mainContainer(launcherDeployment));
      expect(launcher).toMatchObject({
        ROOTLESS_WORKLOAD: 'true', JOB_KUBE_NAMESPACE: NS, JOB_KUBE_SERVICEACCOUNT: JOB_SERVICE_ACCOUNT,
        WORKLOAD_API_BEARER_TOKEN_SECRET_NAME: WORKLOAD_API_SECRET_NAME, WORKLOAD_API_BEARER_TOKEN_SECRET_KEY: 'WORKLOAD_API_BEARER_TOKEN',
        DATAPLANE_CLIENT_ID: `secret:${AUTH_SECRET_NAME}/dataplane-client-id`, CONTROL_PLANE_TOKEN_ENDPOINT: 'http://airbyte-server-svc:8001/api/v1/dataplanes/token',
      });
      expect(findObject(objects, 'ServiceAccount', JOB_SERVICE_ACCOUNT, NS).automountServiceAccountToken).toBe(false);
      // The launcher talks to the Kubernetes API: token mounted, bound to upstream's rules.
      expect(podSpec(launcherDeployment).automountServiceAccountToken).toBe(true);
      expect(podSpec(launcherDeployment).serviceAccountName).toBe('airbyte-workload-launcher');
      const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
      expect(findObject(objects, 'Role', 'airbyte-workload-launcher', NS).rules).toEqual([
        { apiGroups: [''], resources: ['pods', 'pods/log', 'pods/exec', 'pods/attach', 'secrets'], verbs },
        { apiGroups: ['batch'], resources: ['jobs'], verbs },
      ]);
      const binding = findObject(objects, 'RoleBinding', 'airbyte-workload-launcher', NS);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'airbyte-workload-launcher' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'airbyte-workload-launcher', namespace: NS }]);
      expect(findObject(objects, 'NetworkPolicy', 'airbyte-workload-launcher', NS).spec.egress)
        .toContainEqual({ to: [{ ipBlock: { cidr: config.kubernetesApiCidr } }], ports: [{ port: 443, protocol: 'TCP' }] });
      // Job pods, selected by the label upstream puts on them.
      const jobs = findObject(objects, 'NetworkPolicy', 'airbyte-job-pods', NS).spec;
      expect(jobs.podSelector).toEqual({ matchLabels: { airbyte: 'job-pod' } });
      expect(jobs.ingress).toEqual([]);
      expect(jobs.egress).toEqual([
        { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }] },
        { to: [pods('airbyte-server')], ports: [{ port: 8001, protocol: 'TCP' }] },
        { to: [pods('airbyte-workload-api-server')], ports: [{ port: 8007, protocol: 'TCP' }] },
      ]);
      const jobPods = { podSelector: { matchLabels: { airbyte: 'job-pod' } } };
      expect(findObject(objects, 'NetworkPolicy', 'airbyte-workload-api-server', NS).spec.ingress).toContainEqual({ from: [jobPods], ports: [{ port: 8007, protocol: 'TCP' }] });
      expect(findObject(objects, 'NetworkPolicy', 'airbyte-server', NS).spec.ingress).toContainEqual({ from: [jobPods], ports: [{ port: 8001, protocol: 'TCP' }] });
    });

    test('auth on: login secrets from Secret Manager; the API host serves only the public API', () => {
      const server = renderedEnv(objects, mainContainer(findObject(objects, 'Deployment', 'airbyte-server', NS)));
      expect(server).toMatchObject({
        API_AUTHORIZATION_ENABLED: 'true',
        AB_INSTANCE_ADMIN_PASSWORD: `secret:${AUTH_INPUT_SECRET_NAME}/instance-admin-password`,
        AB_INSTANCE_ADMIN_CLIENT_ID: `secret:${AUTH_INPUT_SECRET_NAME}/instance-admin-client-id`,
        AB_INSTANCE_ADMIN_CLIENT_SECRET: `secret:${AUTH_INPUT_SECRET_NAME}/instance-admin-client-secret`,
        AB_JWT_SIGNATURE_SECRET: `secret:${AUTH_INPUT_SECRET_NAME}/jwt-signature-secret`,
      });
      expect(server.AB_COOKIE_SECURE).toBeUndefined(); // upstream default: true
      expect(findObject(objects, 'ExternalSecret', AUTH_INPUT_SECRET_NAME, NS).spec.data.map((d: any) => [d.secretKey, d.remoteRef.key])).toEqual([
        ['instance-admin-client-id', config.secretIds.instanceAdminClientId],
        ['instance-admin-client-secret', config.secretIds.instanceAdminClientSecret],
        ['instance-admin-password', config.secretIds.instanceAdminPassword],
        ['jwt-signature-secret', config.secretIds.jwtSignatureSecret],
      ]);
      // No rule sends "/" (Micronaut's /env, /loggers, the config API) of the API host to the server.
      const apiRule = findObject(objects, 'Ingress', 'airbyte', NS).spec.rules.find((r: any) => r.host === expected.api);
      expect(apiRule.http.paths.map((p: any) => p.path)).toEqual(['/api/public']);
    });

    test('ephemeral-storage requests cover every emptyDir sizeLimit (Autopilot caps usage at the request)', () => {
      let checked = 0;
      for (const w of [...objectsOfKind(objects, 'Deployment'), ...objectsOfKind(objects, 'Job')]) {
        const spec = podSpec(w);
        const sizes = new Map<string, number>((spec.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => [v.name, parseQuantity(v.emptyDir.sizeLimit)!]));
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
          const mounted = (c.volumeMounts ?? []).filter((m: any) => sizes.has(m.name)).reduce((sum: number, m: any) => sum + sizes.get(m.name)!, 0);
          const request = parseQuantity(c.resources.requests['ephemeral-storage']);
          expect(request).toBeGreaterThanOrEqual(mounted);
          expect(c.resources.limits['ephemeral-storage']).toBe(c.resources.requests['ephemeral-storage']);
          checked += 1;
        }
      }
      expect(checked).toBe(10);
    });

    test('every rendered component satisfies its upstream contract (required env, addresses of real Services and ports)', () => {
      const components = renderedComponents(objects);
      expect(Object.keys(components).sort()).toEqual([...AIRBYTE_COMPONENTS].sort());
      const services = renderedServiceList(objects);
      for (const component of AIRBYTE_COMPONENTS) {
        const workload = components[component];
        const env = renderedEnv(objects, mainContainer(workload));
        expect(contractProblems(component, env, services)).toEqual([]);
        const contract = AIRBYTE_CONTRACT[component];
        if (contract.containerPort) expect(mainContainer(workload).ports[0].containerPort).toBe(contract.containerPort);
        if (contract.healthPath) expect(mainContainer(workload).readinessProbe.httpGet.path).toBe(contract.healthPath);
        if (contract.service) {
          const service = findObject(objects, 'Service', contract.service.name, NS);
          expect(service.spec.ports.map((p: any) => p.port)).toContain(contract.service.port);
          expect(service.spec.selector['app.kubernetes.io/name']).toBe(workload.metadata.name);
        }
      }
    });

    test('network policies: explicit allows only', () => {
      const policy = (name: string) => findObject(objects, 'NetworkPolicy', name, NS).spec;
      // The webapp's nginx proxies /api/ to the server and /connector-builder-api/ to the builder.
      expect(policy('airbyte-webapp').egress).toEqual([
        { to: [pods('airbyte-connector-builder-server')], ports: [{ port: 8080, protocol: 'TCP' }] },
        { to: [pods('airbyte-server')], ports: [{ port: 8001, protocol: 'TCP' }] },
      ]);
      expect(policy('airbyte-connector-builder-server').ingress).toContainEqual({ from: [pods('airbyte-webapp')], ports: [{ port: 8080, protocol: 'TCP' }] });
      // The builder tests connectors against the APIs they read.
      expect(policy('airbyte-connector-builder-server').egress)
        .toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] });
      expect(policy('airbyte-server').ingress).toContainEqual({ from: [pods('airbyte-webapp')], ports: [{ port: 8001, protocol: 'TCP' }] });
      expect(policy('airbyte-server').egress).toContainEqual({ to: [pods('airbyte-connector-builder-server')], ports: [{ port: 8080, protocol: 'TCP' }] });
      for (const name of ['airbyte-server', 'airbyte-worker', 'airbyte-cron', 'airbyte-workload-api-server', 'airbyte-workload-launcher', 'airbyte-temporal']) {
        expect(policy(name).egress).toContainEqual({ to: [{ ipBlock: { cidr: config.database.cidr } }], ports: [{ port: 5432, protocol: 'TCP' }] });
      }
      for (const name of ['airbyte-worker', 'airbyte-cron', 'airbyte-workload-launcher']) {
        expect(policy('airbyte-workload-api-server').ingress).toContainEqual({ from: [pods(name)], ports: [{ port: 8007, protocol: 'TCP' }] });
      }
      for (const name of ['airbyte-server', 'airbyte-worker', 'airbyte-workload-launcher']) {
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

    test('sync waves: namespace and store, ExternalSecrets, bootloader and Temporal, apps, then the Ingress', () => {
      const wave = (kind: string, name: string) => Number(findObject(objects, kind, name).metadata.annotations['argocd.argoproj.io/sync-wave']);
      expect(wave('Namespace', NS)).toBe(-3);
      expect(wave('SecretStore', 'gcp-secret-manager')).toBe(-3);
      for (const name of [DATABASE_SECRET_NAME, AUTH_INPUT_SECRET_NAME, WORKLOAD_API_SECRET_NAME, GCS_SECRET_NAME]) expect(wave('ExternalSecret', name)).toBe(-2);
      expect(wave('Job', 'airbyte-bootloader')).toBe(-1);
      expect(wave('Deployment', 'airbyte-temporal')).toBe(-1);
      for (const name of ['airbyte-server', 'airbyte-worker', 'airbyte-workload-launcher']) expect(wave('Deployment', name)).toBe(0);
      expect(wave('Ingress', 'airbyte')).toBe(1);
      expect(wave('ManagedCertificate', expected.webapp.replace(/\./g, '-'))).toBe(1);
    });

    test('metrics are off', () => {
      const env = mainContainer(findObject(objects, 'Deployment', 'airbyte-worker', NS)).env.map((e: any) => e.name);
      expect(env).not.toContain('MICROMETER_METRICS_ENABLED');
    });

    test('passes the validation gate; the exemptions are the API callers and the run-time job pods', () => {
      const rendered = renderChart(chart);
      expect(rendered.findings).toEqual([]);
      expect(rendered.exempted.map((f) => `${f.rule} ${f.kind}/${f.name}`).sort()).toEqual([
        'practice/service-account-token Deployment/airbyte-workload-launcher',
        'practice/service-account-token Job/airbyte-bootloader',
        'ref/netpol-peer-selects-nothing NetworkPolicy/airbyte-server',
        'ref/netpol-peer-selects-nothing NetworkPolicy/airbyte-workload-api-server',
      ]);
    });

    test('snapshot', () => {
      expect(objects).toMatchSnapshot();
    });
  });

  test('enabling metrics renders their env and opens egress to them', () => {
    const base = CONNECTORS_CONFIG.staging;
    const chart = build('staging', { ...base, metrics: { enabled: true, endpoint: { host: 'otel.internal', port: 4318, cidr: '10.50.0.0/24' } } });
    const objects = objectsOf(chart);
    const env = Object.fromEntries(mainContainer(findObject(objects, 'Deployment', 'airbyte-worker', NS)).env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ MICROMETER_METRICS_ENABLED: 'true', OTEL_COLLECTOR_ENDPOINT: 'http://otel.internal:4318' });
    const egress = findObject(objects, 'NetworkPolicy', 'airbyte-worker', NS).spec.egress;
    expect(egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.50.0.0/24' } }], ports: [{ port: 4318, protocol: 'TCP' }] });
    expect(renderChart(chart).findings).toEqual([]);
  });

  describe('the contract check fails on broken wiring', () => {
    const objects = objectsOf(build('staging'));
    const services = renderedServiceList(objects);
    const envOf = (component: AirbyteComponent) => renderedEnv(objects, mainContainer(renderedComponents(objects)[component]));

    test('a missing required variable', () => {
      const { WORKLOAD_API_HOST: _, ...env } = envOf('worker');
      expect(contractProblems('worker', env, services)).toEqual(['worker: WORKLOAD_API_HOST is required by the upstream contract and not set']);
    });

    test('an address naming no Service, a wrong port, or another component\'s Service', () => {
      expect(contractProblems('server', { ...envOf('server'), TEMPORAL_HOST: 'airbyte-temporal-frontend:7233' }, services))
        .toEqual(['server: TEMPORAL_HOST="airbyte-temporal-frontend:7233" names Service "airbyte-temporal-frontend", which is not rendered']);
      expect(contractProblems('worker', { ...envOf('worker'), WORKLOAD_API_HOST: 'http://airbyte-workload-api-server-svc:8006' }, services))
        .toEqual(['worker: WORKLOAD_API_HOST="http://airbyte-workload-api-server-svc:8006": Service "airbyte-workload-api-server-svc" serves 8007, not 8006']);
      expect(contractProblems('cron', { ...envOf('cron'), WORKLOAD_API_HOST: 'http://airbyte-server-svc:8001' }, services))
        .toEqual(['cron: WORKLOAD_API_HOST="http://airbyte-server-svc:8001" must name workload-api-server\'s Service "airbyte-workload-api-server-svc"']);
    });
  });

  describe('bad input fails at construction with the path, prop, value and fix', () => {
    const base = CONNECTORS_CONFIG.staging;
    test('an unknown component', () => {
      expect(() => build('staging', { ...base, extraEnv: { scheduler: { FOO: 'bar' } } }))
        .toThrow(/connectors-staging: invalid config.extraEnv \("scheduler"\): must be an Airbyte component of this chart \(bootloader, server/);
    });
    test('a Temporal address that resolves to nothing', () => {
      expect(() => build('staging', { ...base, extraEnv: { worker: { TEMPORAL_HOST: 'temporal.internal:7233' } } }))
        .toThrow(/connectors-staging: invalid env of worker .*names Service "temporal", which is not rendered.*fix config.extraEnv/);
    });
    test('a workload-API address on a port its Service does not serve', () => {
      expect(() => build('staging', { ...base, extraEnv: { 'workload-launcher': { WORKLOAD_API_HOST: 'http://airbyte-workload-api-server-svc:80' } } }))
        .toThrow(/invalid env of workload-launcher .*serves 8007, not 80/);
    });
    test('a storage type without credentials', () => {
      expect(() => build('staging', { ...base, storage: { ...base.storage, credentialsSecretId: '' } }))
        .toThrow(/connectors-staging: invalid config.storage.credentialsSecretId \(""\): GCS storage needs the Secret Manager id of a service-account key/);
    });
    test('a secret id left empty', () => {
      expect(() => build('staging', { ...base, secretIds: { ...base.secretIds, workloadApiBearerToken: ' ' } }))
        .toThrow(/invalid config.secretIds.workloadApiBearerToken/);
    });
    test('a missing secret key', () => {
      const chart = build('staging');
      expect(() => chart.authInputSecret.keyRef('instance-admin-pasword'))
        .toThrow(/connectors-staging\/AuthSecret: invalid key \("instance-admin-pasword"\): must be one of the declared keys/);
    });
  });
});

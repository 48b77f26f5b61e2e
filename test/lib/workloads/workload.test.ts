import { Peer, Workload, WorkloadProps } from '../../../lib';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

const minimal: WorkloadProps = {
  image: 'ghcr.io/example/api:1.2.3',
  resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  ports: [{ name: 'http', port: 8080 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/health' } },
};

describe('Workload', () => {
  test('minimal props: secure, HA Deployment with Service, ServiceAccount, PDB and NetworkPolicy', () => {
    const chart = testChart();
    new Workload(chart, 'api', minimal);
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'api', 'demo');
    const pod = deployment.spec.template.spec;
    const container = mainContainer(deployment);

    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'demo' });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe('1.2.3');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('api');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true,
      runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http', scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet.path).toBe('/health');
    expect(container.volumeMounts).toEqual([{ name: 'writable-tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'writable-tmp', emptyDir: { sizeLimit: '256Mi' } }]);
    expect(pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'DoNotSchedule'], ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
    // A hard constraint ignores nodes with taints the pod does not tolerate (tainted GPU nodes would be empty domains).
    expect(pod.topologySpreadConstraints.find((c: any) => c.whenUnsatisfiable === 'DoNotSchedule').nodeTaintsPolicy).toBe('Honor');

    const sa = findObject(objects, 'ServiceAccount', 'api', 'demo');
    expect(sa.automountServiceAccountToken).toBe(false);
    const service = findObject(objects, 'Service', 'api', 'demo');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    const pdb = findObject(objects, 'PodDisruptionBudget', 'api', 'demo');
    expect(pdb.spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    const policy = findObject(objects, 'NetworkPolicy', 'api', 'demo');
    expect(policy.spec).toEqual({ podSelector: { matchLabels: deployment.spec.selector.matchLabels }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<WorkloadProps> = {
      image: minimal.image,
      resources: minimal.resources,
      ports: [{ name: 'http', port: 8080 }],
      readiness: { http: { path: '/ready' } },
      liveness: { http: { path: '/health' } },
      name: 'worker',
      namespace: 'jobs',
      kind: 'StatefulSet',
      component: 'queue',
      replicas: 3,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
      disruptionBudget: { minAvailable: 1 },
      spreadAcrossZones: false,
      runAsUser: 1000,
      runAsGroup: 2000,
      fsGroup: 3000,
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': 'worker@project.iam.gserviceaccount.com' },
      initContainers: [{ name: 'migrate', image: 'ghcr.io/example/api:1.2.3', command: ['migrate'], resources: minimal.resources }],
      sidecars: [{
        name: 'exporter', image: 'ghcr.io/example/exporter:0.1.0', resources: minimal.resources, ports: [{ name: 'metrics', port: 9100 }],
        readiness: { tcp: {} }, liveness: { tcp: { port: 'metrics' } },
      }],
      persistentVolumes: [],
      volumes: [{ name: 'extra', emptyDir: {} }],
      service: { name: 'worker-svc', annotations: { 'example.com/a': 'b' } },
      nodeSelector: { pool: 'general' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'jobs', effect: 'NoSchedule' }],
      strategy: 'RollingUpdate',
      podManagementPolicy: 'OrderedReady',
      terminationGracePeriodSeconds: 60,
      podAnnotations: { 'example.com/scrape': 'true' },
      containerName: 'main',
      readOnlyRootFilesystem: true,
      exemptions: { 'practice/probes': 'example reason' },
      command: ['serve'],
      args: ['--port', '8080'],
      env: { LOG_LEVEL: 'info', DB_PASSWORD: { secretKeyRef: { secretName: 'db', key: 'password' } }, POD: { fieldPath: 'metadata.name' } },
      startup: { http: { path: '/health' }, failureThreshold: 30 },
      writableDirectories: ['/tmp', { path: '/var/cache', sizeLimit: '1Gi', medium: 'Memory' }],
      secretFiles: [{ secretName: 'tls', mountPath: '/etc/tls' }],
      configFiles: [{ name: 'config', mountPath: '/etc/app', files: { 'app.yaml': 'a: 1\n' } }],
      volumeMounts: [{ name: 'extra', mountPath: '/extra' }],
      workingDir: '/app',
    };
    new Workload(chart, 'ignored', props);
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'worker', 'jobs');
    expect(sts.spec.replicas).toBeUndefined(); // owned by the HPA
    expect(sts.spec.serviceName).toBe('worker-headless');
    expect(sts.metadata.annotations).toEqual({ 'policy-exemption.platform/practice.probes': 'example reason' });
    const pod = sts.spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['main', 'exporter']);
    expect(pod.initContainers[0].command).toEqual(['migrate']);
    expect(pod.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 2000, fsGroup: 3000 });
    expect(pod.nodeSelector).toEqual({ pool: 'general' });
    expect(pod.topologySpreadConstraints).toHaveLength(1);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[a-f0-9]{64}$/);
    expect(sts.spec.template.metadata.annotations['example.com/scrape']).toBe('true');
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.DB_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'db', key: 'password' });
    expect(Object.keys(env)).toEqual(['DB_PASSWORD', 'LOG_LEVEL', 'POD']);
    expect(pod.volumes.find((v: any) => v.name === 'writable-var-cache').emptyDir).toEqual({ sizeLimit: '1Gi', medium: 'Memory' });
    expect(pod.volumes.find((v: any) => v.name === 'secret-tls').secret).toMatchObject({ secretName: 'tls', defaultMode: 0o440 });
    expect(findObject(objects, 'ConfigMap', 'worker-config', 'jobs').data).toEqual({ 'app.yaml': 'a: 1\n' });
    expect(findObject(objects, 'ServiceAccount', 'worker', 'jobs').metadata.annotations).toEqual(props.serviceAccountAnnotations);
    expect(findObject(objects, 'Service', 'worker-svc', 'jobs').metadata.annotations).toEqual({ 'example.com/a': 'b' });
    expect(findObject(objects, 'Service', 'worker-headless', 'jobs').spec.clusterIP).toBe('None');
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'worker', 'jobs');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'worker' });
    expect(findObject(objects, 'PodDisruptionBudget', 'worker', 'jobs').spec.minAvailable).toBe(1);
  });

  test('a config change changes the checksum annotation, so pods roll', () => {
    const render = (content: string) => {
      const chart = testChart();
      new Workload(chart, 'api', { ...minimal, configFiles: [{ name: 'cfg', mountPath: '/etc/cfg', files: { a: content } }] });
      return findObject(objectsOf(chart), 'Deployment', 'api').spec.template.metadata.annotations['checksum/config'];
    };
    expect(render('one')).not.toEqual(render('two'));
    expect(render('one')).toEqual(render('one'));
  });

  test('connectTo renders both sides, across namespaces', () => {
    const chart = testChart();
    const api = new Workload(chart, 'api', minimal);
    const db = new Workload(chart, 'db', { ...minimal, namespace: 'database', replicas: 1, ports: [{ name: 'postgres', port: 5432 }],
      readiness: { tcp: {} }, liveness: { tcp: {} } });
    api.connectTo(db);
    api.allowFrom(Peer.namespace('ingress-nginx'));
    const objects = objectsOf(chart);
    const apiPolicy = findObject(objects, 'NetworkPolicy', 'api', 'demo');
    expect(apiPolicy.spec.egress).toEqual([{
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'database' } }, podSelector: { matchLabels: db.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
    expect(apiPolicy.spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    const dbPolicy = findObject(objects, 'NetworkPolicy', 'db', 'database');
    expect(dbPolicy.spec.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } }, podSelector: { matchLabels: api.selectorLabels } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
  });

  test('single replica: no spread, no PDB; RWO volume on a Deployment switches to Recreate', () => {
    const chart = testChart();
    new Workload(chart, 'db', { ...minimal, replicas: 1, persistentVolumes: [{ name: 'data', mountPath: '/data', size: '10Gi', storageClassName: 'gp3' }] });
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'db');
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
    expect(findObject(objects, 'PersistentVolumeClaim', 'db-data').spec).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'gp3', resources: { requests: { storage: '10Gi' } },
    });
  });

  describe('fails if', () => {
    const build = (props: Partial<WorkloadProps>) => () => new Workload(testChart(), 'api', { ...minimal, ...props } as WorkloadProps);
    test('the image has no tag', () => expect(build({ image: 'nginx' })).toThrow(/test\/api: invalid image \("nginx"\): must pin a tag or digest/));
    test('the image uses latest', () => expect(build({ image: 'nginx:latest' })).toThrow(/invalid image \("nginx:latest"\): must not use the "latest" tag/));
    test('the memory limit is below the request', () => expect(build({ resources: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '512Mi' } }))
      .toThrow(/invalid resources.memoryLimit \("512Mi"\): must not be below memoryRequest \(1Gi\)/));
    test('a CPU quantity does not parse', () => expect(build({ resources: { cpuRequest: 'lots', memoryRequest: '1Gi', memoryLimit: '1Gi' } }))
      .toThrow(/invalid resources.cpuRequest \("lots"\): must be a positive CPU quantity/));
    test('a port is out of range', () => expect(build({ ports: [{ name: 'http', port: 70000 }] })).toThrow(/invalid ports\[0\].port \(70000\): must be an integer port between 1 and 65535/));
    test('a port is reused', () => expect(build({ ports: [{ name: 'http', port: 80 }, { name: 'alt', port: 80 }] })).toThrow(/invalid ports\[\].port \(80\): must be unique/));
    test('a probe targets a port the container does not expose', () => expect(build({ readiness: { http: { path: '/', port: 9999 } } }))
      .toThrow(/invalid readiness.port \(9999\): must be one of the container's ports \(http\/8080\)/));
    test('probes are missing without an exemption', () => expect(build({ readiness: undefined }))
      .toThrow(/a long-running container needs readiness and liveness probes/));
    test('a secret is given as a literal', () => expect(build({ env: { API_TOKEN: 'abc123' } }))
      .toThrow(/invalid env.API_TOKEN \("<redacted>"\): looks like a secret given as a literal/));
    test('the name is not DNS-1123', () => expect(build({ name: 'My_API' })).toThrow(/invalid name \("My_API"\): must be a DNS-1123 label/));
    test('container names repeat', () => expect(build({ sidecars: [{ name: 'api', ...minimal }] })).toThrow(/invalid container names \("api"\): must be unique/));
    test('the user is root', () => expect(build({ runAsUser: 0 })).toThrow(/invalid runAsUser \(0\): must be a non-zero user ID/));
    test('the root filesystem is writable without an exemption', () => expect(build({ readOnlyRootFilesystem: false }))
      .toThrow(/a writable root filesystem needs an exemption/));
    test('a RWO volume is shared by several Deployment replicas', () => expect(build({ persistentVolumes: [{ name: 'data', mountPath: '/data', size: '1Gi' }] }))
      .toThrow(/a ReadWriteOnce volume can be mounted by one node only/));
    test('an exemption names an unknown rule', () => expect(build({ exemptions: { 'practice/naps': 'tired' } }))
      .toThrow(/invalid exemptions \("practice\/naps"\): must name a rule of the validation gate/));
    test('an exemption has no reason', () => expect(build({ exemptions: { 'practice/probes': ' ' } })).toThrow(/an exemption needs a reason/));
    test('HPA minimum is above its maximum', () => expect(build({ autoscaling: { minReplicas: 5, maxReplicas: 3 } }))
      .toThrow(/invalid maxReplicas \(3\): must be an integer not below minReplicas \(5\)/));
    test('the PDB would block every eviction', () => expect(build({ replicas: 2, disruptionBudget: { minAvailable: 2 } }))
      .toThrow(/invalid minAvailable \(2\): must be lower than the minimum replicas \(2\)/));
  });
});

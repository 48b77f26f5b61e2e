import { ValidateOptions, validateObjects } from '../../lib/validation';
import { apiContainer, apiPod, baseline, baselineOptions, CTX, deployment, find, Obj } from './fixtures';

/** Findings as `rule kind/name path`, for compact assertions. */
function findings(objects: readonly Obj[], options: ValidateOptions = baselineOptions()): string[] {
  return validateObjects(objects, CTX, options).findings.map((f) => `${f.rule} ${f.kind}/${f.name} ${f.path}`);
}

/** A CronJob running the baseline pod spec (without probes, as a batch pod would be). */
function cronJob(): Obj {
  const pod = deployment().spec.template;
  for (const container of pod.spec.containers) {
    delete container.readinessProbe;
    delete container.livenessProbe;
    delete container.ports;
  }
  pod.spec.restartPolicy = 'Never';
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'report', namespace: 'shop' },
    spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: pod } } },
  };
}

describe('pod security', () => {
  test('init containers are checked, at their own path', () => {
    const objects = baseline();
    apiPod(objects).initContainers = [{ ...apiContainer(objects), name: 'migrate', securityContext: { ...apiContainer(objects).securityContext, privileged: true } }];
    delete apiPod(objects).initContainers[0].readinessProbe;
    delete apiPod(objects).initContainers[0].livenessProbe;
    expect(findings(objects)).toEqual(['pss/privileged Deployment/api spec.template.spec.initContainers[0].securityContext.privileged']);
  });

  test('the pod-level runAsNonRoot covers containers, but a container may not override it with false', () => {
    const objects = baseline();
    apiContainer(objects).securityContext.runAsNonRoot = false;
    expect(findings(objects)).toEqual(['pss/run-as-non-root Deployment/api spec.template.spec.containers[0].securityContext.runAsNonRoot']);
  });

  test('a container-level seccomp profile satisfies the rule without a pod-level one', () => {
    const objects = baseline();
    delete apiPod(objects).securityContext.seccompProfile;
    apiContainer(objects).securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'profiles/api.json' };
    expect(findings(objects)).toEqual([]);
  });

  test('NET_BIND_SERVICE may be added back', () => {
    const objects = baseline();
    apiContainer(objects).securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    expect(findings(objects)).toEqual([]);
  });

  test('Windows pods skip the Linux-only restricted checks', () => {
    const objects = baseline();
    apiPod(objects).os = { name: 'windows' };
    delete apiPod(objects).securityContext.seccompProfile;
    delete apiContainer(objects).securityContext.capabilities;
    delete apiContainer(objects).securityContext.allowPrivilegeEscalation;
    expect(findings(objects)).toEqual([]);
  });

  test('CronJob pod templates are checked at their path', () => {
    const job = cronJob();
    job.spec.jobTemplate.spec.template.spec.hostPID = true;
    expect(findings([...baseline(), job])).toEqual(['pss/host-namespaces CronJob/report spec.jobTemplate.spec.template.spec.hostPID']);
  });
});

describe('references', () => {
  test('an external reference satisfies a Secret and a Namespace', () => {
    const objects = baseline();
    apiPod(objects).imagePullSecrets = [{ name: 'ghcr-pull' }];
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'platform' } });
    expect(findings(objects)).toEqual([
      'ref/missing-secret Deployment/api spec.template.spec.imagePullSecrets[0].name',
      'ref/missing-namespace ConfigMap/shared metadata.namespace',
    ]);
    const options = {
      ...baselineOptions(),
      externalReferences: [
        ...(baselineOptions().externalReferences ?? []),
        { kind: 'Secret', namespace: 'shop', name: 'ghcr-pull', reason: 'created by the cluster bootstrap' },
        { kind: 'Namespace', name: 'platform', reason: 'owned by the platform team' },
      ],
    };
    expect(findings(objects, options)).toEqual([]);
  });

  test('an Ingress TLS secret needs a Certificate, a cert-manager annotation, or a Secret', () => {
    const withoutIssuer = (o: Obj[]): Obj => {
      const ingress = find(o, 'Ingress', 'api');
      delete ingress.metadata.annotations;
      return ingress;
    };
    const objects = baseline();
    withoutIssuer(objects);
    expect(findings(objects)).toEqual([]); // the Certificate creates api-tls
    const noCertificate = baseline().filter((o) => o.kind !== 'Certificate');
    expect(findings(noCertificate)).toEqual([]); // the annotation makes cert-manager create it
    withoutIssuer(noCertificate);
    expect(findings(noCertificate)).toEqual(['ref/missing-secret Ingress/api spec.tls[0].secretName']);
  });

  test('a claim created by a StatefulSet volumeClaimTemplate satisfies a PVC reference', () => {
    const objects = baseline();
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'postgres', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'postgres' } }, serviceName: 'postgres', template: { metadata: { labels: { app: 'postgres' } }, spec: { containers: [] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }] },
    });
    apiPod(objects).volumes.push({ name: 'backup', persistentVolumeClaim: { claimName: 'data-postgres-0' } });
    expect(findings(objects).filter((f) => f.includes('Deployment/api'))).toEqual([]);
  });

  test('NetworkPolicy peers outside the rendered namespaces, or chosen by other namespace labels, are external', () => {
    const objects = baseline();
    const policy = find(objects, 'NetworkPolicy', 'api');
    policy.spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { team: 'monitoring' } }, podSelector: { matchLabels: { app: 'prometheus' } } });
    expect(findings(objects)).toEqual([]);
    policy.spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { app: 'web' } } });
    expect(findings(objects)).toEqual(['ref/netpol-peer-selects-nothing NetworkPolicy/api spec.ingress[0].from[2].podSelector']);
  });

  test('ExternalName and selector-less Services are not checked against pods', () => {
    const objects = baseline();
    objects.push(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'shop' }, spec: { type: 'ExternalName', externalName: 'db.example.com' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'shop' }, spec: { ports: [{ port: 5432 }] } },
    );
    expect(findings(objects)).toEqual([]);
  });

  test('a KEDA ScaledObject must target a rendered workload (Deployment by default)', () => {
    const objects = baseline();
    objects.push({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'worker', namespace: 'shop' },
      spec: { scaleTargetRef: { name: 'worker' }, triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }] },
    });
    expect(findings(objects)).toEqual(['ref/hpa-target ScaledObject/worker spec.scaleTargetRef.name']);
  });
});

describe('practices', () => {
  test('Jobs and CronJobs need no probes', () => {
    expect(findings([...baseline(), cronJob()])).toEqual([]);
  });

  test.each([
    ['ghcr.io/acme/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', true],
    ['registry.local:5000/acme/api:2.0.1', true],
    ['registry.local:5000/acme/api', false],
    ['nginx', false],
    ['nginx:latest', false],
  ])('image %s pinned: %s', (image, pinned) => {
    const objects = baseline();
    apiContainer(objects).image = image;
    expect(findings(objects)).toEqual(pinned ? [] : ['practice/image-tag Deployment/api spec.template.spec.containers[0].image']);
  });

  test.each([
    [{ name: 'DATABASE_URL', value: 'postgres://shop:s3cret@db:5432/shop' }, true],
    [{ name: 'DB_PASSWORD_FILE', value: '/run/secrets/db/password' }, false],
    [{ name: 'DATABASE_URL', value: 'postgres://db:5432/shop' }, false],
    [{ name: 'OAUTH_CLIENT_SECRET', value: 'abc' }, true],
  ])('env %j is a secret literal: %s', (variable, flagged) => {
    const objects = baseline();
    apiContainer(objects).env.push(variable);
    expect(findings(objects)).toEqual(flagged ? ['practice/secret-literal-env Deployment/api spec.template.spec.containers[0].env[3].value'] : []);
  });

  test('a namespaced object must set its namespace', () => {
    expect(findings([...baseline(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'loose' } }])).toEqual([
      'practice/namespace-set ConfigMap/loose metadata.namespace',
    ]);
  });

  test('one replica without an autoscaler needs no spreading and no PDB; two replicas need a PDB', () => {
    const single = baseline().filter((o) => o.kind !== 'HorizontalPodAutoscaler' && o.kind !== 'PodDisruptionBudget');
    find(single, 'Deployment', 'api').spec.replicas = 1;
    delete apiPod(single).topologySpreadConstraints;
    expect(findings(single)).toEqual([]);
    find(single, 'Deployment', 'api').spec.replicas = 2;
    apiPod(single).affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } };
    expect(findings(single)).toEqual(['practice/high-availability Deployment/api spec.template.metadata.labels']);
  });

  test('a Secret without data is fine', () => {
    const objects = baseline();
    objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: 'shop', annotations: { 'kubernetes.io/service-account.name': 'api' } }, type: 'kubernetes.io/service-account-token' });
    expect(findings(objects)).toEqual([]);
  });

  test('a wildcard TLS host covers one label, and GKE ManagedCertificates count as TLS', () => {
    const objects = baseline();
    const ingress = find(objects, 'Ingress', 'api');
    ingress.spec.tls[0].hosts = ['*.example.com'];
    ingress.spec.rules.push({ ...ingress.spec.rules[0], host: 'a.b.example.com' }, { ...ingress.spec.rules[0], host: 'shop.acme.dev' });
    expect(findings(objects)).toEqual([
      'practice/ingress-tls Ingress/api spec.rules[1].host',
      'practice/ingress-tls Ingress/api spec.rules[2].host',
    ]);
    ingress.metadata.annotations['networking.gke.io/managed-certificates'] = 'shop';
    objects.push({ apiVersion: 'networking.gke.io/v1', kind: 'ManagedCertificate', metadata: { name: 'shop', namespace: 'shop' }, spec: { domains: ['shop.acme.dev'] } });
    expect(findings(objects)).toEqual(['practice/ingress-tls Ingress/api spec.rules[1].host']);
  });
});

describe('capacity budget', () => {
  /** A Deployment with 3 replicas; per pod 256Mi + 128Mi in containers, 1Gi in an init container. */
  function bigInit(): Obj[] {
    const objects = baseline().filter((o) => o.kind !== 'HorizontalPodAutoscaler');
    find(objects, 'Deployment', 'api').spec.replicas = 3;
    const main = apiContainer(objects);
    const helper = (name: string, memory: string): Obj => ({
      name,
      image: main.image,
      securityContext: main.securityContext,
      resources: { requests: { cpu: '10m', memory }, limits: { memory } },
    });
    main.resources = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '256Mi' } };
    const probe = { tcpSocket: { port: 'metrics' } };
    apiPod(objects).containers.push({ ...helper('sidecar', '128Mi'), ports: [{ name: 'metrics', containerPort: 9090 }], readinessProbe: probe, livenessProbe: probe });
    apiPod(objects).initContainers = [helper('warm-cache', '1Gi')];
    return objects;
  }
  const budget = (memoryBytes: number): ValidateOptions => ({
    externalReferences: baselineOptions().externalReferences,
    capacityBudgets: [{ namespace: 'shop', memoryBytes, description: 'test budget' }],
  });

  test('pods count the larger of their containers and their biggest init container, times replicas', () => {
    expect(findings(bigInit(), budget(3 * 2 ** 30))).toEqual([]);
    const report = validateObjects(bigInit(), CTX, budget(2.5 * 2 ** 30));
    expect(report.findings.map((f) => f.message)).toEqual([
      'memory requests of the pods in namespace shop total 3Gi at maximum scale, over the budget of 2.5Gi (test budget); top consumers: Deployment api 3 × 1Gi = 3Gi',
      'memory limits of the pods in namespace shop total 3Gi at maximum scale, over the budget of 2.5Gi (test budget); top consumers: Deployment api 3 × 1Gi = 3Gi',
    ]);
  });

  test("an autoscaler's maxReplicas counts instead of replicas", () => {
    expect(findings(baseline(), budget(4 * 512 * 2 ** 20))).toEqual([]);
    expect(findings(baseline(), budget(4 * 512 * 2 ** 20 - 1))).toEqual([
      'practice/capacity-budget Namespace/shop pods.resources.requests.memory',
      'practice/capacity-budget Namespace/shop pods.resources.limits.memory',
    ]);
  });

  test('the budget can be exempted on the Namespace', () => {
    const objects = baseline();
    find(objects, 'Namespace', 'shop').metadata.annotations = { 'policy-exemption.platform/practice.capacity-budget': 'burst capacity agreed for the sale' };
    const report = validateObjects(objects, CTX, budget(2 ** 30));
    expect(report.findings).toEqual([]);
    expect(report.exempted.map((f) => f.rule)).toEqual(['practice/capacity-budget', 'practice/capacity-budget']);
  });
});

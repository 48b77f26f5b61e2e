import { checkDuplicateKeys, Finding, RULES, RuleId, validateAcrossSets, ValidateOptions, validateObjects } from '../../lib/validation';
import { apiContainer, apiPod, baseline, baselineOptions, clusterIssuer, clusterSets, CTX, find, ingress, Obj } from './fixtures';

/** A scenario that triggers exactly one rule, and where the finding must point. */
interface Trigger {
  readonly run: () => Finding[];
  readonly expected: { readonly kind: string; readonly namespace?: string; readonly name: string; readonly path: string };
}

/** Validates the baseline after `mutate`, with the baseline options unless given. */
function mutated(mutate: (objects: Obj[]) => void, options: ValidateOptions = baselineOptions()): () => Finding[] {
  return () => {
    const objects = baseline();
    mutate(objects);
    return validateObjects(objects, CTX, options).findings;
  };
}

/** Validates the sets of `clusterSets()` across charts after `mutate` (sets[2] is CTX). */
function acrossSets(mutate: (sets: ReturnType<typeof clusterSets>) => void): () => Finding[] {
  return () => {
    const sets = clusterSets();
    mutate(sets);
    return validateAcrossSets(sets);
  };
}

/** A Gateway in `shop`: an HTTP listener and an HTTPS listener for api.example.com with the baseline's certificate. */
function gateway(): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'public', namespace: 'shop' },
    spec: {
      gatewayClassName: 'envoy-gateway',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https-api', hostname: 'api.example.com', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'api-tls' }] } },
      ],
    },
  };
}

/** An HTTPRoute `api` in `shop` for api.example.com on the Gateway's HTTPS listener, to the api Service. */
function route(spec: Obj): Obj {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'api', namespace: 'shop' },
    spec: {
      parentRefs: [{ name: 'public', sectionName: 'https-api' }],
      hostnames: ['api.example.com'],
      rules: [{ backendRefs: [{ name: 'api', port: 80 }] }],
      ...spec,
    },
  };
}

const C0 = 'spec.template.spec.containers[0]';
const POD = 'spec.template.spec';
const API = { kind: 'Deployment', namespace: 'shop', name: 'api' } as const;

/** One trigger per rule; typed by RuleId so the compiler, too, asks for a fixture for every rule. */
const TRIGGERS: Record<RuleId, Trigger> = {
  'schema/unknown-kind': {
    run: mutated((o) => o.push({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } })),
    expected: { kind: 'Widget', namespace: 'shop', name: 'w', path: 'apiVersion' },
  },
  'schema/unknown-field': {
    run: mutated((o) => (apiContainer(o).imagePullPolcy = 'Always')),
    expected: { ...API, path: `${C0}.imagePullPolcy` },
  },
  'schema/wrong-type': {
    run: mutated((o) => (find(o, 'Deployment', 'api').spec.replicas = '2')),
    expected: { ...API, path: 'spec.replicas' },
  },
  'schema/missing-field': {
    run: mutated((o) => delete apiContainer(o).name),
    expected: { ...API, path: `${C0}.name` },
  },
  'schema/duplicate-key': {
    run: () => checkDuplicateKeys('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  a: "1"\n  a: "2"\n', CTX, 'configmap-shop-app.yaml'),
    expected: { kind: 'ConfigMap', namespace: 'shop', name: 'app', path: 'data.a' },
  },
  'schema/duplicate-object': {
    run: mutated((o) => o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config', namespace: 'shop' }, data: { X: '1' } })),
    expected: { kind: 'ConfigMap', namespace: 'shop', name: 'api-config', path: 'metadata.name' },
  },

  'pss/host-namespaces': { run: mutated((o) => (apiPod(o).hostNetwork = true)), expected: { ...API, path: `${POD}.hostNetwork` } },
  'pss/host-process': {
    run: mutated((o) => (apiContainer(o).securityContext.windowsOptions = { hostProcess: true })),
    expected: { ...API, path: `${C0}.securityContext.windowsOptions.hostProcess` },
  },
  'pss/privileged': {
    run: mutated((o) => (apiContainer(o).securityContext.privileged = true)),
    expected: { ...API, path: `${C0}.securityContext.privileged` },
  },
  'pss/capabilities-add': {
    run: mutated((o) => (apiContainer(o).securityContext.capabilities.add = ['NET_BIND_SERVICE', 'SYS_ADMIN'])),
    expected: { ...API, path: `${C0}.securityContext.capabilities.add[1]` },
  },
  'pss/capabilities-drop-all': {
    run: mutated((o) => (apiContainer(o).securityContext.capabilities.drop = ['NET_RAW'])),
    expected: { ...API, path: `${C0}.securityContext.capabilities.drop` },
  },
  'pss/volume-types': {
    run: mutated((o) => apiPod(o).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } })),
    expected: { ...API, path: `${POD}.volumes[1].hostPath` },
  },
  'pss/host-ports': {
    run: mutated((o) => (apiContainer(o).ports[0].hostPort = 8080)),
    expected: { ...API, path: `${C0}.ports[0].hostPort` },
  },
  'pss/apparmor': {
    run: mutated((o) => (find(o, 'Deployment', 'api').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/api': 'unconfined' })),
    expected: { ...API, path: 'spec.template.metadata.annotations["container.apparmor.security.beta.kubernetes.io/api"]' },
  },
  'pss/selinux': {
    run: mutated((o) => (apiPod(o).securityContext.seLinuxOptions = { type: 'spc_t' })),
    expected: { ...API, path: `${POD}.securityContext.seLinuxOptions.type` },
  },
  'pss/proc-mount': {
    run: mutated((o) => (apiContainer(o).securityContext.procMount = 'Unmasked')),
    expected: { ...API, path: `${C0}.securityContext.procMount` },
  },
  'pss/seccomp': {
    run: mutated((o) => (apiPod(o).securityContext.seccompProfile = { type: 'Unconfined' })),
    expected: { ...API, path: `${POD}.securityContext.seccompProfile.type` },
  },
  'pss/sysctls': {
    run: mutated((o) => (apiPod(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }])),
    expected: { ...API, path: `${POD}.securityContext.sysctls[0].name` },
  },
  'pss/privilege-escalation': {
    run: mutated((o) => (apiContainer(o).securityContext.allowPrivilegeEscalation = true)),
    expected: { ...API, path: `${C0}.securityContext.allowPrivilegeEscalation` },
  },
  'pss/run-as-non-root': {
    run: mutated((o) => delete apiPod(o).securityContext.runAsNonRoot),
    expected: { ...API, path: `${C0}.securityContext.runAsNonRoot` },
  },
  'pss/run-as-user': {
    run: mutated((o) => (apiContainer(o).securityContext.runAsUser = 0)),
    expected: { ...API, path: `${C0}.securityContext.runAsUser` },
  },

  'ref/selector-mismatch': {
    run: mutated((o) => (find(o, 'Deployment', 'api').spec.selector.matchLabels = { app: 'api', tier: 'web' })),
    expected: { ...API, path: 'spec.selector' },
  },
  'ref/service-selects-nothing': {
    run: mutated((o) => (find(o, 'Service', 'api').spec.selector = { app: 'apii' })),
    expected: { kind: 'Service', namespace: 'shop', name: 'api', path: 'spec.selector' },
  },
  'ref/service-target-port': {
    run: mutated((o) => (find(o, 'Service', 'api').spec.ports[0].targetPort = 'metrics')),
    expected: { kind: 'Service', namespace: 'shop', name: 'api', path: 'spec.ports[0].targetPort' },
  },
  'ref/ingress-backend': {
    run: mutated((o) => (find(o, 'Ingress', 'api').spec.rules[0].http.paths[0].backend.service.port = { name: 'https' })),
    expected: { kind: 'Ingress', namespace: 'shop', name: 'api', path: 'spec.rules[0].http.paths[0].backend.service.port.name' },
  },
  'ref/httproute-backend': {
    run: mutated((o) => o.push(gateway(), route({ rules: [{ backendRefs: [{ name: 'api', port: 8080 }] }] }))),
    expected: { kind: 'HTTPRoute', namespace: 'shop', name: 'api', path: 'spec.rules[0].backendRefs[0].port' },
  },
  'ref/httproute-parent': {
    run: mutated((o) => o.push(gateway(), route({ parentRefs: [{ name: 'public', sectionName: 'https-www' }] }))),
    expected: { kind: 'HTTPRoute', namespace: 'shop', name: 'api', path: 'spec.parentRefs[0].sectionName' },
  },
  'ref/reference-grant': {
    run: mutated((o) => {
      const gw = gateway();
      gw.spec.listeners[1].tls.certificateRefs[0].namespace = 'argocd';
      o.push(gw, route({}), { ...find(o, 'Certificate', 'api-tls'), metadata: { name: 'api-tls', namespace: 'argocd' } });
    }),
    expected: { kind: 'Gateway', namespace: 'shop', name: 'public', path: 'spec.listeners[1].tls.certificateRefs[0].namespace' },
  },
  'ref/host-served-twice': {
    run: mutated((o) => o.push(gateway(), route({}), { ...route({}), metadata: { name: 'api-v2', namespace: 'shop' } })),
    expected: { kind: 'HTTPRoute', namespace: 'shop', name: 'api-v2', path: 'spec.hostnames[0]' },
  },
  'ref/probe-port': {
    run: mutated((o) => (apiContainer(o).livenessProbe.httpGet.port = 9000)),
    expected: { ...API, path: `${C0}.livenessProbe.httpGet.port` },
  },
  'ref/hpa-target': {
    run: mutated((o) => (find(o, 'HorizontalPodAutoscaler', 'api').spec.scaleTargetRef.name = 'api-v2')),
    expected: { kind: 'HorizontalPodAutoscaler', namespace: 'shop', name: 'api', path: 'spec.scaleTargetRef.name' },
  },
  'ref/pdb-selects-nothing': {
    run: mutated((o) =>
      o.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'worker', namespace: 'shop' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'worker' } } } }),
    ),
    expected: { kind: 'PodDisruptionBudget', namespace: 'shop', name: 'worker', path: 'spec.selector' },
  },
  'ref/servicemonitor-selects-nothing': {
    run: mutated((o) => (find(o, 'ServiceMonitor', 'api').spec.endpoints[0].port = 'metrics')),
    expected: { kind: 'ServiceMonitor', namespace: 'shop', name: 'api', path: 'spec.endpoints[0].port' },
  },
  'ref/missing-serviceaccount': {
    run: mutated((o) => (apiPod(o).serviceAccountName = 'api-runner')),
    expected: { ...API, path: `${POD}.serviceAccountName` },
  },
  'ref/missing-configmap': {
    run: mutated((o) => (apiContainer(o).envFrom[0].configMapRef.name = 'api-settings')),
    expected: { ...API, path: `${C0}.envFrom[0].configMapRef.name` },
  },
  'ref/missing-secret': {
    run: mutated((o) => (apiContainer(o).env[1].valueFrom.secretKeyRef.name = 'api-db-old')),
    expected: { ...API, path: `${C0}.env[1].valueFrom.secretKeyRef.name` },
  },
  'ref/missing-pvc': {
    run: mutated((o) => apiPod(o).volumes.push({ name: 'data', persistentVolumeClaim: { claimName: 'api-data' } })),
    expected: { ...API, path: `${POD}.volumes[1].persistentVolumeClaim.claimName` },
  },
  'ref/netpol-peer-selects-nothing': {
    run: mutated((o) => (find(o, 'NetworkPolicy', 'api').spec.ingress[1].from[0].podSelector = { matchLabels: { app: 'worker' } })),
    expected: { kind: 'NetworkPolicy', namespace: 'shop', name: 'api', path: 'spec.ingress[1].from[0].podSelector' },
  },
  'ref/missing-namespace': {
    run: mutated((o) => o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rates', namespace: 'billing' }, data: { EUR: '1' } })),
    expected: { kind: 'ConfigMap', namespace: 'billing', name: 'rates', path: 'metadata.namespace' },
  },

  'practice/read-only-root-filesystem': {
    run: mutated((o) => (apiContainer(o).securityContext.readOnlyRootFilesystem = false)),
    expected: { ...API, path: `${C0}.securityContext.readOnlyRootFilesystem` },
  },
  'practice/image-tag': { run: mutated((o) => (apiContainer(o).image = 'ghcr.io/acme/api:latest')), expected: { ...API, path: `${C0}.image` } },
  'practice/resources': {
    run: mutated((o) => delete apiContainer(o).resources.requests.cpu),
    expected: { ...API, path: `${C0}.resources.requests.cpu` },
  },
  'practice/limits-below-requests': {
    run: mutated((o) => (apiContainer(o).resources.limits.memory = '256Mi')),
    expected: { ...API, path: `${C0}.resources.limits.memory` },
  },
  'practice/probes': { run: mutated((o) => delete apiContainer(o).readinessProbe), expected: { ...API, path: `${C0}.readinessProbe` } },
  'practice/high-availability': {
    run: mutated((o) => delete apiPod(o).topologySpreadConstraints),
    expected: { ...API, path: `${POD}.topologySpreadConstraints` },
  },
  'practice/duplicate-env': {
    run: mutated((o) => apiContainer(o).env.push({ name: 'LOG_LEVEL', value: 'debug' })),
    expected: { ...API, path: `${C0}.env[3].name` },
  },
  'practice/secret-literal-env': {
    run: mutated((o) => apiContainer(o).env.push({ name: 'STRIPE_API_KEY', value: 'sk_live_123' })),
    expected: { ...API, path: `${C0}.env[3].value` },
  },
  'ref/pod-reference': {
    run: mutated((o) => apiContainer(o).volumeMounts.push({ name: 'cache', mountPath: '/var/cache/app' })),
    expected: { ...API, path: `${C0}.volumeMounts[1].name` },
  },
  'practice/secret-literal': {
    run: mutated((o) => (find(o, 'ConfigMap', 'api-config').data.CACHE_URL = 'redis://:hunter2@redis:6379/0')),
    expected: { kind: 'ConfigMap', namespace: 'shop', name: 'api-config', path: 'data["CACHE_URL"]' },
  },
  'practice/namespace-set': {
    run: mutated((o) =>
      o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader', namespace: 'shop' }, rules: [] }),
    ),
    expected: { kind: 'ClusterRole', namespace: 'shop', name: 'reader', path: 'metadata.namespace' },
  },
  'practice/ingress-tls': {
    run: mutated((o) => {
      const ingress = find(o, 'Ingress', 'api');
      ingress.spec.rules.push({ ...ingress.spec.rules[0], host: 'www.example.com' });
    }),
    expected: { kind: 'Ingress', namespace: 'shop', name: 'api', path: 'spec.rules[1].host' },
  },
  'practice/plaintext-secret': {
    run: mutated((o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'smtp', namespace: 'shop' }, stringData: { password: 'hunter2' } })),
    expected: { kind: 'Secret', namespace: 'shop', name: 'smtp', path: 'stringData' },
  },
  'practice/service-account-token': {
    run: mutated((o) => delete apiPod(o).automountServiceAccountToken),
    expected: { ...API, path: `${POD}.automountServiceAccountToken` },
  },
  'practice/capacity-budget': {
    run: mutated(() => undefined, { ...baselineOptions(), capacityBudgets: [{ namespace: 'shop', memoryBytes: 2 ** 30, description: 'one 1Gi node' }] }),
    expected: { kind: 'Namespace', name: 'shop', path: 'pods.resources.requests.memory' },
  },
  'practice/exemption-invalid': {
    run: mutated((o) => (find(o, 'Service', 'api').metadata.annotations = { 'policy-exemption.platform/pss.no-such-rule': 'because' })),
    expected: { kind: 'Service', namespace: 'shop', name: 'api', path: 'metadata.annotations["policy-exemption.platform/pss.no-such-rule"]' },
  },
  'cluster/one-owner': {
    run: acrossSets((sets) => sets[2].objects.push(clusterIssuer())),
    expected: { kind: 'ClusterIssuer', name: 'letsencrypt', path: 'metadata.name' },
  },
  'cluster/host-conflict': {
    run: acrossSets((sets) => sets[2].objects.push(ingress('shop', 'billing-mirror', 'billing.example.com'))),
    expected: { kind: 'Ingress', namespace: 'shop', name: 'billing-mirror', path: 'spec.rules' },
  },
  'cluster/certificate-secret': {
    run: acrossSets((sets) => sets[2].objects.push({
      apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'api-wildcard', namespace: 'shop' },
      spec: { secretName: 'api-tls', dnsNames: ['*.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
    })),
    expected: { kind: 'Certificate', namespace: 'shop', name: 'api-wildcard', path: 'spec.secretName' },
  },
  'cluster/missing-cluster-issuer': {
    run: acrossSets((sets) => (sets[2].objects[0].metadata.annotations['cert-manager.io/cluster-issuer'] = 'letsencrypt-prod')),
    expected: { kind: 'Ingress', namespace: 'shop', name: 'api', path: 'metadata.annotations.cert-manager.io/cluster-issuer' },
  },
};

describe('every rule has a fixture that triggers exactly that rule', () => {
  test('the trigger map covers every rule in RULES', () => {
    expect(Object.keys(TRIGGERS).sort()).toEqual(Object.keys(RULES).sort());
  });

  test.each(Object.entries(TRIGGERS))('%s', (rule, { run, expected }) => {
    const findings = run();
    expect([...new Set(findings.map((f) => f.rule))]).toEqual([rule]);
    expect(findings).toContainEqual(expect.objectContaining({ rule, ...expected, platform: CTX.platform, environment: CTX.environment }));
    for (const finding of findings) {
      expect(finding.message).not.toBe('');
      expect(finding.fix).not.toBe('');
    }
  });
});

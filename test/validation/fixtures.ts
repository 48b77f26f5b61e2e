/**
 * A known-good rendered set for the validation gate: one namespace `shop` with an `api` Deployment and
 * everything around it. Every call returns fresh objects, so tests can mutate them.
 */
import { ExternalReference, ValidateOptions, ValidationContext } from '../../lib/validation';

/** A rendered object; tests reach into it freely. */
export type Obj = Record<string, any>;

export const CTX: ValidationContext = { platform: 'shop-platform', environment: 'staging' };

export const EXTERNAL: readonly ExternalReference[] = [
  { kind: 'Namespace', name: 'argocd', reason: 'Argo CD is installed by the cluster bootstrap' },
];

/** Options that go with the baseline: its external references and a budget it fits (4 pods × 512Mi). */
export function baselineOptions(): ValidateOptions {
  return {
    externalReferences: EXTERNAL,
    capacityBudgets: [{ namespace: 'shop', memoryBytes: 4 * 2 ** 30, description: 'shop node pool: 2 × 2Gi' }],
  };
}

const NS = 'shop';
const LABELS = { app: 'api' };

function meta(name: string, extra: Obj = {}): Obj {
  return { name, namespace: NS, ...extra };
}

export function namespace(): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { team: 'shop' } } };
}

export function deployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('api', { labels: LABELS }),
    spec: {
      replicas: 2,
      selector: { matchLabels: LABELS },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: 'api',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: LABELS } },
          ],
          containers: [
            {
              name: 'api',
              image: 'ghcr.io/acme/api:1.4.2',
              ports: [{ name: 'http', containerPort: 8080 }],
              envFrom: [{ configMapRef: { name: 'api-config' } }],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'api-db', key: 'password' } } },
                { name: 'PAYMENT_API_KEY', valueFrom: { secretKeyRef: { name: 'api-keys', key: 'payment' } } },
              ],
              resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '512Mi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** The baseline set: zero findings with `baselineOptions()`. */
export function baseline(): Obj[] {
  return [
    namespace(),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('api'), automountServiceAccountToken: false },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('api-config'), data: { LISTEN: ':8080' } },
    {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: meta('api-db'),
      spec: { encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' }, template: { metadata: { name: 'api-db' }, type: 'Opaque' } },
    },
    {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ExternalSecret',
      metadata: meta('api-keys'),
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'gcp-secret-manager' },
        target: { name: 'api-keys' },
        data: [{ secretKey: 'payment', remoteRef: { key: 'shop-payment-api-key' } }],
      },
    },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: meta('api-tls'),
      spec: { secretName: 'api-tls', dnsNames: ['api.example.com'], issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' } },
    },
    deployment(),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta('api'),
      spec: { maxUnavailable: 1, selector: { matchLabels: LABELS } },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('api', { labels: LABELS }),
      spec: { selector: LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta('api', { annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' } }),
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['api.example.com'], secretName: 'api-tls' }],
        rules: [
          {
            host: 'api.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }] },
          },
        ],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta('api'),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('api'),
      spec: {
        podSelector: { matchLabels: LABELS },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
              },
            ],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
          { from: [{ podSelector: { matchLabels: LABELS } }], ports: [{ protocol: 'TCP', port: 8080 }] },
        ],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: 53 }],
          },
        ],
      },
    },
    {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta('api'),
      spec: { selector: { matchLabels: LABELS }, endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop-staging', namespace: 'argocd' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://github.com/acme/platform-manifests.git', targetRevision: 'dist', path: 'dist/shop-platform/staging' },
        destination: { server: 'https://kubernetes.default.svc', namespace: NS },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
      },
    },
  ];
}

/** The object of `kind` named `name` in `objects` (throws if absent, so fixtures fail loudly). */
export function find(objects: readonly Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`fixture has no ${kind} ${name}`);
  return found;
}

/** The first container of the baseline Deployment in `objects`. */
export function apiContainer(objects: readonly Obj[]): Obj {
  return find(objects, 'Deployment', 'api').spec.template.spec.containers[0];
}

/** The pod spec of the baseline Deployment in `objects`. */
export function apiPod(objects: readonly Obj[]): Obj {
  return find(objects, 'Deployment', 'api').spec.template.spec;
}

/** An Argo CD Application sending the set at `dist/<path>` to the cluster named `cluster`. */
export function application(path: string, cluster: string): Obj {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: path.replace('/', '-'), namespace: 'argocd' },
    spec: { project: 'default', source: { repoURL: 'https://github.com/acme/platform-manifests.git', targetRevision: 'dist', path }, destination: { name: cluster, namespace: 'default' } },
  };
}

/** An NGINX Ingress for `host` in `namespace` with a cert-manager ClusterIssuer and its own TLS Secret. */
export function ingress(namespace: string, name: string, host: string, issuer = 'letsencrypt'): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, annotations: { 'cert-manager.io/cluster-issuer': issuer } },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: [host], secretName: `${name}-tls` }],
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] } }],
    },
  };
}

/** A Let's Encrypt ClusterIssuer named `name`. */
export function clusterIssuer(name = 'letsencrypt'): Obj {
  return {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name },
    spec: { acme: { server: 'https://acme-v02.api.letsencrypt.org/directory', privateKeySecretRef: { name: `${name}-account-key` }, solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }] } },
  };
}

/**
 * Three rendered sets without conflicts: `argocd/staging` sends `billing/staging` and `shop-platform/staging` (CTX) to
 * cluster `staging`; billing renders the ClusterIssuer both Ingresses name.
 */
export function clusterSets(): { platform: string; environment: string; objects: Obj[] }[] {
  return [
    { platform: 'argocd', environment: 'staging', objects: [application('billing/staging', 'staging'), application('shop-platform/staging', 'staging')] },
    { platform: 'billing', environment: 'staging', objects: [clusterIssuer(), ingress('billing', 'billing', 'billing.example.com')] },
    { platform: CTX.platform, environment: CTX.environment, objects: [ingress('shop', 'api', 'api.example.com')] },
  ];
}

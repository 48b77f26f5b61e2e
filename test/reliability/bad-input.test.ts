import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import {
  ArgoCdApplication, Autoscaler, DisruptionBudget, ExistingSecret, Keycloak, KeycloakProps, NamespaceBaseline, NginxIngress, PlatformChart, PropValidationError, VllmDeployment,
  Workload, WorkloadProps,
} from '../../lib';
import { addCrossChartFindings, renderChart } from '../../lib/render/synth';
import { Finding } from '../../lib/validation';
import { describeFindings, freshChart, propErrorOf } from './helpers';

/**
 * Every mistake a chart author can make, and where it is caught. This file is the single list:
 *
 * - `CASES`: caught at construction. Bad input fails with a PropValidationError whose message names the construct
 *   path, the prop, the offending value and the rule — matched here to the exact string.
 * - `GATE_CASES`: caught by the validation gate at synth, because no one construct can see it (an escape-hatch volume,
 *   a raw ConfigMap, an annotation, or two charts that Argo CD sends to one cluster). Each names the gate rule and
 *   the finding's object and path.
 */

const RESOURCES = { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
const base: WorkloadProps = {
  image: 'ghcr.io/example/api:1.2.3',
  resources: RESOURCES,
  ports: [{ name: 'http', port: 8080 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/health' } },
};
const exec = { exec: { command: ['true'] } };
const sidecar = (name: string, extra: Partial<WorkloadProps> = {}) => ({
  name, image: 'ghcr.io/example/proxy:2.0.0', resources: RESOURCES, readiness: exec, liveness: exec, ...extra,
});
const workload = (props: Partial<WorkloadProps>) => (chart: PlatformChart) => new Workload(chart, 'api', { ...base, ...props });

const DNS_LABEL_RULE = 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';
const UNIQUE_RULE = 'must be unique; this value is used more than once';
const PORT_RULE = 'must be an integer port between 1 and 65535';
const CPU_RULE = 'must be a positive CPU quantity such as "250m" or "1"';
const MEMORY_RULE = 'must be a byte quantity of at least 1Mi, such as "256Mi" or "1Gi"';
const TAG_RULE = 'must pin a tag or digest (e.g. "nginx:1.27.3" or "nginx@sha256:…"); an untagged image means "latest" and changes under you';
const LATEST_RULE = 'must not use the "latest" tag: pin a version so rollouts are reproducible';
const HOST_RULE = 'must be a fully qualified lower-case DNS host name such as "api.example.com" (a leading "*." wildcard is allowed)';
const PORT_NAME_RULE = 'must be an IANA service name: at most 15 lower-case letters, digits and "-" (no "--"), with at least one letter';

interface BadInputCase {
  /** The rule broken. */
  readonly rule: string;
  /** Builds the construct(s) with one bad prop inside `chart` (namespace `demo`). */
  readonly build: (chart: PlatformChart) => unknown;
  /** The exact message: `<construct path>: invalid <prop> (<value>): <rule>`. */
  readonly message: string;
  readonly path: string;
  readonly prop: string;
  readonly value: unknown;
}

const CASES: readonly BadInputCase[] = [
  // HPA bounds
  {
    rule: 'HPA minReplicas above maxReplicas',
    build: workload({ autoscaling: { minReplicas: 5, maxReplicas: 3 } }),
    path: 'c/api/Autoscaler', prop: 'maxReplicas', value: 3,
    message: 'c/api/Autoscaler: invalid maxReplicas (3): must be an integer not below minReplicas (5)',
  },
  {
    rule: 'HPA with equal bounds',
    build: workload({ autoscaling: { minReplicas: 3, maxReplicas: 3 } }),
    path: 'c/api/Autoscaler', prop: 'maxReplicas', value: 3,
    message: 'c/api/Autoscaler: invalid maxReplicas (3): must be above minReplicas (3); with equal bounds use fixed replicas instead of an HPA',
  },
  {
    rule: 'HPA minReplicas below 1 (Autoscaler on its own)',
    build: (chart) => new Autoscaler(chart, 'hpa', { namespace: 'demo', target: { kind: 'Deployment', name: 'api' }, minReplicas: 0, maxReplicas: 3 }),
    path: 'c/hpa', prop: 'minReplicas', value: 0,
    message: 'c/hpa: invalid minReplicas (0): must be an integer of at least 1',
  },
  // PDBs that block every eviction
  {
    rule: 'PDB minAvailable equal to the replicas',
    build: workload({ replicas: 3, disruptionBudget: { minAvailable: 3 } }),
    path: 'c/api/DisruptionBudget', prop: 'minAvailable', value: 3,
    message: 'c/api/DisruptionBudget: invalid minAvailable (3): must be lower than the minimum replicas (3), or no pod can ever be evicted and node drains block',
  },
  {
    rule: 'PDB minAvailable 100%',
    build: workload({ replicas: 2, disruptionBudget: { minAvailable: '100%' } }),
    path: 'c/api/DisruptionBudget', prop: 'minAvailable', value: '100%',
    message: 'c/api/DisruptionBudget: invalid minAvailable ("100%"): must be lower than the minimum replicas (2), or no pod can ever be evicted and node drains block',
  },
  {
    rule: 'PDB minAvailable equal to the HPA minimum',
    build: workload({ autoscaling: { minReplicas: 2, maxReplicas: 6 }, disruptionBudget: { minAvailable: 2 } }),
    path: 'c/api/DisruptionBudget', prop: 'minAvailable', value: 2,
    message: 'c/api/DisruptionBudget: invalid minAvailable (2): must be lower than the minimum replicas (2), or no pod can ever be evicted and node drains block',
  },
  {
    rule: 'PDB maxUnavailable 0',
    build: workload({ replicas: 2, disruptionBudget: { maxUnavailable: 0 } }),
    path: 'c/api/DisruptionBudget', prop: 'maxUnavailable', value: 0,
    message: 'c/api/DisruptionBudget: invalid maxUnavailable (0): must allow at least one pod to be evicted, or node drains block',
  },
  {
    rule: 'PDB with both fields (DisruptionBudget on its own)',
    build: (chart) => new DisruptionBudget(chart, 'pdb', { name: 'api', namespace: 'demo', selector: { app: 'api' }, minReplicas: 3, minAvailable: 1, maxUnavailable: 1 }),
    path: 'c/pdb', prop: 'minAvailable', value: 1,
    message: 'c/pdb: invalid minAvailable (1): set either minAvailable or maxUnavailable, not both',
  },
  // Ports
  {
    rule: 'port 0',
    build: workload({ ports: [{ name: 'http', port: 0 }] }),
    path: 'c/api', prop: 'ports[0].port', value: 0,
    message: `c/api: invalid ports[0].port (0): ${PORT_RULE}`,
  },
  {
    rule: 'port above 65535',
    build: workload({ ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 65536 }] }),
    path: 'c/api', prop: 'ports[1].port', value: 65536,
    message: `c/api: invalid ports[1].port (65536): ${PORT_RULE}`,
  },
  {
    rule: 'servicePort above 65535',
    build: workload({ ports: [{ name: 'http', port: 8080, servicePort: 70000 }] }),
    path: 'c/api', prop: 'ports[0].servicePort', value: 70000,
    message: `c/api: invalid ports[0].servicePort (70000): ${PORT_RULE}`,
  },
  {
    rule: 'negative port on a sidecar',
    build: workload({ sidecars: [sidecar('proxy', { ports: [{ name: 'proxy', port: -1 }] })] }),
    path: 'c/api', prop: 'sidecars[0].ports[0].port', value: -1,
    message: `c/api: invalid sidecars[0].ports[0].port (-1): ${PORT_RULE}`,
  },
  {
    rule: 'container port reused',
    build: workload({ ports: [{ name: 'http', port: 8080 }, { name: 'admin', port: 8080 }] }),
    path: 'c/api', prop: 'ports[].port', value: 8080,
    message: `c/api: invalid ports[].port (8080): ${UNIQUE_RULE}`,
  },
  {
    rule: 'Service port reused (two container ports behind one servicePort)',
    build: workload({ ports: [{ name: 'http', port: 8080, servicePort: 80 }, { name: 'admin', port: 9090, servicePort: 80 }] }),
    path: 'c/api', prop: 'ports[].servicePort', value: 80,
    message: `c/api: invalid ports[].servicePort (80): ${UNIQUE_RULE}`,
  },
  // Duplicate names
  {
    rule: 'duplicate port names',
    build: workload({ ports: [{ name: 'http', port: 8080 }, { name: 'http', port: 8081 }] }),
    path: 'c/api', prop: 'ports[].name', value: 'http',
    message: `c/api: invalid ports[].name ("http"): ${UNIQUE_RULE}`,
  },
  {
    rule: 'port name with a double hyphen',
    build: workload({ ports: [{ name: 'http--alt', port: 8080 }] }),
    path: 'c/api', prop: 'ports[0].name', value: 'http--alt',
    message: `c/api: invalid ports[0].name ("http--alt"): ${PORT_NAME_RULE}`,
  },
  {
    rule: 'sidecar named like the main container',
    build: workload({ sidecars: [sidecar('api')] }),
    path: 'c/api', prop: 'container names', value: 'api',
    message: `c/api: invalid container names ("api"): ${UNIQUE_RULE}`,
  },
  {
    rule: 'two sidecars with one name',
    build: workload({ sidecars: [sidecar('proxy'), sidecar('proxy')] }),
    path: 'c/api', prop: 'container names', value: 'proxy',
    message: `c/api: invalid container names ("proxy"): ${UNIQUE_RULE}`,
  },
  {
    rule: 'init container named like a sidecar',
    build: workload({ initContainers: [{ name: 'proxy', image: 'ghcr.io/example/migrate:1.0.0', resources: RESOURCES }], sidecars: [sidecar('proxy')] }),
    path: 'c/api', prop: 'container names', value: 'proxy',
    message: `c/api: invalid container names ("proxy"): ${UNIQUE_RULE}`,
  },
  // DNS-1123 names and host names
  {
    rule: 'workload name with upper case and "_"',
    build: workload({ name: 'Api_Server' }),
    path: 'c/api', prop: 'name', value: 'Api_Server',
    message: `c/api: invalid name ("Api_Server"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'workload name of 64 characters',
    build: workload({ name: 'a'.repeat(64) }),
    path: 'c/api', prop: 'name', value: 'a'.repeat(64),
    message: `c/api: invalid name ("${'a'.repeat(64)}"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'StatefulSet name too long for its pods\' controller-revision-hash label',
    build: workload({ kind: 'StatefulSet', name: 's'.repeat(53) }),
    path: 'c/api', prop: 'name', value: 's'.repeat(53),
    message: `c/api: invalid name ("${'s'.repeat(53)}"): a StatefulSet name may have at most 52 characters: its pods carry the label controller-revision-hash=<name>-<10-character hash>, limited to 63`,
  },
  {
    rule: 'namespace with a dot',
    build: workload({ namespace: 'team.ns' }),
    path: 'c/api', prop: 'namespace', value: 'team.ns',
    message: `c/api: invalid namespace ("team.ns"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'Service name ending in "-"',
    build: workload({ service: { name: 'api-' } }),
    path: 'c/api', prop: 'service.name', value: 'api-',
    message: `c/api: invalid service.name ("api-"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'container name with upper case',
    build: workload({ containerName: 'Main' }),
    path: 'c/api', prop: 'container name', value: 'Main',
    message: `c/api: invalid container name ("Main"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'Secret name of mounted files not a DNS-1123 subdomain',
    build: workload({ secretFiles: [{ secretName: 'Api_Keys', mountPath: '/etc/keys' }] }),
    path: 'c/api', prop: 'secretFiles[0].secretName', value: 'Api_Keys',
    message: 'c/api: invalid secretFiles[0].secretName ("Api_Keys"): must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", at most 253 characters',
  },
  {
    rule: 'namespace baseline name with "_"',
    build: (chart) => new NamespaceBaseline(chart, 'ns', { name: 'my_ns' }),
    path: 'c/ns', prop: 'name', value: 'my_ns',
    message: `c/ns: invalid name ("my_ns"): ${DNS_LABEL_RULE}`,
  },
  {
    rule: 'Ingress host with upper case',
    build: (chart) => new NginxIngress(chart, 'web', {
      clusterIssuer: 'letsencrypt', hosts: [{ host: 'API.example.com', paths: [{ backend: new Workload(chart, 'api', base) }] }],
    }),
    path: 'c/web', prop: 'hosts[0].host', value: 'API.example.com',
    message: `c/web: invalid hosts[0].host ("API.example.com"): ${HOST_RULE}`,
  },
  {
    rule: 'Ingress host that is not fully qualified',
    build: (chart) => new NginxIngress(chart, 'web', {
      clusterIssuer: 'letsencrypt', hosts: [{ host: 'localhost', paths: [{ backend: new Workload(chart, 'api', base) }] }],
    }),
    path: 'c/web', prop: 'hosts[0].host', value: 'localhost',
    message: `c/web: invalid hosts[0].host ("localhost"): ${HOST_RULE}`,
  },
  {
    rule: 'Ingress host with a space',
    build: (chart) => new NginxIngress(chart, 'web', {
      clusterIssuer: 'letsencrypt', hosts: [{ host: 'api .example.com', paths: [{ backend: new Workload(chart, 'api', base) }] }],
    }),
    path: 'c/web', prop: 'hosts[0].host', value: 'api .example.com',
    message: `c/web: invalid hosts[0].host ("api .example.com"): ${HOST_RULE}`,
  },
  // Quantities
  {
    rule: 'CPU request that does not parse',
    build: workload({ resources: { ...RESOURCES, cpuRequest: 'fast' } }),
    path: 'c/api', prop: 'resources.cpuRequest', value: 'fast',
    message: `c/api: invalid resources.cpuRequest ("fast"): ${CPU_RULE}`,
  },
  {
    rule: 'CPU request of zero',
    build: workload({ resources: { ...RESOURCES, cpuRequest: '0m' } }),
    path: 'c/api', prop: 'resources.cpuRequest', value: '0m',
    message: `c/api: invalid resources.cpuRequest ("0m"): ${CPU_RULE}`,
  },
  {
    rule: 'memory request with a unit Kubernetes does not know',
    build: workload({ resources: { ...RESOURCES, memoryRequest: '128MB' } }),
    path: 'c/api', prop: 'resources.memoryRequest', value: '128MB',
    message: `c/api: invalid resources.memoryRequest ("128MB"): ${MEMORY_RULE}`,
  },
  {
    rule: 'memory limit with two decimal points',
    build: workload({ resources: { ...RESOURCES, memoryLimit: '1.2.3Gi' } }),
    path: 'c/api', prop: 'resources.memoryLimit', value: '1.2.3Gi',
    message: `c/api: invalid resources.memoryLimit ("1.2.3Gi"): ${MEMORY_RULE}`,
  },
  {
    rule: 'memory given in bytes below 1Mi',
    build: workload({ resources: { ...RESOURCES, memoryRequest: '512' } }),
    path: 'c/api', prop: 'resources.memoryRequest', value: '512',
    message: `c/api: invalid resources.memoryRequest ("512"): ${MEMORY_RULE}`,
  },
  // Limits below requests
  {
    rule: 'memory limit below the request',
    build: workload({ resources: { cpuRequest: '100m', memoryRequest: '512Mi', memoryLimit: '256Mi' } }),
    path: 'c/api', prop: 'resources.memoryLimit', value: '256Mi',
    message: 'c/api: invalid resources.memoryLimit ("256Mi"): must not be below memoryRequest (512Mi)',
  },
  {
    rule: 'CPU limit below the request',
    build: workload({ resources: { ...RESOURCES, cpuRequest: '1', cpuLimit: '500m' } }),
    path: 'c/api', prop: 'resources.cpuLimit', value: '500m',
    message: 'c/api: invalid resources.cpuLimit ("500m"): must not be below cpuRequest (1)',
  },
  {
    rule: 'sidecar memory limit below the request (mixed units)',
    build: workload({ sidecars: [sidecar('proxy', { resources: { cpuRequest: '10m', memoryRequest: '1Gi', memoryLimit: '1000Mi' } })] }),
    path: 'c/api', prop: 'sidecars[0].resources.memoryLimit', value: '1000Mi',
    message: 'c/api: invalid sidecars[0].resources.memoryLimit ("1000Mi"): must not be below memoryRequest (1Gi)',
  },
  // Probes on ports the container does not expose
  {
    rule: 'HTTP readiness probe on an undeclared port name',
    build: workload({ readiness: { http: { path: '/ready', port: 'admin' } } }),
    path: 'c/api', prop: 'readiness.port', value: 'admin',
    message: 'c/api: invalid readiness.port ("admin"): must be one of the container\'s ports (http/8080)',
  },
  {
    rule: 'TCP liveness probe on an undeclared port number',
    build: workload({ liveness: { tcp: { port: 9090 } } }),
    path: 'c/api', prop: 'liveness.port', value: 9090,
    message: 'c/api: invalid liveness.port (9090): must be one of the container\'s ports (http/8080)',
  },
  {
    rule: 'gRPC startup probe on an undeclared port',
    build: workload({ startup: { grpc: { port: 9090 } } }),
    path: 'c/api', prop: 'startup.port', value: 9090,
    message: 'c/api: invalid startup.port (9090): must be one of the container\'s ports (http/8080)',
  },
  {
    rule: 'HTTP probe on a container without ports',
    build: workload({ ports: [], service: false, readiness: { http: { path: '/ready' } } }),
    path: 'c/api', prop: 'readiness.port', value: undefined,
    message: 'c/api: invalid readiness.port (undefined): the container declares no ports; give the probe a port',
  },
  // Images
  {
    rule: 'image without a tag',
    build: workload({ image: 'nginx' }),
    path: 'c/api', prop: 'image', value: 'nginx',
    message: `c/api: invalid image ("nginx"): ${TAG_RULE}`,
  },
  {
    rule: 'image with a registry port but no tag',
    build: workload({ image: 'registry.local:5000/team/api' }),
    path: 'c/api', prop: 'image', value: 'registry.local:5000/team/api',
    message: `c/api: invalid image ("registry.local:5000/team/api"): ${TAG_RULE}`,
  },
  {
    rule: 'image with an empty tag',
    build: workload({ image: 'nginx:' }),
    path: 'c/api', prop: 'image', value: 'nginx:',
    message: `c/api: invalid image ("nginx:"): ${TAG_RULE}`,
  },
  {
    rule: 'image with the latest tag',
    build: workload({ image: 'nginx:latest' }),
    path: 'c/api', prop: 'image', value: 'nginx:latest',
    message: `c/api: invalid image ("nginx:latest"): ${LATEST_RULE}`,
  },
  {
    rule: 'sidecar image with the latest tag',
    build: workload({ sidecars: [sidecar('proxy', { image: 'envoyproxy/envoy:latest' })] }),
    path: 'c/api', prop: 'sidecars[0].image', value: 'envoyproxy/envoy:latest',
    message: `c/api: invalid sidecars[0].image ("envoyproxy/envoy:latest"): ${LATEST_RULE}`,
  },
  {
    rule: 'init container image without a tag',
    build: workload({ initContainers: [{ name: 'migrate', image: 'busybox', resources: RESOURCES }] }),
    path: 'c/api', prop: 'initContainers[0].image', value: 'busybox',
    message: `c/api: invalid initContainers[0].image ("busybox"): ${TAG_RULE}`,
  },
  // GPUs
  {
    rule: 'tensor parallel size above the GPUs of a replica',
    build: (chart) => new VllmDeployment(chart, 'llm', { model: 'mistralai/Mistral-7B-Instruct-v0.3', gpusPerReplica: 2, tensorParallelSize: 4 }),
    path: 'c/llm', prop: 'tensorParallelSize', value: 4,
    message: 'c/llm: invalid tensorParallelSize (4): must not exceed the GPUs of one replica (gpusPerReplica: 2); each tensor-parallel rank needs its own GPU',
  },
  {
    rule: 'tensor parallel size above the default single GPU',
    build: (chart) => new VllmDeployment(chart, 'llm', { model: 'mistralai/Mistral-7B-Instruct-v0.3', tensorParallelSize: 2 }),
    path: 'c/llm', prop: 'tensorParallelSize', value: 2,
    message: 'c/llm: invalid tensorParallelSize (2): must not exceed the GPUs of one replica (gpusPerReplica: 1); each tensor-parallel rank needs its own GPU',
  },
  // Construct ids
  {
    rule: 'construct id used twice in one scope (a NamespaceBaseline and a Workload both "api")',
    build: (chart) => {
      new NamespaceBaseline(chart, 'api', { name: 'demo' });
      return new Workload(chart, 'api', base);
    },
    path: 'c/api', prop: 'id', value: 'api',
    message: 'c/api: invalid id ("api"): is already the id of a NamespaceBaseline in c; give this Workload another id (ids must be unique within their scope)',
  },
  // Secrets given by value
  {
    rule: 'Stripe key under a name that does not look secret',
    build: workload({ env: { STRIPE: `sk_live_${'4eC39H'.repeat(4)}` } }),
    path: 'c/api', prop: 'env.STRIPE', value: '<redacted>',
    message: 'c/api: invalid env.STRIPE ("<redacted>"): looks like a secret given as a literal (a Stripe secret key); reference it with { secretKeyRef: { secretName, key } } or mount it with secretFiles',
  },
  {
    rule: 'Redis URL with a password and no user name',
    build: workload({ env: { CACHE_URL: 'redis://:hunter2@redis:6379/0' } }),
    path: 'c/api', prop: 'env.CACHE_URL', value: '<redacted>',
    message: 'c/api: invalid env.CACHE_URL ("<redacted>"): looks like a secret given as a literal (a URL with a password); reference it with { secretKeyRef: { secretName, key } } or mount it with secretFiles',
  },
  {
    rule: 'password in a command line argument',
    build: workload({ args: ['--db-password=hunter2'] }),
    path: 'c/api', prop: 'args[0]', value: '<redacted>',
    message: 'c/api: invalid args[0] ("<redacted>"): holds a literal under the secret-looking name --db-password; pass it through an env var from a Secret ("$(VAR)") or mount it with secretFiles',
  },
  // Dangling references inside a pod
  {
    rule: 'volumeMount naming no volume',
    build: workload({ volumeMounts: [{ name: 'cache', mountPath: '/var/cache/app' }] }),
    path: 'c/api', prop: 'volumeMounts[0].name', value: 'cache',
    message: 'c/api: invalid volumeMounts[0].name ("cache"): must name a volume of the pod (writable-tmp); declare it in volumes or persistentVolumes',
  },
  {
    rule: 'sidecar volumeMount naming no volume',
    build: workload({ sidecars: [sidecar('proxy', { volumeMounts: [{ name: 'certs', mountPath: '/certs' }] })] }),
    path: 'c/api', prop: 'sidecars[0].volumeMounts[0].name', value: 'certs',
    message: 'c/api: invalid sidecars[0].volumeMounts[0].name ("certs"): must name a volume of the pod (writable-tmp); declare it in volumes or persistentVolumes',
  },
  {
    rule: 'env fieldPath the downward API does not serve',
    build: workload({ env: { PHASE: { fieldPath: 'status.phase' } } }),
    path: 'c/api', prop: 'env.PHASE.fieldPath', value: 'status.phase',
    message: 'c/api: invalid env.PHASE.fieldPath ("status.phase"): must be a pod field the downward API serves to env vars: metadata.name, metadata.namespace, metadata.uid, metadata.labels[\'<key>\'], metadata.annotations[\'<key>\'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s)',
  },
  {
    rule: 'secret file item with no key',
    build: workload({ secretFiles: [{ secretName: 'db', mountPath: '/run/secrets/db', items: [{ key: '', path: 'password' }] }] }),
    path: 'c/api', prop: 'secretFiles[0].items[0].key', value: '',
    message: 'c/api: invalid secretFiles[0].items[0].key (""): must name a key of the Secret',
  },
  {
    rule: 'secret file item path escaping the mount',
    build: workload({ secretFiles: [{ secretName: 'db', mountPath: '/run/secrets/db', items: [{ key: 'password', path: '../password' }] }] }),
    path: 'c/api', prop: 'secretFiles[0].items[0].path', value: '../password',
    message: 'c/api: invalid secretFiles[0].items[0].path ("../password"): must be a relative file path without ".." (it lands under mountPath)',
  },
];

describe('bad input fails with a PropValidationError naming path, prop, value and rule', () => {
  test.each(CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const error = propErrorOf(() => c.build(freshChart('demo', 'demo')));
    expect(error).toBeInstanceOf(PropValidationError);
    expect(error.name).toBe('PropValidationError');
    expect(error.message).toBe(c.message);
    expect(error.constructPath).toBe(c.path);
    expect(error.prop).toBe(c.prop);
    expect(error.value).toEqual(c.value);
    // The message is self-describing: path first, then prop and value, then the rule.
    expect(error.message.startsWith(`${c.path}: invalid ${c.prop} (`)).toBe(true);
    expect(error.message).toContain(`: ${error.rule}`);
  });

  test('every case breaks a different rule', () => {
    expect(new Set(CASES.map((c) => c.rule)).size).toBe(CASES.length);
  });
});

interface GateCase {
  /** The mistake. */
  readonly rule: string;
  /** Builds the chart(s) in `app`; the first chart is where the finding is expected unless `in` says otherwise. */
  readonly build: (app: App) => void;
  /** The finding: rule, where (`platform/environment`), object and path. */
  readonly finding: { readonly rule: string; readonly in: string; readonly kind: string; readonly name: string; readonly path: string };
}

const api = (chart: PlatformChart, extra: Partial<WorkloadProps> = {}) => new Workload(chart, 'api', { ...base, namespace: chart.defaultNamespace, ...extra });
const chartIn = (app: App, platform: string, environment = 'test', namespace = platform) => {
  const chart = new PlatformChart(app, `${platform}-${environment}`, { platform, environment, namespace });
  new NamespaceBaseline(chart, 'ns', { name: namespace });
  chart.addExternalReference({ kind: 'ClusterIssuer', name: 'letsencrypt', reason: 'the cluster setup renders it' });
  return chart;
};
/** An Argo CD chart sending `platforms` (environment `test`) to the cluster named `cluster`. */
const argocd = (app: App, cluster: string, platforms: readonly string[]) => {
  const chart = new PlatformChart(app, 'argocd-test', { platform: 'argocd', environment: 'test', namespace: 'argocd' });
  chart.addExternalReference({ kind: 'Namespace', name: 'argocd', reason: 'Argo CD is installed by the cluster bootstrap' });
  for (const platform of platforms) {
    new ArgoCdApplication(chart, platform, { name: `${platform}-test`, namespace: 'argocd', project: 'default', repoUrl: 'https://github.com/acme/m.git', path: `${platform}/test`, cluster: { name: cluster } });
  }
};
const shopAndBilling = (app: App, build: (shop: PlatformChart, billing: PlatformChart) => void) => {
  const billing = chartIn(app, 'billing');
  const shop = chartIn(app, 'shop');
  argocd(app, 'small', ['billing', 'shop']);
  build(shop, billing);
};
const ingress = (chart: PlatformChart, host: string, issuer = 'letsencrypt') =>
  new NginxIngress(chart, 'web', { name: 'web', namespace: chart.defaultNamespace, clusterIssuer: issuer, hosts: [{ host, paths: [{ backend: api(chart) }] }] });

const GATE_CASES: readonly GateCase[] = [
  {
    rule: 'password in a ConfigMap the construct does not own',
    build: (app) => {
      const chart = chartIn(app, 'shop');
      new k8s.KubeConfigMap(chart, 'cfg', { metadata: { name: 'cfg', namespace: 'shop' }, data: { 'app.ini': 'url = postgres://app:hunter2@db/app' } });
    },
    finding: { rule: 'practice/secret-literal', in: 'shop/test', kind: 'ConfigMap', name: 'cfg', path: 'data["app.ini"]' },
  },
  {
    rule: 'token in an annotation',
    build: (app) => {
      const chart = chartIn(app, 'shop');
      api(chart, { podAnnotations: { 'example.com/upstream-auth': `Bearer ${'aB3dE5'.repeat(4)}` } });
    },
    finding: { rule: 'practice/secret-literal', in: 'shop/test', kind: 'Deployment', name: 'api', path: 'spec.template.metadata.annotations["example.com/upstream-auth"]' },
  },
  {
    rule: 'projected volume source with no key (escape-hatch volume)',
    build: (app) => {
      const chart = chartIn(app, 'shop');
      new ExistingSecret(chart, 'db', { name: 'db', namespace: 'shop', managedBy: 'test' });
      api(chart, { volumes: [{ name: 'creds', projected: { sources: [{ secret: { name: 'db', items: [{ key: '', path: 'password' }] } }] } }], volumeMounts: [{ name: 'creds', mountPath: '/run/secrets/db' }] });
    },
    finding: { rule: 'ref/pod-reference', in: 'shop/test', kind: 'Deployment', name: 'api', path: 'spec.template.spec.volumes[0].projected.sources[0].secret.items[0].key' },
  },
  {
    rule: 'same host in two charts on one cluster',
    build: (app) => shopAndBilling(app, (shop, billing) => {
      ingress(billing, 'pay.example.com');
      ingress(shop, 'pay.example.com');
    }),
    finding: { rule: 'cluster/host-conflict', in: 'shop/test', kind: 'Ingress', name: 'web', path: 'spec.rules' },
  },
  {
    rule: 'same object from two charts on one cluster',
    build: (app) => shopAndBilling(app, (shop, billing) => {
      for (const chart of [billing, shop]) new k8s.KubeStorageClass(chart, 'fast', { metadata: { name: 'fast' }, provisioner: 'pd.csi.storage.gke.io' });
    }),
    finding: { rule: 'cluster/one-owner', in: 'shop/test', kind: 'StorageClass', name: 'fast', path: 'metadata.name' },
  },
  {
    rule: 'ClusterIssuer nothing renders on the destination cluster',
    build: (app) => shopAndBilling(app, (shop) => ingress(shop, 'shop.example.com', 'letsencrypt-prod')),
    finding: { rule: 'cluster/missing-cluster-issuer', in: 'shop/test', kind: 'Ingress', name: 'web', path: 'metadata.annotations.cert-manager.io/cluster-issuer' },
  },
];

describe('mistakes only the gate can see are caught at synth, naming rule, object and path', () => {
  test.each(GATE_CASES.map((c) => [c.rule, c] as const))('%s', (_rule, c) => {
    const app = new App();
    c.build(app);
    const charts = app.charts.filter((chart): chart is PlatformChart => chart instanceof PlatformChart).map(renderChart);
    addCrossChartFindings(charts);
    const findings: Finding[] = charts.flatMap((chart) => chart.findings);
    const { in: where, ...expected } = c.finding;
    const [platform, environment] = where.split('/');
    expect(describeFindings(findings.filter((f) => f.rule !== c.finding.rule))).toBe('');
    expect(findings).toEqual([expect.objectContaining({ ...expected, platform, environment })]);
  });

  test('every gate case breaks a different rule', () => {
    expect(new Set(GATE_CASES.map((c) => c.rule)).size).toBe(GATE_CASES.length);
  });
});

describe('the README\'s error-message examples are what the code prints', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const chart = () => new PlatformChart(new App(), 'shop-production', { platform: 'shop', environment: 'production', namespace: 'shop' });

  test.each([
    ['latest tag', (c: PlatformChart) => new Workload(c, 'api', { ...base, image: 'nginx:latest' })],
    ['secret by value', (c: PlatformChart) => new Workload(c, 'api', { ...base, env: { PAYMENTS: `sk_live_${'4eC39H'.repeat(4)}` } })],
    ['mount of no volume', (c: PlatformChart) => new Workload(c, 'api', { ...base, volumeMounts: [{ name: 'cache', mountPath: '/var/cache/app' }] })],
    ['id collision', (c: PlatformChart) => {
      new NamespaceBaseline(c, 'keycloak', { name: 'keycloak' });
      // The collision is found as the construct is added to its scope, before its props are read.
      return new Keycloak(c, 'keycloak', {} as KeycloakProps);
    }],
  ])('%s', (_what, build) => {
    const error = propErrorOf(() => build(chart()));
    expect(readme).toContain(`synth failed: ${error.message}\n`);
  });
});

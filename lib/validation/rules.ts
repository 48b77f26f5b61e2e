/**
 * The catalogue of every rule the validation gate can emit, keyed by rule id (`<group>/<name>`).
 *
 * Groups: `schema` (Kubernetes 1.28 and vendored CRD schemas, strict), `pss` (Pod Security Standards
 * "restricted", which includes "baseline"), `ref` (references between the rendered objects) and
 * `practice` (production practices in the spirit of kube-linter and Polaris), and `cluster` (conflicts between the
 * rendered sets Argo CD sends to one cluster; checked by `validateAcrossSets`, not by `validateObjects`).
 */
export const RULES = {
  'schema/unknown-kind': { description: 'No schema is known for the apiVersion/kind (Kubernetes 1.28 or a CRD under vendor/crds).' },
  'schema/unknown-field': { description: 'A field that the schema does not define (strict, like kubeconform -strict).' },
  'schema/wrong-type': { description: 'A value of the wrong type, or outside its enum, format, pattern or bounds.' },
  'schema/missing-field': { description: 'A required field is missing.' },
  'schema/duplicate-key': { description: 'A YAML mapping has the same key twice.' },
  'schema/duplicate-object': { description: 'Two objects share apiVersion group, kind, namespace and name; one would overwrite the other.' },

  'pss/host-namespaces': { description: 'hostNetwork, hostPID and hostIPC must be unset or false.' },
  'pss/host-process': { description: 'Windows HostProcess containers (windowsOptions.hostProcess) are not allowed.' },
  'pss/privileged': { description: 'Containers must not run privileged.' },
  'pss/capabilities-add': { description: 'Containers may add back only NET_BIND_SERVICE.' },
  'pss/capabilities-drop-all': { description: 'Containers must drop ALL capabilities.' },
  'pss/volume-types': {
    description: 'Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes (no hostPath).',
  },
  'pss/host-ports': { description: 'Containers must not use hostPort.' },
  'pss/apparmor': { description: 'AppArmor profiles must be runtime/default or localhost/*.' },
  'pss/selinux': { description: 'SELinux type must be container_t, container_init_t or container_kvm_t; user and role must be unset.' },
  'pss/proc-mount': { description: 'procMount must be unset or Default.' },
  'pss/seccomp': { description: 'seccompProfile.type must be RuntimeDefault or Localhost, on the pod or on every container.' },
  'pss/sysctls': { description: 'Only the safe sysctls are allowed.' },
  'pss/privilege-escalation': { description: 'Every container must set allowPrivilegeEscalation: false.' },
  'pss/run-as-non-root': { description: 'runAsNonRoot must be true, on the pod or on every container.' },
  'pss/run-as-user': { description: 'runAsUser must not be 0.' },

  'ref/selector-mismatch': { description: "A workload's spec.selector must match its pod template labels." },
  'ref/service-selects-nothing': { description: 'A Service selector must match a pod template in its namespace.' },
  'ref/service-target-port': { description: "A Service targetPort (number or name) must be a containerPort of the selected pods." },
  'ref/ingress-backend': { description: 'An Ingress backend must be a Service in the same namespace with that port.' },
  'ref/httproute-backend': { description: 'An HTTPRoute backendRef must be a rendered Service with that port.' },
  'ref/httproute-parent': {
    description: "An HTTPRoute's parent Gateway must be rendered, have the named listener, admit the route's namespace and match its hosts.",
  },
  'ref/reference-grant': { description: 'A cross-namespace backendRef or listener certificate needs a ReferenceGrant in the target namespace.' },
  'ref/host-served-twice': { description: 'A host must be served by one Ingress per IngressClass and one HTTPRoute per Gateway listener.' },
  'ref/probe-port': { description: 'A probe port (number or name) must be a containerPort of the same container.' },
  'ref/hpa-target': { description: 'The scaleTargetRef of an HPA or KEDA ScaledObject must be a rendered workload.' },
  'ref/pdb-selects-nothing': { description: 'A PodDisruptionBudget selector must match a pod template in its namespace.' },
  'ref/servicemonitor-selects-nothing': {
    description: 'A ServiceMonitor must select a Service in its namespaces, and its endpoint ports must be named ports of that Service.',
  },
  'ref/missing-serviceaccount': { description: 'A referenced ServiceAccount must be rendered or declared external.' },
  'ref/missing-configmap': { description: 'A referenced ConfigMap must be rendered or declared external.' },
  'ref/missing-secret': {
    description: 'A referenced Secret must be rendered (Secret, SealedSecret, ExternalSecret, Certificate) or declared external.',
  },
  'ref/missing-pvc': { description: 'A referenced PersistentVolumeClaim must be rendered, created by a StatefulSet, or declared external.' },
  'ref/netpol-peer-selects-nothing': { description: 'A NetworkPolicy peer podSelector must match a pod template in a rendered namespace.' },
  'ref/pod-reference': {
    description: 'Inside a pod: volumeMounts name a declared volume, env fieldRef/resourceFieldRef name a served field, a container and a resource, projected sources set one source and item keys.',
  },
  'ref/missing-namespace': { description: 'The namespace of a namespaced object must be rendered or declared external.' },

  'practice/read-only-root-filesystem': { description: 'Every container must set readOnlyRootFilesystem: true.' },
  'practice/image-tag': { description: 'Images must have an explicit tag other than latest, or a digest.' },
  'practice/resources': { description: 'Every container must request CPU and memory and limit memory.' },
  'practice/limits-below-requests': { description: 'A limit must not be lower than its request.' },
  'practice/probes': { description: 'Containers of Deployments, StatefulSets and DaemonSets need readiness and liveness probes.' },
  'practice/high-availability': {
    description: 'A workload with 2 or more replicas needs topology spread or pod anti-affinity, and a PodDisruptionBudget.',
  },
  'practice/duplicate-env': { description: 'A container must not define the same environment variable twice.' },
  'practice/secret-literal-env': {
    description: 'Environment variables must not hold secrets as literals: secret-looking names, or values shaped like keys, tokens or URLs with passwords.',
  },
  'practice/secret-literal': {
    description: 'Container command and args, ConfigMap data and annotations must not hold secrets (tokens, keys, URLs with passwords) as literals.',
  },
  'practice/namespace-set': { description: 'Namespaced objects must set metadata.namespace; cluster-scoped objects must not.' },
  'practice/ingress-tls': { description: 'Every Ingress host must be covered by TLS.' },
  'practice/plaintext-secret': { description: 'Secrets must not be rendered with data: reference them, or render a SealedSecret or ExternalSecret.' },
  'practice/service-account-token': { description: 'Pod specs must set automountServiceAccountToken: false.' },
  'practice/capacity-budget': { description: 'The memory requests and limits of a namespace must fit its capacity budget.' },
  'practice/exemption-invalid': { description: 'A policy exemption annotation must name a known rule and give a reason.' },

  'cluster/one-owner': {
    description: 'Two platforms (or environments) that Argo CD sends to one cluster must not render the same group, kind, namespace and name.',
  },
  'cluster/host-conflict': { description: 'A host may be routed (Ingress rule or HTTPRoute hostname) by only one platform per cluster.' },
  'cluster/certificate-secret': {
    description: 'Two cert-manager Certificates (or issuer-annotated Ingress TLS entries) on one cluster must not write the same Secret.',
  },
  'cluster/missing-cluster-issuer': {
    description: 'A ClusterIssuer an Ingress or Certificate names must be rendered on its destination cluster by one Application, or declared external.',
  },
} satisfies Record<string, { readonly description: string }>;

/** A rule id of the catalogue, e.g. `pss/privileged`. */
export type RuleId = keyof typeof RULES;

/** Whether `id` is a rule id of the catalogue. */
export function isRuleId(id: string): id is RuleId {
  return Object.prototype.hasOwnProperty.call(RULES, id);
}

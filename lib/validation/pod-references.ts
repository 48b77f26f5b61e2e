/**
 * Rule `ref/pod-reference`: references that stay inside one pod spec. The API server rejects a volumeMount that
 * names no volume, a downward-API field or resource it does not serve, a resourceFieldRef to another container that
 * does not exist, and a projected volume source without a source or with an empty item key; the gate finds them
 * before Argo CD's sync does.
 */
import { Issue } from './findings';
import { containerLabel, containersOf, list, PodTemplate, record, str } from './k8s';

/** Fields the downward API serves to env vars (k8s.io/kubernetes pkg/apis/core/validation, validEnvDownwardAPIFieldPathExpressions, 1.28). */
const ENV_FIELDS: ReadonlySet<string> = new Set([
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs',
  'status.podIP', 'status.podIPs',
]);
/** `metadata.labels['key']` and `metadata.annotations['key']` are served too. */
const SUBSCRIPTED_FIELD = /^metadata\.(labels|annotations)\['[^']+'\]$/;
/** Resources a resourceFieldRef may name (validContainerResourceFieldPathExpressions, plus hugepages-*). */
const RESOURCES: ReadonlySet<string> = new Set([
  'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage',
]);
const HUGEPAGES = /^(limits|requests)\.hugepages-[0-9A-Za-z]+$/;
/** The source types of a projected volume; each source sets exactly one. */
const PROJECTED_SOURCES = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle'] as const;

/** Whether `fieldPath` is one the downward API serves to an env var. */
export function isEnvFieldPath(fieldPath: string): boolean {
  return ENV_FIELDS.has(fieldPath) || SUBSCRIPTED_FIELD.test(fieldPath);
}

/** Whether `resource` is one a resourceFieldRef may name. */
export function isContainerResourceField(resource: string): boolean {
  return RESOURCES.has(resource) || HUGEPAGES.test(resource);
}

export function checkPodReferences(template: PodTemplate): Issue[] {
  const issues: Issue[] = [];
  const emit = (path: string, message: string, fix: string) => issues.push({ rule: 'ref/pod-reference', object: template.workload, path, message, fix });
  const volumes = list(template.spec.volumes);
  // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
  const claimTemplates = template.workload.kind === 'StatefulSet'
    ? list(record(template.workload.spec as { volumeClaimTemplates?: readonly { metadata?: { name?: string } }[] }).volumeClaimTemplates) : [];
  const volumeNames = new Set([...volumes.map((v) => str(record(v).name)), ...claimTemplates.map((t) => str(record(record(t).metadata).name))]
    .filter((n): n is string => n !== undefined));
  const containers = containersOf(template);
  const containerNames = new Set(containers.map((c) => str(c.container.name)).filter((n): n is string => n !== undefined));
  const known = (names: Set<string>) => [...names].sort().join(', ') || 'none';

  for (const ref of containers) {
    const who = containerLabel(ref);
    list((ref.container as { volumeMounts?: readonly { name?: string }[] }).volumeMounts).forEach((mount, i) => {
      const name = str(record(mount).name);
      if (name !== undefined && !volumeNames.has(name)) {
        emit(`${ref.path}.volumeMounts[${i}].name`, `${who} mounts volume ${name}, which the pod does not declare (volumes: ${known(volumeNames)})`,
          `add ${name} to ${template.specPath}.volumes, or mount one of the declared volumes`);
      }
    });
    list(ref.container.env).forEach((env, i) => {
      const from = record(record(env).valueFrom as { fieldRef?: { fieldPath?: string }; resourceFieldRef?: { containerName?: string; resource?: string } } | undefined);
      const at = `${ref.path}.env[${i}].valueFrom`;
      const fieldPath = str(record(from.fieldRef).fieldPath);
      if (fieldPath !== undefined && !isEnvFieldPath(fieldPath)) {
        emit(`${at}.fieldRef.fieldPath`, `${who} reads pod field ${fieldPath}, which the downward API does not serve to env vars`,
          `use one of ${[...ENV_FIELDS].join(', ')}, metadata.labels['<key>'] or metadata.annotations['<key>']`);
      }
      const resourceRef = from.resourceFieldRef;
      if (resourceRef !== undefined) {
        const target = str(record(resourceRef).containerName);
        if (target !== undefined && target !== '' && !containerNames.has(target)) {
          emit(`${at}.resourceFieldRef.containerName`, `${who} reads the resources of container ${target}, which is not in the pod (containers: ${known(containerNames)})`,
            'name a container of this pod, or leave containerName out for the container itself');
        }
        const resource = str(record(resourceRef).resource);
        if (resource !== undefined && !isContainerResourceField(resource)) {
          emit(`${at}.resourceFieldRef.resource`, `${who} reads resource ${resource}, which a resourceFieldRef cannot name`,
            `use one of ${[...RESOURCES].join(', ')} or (limits|requests).hugepages-<size>`);
        }
      }
    });
  }

  volumes.forEach((volume, v) => {
    list(record(record(volume).projected).sources as readonly Record<string, unknown>[] | undefined).forEach((source, s) => {
      const at = `${template.specPath}.volumes[${v}].projected.sources[${s}]`;
      const set = PROJECTED_SOURCES.filter((type) => record(source)[type] !== undefined);
      if (set.length !== 1) {
        emit(at, `projected volume ${str(record(volume).name) ?? '?'} has a source with ${set.length === 0 ? 'no source type' : `${set.length} source types (${set.join(', ')})`}`,
          `give each projected source exactly one of ${PROJECTED_SOURCES.join(', ')}`);
      }
      for (const type of ['secret', 'configMap'] as const) {
        list(record(record(source)[type] as { items?: readonly { key?: string }[] } | undefined).items).forEach((item, i) => {
          if (!str(record(item).key)) {
            emit(`${at}.${type}.items[${i}].key`, `projected volume ${str(record(volume).name) ?? '?'} takes an item with no key from its ${type}`,
              `set ${at}.${type}.items[${i}].key to a key of the ${type}`);
          }
        });
      }
    });
  });
  return issues;
}

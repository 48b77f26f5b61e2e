import { validateObjects } from '../../lib/validation';
import { apiContainer, apiPod, baseline, baselineOptions, CTX, Obj } from './fixtures';

/** Rule ref/pod-reference: references inside one pod spec that the API server would refuse. */
function findingsAfter(mutate: (objects: Obj[]) => void): string[] {
  const objects = baseline();
  mutate(objects);
  return validateObjects(objects, CTX, baselineOptions()).findings.map((f) => `${f.rule} ${f.path}: ${f.message}`);
}
const C0 = 'spec.template.spec.containers[0]';

test.each([
  ['a volumeMount naming no volume', (o: Obj[]) => apiContainer(o).volumeMounts.push({ name: 'cache', mountPath: '/cache' }),
    `ref/pod-reference ${C0}.volumeMounts[1].name: container "api" mounts volume cache, which the pod does not declare (volumes: tmp)`],
  ['an env fieldRef the downward API does not serve', (o: Obj[]) => apiContainer(o).env.push({ name: 'POD_PHASE', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }),
    `ref/pod-reference ${C0}.env[3].valueFrom.fieldRef.fieldPath: container "api" reads pod field status.phase, which the downward API does not serve to env vars`],
  ['a resourceFieldRef to a container that does not exist', (o: Obj[]) => apiContainer(o).env.push({ name: 'PROXY_MEM', valueFrom: { resourceFieldRef: { containerName: 'proxy', resource: 'limits.memory' } } }),
    `ref/pod-reference ${C0}.env[3].valueFrom.resourceFieldRef.containerName: container "api" reads the resources of container proxy, which is not in the pod (containers: api)`],
  ['a resourceFieldRef to a resource that does not exist', (o: Obj[]) => apiContainer(o).env.push({ name: 'GPUS', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }),
    `ref/pod-reference ${C0}.env[3].valueFrom.resourceFieldRef.resource: container "api" reads resource limits.gpu, which a resourceFieldRef cannot name`],
  ['a projected source with no key', (o: Obj[]) => apiPod(o).volumes.push({ name: 'creds', projected: { sources: [{ secret: { name: 'api-db', items: [{ key: '', path: 'password' }] } }] } }),
    'ref/pod-reference spec.template.spec.volumes[1].projected.sources[0].secret.items[0].key: projected volume creds takes an item with no key from its secret'],
  ['a projected source with no source type', (o: Obj[]) => apiPod(o).volumes.push({ name: 'creds', projected: { sources: [{}] } }),
    'ref/pod-reference spec.template.spec.volumes[1].projected.sources[0]: projected volume creds has a source with no source type'],
])('%s', (_what, mutate, expected) => {
  expect(findingsAfter(mutate)).toEqual([expected]);
});

test('served fields, own-container resources and complete projected sources pass (StatefulSet claim templates: every platform synth)', () => {
  expect(findingsAfter((o) => {
    apiContainer(o).env.push(
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'TEAM', valueFrom: { fieldRef: { fieldPath: "metadata.labels['team']" } } },
      { name: 'MEM', valueFrom: { resourceFieldRef: { containerName: 'api', resource: 'limits.memory' } } },
    );
    apiPod(o).volumes.push({ name: 'creds', projected: { sources: [{ secret: { name: 'api-db', items: [{ key: 'password', path: 'password' }] } }] } });
    apiContainer(o).volumeMounts.push({ name: 'creds', mountPath: '/run/secrets/db', readOnly: true });
  })).toEqual([]);
});

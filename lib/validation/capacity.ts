/** Rule `practice/capacity-budget`: the memory of a namespace's pods must fit its budget. */
import { Issue } from './findings';
import { Inventory } from './inventory';
import { Container, K8sObject, list, nameOf, PodTemplate, record } from './k8s';
import { formatBytes, parseQuantity } from './quantity';
import { CapacityBudget } from './types';

/** Memory of one pod, in bytes. */
interface PodMemory {
  readonly requests: number;
  readonly limits: number;
}

interface Consumer {
  readonly template: PodTemplate;
  readonly pods: number;
  readonly perPod: PodMemory;
}

function containerMemory(container: Container): PodMemory {
  const resources = record(container.resources);
  const requests = parseQuantity(record(resources.requests).memory) ?? 0;
  // Without a limit a container may use the whole node; count at least its request (practice/resources reports the gap).
  const limits = parseQuantity(record(resources.limits).memory) ?? requests;
  return { requests, limits };
}

/** Per Kubernetes: the regular containers add up; init containers run one at a time, so the largest one counts if it is larger. */
function podMemory(template: PodTemplate): PodMemory {
  const main = list(template.spec.containers).map((c) => containerMemory(record(c)));
  const init = list(template.spec.initContainers).map((c) => containerMemory(record(c)));
  const total = (field: keyof PodMemory): number =>
    Math.max(main.reduce((sum, m) => sum + m[field], 0), ...init.map((m) => m[field]));
  return { requests: total('requests'), limits: total('limits') };
}

/** How many pods a workload runs at most: an autoscaler's maximum, else replicas or parallelism. DaemonSets count one pod. */
function podCount(inventory: Inventory, workload: K8sObject): number {
  const spec = record(workload.spec as { replicas?: number; parallelism?: number; jobTemplate?: { spec?: { parallelism?: number } } });
  switch (workload.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return inventory.autoscalerOf(workload)?.maxReplicas ?? spec.replicas ?? 1;
    case 'Job':
      return spec.parallelism ?? 1;
    case 'CronJob':
      return record(record(spec.jobTemplate).spec).parallelism ?? 1;
    default:
      return 1;
  }
}

/** Checks each budget's namespace; a finding is about the Namespace object (rendered or not). */
export function checkCapacity(inventory: Inventory, budgets: readonly CapacityBudget[]): Issue[] {
  return budgets.flatMap((budget) => {
    const consumers: Consumer[] = inventory
      .podTemplatesIn(budget.namespace)
      .map((template) => ({ template, pods: podCount(inventory, template.workload), perPod: podMemory(template) }));
    const object: K8sObject = inventory.namespaceObject(budget.namespace) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: budget.namespace } };
    return (['requests', 'limits'] as const).flatMap((field): Issue[] => {
      const total = consumers.reduce((sum, c) => sum + c.pods * c.perPod[field], 0);
      if (total <= budget.memoryBytes) return [];
      const top = [...consumers]
        .sort((a, b) => b.pods * b.perPod[field] - a.pods * a.perPod[field])
        .slice(0, 3)
        .map((c) => `${c.template.workload.kind} ${nameOf(c.template.workload)} ${c.pods} × ${formatBytes(c.perPod[field])} = ${formatBytes(c.pods * c.perPod[field])}`);
      return [
        {
          rule: 'practice/capacity-budget',
          object,
          path: `pods.resources.${field}.memory`,
          message: `memory ${field} of the pods in namespace ${budget.namespace} total ${formatBytes(total)} at maximum scale, over the budget of ${formatBytes(budget.memoryBytes)} (${budget.description}); top consumers: ${top.join('; ')}`,
          fix: `lower the memory ${field}, replicas or autoscaler maxReplicas of the top consumers by ${formatBytes(total - budget.memoryBytes)}, or raise the budget if the nodes really have the room`,
        },
      ];
    });
  });
}

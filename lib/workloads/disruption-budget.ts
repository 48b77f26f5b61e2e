import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { check } from '../core/errors';
import { checkDnsSubdomain } from '../core/names';

/** How many pods a voluntary disruption may take: exactly one of the two. */
export interface DisruptionBudgetOptions {
  /** Pods that must stay available, a count or a percentage like "50%". @default - unset */
  readonly minAvailable?: number | string;
  /** Pods that may be down at once, a count or a percentage. @default 1 (when minAvailable is unset) */
  readonly maxUnavailable?: number | string;
}

export interface DisruptionBudgetProps extends DisruptionBudgetOptions {
  /** Name of the PDB. */
  readonly name: string;
  /** Namespace of the PDB and its pods. */
  readonly namespace: string;
  /** Labels of the pods it protects (the workload's selector). */
  readonly selector: Record<string, string>;
  /** The fewest replicas the workload runs (HPA minimum or fixed replicas), to reject budgets that block every eviction. */
  readonly minReplicas: number;
}

/**
 * A PodDisruptionBudget that keeps a workload serving during node drains and upgrades,
 * and refuses budgets that would block every drain (which stalls cluster upgrades).
 */
export class DisruptionBudget extends Construct {
  public readonly resource: ApiObject;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    checkDnsSubdomain(this, 'name', props.name);
    check(this, props.minAvailable === undefined || props.maxUnavailable === undefined, 'minAvailable', props.minAvailable,
      'set either minAvailable or maxUnavailable, not both');
    const maxUnavailable = props.minAvailable === undefined ? props.maxUnavailable ?? 1 : undefined;
    if (props.minAvailable !== undefined) {
      const allowed = disruptionsAllowed(props.minReplicas, props.minAvailable, 'min');
      check(this, allowed !== undefined, 'minAvailable', props.minAvailable, 'must be a non-negative integer or a percentage like "50%"');
      check(this, allowed > 0, 'minAvailable', props.minAvailable,
        `must be lower than the minimum replicas (${props.minReplicas}), or no pod can ever be evicted and node drains block`);
    }
    if (maxUnavailable !== undefined) {
      const allowed = disruptionsAllowed(props.minReplicas, maxUnavailable, 'max');
      check(this, allowed !== undefined, 'maxUnavailable', maxUnavailable, 'must be a non-negative integer or a percentage like "25%"');
      check(this, allowed > 0, 'maxUnavailable', maxUnavailable, 'must allow at least one pod to be evicted, or node drains block');
    }
    const intOrString = (v: number | string) => (typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v));
    this.resource = new k8s.KubePodDisruptionBudget(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        ...(props.minAvailable !== undefined ? { minAvailable: intOrString(props.minAvailable) } : {}),
        ...(maxUnavailable !== undefined ? { maxUnavailable: intOrString(maxUnavailable) } : {}),
        // Lets a drain evict pods that never became ready, so a broken rollout cannot block node maintenance.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}

/** Evictions the budget allows when `replicas` pods are healthy; undefined if the value does not parse. */
function disruptionsAllowed(replicas: number, value: number | string, mode: 'min' | 'max'): number | undefined {
  let count: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) return undefined;
    count = value;
  } else {
    const m = /^(\d{1,3})%$/.exec(value);
    if (!m || Number(m[1]) > 100) return undefined;
    // Kubernetes rounds percentages up for both fields.
    count = Math.ceil((replicas * Number(m[1])) / 100);
  }
  return mode === 'min' ? replicas - count : Math.min(count, replicas);
}

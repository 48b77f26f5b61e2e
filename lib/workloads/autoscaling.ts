import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { check } from '../core/errors';
import { checkDnsSubdomain } from '../core/names';

/** What the HPA scales. */
export interface ScaleTarget {
  /** `apps/v1` kind of the target. */
  readonly kind: 'Deployment' | 'StatefulSet';
  /** Name of the target in the HPA's namespace. */
  readonly name: string;
}

/** Scale-up/scale-down tuning. */
export interface ScalingBehavior {
  /** Seconds the HPA looks back before scaling up; 0 reacts at once. @default 0 */
  readonly scaleUpStabilizationSeconds?: number;
  /** Largest scale-up per minute, as a percentage of current replicas. @default 100 */
  readonly scaleUpPercentPerMinute?: number;
  /** Largest scale-up per minute, in pods (the larger of the two applies). @default 4 */
  readonly scaleUpPodsPerMinute?: number;
  /** Seconds of sustained low load before scaling down. @default 300 */
  readonly scaleDownStabilizationSeconds?: number;
  /** Largest scale-down per minute, as a percentage of current replicas. @default 10 */
  readonly scaleDownPercentPerMinute?: number;
}

export interface AutoscalingOptions extends ScalingBehavior {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Target average CPU utilisation, percent of requests. @default 70 */
  readonly cpuUtilizationPercent?: number;
  /** Target average memory utilisation, percent of requests; `undefined` with `scaleOnMemory: false` leaves memory out. @default 80 */
  readonly memoryUtilizationPercent?: number;
  /** Scale on memory as well as CPU. @default true */
  readonly scaleOnMemory?: boolean;
}

export interface AutoscalerProps extends AutoscalingOptions {
  /** Name of the HPA. @default - the target's name */
  readonly name?: string;
  /** Namespace of the HPA and its target. */
  readonly namespace: string;
  /** The workload to scale. */
  readonly target: ScaleTarget;
}

/**
 * A HorizontalPodAutoscaler (`autoscaling/v2`) on CPU and memory, with a `behavior` that scales up fast
 * and down slowly. When it owns a workload, the workload must not render `spec.replicas`
 * (the Workload construct leaves it out), or Argo CD and the HPA fight over it.
 */
export class Autoscaler extends Construct {
  public readonly resource: ApiObject;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;

  constructor(scope: Construct, id: string, props: AutoscalerProps) {
    super(scope, id);
    const name = props.name ?? props.target.name;
    checkDnsSubdomain(this, 'name', name);
    check(this, Number.isInteger(props.minReplicas) && props.minReplicas >= 1, 'minReplicas', props.minReplicas, 'must be an integer of at least 1');
    check(this, Number.isInteger(props.maxReplicas) && props.maxReplicas >= props.minReplicas, 'maxReplicas', props.maxReplicas,
      `must be an integer not below minReplicas (${props.minReplicas})`);
    check(this, props.maxReplicas > props.minReplicas, 'maxReplicas', props.maxReplicas,
      `must be above minReplicas (${props.minReplicas}); with equal bounds use fixed replicas instead of an HPA`);
    const cpu = props.cpuUtilizationPercent ?? 70;
    const scaleOnMemory = props.scaleOnMemory ?? true;
    const memory = props.memoryUtilizationPercent ?? 80;
    checkPercent(this, 'cpuUtilizationPercent', cpu);
    if (scaleOnMemory) checkPercent(this, 'memoryUtilizationPercent', memory);
    const upWindow = props.scaleUpStabilizationSeconds ?? 0;
    const downWindow = props.scaleDownStabilizationSeconds ?? 300;
    check(this, Number.isInteger(upWindow) && upWindow >= 0 && upWindow <= 3600, 'scaleUpStabilizationSeconds', upWindow, 'must be an integer between 0 and 3600');
    check(this, Number.isInteger(downWindow) && downWindow >= 0 && downWindow <= 3600, 'scaleDownStabilizationSeconds', downWindow, 'must be an integer between 0 and 3600');
    const upPercent = props.scaleUpPercentPerMinute ?? 100;
    const upPods = props.scaleUpPodsPerMinute ?? 4;
    const downPercent = props.scaleDownPercentPerMinute ?? 10;
    check(this, Number.isInteger(upPercent) && upPercent >= 1, 'scaleUpPercentPerMinute', upPercent, 'must be a positive integer');
    check(this, Number.isInteger(upPods) && upPods >= 1, 'scaleUpPodsPerMinute', upPods, 'must be a positive integer');
    check(this, Number.isInteger(downPercent) && downPercent >= 1 && downPercent <= 100, 'scaleDownPercentPerMinute', downPercent, 'must be an integer between 1 and 100');

    this.minReplicas = props.minReplicas;
    this.maxReplicas = props.maxReplicas;
    const metric = (resource: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 => ({
      type: 'Resource',
      resource: { name: resource, target: { type: 'Utilization', averageUtilization } },
    });
    this.resource = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Resource', {
      metadata: { name, namespace: props.namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: props.target.kind, name: props.target.name },
        minReplicas: props.minReplicas,
        maxReplicas: props.maxReplicas,
        metrics: [metric('cpu', cpu), ...(scaleOnMemory ? [metric('memory', memory)] : [])],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: upWindow,
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: upPercent, periodSeconds: 60 },
              { type: 'Pods', value: upPods, periodSeconds: 60 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: downWindow,
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: downPercent, periodSeconds: 60 }],
          },
        },
      },
    });
  }
}

function checkPercent(scope: Construct, prop: string, value: number): void {
  check(scope, Number.isInteger(value) && value >= 1 && value <= 100, prop, value, 'must be an integer percentage between 1 and 100');
}

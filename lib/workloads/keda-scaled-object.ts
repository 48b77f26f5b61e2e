import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { ScaledObject } from '../../imports/keda-scaledobject-keda.sh';
import { ScalingBehavior } from './autoscaling';
import { check } from '../core/errors';
import { checkDnsLabel, checkEnvName } from '../core/names';
import { PlatformChart } from '../core/platform-chart';
import { Workload } from './workload';

/**
 * How KEDA finds the broker's AMQP/HTTP URL, which carries credentials and so never appears in the ScaledObject.
 * - `hostFromEnv`: the name of an environment variable of the target's main container that holds the URL
 *   (usually from a `secretKeyRef`); KEDA resolves it from the pod template.
 * - `triggerAuthentication`: a KEDA `TriggerAuthentication` in the target's namespace mapping the `host` parameter
 *   to a Secret key; it is not rendered here (no vendored CRD), so `managedBy` says who creates it.
 */
export type RabbitMqScalerConnection =
  | { readonly hostFromEnv: string }
  | { readonly triggerAuthentication: string; readonly managedBy: string };

export interface KedaScaledObjectProps extends ScalingBehavior {
  /** The workload KEDA scales. It must have no `autoscaling` (HPA) of its own. */
  readonly target: Workload;
  /** Queue whose length drives the scaling. */
  readonly queueName: string;
  /** Where the broker URL comes from. */
  readonly connection: RabbitMqScalerConnection;
  /** RabbitMQ virtual host. @default - the vhost in the URL */
  readonly vhostName?: string;
  /** Protocol KEDA uses to read the queue: AMQP, or the management HTTP API (then the URL is the management URL). @default 'amqp' */
  readonly protocol?: 'amqp' | 'http';
  /** Ready messages one replica is expected to handle; replicas = ceil(queue length / this). @default 20 */
  readonly messagesPerReplica?: number;
  /** Queue length at which KEDA activates the workload from zero replicas. @default 0 */
  readonly activationQueueLength?: number;
  /** Fewest replicas. Must not be below the workload's `replicas`, which its PDB and spreading were sized for. @default - the workload's replicas */
  readonly minReplicas?: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /** Seconds between queue checks. @default 30 */
  readonly pollingIntervalSeconds?: number;
  /** Seconds after the last active trigger before scaling to zero (only with minReplicas 0). @default 300 */
  readonly cooldownPeriodSeconds?: number;
  /** Replicas to run when KEDA cannot read the queue; `undefined` keeps the current count. @default - no fallback */
  readonly fallbackReplicas?: number;
}

/**
 * A KEDA ScaledObject that scales a Workload on RabbitMQ queue length, with an HPA `behavior` that scales up fast
 * and down slowly. KEDA creates and owns the HPA, so the workload must not have one and its `spec.replicas` is
 * removed, or Argo CD would reset the replica count KEDA set on every sync.
 */
export class KedaScaledObject extends Construct {
  public readonly resource: ApiObject;
  public readonly minReplicas: number;
  public readonly maxReplicas: number;

  constructor(scope: Construct, id: string, props: KedaScaledObjectProps) {
    super(scope, id);
    const target = props.target;
    check(this, target.autoscaler === undefined, 'target', target.name,
      'the workload already has an HPA (its `autoscaling` prop); a ScaledObject creates its own HPA, and two HPAs on one workload fight: remove `autoscaling`');
    check(this, !target.node.tryFindChild('KedaOwned'), 'target', target.name, 'the workload is already owned by another ScaledObject');
    check(this, props.queueName.length > 0 && props.queueName.length <= 255, 'queueName', props.queueName, 'must be a queue name of 1 to 255 characters');
    if ('hostFromEnv' in props.connection) {
      checkEnvName(this, 'connection.hostFromEnv', props.connection.hostFromEnv);
    } else {
      checkDnsLabel(this, 'connection.triggerAuthentication', props.connection.triggerAuthentication);
      check(this, props.connection.managedBy.trim().length > 0, 'connection.managedBy', props.connection.managedBy,
        'say who creates the TriggerAuthentication');
    }
    const perReplica = props.messagesPerReplica ?? 20;
    check(this, Number.isInteger(perReplica) && perReplica >= 1, 'messagesPerReplica', perReplica, 'must be a positive integer');
    const activation = props.activationQueueLength ?? 0;
    check(this, Number.isInteger(activation) && activation >= 0, 'activationQueueLength', activation, 'must be a non-negative integer');
    const minReplicas = props.minReplicas ?? target.minReplicas;
    check(this, Number.isInteger(minReplicas) && minReplicas >= 0, 'minReplicas', minReplicas, 'must be a non-negative integer');
    check(this, minReplicas >= target.minReplicas, 'minReplicas', minReplicas,
      `must not be below the workload's replicas (${target.minReplicas}), which its PodDisruptionBudget and spreading were sized for; lower the workload's replicas instead`);
    check(this, Number.isInteger(props.maxReplicas) && props.maxReplicas > minReplicas && props.maxReplicas >= 1, 'maxReplicas', props.maxReplicas,
      `must be an integer above minReplicas (${minReplicas})`);
    const polling = props.pollingIntervalSeconds ?? 30;
    const cooldown = props.cooldownPeriodSeconds ?? 300;
    check(this, Number.isInteger(polling) && polling >= 1, 'pollingIntervalSeconds', polling, 'must be a positive integer');
    check(this, Number.isInteger(cooldown) && cooldown >= 0, 'cooldownPeriodSeconds', cooldown, 'must be a non-negative integer');
    if (props.fallbackReplicas !== undefined) {
      check(this, Number.isInteger(props.fallbackReplicas) && props.fallbackReplicas >= minReplicas && props.fallbackReplicas <= props.maxReplicas,
        'fallbackReplicas', props.fallbackReplicas, `must be an integer between minReplicas (${minReplicas}) and maxReplicas (${props.maxReplicas})`);
    }
    const upWindow = props.scaleUpStabilizationSeconds ?? 0;
    const downWindow = props.scaleDownStabilizationSeconds ?? 300;
    for (const [prop, v] of [['scaleUpStabilizationSeconds', upWindow], ['scaleDownStabilizationSeconds', downWindow]] as const) {
      check(this, Number.isInteger(v) && v >= 0 && v <= 3600, prop, v, 'must be an integer between 0 and 3600');
    }
    const upPercent = props.scaleUpPercentPerMinute ?? 100;
    const upPods = props.scaleUpPodsPerMinute ?? 4;
    const downPercent = props.scaleDownPercentPerMinute ?? 10;
    check(this, Number.isInteger(upPercent) && upPercent >= 1, 'scaleUpPercentPerMinute', upPercent, 'must be a positive integer');
    check(this, Number.isInteger(upPods) && upPods >= 1, 'scaleUpPodsPerMinute', upPods, 'must be a positive integer');
    check(this, Number.isInteger(downPercent) && downPercent >= 1 && downPercent <= 100, 'scaleDownPercentPerMinute', downPercent,
      'must be an integer between 1 and 100');

    if ('triggerAuthentication' in props.connection) {
      PlatformChart.of(this).addExternalReference({
        kind: 'TriggerAuthentication', namespace: target.namespace, name: props.connection.triggerAuthentication, reason: props.connection.managedBy,
      });
    }
    this.minReplicas = minReplicas;
    this.maxReplicas = props.maxReplicas;

    const metadata: Record<string, string> = {
      mode: 'QueueLength',
      protocol: props.protocol ?? 'amqp',
      queueName: props.queueName,
      value: String(perReplica),
      ...(activation > 0 ? { activationValue: String(activation) } : {}),
      ...(props.vhostName !== undefined ? { vhostName: props.vhostName } : {}),
      ...('hostFromEnv' in props.connection ? { hostFromEnv: props.connection.hostFromEnv } : {}),
    };
    this.resource = new ScaledObject(this, 'Resource', {
      metadata: { name: target.name, namespace: target.namespace },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: target.kind, name: target.name },
        minReplicaCount: minReplicas,
        maxReplicaCount: props.maxReplicas,
        pollingInterval: polling,
        cooldownPeriod: cooldown,
        ...(props.fallbackReplicas !== undefined ? { fallback: { failureThreshold: 3, replicas: props.fallbackReplicas } } : {}),
        advanced: {
          horizontalPodAutoscalerConfig: {
            behavior: {
              scaleUp: {
                stabilizationWindowSeconds: upWindow,
                selectPolicy: 'Max',
                policies: [{ type: 'Percent', value: upPercent, periodSeconds: 60 }, { type: 'Pods', value: upPods, periodSeconds: 60 }],
              },
              scaleDown: {
                stabilizationWindowSeconds: downWindow,
                selectPolicy: 'Min',
                policies: [{ type: 'Percent', value: downPercent, periodSeconds: 60 }],
              },
            },
          },
        },
        triggers: [{
          type: 'rabbitmq',
          metadata: Object.fromEntries(Object.keys(metadata).sort().map((k) => [k, metadata[k]])),
          ...('triggerAuthentication' in props.connection ? { authenticationRef: { name: props.connection.triggerAuthentication } } : {}),
        }],
      },
    });

    // Workload renders spec.replicas whenever it has no HPA of its own; KEDA's HPA owns the count now, and a
    // rendered value would be re-applied by Argo CD on every sync. Workload has no prop for "scaled elsewhere".
    target.resource.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    // Marks the workload as owned, so a second ScaledObject on it is refused.
    new Construct(target, 'KedaOwned');
  }
}

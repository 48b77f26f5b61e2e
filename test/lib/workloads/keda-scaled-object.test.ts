import { KedaScaledObject, KedaScaledObjectProps, Workload, WorkloadProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const consumer: WorkloadProps = {
  image: 'example/consumer:2.0.1',
  resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
  ports: [{ name: 'http', port: 8080 }],
  readiness: { http: { path: '/ready' } },
  liveness: { http: { path: '/live' } },
  env: { AMQP_URL: { secretKeyRef: { secretName: 'amqp', key: 'url' } } },
};

describe('KedaScaledObject', () => {
  test('minimal props: rabbitmq QueueLength trigger, behavior, no spec.replicas on the workload', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    new KedaScaledObject(chart, 'Scaler', { target, queueName: 'usage-events', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 10 });
    const objects = objectsOf(chart);
    const scaled = findObject(objects, 'ScaledObject', 'consumer', 'demo');
    expect(scaled.apiVersion).toBe('keda.sh/v1alpha1');
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'consumer' },
      minReplicaCount: 2,
      maxReplicaCount: 10,
      pollingInterval: 30,
      cooldownPeriod: 300,
    });
    expect(scaled.spec.triggers).toEqual([{
      type: 'rabbitmq',
      metadata: { hostFromEnv: 'AMQP_URL', mode: 'QueueLength', protocol: 'amqp', queueName: 'usage-events', value: '20' },
    }]);
    expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 60 }, { type: 'Pods', value: 4, periodSeconds: 60 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
    });
    const deployment = findObject(objects, 'Deployment', 'consumer', 'demo');
    expect('replicas' in deployment.spec).toBe(false);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    // The PDB and spreading sized for the workload's two replicas remain.
    findObject(objects, 'PodDisruptionBudget', 'consumer', 'demo');
    // No credentials in the ScaledObject.
    expect(JSON.stringify(scaled)).not.toMatch(/amqps?:\/\//);
  });

  test('all props', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', { ...consumer, kind: 'StatefulSet', replicas: 1 });
    const props: Required<KedaScaledObjectProps> = {
      target,
      queueName: 'usage-events',
      connection: { triggerAuthentication: 'rabbitmq-auth', managedBy: 'platform team, keda TriggerAuthentication from the rabbitmq Secret' },
      vhostName: 'aiaas',
      protocol: 'http',
      messagesPerReplica: 50,
      activationQueueLength: 5,
      minReplicas: 1,
      maxReplicas: 6,
      pollingIntervalSeconds: 15,
      cooldownPeriodSeconds: 120,
      fallbackReplicas: 2,
      scaleUpStabilizationSeconds: 30,
      scaleUpPercentPerMinute: 200,
      scaleUpPodsPerMinute: 2,
      scaleDownStabilizationSeconds: 600,
      scaleDownPercentPerMinute: 20,
    };
    new KedaScaledObject(chart, 'Scaler', props);
    const scaled = findObject(objectsOf(chart), 'ScaledObject', 'consumer', 'demo');
    expect(scaled.spec).toMatchObject({
      scaleTargetRef: { kind: 'StatefulSet', name: 'consumer' },
      minReplicaCount: 1, maxReplicaCount: 6, pollingInterval: 15, cooldownPeriod: 120,
      fallback: { failureThreshold: 3, replicas: 2 },
    });
    expect(scaled.spec.triggers).toEqual([{
      type: 'rabbitmq',
      metadata: { activationValue: '5', mode: 'QueueLength', protocol: 'http', queueName: 'usage-events', value: '50', vhostName: 'aiaas' },
      authenticationRef: { name: 'rabbitmq-auth' },
    }]);
    expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies).toEqual([
      { type: 'Percent', value: 200, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 },
    ]);
    expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 600, policies: [{ value: 20 }] });
    expect(chart.externalReferences).toContainEqual(expect.objectContaining({ kind: 'TriggerAuthentication', namespace: 'demo', name: 'rabbitmq-auth' }));
    expect('replicas' in findObject(objectsOf(chart), 'StatefulSet', 'consumer').spec).toBe(false);
  });

  test('fails if the workload already has an HPA', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', { ...consumer, autoscaling: { minReplicas: 2, maxReplicas: 10 } });
    expect(() => new KedaScaledObject(chart, 'Scaler', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 10 }))
      .toThrow(/test\/Scaler: invalid target \("consumer"\): the workload already has an HPA \(its `autoscaling` prop\)/);
  });

  test('fails if a second ScaledObject targets the same workload', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    new KedaScaledObject(chart, 'A', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 10 });
    expect(() => new KedaScaledObject(chart, 'B', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 10 }))
      .toThrow(/invalid target \("consumer"\): the workload is already owned by another ScaledObject/);
  });

  test('fails if minReplicas is below the workload replicas', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    expect(() => new KedaScaledObject(chart, 'S', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, minReplicas: 0, maxReplicas: 10 }))
      .toThrow(/invalid minReplicas \(0\): must not be below the workload's replicas \(2\)/);
  });

  test('fails if maxReplicas is not above minReplicas', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    expect(() => new KedaScaledObject(chart, 'S', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 2 }))
      .toThrow(/invalid maxReplicas \(2\): must be an integer above minReplicas \(2\)/);
  });

  test('fails if the queue name is empty or the env name invalid', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    expect(() => new KedaScaledObject(chart, 'S', { target, queueName: '', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 4 }))
      .toThrow(/invalid queueName \(""\): must be a queue name of 1 to 255 characters/);
    expect(() => new KedaScaledObject(chart, 'T', { target, queueName: 'q', connection: { hostFromEnv: '1BAD' }, maxReplicas: 4 }))
      .toThrow(/invalid connection.hostFromEnv \("1BAD"\)/);
  });

  test('fails if messagesPerReplica is not positive', () => {
    const chart = testChart();
    const target = new Workload(chart, 'consumer', consumer);
    expect(() => new KedaScaledObject(chart, 'S', { target, queueName: 'q', connection: { hostFromEnv: 'AMQP_URL' }, maxReplicas: 4, messagesPerReplica: 0 }))
      .toThrow(/invalid messagesPerReplica \(0\): must be a positive integer/);
  });
});

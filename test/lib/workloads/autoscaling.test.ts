import { Autoscaler, AutoscalerProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const target = { kind: 'Deployment' as const, name: 'api' };

describe('Autoscaler', () => {
  test('minimal props: CPU 70 %, memory 80 %, fast up and slow down', () => {
    const chart = testChart();
    new Autoscaler(chart, 'hpa', { namespace: 'demo', target, minReplicas: 2, maxReplicas: 10 });
    const hpa = findObject(objectsOf(chart), 'HorizontalPodAutoscaler', 'api', 'demo');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(10);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.behavior.scaleDown.policies).toEqual([{ type: 'Percent', value: 10, periodSeconds: 60 }]);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<AutoscalerProps> = {
      name: 'api-hpa', namespace: 'demo', target, minReplicas: 3, maxReplicas: 6, cpuUtilizationPercent: 60, memoryUtilizationPercent: 75,
      scaleOnMemory: false, scaleUpStabilizationSeconds: 30, scaleUpPercentPerMinute: 50, scaleUpPodsPerMinute: 2,
      scaleDownStabilizationSeconds: 600, scaleDownPercentPerMinute: 20,
    };
    new Autoscaler(chart, 'hpa', props);
    const hpa = findObject(objectsOf(chart), 'HorizontalPodAutoscaler', 'api-hpa', 'demo');
    expect(hpa.spec.metrics).toHaveLength(1);
    expect(hpa.spec.behavior.scaleUp.policies).toEqual([{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 2, periodSeconds: 60 }]);
    expect(hpa.spec.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 600, policies: [{ type: 'Percent', value: 20, periodSeconds: 60 }] });
  });

  describe('fails if', () => {
    const build = (p: Partial<AutoscalerProps>) => () => new Autoscaler(testChart(), 'hpa', { namespace: 'demo', target, minReplicas: 2, maxReplicas: 4, ...p });
    test('min is 0', () => expect(build({ minReplicas: 0 })).toThrow(/invalid minReplicas \(0\): must be an integer of at least 1/));
    test('max equals min', () => expect(build({ minReplicas: 3, maxReplicas: 3 })).toThrow(/invalid maxReplicas \(3\): must be above minReplicas \(3\)/));
    test('CPU target is out of range', () => expect(build({ cpuUtilizationPercent: 150 })).toThrow(/invalid cpuUtilizationPercent \(150\): must be an integer percentage between 1 and 100/));
    test('scale-down percentage is out of range', () => expect(build({ scaleDownPercentPerMinute: 0 })).toThrow(/invalid scaleDownPercentPerMinute \(0\)/));
  });
});

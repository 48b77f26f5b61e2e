import { DisruptionBudget, DisruptionBudgetProps } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const base = { name: 'api', namespace: 'demo', selector: { 'app.kubernetes.io/name': 'api' }, minReplicas: 2 };

describe('DisruptionBudget', () => {
  test('minimal props: maxUnavailable 1 and unhealthy pods evictable', () => {
    const chart = testChart();
    new DisruptionBudget(chart, 'pdb', base);
    const pdb = findObject(objectsOf(chart), 'PodDisruptionBudget', 'api', 'demo');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: base.selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<Omit<DisruptionBudgetProps, 'maxUnavailable'>> = { ...base, minAvailable: '50%', minReplicas: 4 };
    new DisruptionBudget(chart, 'pdb', props);
    expect(findObject(objectsOf(chart), 'PodDisruptionBudget', 'api').spec.minAvailable).toBe('50%');
  });

  describe('fails if', () => {
    const build = (p: Partial<DisruptionBudgetProps>) => () => new DisruptionBudget(testChart(), 'pdb', { ...base, ...p });
    test('both fields are set', () => expect(build({ minAvailable: 1, maxUnavailable: 1 })).toThrow(/set either minAvailable or maxUnavailable, not both/));
    test('minAvailable equals the replicas', () => expect(build({ minAvailable: 2 })).toThrow(/must be lower than the minimum replicas \(2\)/));
    test('minAvailable 100%', () => expect(build({ minAvailable: '100%' })).toThrow(/invalid minAvailable \("100%"\): must be lower than the minimum replicas/));
    test('maxUnavailable 0', () => expect(build({ maxUnavailable: 0 })).toThrow(/invalid maxUnavailable \(0\): must allow at least one pod to be evicted/));
    test('a percentage does not parse', () => expect(build({ maxUnavailable: 'half' })).toThrow(/must be a non-negative integer or a percentage/));
  });
});

import { PropValidationError, Workload } from '../../lib';
import { testChart } from '../util';

/**
 * Fixtures for disagreements the cluster tier's gate-soundness property found: props the gate passed but the
 * real API server refused. Each now fails at construction, naming the prop.
 */

const base = {
  name: 'api', image: 'ghcr.io/example/api:1.0.0', resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port: 8080 }], readiness: { tcp: {} }, liveness: { tcp: {} },
};

describe('env reference keys (API server: IsConfigMapKey)', () => {
  // kube-apiserver 1.28: 'spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Invalid value: "..a": must not start with ".."'
  test.each([
    ['configMapKeyRef', { configMapKeyRef: { name: 'settings', key: '..a' } }],
    ['secretKeyRef', { secretKeyRef: { secretName: 'creds', key: '..data' } }],
    ['secretKeyRef', { secretKeyRef: { secretName: 'creds', key: '.' } }],
  ])('a %s key the API server refuses fails at construction', (kind, value) => {
    expect(() => new Workload(testChart(), 'w', { ...base, env: { SETTING: value as any } }))
      .toThrow(PropValidationError);
    expect(() => new Workload(testChart(), 'w', { ...base, env: { SETTING: value as any } }))
      .toThrow(`env.SETTING.${kind}.key`);
  });

  test('keys with dots inside still render', () => {
    const chart = testChart();
    new Workload(chart, 'w', { ...base, env: { A: { configMapKeyRef: { name: 'settings', key: 'app.config.json' } }, B: { secretKeyRef: { secretName: 'creds', key: '.hidden' } } } });
    const deployment = chart.toJson().find((o: any) => o.kind === 'Deployment');
    expect(deployment.spec.template.spec.containers[0].env).toEqual([
      { name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'app.config.json' } } },
      { name: 'B', valueFrom: { secretKeyRef: { name: 'creds', key: '.hidden' } } },
    ]);
  });
});

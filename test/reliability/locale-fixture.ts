import { App } from 'cdk8s';
import { ExistingSecret, NamespaceBaseline, PlatformChart, Postgres, Workload } from '../../lib';
import { toYaml } from '../../lib/render/synth';

/**
 * Renders a chart whose sorted lists hold strings that collate differently by locale ("aa" sorts after "z" in
 * Danish, "y" before "j" in Lithuanian) and prints it. determinism.test.ts runs it under several LANG/LC_ALL values
 * and expects the same bytes: output order must not depend on the machine's locale.
 */
const chart = new PlatformChart(new App(), 'locale', { platform: 'locale', environment: 'test', namespace: 'app' });
new NamespaceBaseline(chart, 'ns', { name: 'app' });
new ExistingSecret(chart, 'pg', { name: 'pg', managedBy: 'fixture' });
const names = ['aa', 'z', 'y', 'j', 'ch', 'h', 'Zz', 'ab'];
new Workload(chart, 'api', {
  image: 'ghcr.io/example/api:1.0.0',
  resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '16Mi' },
  ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }],
  readiness: { tcp: {} },
  liveness: { tcp: {} },
  writableDirectories: names.map((n) => `/var/${n}`),
  volumes: names.map((n) => ({ name: `v${n.toLowerCase()}x`, emptyDir: {} })),
  volumeMounts: names.map((n) => ({ name: `v${n.toLowerCase()}x`, mountPath: `/mnt/${n}` })),
});
new Postgres(chart, 'db', {
  credentials: { username: 'postgres', password: { secretName: 'pg', key: 'password' } },
  databases: names.map((n) => ({ name: `${n.toLowerCase()}_db` })),
});
process.stdout.write(chart.toJson().map((o) => toYaml(o)).join('---\n'));

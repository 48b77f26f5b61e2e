import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from '../util';

/**
 * Charts never write an in-cluster DNS name by hand: constructs expose the addresses clients need
 * (`Workload.serviceHost`, `Keycloak.internalUrl`/`issuerUrl`, `VllmDeployment.openAiBaseUrl`, `Temporal.frontendAddress`,
 * `Postgres.host`), and `clusterServiceHost` names a Service another chart or release renders. A hand-written name
 * drifts when a Service or namespace is renamed; the construct's does not.
 */

test('no chart contains a literal .svc address', () => {
  const root = path.join(__dirname, '..', '..');
  const offenders = filesUnder(path.join(root, 'charts'), '.ts').flatMap((file) => fs.readFileSync(file, 'utf8').split('\n')
    .map((line, i) => ({ where: `${path.relative(root, file)}:${i + 1}`, code: line.replace(/\/\/.*$|^\s*\*.*$/, '') }))
    .filter((l) => /[\w}]\.svc(\.cluster\.local|[:'"`/]|$)/.test(l.code))
    .map((l) => `${l.where}: ${l.code.trim()}`));
  expect(offenders).toEqual([]);
});

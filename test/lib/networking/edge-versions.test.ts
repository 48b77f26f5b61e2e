import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { ADDONS } from '../../../lib/addons/catalog';

// The edge renders against vendored CRDs; the add-ons layer installs Envoy Gateway. Both must name one release.
const ROOT = path.join(__dirname, '../../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
/** Gateway API release each Envoy Gateway release is built against (its go.mod `sigs.k8s.io/gateway-api`). */
const GATEWAY_API_OF: Record<string, string> = { 'v1.9.0': 'v1.6.1' };

const envoyGateway = ADDONS['envoy-gateway'].chart!.version;
const sourceRows = read('vendor/crds/SOURCES.md').split('\n').filter((l) => l.startsWith('| `gateway.'));

describe('Envoy Gateway and Gateway API versions agree across add-ons, vendored CRDs and docs', () => {
  test('the add-on pins a release whose Gateway API version is known here', () => {
    expect(GATEWAY_API_OF[envoyGateway]).toBeDefined();
  });

  test('vendored Envoy Gateway CRDs come from the release the add-on installs', () => {
    const rows = sourceRows.filter((l) => l.startsWith('| `gateway.envoyproxy.io/'));
    expect(rows).toHaveLength(fs.readdirSync(path.join(ROOT, 'vendor/crds/gateway.envoyproxy.io')).length);
    for (const row of rows) expect(row).toContain(`| ${envoyGateway} (\``);
  });

  test('vendored Gateway API CRDs are the standard channel of the release Envoy Gateway builds against', () => {
    const dir = 'vendor/crds/gateway.networking.k8s.io';
    const files = fs.readdirSync(path.join(ROOT, dir));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const crd = parseAllDocuments(read(`${dir}/${file}`))[0].toJS();
      expect([file, crd.metadata.annotations['gateway.networking.k8s.io/bundle-version']]).toEqual([file, GATEWAY_API_OF[envoyGateway]]);
      expect([file, crd.metadata.annotations['gateway.networking.k8s.io/channel']]).toEqual([file, 'standard']);
    }
    const rows = sourceRows.filter((l) => l.startsWith('| `gateway.networking.k8s.io/'));
    expect(rows).toHaveLength(files.length);
    for (const row of rows) expect(row).toContain(`| ${GATEWAY_API_OF[envoyGateway]} (\``);
  });

  test('the migration document names the same releases', () => {
    const doc = read('docs/gateway-api-migration.md');
    expect(doc).toContain(`## The implementation: Envoy Gateway ${envoyGateway}`);
    expect(doc).toContain(`built against Gateway API ${GATEWAY_API_OF[envoyGateway]}`);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { filesUnder } from '../util';

/**
 * lib/README.md's layers, bottom first: a folder may import from the folders before it, never after it, so the
 * architecture stays readable from the tree. A new folder must be placed in this list (and in lib/README.md).
 */
const LAYERS = ['validation', 'core', 'secrets', 'networking', 'workloads', 'data', 'services', 'delivery', 'addons', 'observability', 'topology', 'render'];
const LIB = path.join(__dirname, '..', '..', 'lib');


test('lib/ holds only index.ts and the layer folders, each with a README', () => {
  const entries = fs.readdirSync(LIB, { withFileTypes: true });
  expect(entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => e.name)).toEqual(['index.ts']);
  expect(entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()).toEqual([...LAYERS].sort());
  for (const layer of LAYERS) expect(fs.existsSync(path.join(LIB, layer, 'README.md'))).toBe(true);
});

test('imports only point down the layers', () => {
  const upward: string[] = [];
  for (const layer of LAYERS) {
    for (const file of filesUnder(path.join(LIB, layer), '.ts')) {
      for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const target = path.relative(LIB, path.resolve(path.dirname(file), spec)).split(path.sep);
        if (target[0] === '..') continue; // imports/ (generated CRD classes) is below everything
        const rank = LAYERS.indexOf(target[0]);
        if (rank < 0 || rank > LAYERS.indexOf(layer)) upward.push(`${path.relative(LIB, file)} imports ${spec} (${target[0]})`);
      }
    }
  }
  expect(upward).toEqual([]);
});

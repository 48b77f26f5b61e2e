import * as fs from 'fs';
import * as path from 'path';

/**
 * lib/README.md's layers, bottom first: a folder may import from the folders before it, never after it, so the
 * architecture stays readable from the tree. A new folder must be placed in this list (and in lib/README.md).
 */
const LAYERS = ['validation', 'core', 'secrets', 'networking', 'workloads', 'data', 'services', 'delivery', 'addons', 'observability', 'topology', 'render'];
const LIB = path.join(__dirname, '..', '..', 'lib');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

test('lib/ holds only index.ts and the layer folders, each with a README', () => {
  const entries = fs.readdirSync(LIB, { withFileTypes: true });
  expect(entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => e.name)).toEqual(['index.ts']);
  expect(entries.filter((e) => e.isDirectory()).map((e) => e.name).sort()).toEqual([...LAYERS].sort());
  for (const layer of LAYERS) expect(fs.existsSync(path.join(LIB, layer, 'README.md'))).toBe(true);
});

test('imports only point down the layers', () => {
  const upward: string[] = [];
  for (const layer of LAYERS) {
    for (const file of files(path.join(LIB, layer))) {
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

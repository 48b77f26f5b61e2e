import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ChartWriter } from '../../../lib/render/chart-writer';
import { tree } from '../../util';

describe('ChartWriter (chart directories written on a worker thread)', () => {
  let outdir: string;
  beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-writer-')); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  const files = (entries: Record<string, string>) => new Map(Object.entries(entries));
  const write = (dir: string, entries: Record<string, string>) => {
    fs.mkdirSync(path.join(outdir, dir), { recursive: true });
    for (const [name, text] of Object.entries(entries)) fs.writeFileSync(path.join(outdir, dir, name), text);
  };

  test('commit writes new directories, replaces changed ones whole and leaves identical ones alone', () => {
    write('shop/prod', { 'a.yaml': 'a: 1\n', 'stale.yaml': 'x: 1\n' });
    write('shop/dev', { 'a.yaml': 'a: 1\n' });
    const untouched = fs.statSync(path.join(outdir, 'shop/dev/a.yaml')).ino;
    const writer = new ChartWriter(3);
    writer.write(path.join(outdir, 'shop/prod'), files({ 'a.yaml': 'a: 2\n' }));
    writer.write(path.join(outdir, 'shop/dev'), files({ 'a.yaml': 'a: 1\n' }));
    writer.write(path.join(outdir, 'blog/prod'), files({ 'b.yaml': 'b: 1\n', 'kustomization.yaml': 'resources: []\n' }));
    expect(writer.commit()).toEqual([path.join(outdir, 'shop/prod'), path.join(outdir, 'blog/prod')]);
    expect(tree(outdir)).toEqual({
      'blog/prod/b.yaml': 'b: 1\n', 'blog/prod/kustomization.yaml': 'resources: []\n', 'shop/dev/a.yaml': 'a: 1\n', 'shop/prod/a.yaml': 'a: 2\n',
    });
    expect(fs.statSync(path.join(outdir, 'shop/dev/a.yaml')).ino).toBe(untouched);
  });

  test('discard leaves the output directory as it was, with no temporary directory behind', () => {
    write('shop/prod', { 'a.yaml': 'a: 1\n' });
    const before = tree(outdir);
    const writer = new ChartWriter(2);
    writer.write(path.join(outdir, 'shop/prod'), files({ 'a.yaml': 'a: 2\n' }));
    writer.write(path.join(outdir, 'blog/prod'), files({ 'b.yaml': 'b: 1\n' }));
    writer.discard();
    expect(tree(outdir)).toEqual(before);
    expect(fs.readdirSync(path.join(outdir, 'shop'))).toEqual(['prod']);
    expect(fs.readdirSync(outdir)).toEqual(['shop']);
  });

  test('more charts than its capacity is a programming error, said at once', () => {
    const writer = new ChartWriter(1);
    writer.write(path.join(outdir, 'a/b'), files({ 'a.yaml': 'a: 1\n' }));
    expect(() => writer.write(path.join(outdir, 'c/d'), files({}))).toThrow(/more charts than its capacity \(1\)/);
    writer.discard();
  });
});

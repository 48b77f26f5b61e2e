import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { buildApp } from '../../charts';
import { PlatformChart } from '../../lib';
import { toYaml } from '../../lib/render/synth';
import { checkDuplicateKeys } from '../../lib/validation';
import { mayHaveDuplicateKeys } from '../../lib/validation/yaml-keys';

/** The reference: the full parser's duplicate-key errors. */
function parserFindsDuplicate(text: string): boolean {
  return parseAllDocuments(text, { uniqueKeys: true }).some((d) => d.errors.some((e) => e.code === 'DUPLICATE_KEY'));
}

const ctx = { platform: 'p', environment: 'e' };
/**
 * Random documents per property and run (400–500 until 2026-12). Each run draws a new seed, a failure prints the
 * seed that replays it (FC_SEED), and the nightly soak (.github/workflows/property-soak.yml) sets FC_NUM_RUNS=2000.
 */
const RUNS = Number(process.env.FC_NUM_RUNS) > 0 ? Number(process.env.FC_NUM_RUNS) : 200;
const SETTINGS = { numRuns: RUNS, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) };

describe('mayHaveDuplicateKeys (fast pre-check of schema/duplicate-key)', () => {
  test('says "no" for the YAML synth writes, for every platform', () => {
    const app = new App();
    buildApp(app);
    const texts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).flatMap((c) => c.toJson()).map((o) => toYaml(o));
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.filter((t) => mayHaveDuplicateKeys(t))).toEqual([]);
  });

  test('never says "no" when the parser finds a duplicate (random documents with a repeated key spliced in)', () => {
    const key = fc.oneof(fc.constantFrom('name', 'app.kubernetes.io/name', 'a b', 'x-y', 'port', 'on', '1', 'k'), fc.string({ maxLength: 6 }));
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constant('line1\nline2'), fc.constant('  lead'));
    fc.assert(fc.property(fc.dictionary(key, fc.oneof(value, fc.dictionary(key, value), fc.array(fc.dictionary(key, value), { maxLength: 3 }))), key, value, fc.nat(),
      (object, dupKey, dupValue, at) => {
        const text = toYaml(object);
        // Repeat one top-level line's key (or add `dupKey` twice) at the top level.
        const lines = text.split('\n').filter((l) => l.length > 0);
        const top = lines.filter((l) => !l.startsWith(' ') && !l.startsWith('-') && l.includes(':'));
        const extra = top.length > 0 ? top[at % top.length] : `${toYaml({ [dupKey]: dupValue }).trimEnd()}\n${toYaml({ [dupKey]: dupValue }).trimEnd()}`;
        const spliced = `${text}${extra}\n`;
        if (parserFindsDuplicate(spliced)) expect(mayHaveDuplicateKeys(spliced)).toBe(true);
      }), SETTINGS);
  });

  test('never says "no" when the parser finds a duplicate (a random line repeated in place, at any depth)', () => {
    const key = fc.constantFrom('name', 'image', 'app.kubernetes.io/name', 'k', 'a b');
    const value = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constant('x\ny'));
    const tree = fc.letrec((tie) => ({ node: fc.oneof({ depthSize: 'small' }, value, fc.dictionary(key, tie('node')), fc.array(tie('node'), { maxLength: 3 })) })).node;
    fc.assert(fc.property(fc.dictionary(key, tree, { minKeys: 1 }), fc.nat(), (object, at) => {
      const lines = toYaml(object).trimEnd().split('\n');
      const i = at % lines.length;
      // A copy of the line right below it; a `- ` item start becomes a sibling key of that item.
      const copy = lines[i].replace(/^(\s*)- /, '$1  ');
      const text = `${[...lines.slice(0, i + 1), copy, ...lines.slice(i + 1)].join('\n')}\n`;
      if (parserFindsDuplicate(text)) expect(mayHaveDuplicateKeys(text)).toBe(true);
    }), SETTINGS);
  });

  test('agrees with the parser on random stringified objects (no false "no")', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
      const text = toYaml(value);
      if (parserFindsDuplicate(text)) expect(mayHaveDuplicateKeys(text)).toBe(true);
    }), SETTINGS);
  });

  test.each([
    ['a plain key twice', 'a: 1\nb: 2\na: 3\n'],
    ['a plain and a quoted spelling of one key', 'a: 1\n"a": 2\n'],
    ['a single-quoted key', "'it''s': 1\n\"it's\": 2\n"],
    ['a nested mapping', 'spec:\n  replicas: 1\n  replicas: 2\n'],
    ['a mapping inside a sequence item', 'containers:\n  - name: a\n    image: x\n    name: b\n'],
    ['a sequence at the parent indent', 'items:\n- a: 1\n  a: 2\n'],
    ['keys that resolve to the same number', '1: a\n01: b\n'],
    ['a flow mapping', 'labels: {a: 1, a: 2}\n'],
    ['after a multi-line quoted scalar', 'a: "one\n  two"\nb: 1\nb: 2\n'],
  ])('says "maybe" for %s, and the gate reports it', (_name, text) => {
    expect(mayHaveDuplicateKeys(text)).toBe(true);
    if (parserFindsDuplicate(text)) expect(checkDuplicateKeys(text, ctx, 'x.yaml').map((f) => f.rule)).toContain('schema/duplicate-key');
  });

  test.each([
    ['siblings in different mappings', 'a:\n  x: 1\nb:\n  x: 2\n'],
    ['the same key in two sequence items', 'items:\n  - name: a\n  - name: b\n- name: c\n'.replace('- name: c\n', '')],
    ['a block scalar whose lines look like keys', 'data:\n  conf: |-\n    a: 1\n    a: 2\n  other: x\n'],
    ['a block scalar in a sequence', 'args:\n  - |\n    a: 1\n    a: 1\n  - b\n'],
    ['a second document', 'a: 1\n---\na: 2\n'],
  ])('says "no" for %s', (_name, text) => {
    expect(parserFindsDuplicate(text)).toBe(false);
    expect(mayHaveDuplicateKeys(text)).toBe(false);
  });
});

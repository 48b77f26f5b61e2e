import * as fc from 'fast-check';
import { EXEMPTION_PREFIX, formatFindings, validateObjects } from '../../lib/validation';
import { apiContainer, baseline, baselineOptions, CTX, find, Obj } from './fixtures';

describe('baseline', () => {
  test('a well-formed platform yields no findings and no exemptions', () => {
    const report = validateObjects(baseline(), CTX, baselineOptions());
    expect(formatFindings(report)).toBe('0 finding(s), 0 exempted');
    expect(report).toEqual({ findings: [], exempted: [] });
  });

  test('validating does not change the objects', () => {
    const objects = baseline();
    validateObjects(objects, CTX, baselineOptions());
    expect(objects).toEqual(baseline());
  });
});

describe('exemptions', () => {
  function writableRoot(annotate: (objects: Obj[]) => void): ReturnType<typeof validateObjects> {
    const objects = baseline();
    apiContainer(objects).securityContext.readOnlyRootFilesystem = false;
    annotate(objects);
    return validateObjects(objects, CTX, baselineOptions());
  }
  const KEY = `${EXEMPTION_PREFIX}practice.read-only-root-filesystem`;

  test('an annotation on the workload moves the finding into exempted, with its reason', () => {
    const report = writableRoot((o) => (find(o, 'Deployment', 'api').metadata.annotations = { [KEY]: 'nginx writes to /var/cache' }));
    expect(report.findings).toEqual([]);
    expect(report.exempted).toEqual([
      expect.objectContaining({
        rule: 'practice/read-only-root-filesystem',
        kind: 'Deployment',
        name: 'api',
        path: 'spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem',
        exemption: 'nginx writes to /var/cache',
      }),
    ]);
    expect(formatFindings(report)).toContain('Exempted: nginx writes to /var/cache');
  });

  test('an annotation on the pod template works too', () => {
    const report = writableRoot((o) => (find(o, 'Deployment', 'api').spec.template.metadata.annotations = { [KEY]: 'legacy image' }));
    expect(report.findings).toEqual([]);
    expect(report.exempted.map((f) => f.exemption)).toEqual(['legacy image']);
  });

  test('an exemption covers only the rule it names', () => {
    const report = writableRoot((o) => (find(o, 'Deployment', 'api').metadata.annotations = { [`${EXEMPTION_PREFIX}pss.privileged`]: 'not needed' }));
    expect(report.findings.map((f) => f.rule)).toEqual(['practice/read-only-root-filesystem']);
    expect(report.exempted).toEqual([]);
  });

  test('an exemption without a reason is itself a finding, and exempts nothing', () => {
    const report = writableRoot((o) => (find(o, 'Deployment', 'api').metadata.annotations = { [KEY]: ' ' }));
    expect(report.findings.map((f) => f.rule).sort()).toEqual(['practice/exemption-invalid', 'practice/read-only-root-filesystem']);
    expect(report.findings.find((f) => f.rule === 'practice/exemption-invalid')?.message).toBe(
      'the exemption from practice/read-only-root-filesystem gives no reason',
    );
  });

  test('a misspelt rule id is a finding that suggests the right one', () => {
    const report = writableRoot((o) => (find(o, 'Deployment', 'api').metadata.annotations = { [`${EXEMPTION_PREFIX}pss.read-only-root-filesystem`]: 'cache' }));
    const invalid = report.findings.find((f) => f.rule === 'practice/exemption-invalid');
    expect(invalid?.fix).toBe(`did you mean ${KEY}?`);
  });

  test('practice/exemption-invalid cannot be exempted', () => {
    const objects = baseline();
    find(objects, 'Service', 'api').metadata.annotations = {
      [`${EXEMPTION_PREFIX}practice.exemption-invalid`]: 'please',
    };
    expect(validateObjects(objects, CTX, baselineOptions()).findings.map((f) => f.rule)).toEqual(['practice/exemption-invalid']);
  });
});

describe('formatFindings', () => {
  test('each finding names rule, platform, environment, kind, namespace/name, path, message and fix', () => {
    const objects = baseline();
    apiContainer(objects).securityContext.allowPrivilegeEscalation = true;
    const text = formatFindings(validateObjects(objects, CTX, baselineOptions()));
    expect(text).toBe(
      [
        '1 finding(s), 0 exempted',
        '',
        '[pss/privilege-escalation] shop-platform/staging Deployment shop/api at spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: ' +
          'container "api" does not set allowPrivilegeEscalation: false. ' +
          'Fix: set spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: false (the Workload construct does this by default)',
      ].join('\n'),
    );
  });

  test('cluster-scoped objects are named without a namespace', () => {
    const text = formatFindings(
      validateObjects([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labelz: {} } }], CTX),
    );
    expect(text).toContain('] shop-platform/staging Namespace shop at metadata.labelz: ');
  });
});

describe('robustness', () => {
  test('entries that are not objects are findings, not crashes', () => {
    const report = validateObjects([null, 'x', ...baseline()], CTX, baselineOptions());
    expect(report.findings.map((f) => [f.rule, f.name])).toEqual([
      ['schema/wrong-type', 'objects[0]'],
      ['schema/wrong-type', 'objects[1]'],
    ]);
  });

  /** Every field path of a JSON value, as key lists. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [prefix];
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    return [prefix, ...entries.flatMap(([key, child]) => paths(child, [...prefix, key]))];
  }

  test('any value at any field of the baseline is reported, never thrown', () => {
    const fields = baseline().flatMap((object, i) => paths(object, [i]).filter((p) => p.length > 1));
    fc.assert(
      fc.property(fc.nat(fields.length - 1), fc.jsonValue(), (index, value) => {
        const objects: Obj[] = baseline();
        const path = fields[index];
        let parent: any = objects;
        for (const key of path.slice(0, -1)) parent = parent[key];
        parent[path[path.length - 1]] = value;
        validateObjects(objects, CTX, baselineOptions());
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});

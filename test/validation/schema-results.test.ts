import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The synth's schema result cache (lib/validation/schema-results.ts): a pass is reused only for the same object
 * under the same catalog and CRDs, a failure is always recomputed, and the cache is off unless turned on.
 */
type Modules = {
  results: typeof import('../../lib/validation/schema-results');
  catalog: typeof import('../../lib/validation/schema-catalog');
  gate: typeof import('../../lib/validation');
};

const CTX = { platform: 'shop', environment: 'test' };
/** The schema findings (the lone Service also selects no pods, which is another rule's business). */
const schemaFindings = (gate: Modules['gate'], objects: unknown[]) =>
  gate.validateObjects(objects, CTX).findings.filter((f) => f.rule.startsWith('schema/')).map((f) => `${f.rule} ${f.path}`);
const service = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...extra },
});

describe('schema result cache', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-results-'));
    process.env.PLATFORM_VALIDATION_CACHE_DIR = dir;
    delete process.env.PLATFORM_VALIDATION_NO_RESULT_CACHE;
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const SHARED = Symbol.for('platform-manifests.schema-results');
  /** A fresh copy of the validation modules, as a new process would load them (`sameProcess`: as the watcher does). */
  function load(sameProcess = false): Modules {
    if (!sameProcess) delete (globalThis as Record<symbol, unknown>)[SHARED];
    let modules: Modules | undefined;
    jest.isolateModules(() => {
      modules = {
        results: require('../../lib/validation/schema-results'),
        catalog: require('../../lib/validation/schema-catalog'),
        gate: require('../../lib/validation'),
      };
    });
    return modules!;
  }

  test('is off by default: nothing is recorded and every object is validated', () => {
    const { results, gate } = load();
    expect(results.schemaResultCacheEnabled()).toBe(false);
    expect(results.schemaResultKey('v1', 'Service', service())).toBeUndefined();
    expect(schemaFindings(gate, [service()])).toEqual([]);
    results.saveSchemaResults();
    expect(fs.existsSync(path.join(dir, 'schema-results.json'))).toBe(false);
  });

  test('a pass is reused by the next run for the same object only; a changed or invalid object is validated again', () => {
    const first = load();
    first.catalog.enableSchemaResults();
    expect(schemaFindings(first.gate, [service()])).toEqual([]);
    first.results.saveSchemaResults();
    const stored = JSON.parse(fs.readFileSync(path.join(dir, 'schema-results.json'), 'utf8'));
    expect(stored.valid).toHaveLength(1);

    const second = load();
    second.catalog.enableSchemaResults();
    expect(second.results.knownValid(second.results.schemaResultKey('v1', 'Service', service()))).toBe(true);
    expect(second.results.knownValid(second.results.schemaResultKey('v1', 'Service', service({ type: 'ClusterIP' })))).toBe(false);
    // The same object with an unknown field: a different key, so the validator runs and reports it.
    expect(schemaFindings(second.gate, [service({ clusterIPs: ['10.0.0.1'], bogus: true })])).toEqual(['schema/unknown-field spec.bogus']);
  });

  test('a pass recorded under another catalog (rules, definitions, ajv) or other CRDs does not count', () => {
    const first = load();
    first.catalog.enableSchemaResults();
    expect(schemaFindings(first.gate, [service()])).toEqual([]);
    first.results.saveSchemaResults();

    const other = load();
    other.results.enableSchemaResultCache(() => 'another catalog', path.join(__dirname, '..', '..', 'vendor', 'crds'));
    expect(other.results.knownValid(other.results.schemaResultKey('v1', 'Service', service()))).toBe(false);
  });

  test('the watcher\'s fresh module copies share one state: a pass is known to the next re-render, one exit hook in all', () => {
    const hooks = process.listenerCount('exit');
    const first = load();
    first.catalog.enableSchemaResults();
    expect(schemaFindings(first.gate, [service()])).toEqual([]);
    for (let i = 0; i < 12; i++) {
      const next = load(true);
      next.catalog.enableSchemaResults();
      expect(next.results.knownValid(next.results.schemaResultKey('v1', 'Service', service()))).toBe(true);
      expect(next.results.knownValid(next.results.schemaResultKey('v1', 'Service', service({ type: 'ClusterIP' })))).toBe(false);
    }
    expect(process.listenerCount('exit')).toBe(hooks + 1);
  });

  test('an edited CRD file of the kind\'s group makes its passes miss, across processes and within the watcher', () => {
    const crds = path.join(dir, 'crds');
    fs.cpSync(path.join(__dirname, '..', '..', 'vendor', 'crds', 'cert-manager.io'), path.join(crds, 'cert-manager.io'), { recursive: true });
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'web', namespace: 'default' } };
    const keyIn = (m: Modules) => {
      m.results.enableSchemaResultCache(() => 'catalog', crds);
      return m.results.schemaResultKey('cert-manager.io/v1', 'Certificate', certificate);
    };
    const first = load();
    first.results.recordValid(keyIn(first));
    first.results.saveSchemaResults();
    const second = load();
    expect(second.results.knownValid(keyIn(second))).toBe(true);

    const file = path.join(crds, 'cert-manager.io', fs.readdirSync(path.join(crds, 'cert-manager.io')).sort()[0]);
    fs.appendFileSync(file, '# edited\n');
    const watcherCopy = load(true);
    expect(watcherCopy.results.knownValid(keyIn(watcherCopy))).toBe(false);
    const third = load();
    expect(third.results.knownValid(keyIn(third))).toBe(false);
  });

  test('PLATFORM_VALIDATION_NO_RESULT_CACHE=1 keeps it off even when a synth asks for it', () => {
    process.env.PLATFORM_VALIDATION_NO_RESULT_CACHE = '1';
    const { results, catalog } = load();
    catalog.enableSchemaResults();
    expect(results.schemaResultCacheEnabled()).toBe(false);
  });
});

/**
 * A cache of schema results for the synth: which objects already passed the strict schema of their kind, and
 * whether a kind is namespaced. A warm synth then loads no validator, no Kubernetes definitions and no CRD.
 *
 * Every key is a SHA-256 over everything the answer depends on: the catalog's fingerprint (how schemas are
 * prepared and compiled, the Kubernetes definitions, ajv's and ajv-formats' versions), the text of every CRD file
 * of the kind's group, the apiVersion and kind, and, for a pass, the object's JSON. An edited object, CRD or rule
 * misses and is validated afresh; only passes are stored (a failure is always recomputed, with its messages).
 *
 * Off unless {@link enableSchemaResultCache} is called: `main()` and the watcher turn it on; the tests that
 * judge the gate call `validateObjects` directly and always run the validators.
 * `PLATFORM_VALIDATION_NO_RESULT_CACHE=1` turns it off for a synth too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { groupOf } from './k8s';
import { contentHash, readCache, writeCache } from './parse-cache';

const CACHE_FILE = 'schema-results.json';
/** Entries kept across runs: several times the app (607 objects today), so filtered runs do not evict the rest. */
const MAX_ENTRIES = 8192;

interface Stored {
  /** Keys of objects that passed their schema. */
  readonly valid: string[];
  /** Key of an apiVersion/kind → whether it is namespaced. */
  readonly namespaced: Record<string, boolean>;
  /** Group → the hash of its CRD files and the stat it was taken at, so a warm synth does not read the CRDs. */
  readonly groups?: Record<string, { stat: string; hash: string }>;
}

interface State {
  /** Fingerprint of the schema catalog (see schema-catalog.ts `catalogFingerprint`). */
  readonly catalog: string;
  readonly crdDir: string;
  readonly stored: Set<string>;
  readonly used: Set<string>;
  readonly namespaced: Map<string, boolean>;
  /** Group → its CRD files' hash, with the size, modification time and inode of each file it was taken from. */
  readonly groups: Map<string, { stat: string; hash: string }>;
  dirty: boolean;
}

let state: State | undefined;

/**
 * What every copy of this module in the process shares: the watcher evaluates a fresh bundle of the app for each
 * re-render, and each would otherwise read the stored results again and add another exit hook.
 */
interface ProcessShared {
  state?: State;
  exitHook?: boolean;
}
const SHARED: ProcessShared = ((globalThis as { [key: symbol]: ProcessShared })[Symbol.for('platform-manifests.schema-results')] ??= {});

/**
 * Turns the cache on for this process. `catalog` is the schema catalog's fingerprint and `crdDir` the vendored
 * CRDs; results are written back when the process exits.
 */
export function enableSchemaResultCache(catalog: () => string, crdDir: string): void {
  if (state || process.env.PLATFORM_VALIDATION_NO_RESULT_CACHE) return;
  const fingerprint = catalog();
  if (SHARED.state && SHARED.state.catalog === fingerprint && SHARED.state.crdDir === crdDir) {
    state = SHARED.state;
    return;
  }
  let stored: Stored = { valid: [], namespaced: {} };
  try {
    const text = readCache(CACHE_FILE);
    if (text !== undefined) stored = JSON.parse(text) as Stored;
  } catch {
    // A corrupt file is replaced on exit.
  }
  // A catalog that changed while the process ran (the watcher) starts from what the last one saved.
  if (SHARED.state) saveState(SHARED.state);
  state = {
    catalog: fingerprint, crdDir, stored: new Set(stored.valid), used: new Set(),
    namespaced: new Map(Object.entries(stored.namespaced ?? {})), groups: new Map(Object.entries(stored.groups ?? {})), dirty: false,
  };
  SHARED.state = state;
  if (!SHARED.exitHook) {
    SHARED.exitHook = true;
    process.once('exit', () => SHARED.state && saveState(SHARED.state));
  }
}

/** Whether the cache is on. */
export function schemaResultCacheEnabled(): boolean {
  return state !== undefined;
}

/**
 * The text of every CRD file of `group`, hashed ('' for the Kubernetes API itself); hashed again only when a file's
 * size, modification time or inode changed since the hash was stored (in the cache file, or by an earlier re-render
 * of the watcher).
 */
function groupFingerprint(s: State, group: string): string {
  if (group === '') return contentHash(group);
  const dir = path.join(s.crdDir, group);
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    files = [];
  }
  const stat = files.map((f) => {
    const st = fs.statSync(path.join(dir, f), { bigint: true });
    return `${f}:${st.size}:${st.mtimeNs}:${st.ino}`;
  }).join('/');
  let entry = s.groups.get(group);
  if (entry?.stat !== stat) {
    entry = { stat, hash: contentHash(group, ...files.flatMap((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')])) };
    s.groups.set(group, entry);
    s.dirty = true;
  }
  return entry.hash;
}

function kindKey(s: State, apiVersion: string, kind: string): string {
  // Once per kind and module copy (`local`): a watcher's next re-render checks the CRD files again.
  const id = `${apiVersion}/${kind}`;
  let key = local.kinds.get(id);
  if (key === undefined) {
    key = contentHash(s.catalog, groupFingerprint(s, groupOf(apiVersion)), apiVersion, kind);
    local.kinds.set(id, key);
  }
  return key;
}

/** Per copy of this module: the kind keys of this render. */
const local = { kinds: new Map<string, string>() };

/** The key of `object`'s schema result, or undefined when the cache is off. */
export function schemaResultKey(apiVersion: string, kind: string, object: unknown): string | undefined {
  if (!state) return undefined;
  return contentHash(kindKey(state, apiVersion, kind), JSON.stringify(object));
}

/** Whether the object with this key passed its schema before. */
export function knownValid(key: string | undefined): boolean {
  if (!state || key === undefined || !state.stored.has(key)) return false;
  state.used.add(key);
  return true;
}

/** Records a pass. */
export function recordValid(key: string | undefined): void {
  if (!state || key === undefined) return;
  state.used.add(key);
  if (!state.stored.has(key)) {
    // Known from now on: a watcher's next re-render in this process reuses it too.
    state.stored.add(key);
    state.dirty = true;
  }
}

/** Whether `apiVersion`/`kind` is namespaced, as recorded; undefined when unknown or the cache is off. */
export function cachedNamespaced(apiVersion: string, kind: string): boolean | undefined {
  return state ? state.namespaced.get(kindKey(state, apiVersion, kind)) : undefined;
}

/** Records whether `apiVersion`/`kind` is namespaced. */
export function recordNamespaced(apiVersion: string, kind: string, namespaced: boolean): void {
  if (!state) return;
  const key = kindKey(state, apiVersion, kind);
  if (state.namespaced.get(key) !== namespaced) {
    state.namespaced.set(key, namespaced);
    state.dirty = true;
  }
}

/** Writes what this run used first, then older entries, up to {@link MAX_ENTRIES}; runs at exit. */
export function saveSchemaResults(): void {
  if (state) saveState(state);
}

function saveState(s: State): void {
  if (!s.dirty) return;
  const valid = [...s.used, ...[...s.stored].filter((k) => !s.used.has(k))].slice(0, MAX_ENTRIES);
  const namespaced = Object.fromEntries([...s.namespaced.entries()].slice(-MAX_ENTRIES));
  writeCache(CACHE_FILE, JSON.stringify({ valid, namespaced, groups: Object.fromEntries(s.groups) } satisfies Stored));
  s.dirty = false;
}

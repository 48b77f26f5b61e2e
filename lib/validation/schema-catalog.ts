/**
 * Finds and compiles the JSON schema of an apiVersion/kind: the Kubernetes 1.28 definitions, and the
 * `openAPIV3Schema` of every served version of the CRDs vendored under `vendor/crds/<group>/`.
 *
 * Everything is loaded lazily and cached for the life of the process: the definitions on first use,
 * a CRD file when one of its kinds is first requested, and one compiled validator per apiVersion/kind.
 *
 * Schemas are made strict the way `kubeconform -strict` does: `additionalProperties: false` on every
 * object schema that lists `properties` (except where a CRD says `x-kubernetes-preserve-unknown-fields`).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vm from 'vm';
// ajv itself is loaded only to compile a validator (getAjv): a synth whose validators or schema results are all
// cached never evaluates it (~30 ms of module start-up, in the synth and in every Jest test file).
import type Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { groupOf } from './k8s';
import { contentHash, parseYamlFileCached, readCache, readCacheBytes, writeCache } from './parse-cache';
import { enableSchemaResultCache } from './schema-results';

const VENDOR_DIR = path.join(__dirname, '..', '..', 'vendor');
const DEFINITIONS_FILE = path.join(VENDOR_DIR, 'schemas', 'k8s-v1.28.0', '_definitions.json');
const CRD_DIR = path.join(VENDOR_DIR, 'crds');
/** An API group name; anything else is never looked up on disk. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DEFINITIONS_ID = 'k8s-v1.28.0';
const OBJECT_META_REF = `${DEFINITIONS_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
/** The grammar of resource.Quantity, which the definitions leave as any string. */
export const QUANTITY_PATTERN = '^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$';

/** The schema given to `status`: it is owned by the server, never rendered, and compiling it is slow. */
const SERVER_OWNED: SchemaNode = { type: 'object' };

/** Cluster-scoped kinds of the Kubernetes 1.28 API (the definitions do not say which kinds are namespaced). */
const CLUSTER_SCOPED_CORE_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CertificateSigningRequest', 'ClusterCIDR', 'ClusterRole', 'ClusterRoleBinding', 'ClusterTrustBundle',
  'ComponentStatus', 'CSIDriver', 'CSINode', 'CustomResourceDefinition', 'FlowSchema', 'IngressClass', 'IPAddress',
  'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration',
  'ResourceClass', 'RuntimeClass', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'SelfSubjectRulesReview',
  'StorageClass', 'StorageVersion', 'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration', 'VolumeAttachment',
]);

/** A JSON schema node, as parsed from the definitions or a CRD. */
interface SchemaNode {
  [keyword: string]: unknown;
}

/** The schema of one apiVersion/kind. */
export interface KindSchema {
  /** The compiled validator. */
  readonly validate: ValidateFunction;
  /** Whether objects of this kind live in a namespace. */
  readonly namespaced: boolean;
}

interface KindSource {
  /** The schema to compile: a `$ref` into the definitions, or a prepared CRD schema. */
  readonly schema: SchemaNode;
  readonly namespaced: boolean;
}

let ajv: Ajv | undefined;
/** apiVersion/kind → source, for the Kubernetes kinds and the CRD files loaded so far. */
const sources = new Map<string, KindSource>();
const loadedCrdFiles = new Set<string>();
/** apiVersion/kind pairs already looked for among the CRDs. */
const searched = new Set<string>();
const compiled = new Map<string, KindSchema>();

function keyOf(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function isNode(value: unknown): value is SchemaNode {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Calls `visit` on `node` and every schema below it. `inComposition` tells whether the node is a
 * branch of allOf/anyOf/oneOf/not, where properties only constrain part of an object.
 */
function walkSchema(node: SchemaNode, visit: (node: SchemaNode, inComposition: boolean) => void, inComposition = false): void {
  visit(node, inComposition);
  for (const map of [node.properties, node.patternProperties, node.definitions]) {
    if (isNode(map)) for (const child of Object.values(map)) if (isNode(child)) walkSchema(child, visit);
  }
  for (const child of [node.additionalProperties, node.items]) if (isNode(child)) walkSchema(child, visit);
  if (Array.isArray(node.items)) for (const child of node.items) if (isNode(child)) walkSchema(child, visit);
  for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
    const branches = node[keyword];
    if (Array.isArray(branches)) for (const child of branches) if (isNode(child)) walkSchema(child, visit, true);
  }
  if (isNode(node.not)) walkSchema(node.not, visit, true);
}

/** Adds `additionalProperties: false` where an object schema lists properties and allows no more. */
function makeStrict(node: SchemaNode, inComposition: boolean): void {
  if (inComposition || !isNode(node.properties) || 'additionalProperties' in node) return;
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return;
  node.additionalProperties = false;
}

/** Swaps the case of a letter. */
function otherCase(letter: string): string {
  return letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase();
}

/** Rewrites a regular expression source to match letters in either case (for Go's leading `(?i)`). */
function caseInsensitive(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (!/[a-z]/i.test(c)) {
      if (c === '[') inClass = true;
      if (c === ']') inClass = false;
      out += c;
    } else if (!inClass) {
      out += `[${c}${otherCase(c)}]`;
    } else if (source[i + 1] === '-' && /[a-z]/i.test(source[i + 2] ?? '')) {
      out += `${c}-${source[i + 2]}${otherCase(c)}-${otherCase(source[i + 2])}`;
      i += 2;
    } else {
      out += c + otherCase(c);
    }
  }
  return out;
}

/**
 * Makes a Go (RE2) `pattern` usable by JavaScript: a leading `(?i)` becomes explicit letter classes.
 * A pattern that still does not compile is dropped rather than crash the gate.
 */
function fixPattern(node: SchemaNode): void {
  if (typeof node.pattern !== 'string') return;
  const flags = /^(\^?)\(\?i\)/.exec(node.pattern);
  const pattern = flags ? flags[1] + caseInsensitive(node.pattern.slice(flags[0].length)) : node.pattern;
  try {
    new RegExp(pattern, 'u');
    node.pattern = pattern;
  } catch {
    delete node.pattern;
  }
}

function prepare(node: SchemaNode, inComposition: boolean): void {
  makeStrict(node, inComposition);
  fixPattern(node);
  // Documentation only: no rule or message reads it, and the cached validators embed their schemas (ajv's
  // verbose errors point into them), so without it they are about a third the size and load that much faster.
  if (typeof node.description === 'string') delete node.description;
}

let definitions: { definitions: Record<string, SchemaNode> } | undefined;

/**
 * Reads the Kubernetes definitions and indexes their kinds, on first use. Only compiling needs the ajv instance
 * (see {@link getAjv}): a process whose validators all come from the cache never builds it.
 */
function indexKinds(): { definitions: Record<string, SchemaNode> } {
  if (definitions) return definitions;
  definitions = JSON.parse(fs.readFileSync(DEFINITIONS_FILE, 'utf8')) as { definitions: Record<string, SchemaNode> };
  for (const [name, definition] of Object.entries(definitions.definitions)) {
    const gvks = definition['x-kubernetes-group-version-kind'];
    for (const gvk of Array.isArray(gvks) ? (gvks as { group: string; version: string; kind: string }[]) : []) {
      const apiVersion = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
      sources.set(keyOf(apiVersion, gvk.kind), {
        schema: { $ref: `${DEFINITIONS_ID}#/definitions/${name}` },
        namespaced: !CLUSTER_SCOPED_CORE_KINDS.has(gvk.kind),
      });
    }
  }
  return definitions;
}

/** Creates the ajv instance with the (prepared) Kubernetes definitions, the first time a validator is compiled. */
function getAjv(): Ajv {
  if (ajv) return ajv;
  const document = indexKinds();
  const quantity = document.definitions[QUANTITY];
  const quantityString = Array.isArray(quantity?.oneOf) ? quantity.oneOf.find((branch: SchemaNode) => branch.type === 'string') : undefined;
  if (isNode(quantityString)) quantityString.pattern = QUANTITY_PATTERN;
  for (const definition of Object.values(document.definitions)) {
    walkSchema(definition, prepare);
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (Array.isArray(gvks) && isNode(definition.properties) && definition.properties.status) definition.properties.status = SERVER_OWNED;
  }
  // strict: false lets the x-kubernetes-* and OpenAPI keywords through; code.optimize: false compiles
  // about a third faster (compiling dominates a cold run) and validates as fast.
  // code.source lets compiled validators be saved as standalone code (see compileCached).
  const { default: AjvClass, _ } = require('ajv') as typeof import('ajv');
  const addFormats = (require('ajv-formats') as typeof import('ajv-formats')).default;
  ajv = new AjvClass({
    strict: false, allErrors: true, verbose: true, validateSchema: false,
    code: { optimize: false, source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats(ajv);
  ajv.addSchema(document, DEFINITIONS_ID);
  return ajv;
}

interface CustomResourceDefinition {
  kind: string;
  spec: {
    group: string;
    scope: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: SchemaNode } }[];
  };
}

/** Reads one CRD file once and indexes its served versions. */
function loadCrdFile(file: string): void {
  if (loadedCrdFiles.has(file)) return;
  loadedCrdFiles.add(file);
  const crd = parseYamlFileCached(file) as CustomResourceDefinition;
  if (crd?.kind !== 'CustomResourceDefinition') return;
  for (const version of crd.spec.versions) {
    const schema = version.schema?.openAPIV3Schema;
    if (!version.served || !schema) continue;
    walkSchema(schema, prepare);
    // Some CRDs (GKE's ManagedCertificate) leave apiVersion and kind out of their schema; every object has them.
    schema.properties = {
      apiVersion: { type: 'string' }, kind: { type: 'string' },
      ...(isNode(schema.properties) ? schema.properties : {}), metadata: { $ref: OBJECT_META_REF }, status: SERVER_OWNED,
    };
    sources.set(keyOf(`${crd.spec.group}/${version.name}`, crd.spec.names.kind), { schema, namespaced: crd.spec.scope === 'Namespaced' });
  }
}

/**
 * Loads the CRD that defines `kind` in `group` from vendor/crds/<group>/. Parsing YAML is the slow part,
 * so the file named after the kind's plural (the convention there) is tried first, then the whole group.
 */
function loadCrd(group: string, kind: string): void {
  const dir = path.join(CRD_DIR, group);
  if (!fs.existsSync(dir)) return;
  const lower = kind.toLowerCase();
  for (const plural of [`${lower}s`, `${lower}es`, `${lower.replace(/y$/, 'ie')}s`]) {
    const file = path.join(dir, `${plural}.yaml`);
    if (fs.existsSync(file)) loadCrdFile(file);
  }
  if (sourcesOfKind(kind).some((key) => key.startsWith(`${group}/`))) return;
  for (const name of fs.readdirSync(dir).filter((entry) => entry.endsWith('.yaml')).sort()) loadCrdFile(path.join(dir, name));
}

function sourcesOfKind(kind: string): string[] {
  const suffix = `/${kind}`;
  return [...sources.keys()].filter((key) => key.endsWith(suffix)).map((key) => key.slice(0, -suffix.length));
}

/** The source of `apiVersion`/`kind`, loading its CRD on first request. */
function sourceOf(apiVersion: string, kind: string): KindSource | undefined {
  indexKinds();
  const key = keyOf(apiVersion, kind);
  const group = groupOf(apiVersion);
  if (!sources.has(key) && DNS_SUBDOMAIN.test(group) && !searched.has(key)) {
    searched.add(key);
    loadCrd(group, kind);
  }
  return sources.get(key);
}

/** The schema of `apiVersion`/`kind`, compiled on first request; undefined if none is known. */
export function schemaFor(apiVersion: string, kind: string): KindSchema | undefined {
  const key = keyOf(apiVersion, kind);
  const cached = compiled.get(key);
  if (cached) return cached;
  const source = sourceOf(apiVersion, kind);
  if (!source) return undefined;
  const schema: KindSchema = { validate: compileCached(key, source.schema), namespaced: source.namespaced };
  compiled.set(key, schema);
  return schema;
}

/**
 * Compiling a validator is most of a cold run (~0.4 s for the kinds the app uses), so the generated code is
 * kept as an ajv standalone module, keyed by everything it depends on: this file's code (how schemas are
 * prepared), the Kubernetes definitions, ajv's version and the kind's schema. A stale entry cannot be hit.
 */
function compileCached(key: string, schema: SchemaNode): ValidateFunction {
  const cacheFile = `validator-${contentHash(catalogFingerprint(), key, JSON.stringify(schema))}.js`;
  const loaded = LOADED.get(cacheFile);
  if (loaded) return loaded;
  const code = readCache(cacheFile);
  if (code !== undefined) {
    try {
      const validate = loadStandalone(cacheFile, code);
      if (validate) {
        LOADED.set(cacheFile, validate);
        return validate;
      }
    } catch {
      // Unreadable entry: compile and rewrite it.
    }
  }
  const validate = getAjv().compile(schema);
  LOADED.set(cacheFile, validate);
  try {
    const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
    writeCache(cacheFile, standaloneCode(getAjv(), validate));
  } catch {
    // Not every schema can be written standalone; it is simply compiled every time.
  }
  return validate;
}

/**
 * Validators loaded in this process, by cache file (which names everything they depend on). Kept on globalThis
 * because the watcher (lib/render/watch.ts) evaluates a fresh copy of this module on every edit.
 */
const LOADED: Map<string, ValidateFunction> = ((globalThis as { __platformValidators?: Map<string, ValidateFunction> }).__platformValidators ??= new Map());

/** Scripts whose V8 code cache is written when the process exits (then it includes what validation compiled). */
const codeCachesToWrite: { file: string; script: vm.Script }[] = [];

/**
 * Runs a cached standalone validator. Parsing and compiling their code (Argo CD's Application alone is ~1 MB)
 * was most of loading them, so V8's code cache for each is kept beside it too.
 */
function loadStandalone(cacheFile: string, code: string): ValidateFunction | undefined {
  const codeCacheFile = cacheFile.replace(/\.js$/, '.v8');
  const cachedData = readCacheBytes(codeCacheFile);
  const script = new vm.Script(`(function (require, module, exports) {${code}\n})`, { filename: cacheFile, cachedData });
  const module = { exports: {} as unknown };
  // The standalone module's own requires (ajv runtime, ajv-formats) resolve from here, where they are installed.
  (script.runInThisContext() as (...args: unknown[]) => void)(require, module, module.exports);
  if (cachedData === undefined || script.cachedDataRejected) {
    if (codeCachesToWrite.length === 0) process.once('exit', () => { for (const c of codeCachesToWrite) writeCache(c.file, c.script.createCachedData()); });
    codeCachesToWrite.push({ file: codeCacheFile, script });
  }
  return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
}

let fingerprint: string | undefined;
function catalogFingerprint(): string {
  fingerprint ??= contentHash(fs.readFileSync(__filename, 'utf8'), fs.readFileSync(DEFINITIONS_FILE, 'utf8'),
    JSON.stringify(require('ajv/package.json').version), JSON.stringify(require('ajv-formats/package.json').version));
  return fingerprint;
}

/**
 * Lets this process reuse the schema results of earlier runs (lib/validation/schema-results.ts): `main()` and the
 * watcher call it, so a warm synth loads no validator. Keys cover this catalog and the vendored CRDs.
 */
export function enableSchemaResults(): void {
  enableSchemaResultCache(catalogFingerprint, CRD_DIR);
}

/** The apiVersions known for `kind` among Kubernetes kinds and the CRDs loaded so far, for hints. */
export function knownApiVersions(kind: string): string[] {
  indexKinds();
  return sourcesOfKind(kind).sort();
}

/**
 * Rules `schema/*`: every object against the strict schema of its apiVersion/kind, and duplicate
 * keys in YAML text.
 */
import type { ErrorObject } from 'ajv';
import { Document, isMap, isPair, isScalar, isSeq, Pair, parseAllDocuments, visit } from 'yaml';
import { Issue } from './findings';
import { groupOf, K8sObject, keySegment, nameOf, namespaceOf, str } from './k8s';
import { RuleId } from './rules';
import { knownApiVersions, QUANTITY_PATTERN, schemaFor } from './schema-catalog';
import { cachedNamespaced, knownValid, recordNamespaced, recordValid, schemaResultKey } from './schema-results';
import { closest } from './suggest';
import { mayHaveDuplicateKeys } from './yaml-keys';

/** Keywords whose sub-errors are noise: the keyword's own error says enough. */
const COMPOSITION_KEYWORDS: ReadonlySet<string> = new Set(['oneOf', 'anyOf']);

/**
 * Turns a JSON pointer into a field path (`/spec/containers/0/name` → `spec.containers[0].name`),
 * walking `root` to tell array indexes from map keys.
 */
function pointerToPath(root: unknown, pointer: string): string {
  let out = '';
  let value = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += Array.isArray(value) ? `[${key}]` : keySegment(key);
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return out.replace(/^\./, '');
}

function join(parent: string, key: string): string {
  return parent === '' ? key : `${parent}${keySegment(key)}`;
}

function describe(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 80) ?? String(value);
}

/** The rule, path, message and fix for one ajv error. */
function translate(object: K8sObject, error: ErrorObject): Issue {
  const at = pointerToPath(object, error.instancePath);
  const issue = (rule: RuleId, path: string, message: string, fix: string): Issue => ({ rule, object, path, message, fix });
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {});
      const guess = closest(field, allowed);
      return issue(
        'schema/unknown-field',
        join(at, field),
        `unknown field "${field}"${at ? ` in ${at}` : ''}`,
        guess ? `rename it to ${guess} if that is what you meant, else remove it` : `remove it; the fields allowed here are: ${allowed.join(', ')}`,
      );
    }
    case 'required': {
      const field = String(params.missingProperty);
      return issue('schema/missing-field', join(at, field), `required field "${field}" is missing`, `set ${join(at, field)}`);
    }
    case 'type': {
      const wanted = String(params.type);
      const numeric = typeof error.data === 'string' && /^-?\d+(\.\d+)?$/.test(error.data) && /integer|number/.test(wanted);
      return issue(
        'schema/wrong-type',
        at,
        `must be ${wanted}, got ${describe(error.data)}`,
        numeric ? `write ${at}: ${error.data} (a number, not the string "${error.data}")` : `give ${at} a value of type ${wanted}`,
      );
    }
    case 'enum':
      return issue(
        'schema/wrong-type',
        at,
        `${describe(error.data)} is not an allowed value`,
        `use one of: ${(params.allowedValues as unknown[]).map(describe).join(', ')}`,
      );
    case 'oneOf':
    case 'anyOf': {
      const types = (Array.isArray(error.schema) ? (error.schema as { type?: unknown }[]) : []).map((branch) => branch.type).filter(Boolean);
      return issue(
        'schema/wrong-type',
        at,
        `${describe(error.data)} ${error.message ?? 'is invalid'}${types.length ? ` (${types.join(' or ')})` : ''}`,
        types.length ? `give ${at} a value of type ${types.join(' or ')}` : `make ${at} match one of the allowed shapes`,
      );
    }
    case 'pattern':
      return params.pattern === QUANTITY_PATTERN
        ? issue('schema/wrong-type', at, `${describe(error.data)} is not a Kubernetes quantity`, 'write a quantity such as "512Mi", "1Gi" or "250m" (MB and GB are not quantity suffixes)')
        : issue('schema/wrong-type', at, `${describe(error.data)} does not match the pattern ${String(params.pattern)}`, `use a value that matches ${String(params.pattern)}`);
    case 'format':
      return issue('schema/wrong-type', at, `${describe(error.data)} is not a valid ${String(params.format)}`, `write ${at} as a valid ${String(params.format)} value`);
    default:
      return issue('schema/wrong-type', at, `${describe(error.data)} ${error.message ?? 'is invalid'}`, `change ${at}: it ${error.message ?? 'is invalid'}`);
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Indexes of the oneOf/anyOf branches whose `type` admits the value's type. */
function branchesFor(error: ErrorObject): number[] {
  const type = jsonType(error.data);
  const branches = Array.isArray(error.schema) ? (error.schema as { type?: unknown }[]) : [];
  return branches.flatMap((branch, i) => (branch.type === type || (branch.type === 'number' && type === 'integer') ? [i] : []));
}

/**
 * Keeps the errors that say something. Under a failed oneOf/anyOf (IntOrString, Quantity), when the
 * value's type picks a single branch its errors are kept (e.g. the pattern of a quantity); otherwise
 * the oneOf/anyOf error itself is kept. Repeats are dropped.
 */
function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  for (const composite of errors.filter((e) => COMPOSITION_KEYWORDS.has(e.keyword))) {
    const branches = branchesFor(composite);
    const kept = branches.length === 1 ? `${composite.schemaPath}/${branches[0]}/` : undefined;
    const under = errors.filter((e) => e.schemaPath.startsWith(`${composite.schemaPath}/`));
    for (const error of under) if (kept === undefined || !error.schemaPath.startsWith(kept)) dropped.add(error);
    if (kept !== undefined && under.some((e) => e.schemaPath.startsWith(kept))) dropped.add(composite);
  }
  const seen = new Set<string>();
  return errors.filter((error) => {
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (dropped.has(error) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether the object's kind is namespaced; undefined when its apiVersion/kind is unknown. */
export function isNamespaced(object: K8sObject): boolean | undefined {
  const apiVersion = str(object.apiVersion);
  const kind = str(object.kind);
  if (!apiVersion || !kind) return undefined;
  const cached = cachedNamespaced(apiVersion, kind);
  if (cached !== undefined) return cached;
  const namespaced = schemaFor(apiVersion, kind)?.namespaced;
  if (namespaced !== undefined) recordNamespaced(apiVersion, kind, namespaced);
  return namespaced;
}

/** Reports every object whose group, kind, namespace and name repeat an earlier one's. */
export function checkDuplicateObjects(objects: readonly K8sObject[]): Issue[] {
  const seen = new Set<string>();
  return objects.flatMap((object): Issue[] => {
    const key = [groupOf(object.apiVersion), object.kind, namespaceOf(object), nameOf(object)].join('|');
    if (!seen.has(key)) {
      seen.add(key);
      return [];
    }
    return [
      {
        rule: 'schema/duplicate-object',
        object,
        path: 'metadata.name',
        message: `another ${object.kind} named ${nameOf(object) ?? '(no name)'} is already rendered${namespaceOf(object) ? ` in namespace ${namespaceOf(object)}` : ''}`,
        fix: 'give each object a distinct metadata.name, or remove the repeated one',
      },
    ];
  });
}

/** Validates one object against the schema of its apiVersion/kind. */
export function checkSchema(object: K8sObject): Issue[] {
  const apiVersion = str(object.apiVersion);
  const kind = str(object.kind);
  if (!apiVersion || !kind) {
    const field = apiVersion ? 'kind' : 'apiVersion';
    return [{ rule: 'schema/missing-field', object, path: field, message: `required field "${field}" is missing`, fix: `set ${field}` }];
  }
  // A synth remembers passes by content (lib/validation/schema-results.ts); off, the key is undefined.
  const key = schemaResultKey(apiVersion, kind, object);
  if (knownValid(key)) return [];
  const schema = schemaFor(apiVersion, kind);
  if (!schema) {
    const known = knownApiVersions(kind);
    return [
      {
        rule: 'schema/unknown-kind',
        object,
        path: 'apiVersion',
        message: `no schema for apiVersion ${apiVersion} kind ${kind} in Kubernetes 1.28 or the CRDs under vendor/crds`,
        fix: known.length
          ? `use a served apiVersion for ${kind}: ${known.join(', ')}`
          : `correct the apiVersion/kind, or vendor the CRD that defines it under vendor/crds/<group>/ (see vendor/crds/SOURCES.md)`,
      },
    ];
  }
  if (schema.validate(object)) {
    recordValid(key);
    return [];
  }
  return relevant(schema.validate.errors ?? []).map((error) => translate(object, error));
}

/** The field path of `pair` from its ancestors, as given by `visit`: `spec.containers[0].image`. */
function yamlPath(ancestors: readonly unknown[], pair: Pair): string {
  const nodes = [...ancestors, pair];
  let out = '';
  for (let i = 0; i < nodes.length - 1; i++) {
    const node = nodes[i];
    const child = nodes[i + 1];
    if (isSeq(node)) out += `[${node.items.indexOf(child)}]`;
    else if (isMap(node) && isPair(child)) out += keySegment(String(isScalar(child.key) ? child.key.value : child.key));
  }
  return out.replace(/^\./, '');
}

/** The key at `offset` in `document` and its field path. */
function keyAt(document: Document, offset: number): { key: string; path: string } | undefined {
  let found: { key: string; path: string } | undefined;
  visit(document, {
    Pair(_, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      found = { key: String(pair.key.value), path: yamlPath(ancestors, pair) };
      return visit.BREAK;
    },
  });
  return found;
}

/** Finds duplicate mapping keys in YAML text; each becomes an issue about the document's object. */
export function duplicateKeyIssues(yamlText: string, fileName: string): Issue[] {
  // Parsing is most of the gate's per-object cost; skip it when a line scan proves every key distinct.
  if (!mayHaveDuplicateKeys(yamlText)) return [];
  return parseAllDocuments(yamlText, { uniqueKeys: true }).flatMap((document) => {
    const object: K8sObject = {
      kind: str(document.get('kind')) ?? fileName,
      metadata: { name: str(document.getIn(['metadata', 'name'])) ?? fileName, namespace: str(document.getIn(['metadata', 'namespace'])) },
    };
    return document.errors
      .filter((error) => error.code === 'DUPLICATE_KEY')
      .map((error): Issue => {
        const duplicate = keyAt(document, error.pos[0]);
        const line = error.linePos?.[0].line ?? '?';
        const path = duplicate?.path ?? `line ${line}`;
        return {
          rule: 'schema/duplicate-key',
          object,
          path,
          message: `key "${duplicate?.key ?? '?'}" appears twice in the same mapping in ${fileName} (line ${line})`,
          fix: `remove one of the two ${path} keys in ${fileName}; YAML readers disagree on which one wins`,
        };
      });
  });
}

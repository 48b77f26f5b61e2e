/**
 * The block layout of `yaml`'s `stringify` (indent 2, sequences indented, no line folding, no anchors), written
 * directly instead of through a document tree: about ten times faster, and the largest single cost of a synth
 * after validation. Only the layout is done here; every scalar is still written by the `yaml` library itself
 * (cached per value), so quoting — YAML 1.1 words, numbers, special characters — is exactly the library's.
 * A multi-line string is the library's block scalar (written once as a mapping value), indented to its place.
 * Anything else whose text depends on its position (a `---` or `...` at the start of a line) or that is not plain
 * JSON returns undefined, and the caller uses the library. test/synth.test.ts checks both give the same bytes, on the app's objects and on generated ones.
 */
import { stringify, ToStringOptions } from 'yaml';

/** A scalar written alone on a line, or undefined when its text would depend on where it stands. */
type Scalar = string | undefined;

/**
 * Writes `object` as `stringify(object, options)` would, or returns undefined for input it does not cover.
 * `options` must be the caller's fixed options; scalars are cached by value for the life of the process.
 */
export function fastStringify(object: unknown, options: ToStringOptions & { version?: '1.1' | '1.2' }): string | undefined {
  const scalars = cacheFor(options);
  const blocks = blockCacheFor(options);
  const out: string[] = [];
  const scalar = (value: unknown): Scalar => {
    // -0 is written "-0" but String(-0) is "0".
    const key = typeof value === 'string' ? `s${value}` : `${typeof value}:${Object.is(value, -0) ? '-0' : String(value)}`;
    let text = scalars.get(key);
    if (text === undefined && !scalars.has(key)) {
      const written = stringify(value, options);
      // One line, and not a string the library writes differently at the top level (a document marker).
      text = written.indexOf('\n') === written.length - 1 && !(typeof value === 'string' && /^(---|\.\.\.)/.test(value)) ? written.slice(0, -1) : undefined;
      scalars.set(key, text);
    }
    return text;
  };
  /** A multi-line string as the library writes it as a mapping value or sequence item, content at `indent` spaces. */
  const block = (value: unknown, indent: number): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const key = `b${value}`;
    let shape = blocks.get(key);
    if (shape === undefined && !blocks.has(key)) {
      // The library's block scalar as a mapping value: `k: |-` and content lines two spaces in (empty lines stay
      // empty, `null` here). Only the indentation depends on where it stands (lineWidth 0 never folds), so it is cached.
      const lines = stringify({ k: value }, options).split('\n');
      const header = lines[0].slice(3);
      const body = lines.slice(1, -1);
      shape = lines[0].startsWith('k: ') && /^[|>][1-9]?[-+]?$/.test(header) && lines[lines.length - 1] === '' && body.every((l) => l === '' || l.startsWith('  '))
        ? { header, body: body.map((l) => (l === '' ? null : l.slice(2))) } : undefined;
      blocks.set(key, shape);
    }
    if (shape === undefined) return undefined;
    const pad = ' '.repeat(indent);
    // An empty line stays empty; a line of indentation only (a leading blank line) is indented here too.
    return `${shape.header}\n${shape.body.map((l) => (l === null ? '\n' : `${pad}${l}\n`)).join('')}`;
  };
  const isScalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

  /** Writes a collection's entries; `first` is the prefix of the first line (`- ` stacks), `pad` of the others. */
  const collection = (value: unknown, first: string, pad: string): boolean => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const prefix = `${i === 0 ? first : pad}- `;
        if (isScalar(item)) {
          const text = scalar(item);
          if (text !== undefined) {
            out.push(`${prefix}${text}\n`);
          } else {
            const lines = block(item, pad.length + 2);
            if (lines === undefined) return false;
            out.push(`${prefix}${lines}`);
          }
        } else if (Array.isArray(item) || isPlainObject(item)) {
          const empty = emptyText(item);
          if (empty) out.push(`${prefix}${empty}\n`);
          else if (!collection(item, prefix, `${pad}  `)) return false;
        } else {
          return false;
        }
      }
      return true;
    }
    if (!isPlainObject(value)) return false;
    let line = first;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      const keyText = key.length < 1000 ? scalar(key) : undefined;
      if (keyText === undefined) return false;
      if (isScalar(item)) {
        const text = scalar(item);
        if (text !== undefined) {
          out.push(`${line}${keyText}: ${text}\n`);
        } else {
          const lines = block(item, pad.length + 2);
          if (lines === undefined) return false;
          out.push(`${line}${keyText}: ${lines}`);
        }
      } else if (Array.isArray(item) || isPlainObject(item)) {
        const empty = emptyText(item);
        if (empty) {
          out.push(`${line}${keyText}: ${empty}\n`);
        } else {
          out.push(`${line}${keyText}:\n`);
          if (!collection(item, `${pad}  `, `${pad}  `)) return false;
        }
      } else {
        // undefined (the library drops the pair), functions, class instances, NaN: the library decides.
        return false;
      }
      line = pad;
    }
    return true;
  };

  if (isScalar(object) || (!Array.isArray(object) && !isPlainObject(object))) return undefined;
  const empty = emptyText(object);
  if (empty) return `${empty}\n`;
  return collection(object, '', '') ? out.join('') : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `[]` and `{}`, written in flow style by the library; undefined for a collection with entries. */
function emptyText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  return Object.keys(value as object).length === 0 ? '{}' : undefined;
}

const caches = new Map<string, Map<string, Scalar>>();
const blockCaches = new Map<string, Map<string, { header: string; body: (string | null)[] } | undefined>>();
function blockCacheFor(options: object): Map<string, { header: string; body: (string | null)[] } | undefined> {
  const id = JSON.stringify(options);
  let cache = blockCaches.get(id);
  if (!cache) blockCaches.set(id, (cache = new Map()));
  return cache;
}
function cacheFor(options: object): Map<string, Scalar> {
  const id = JSON.stringify(options);
  let cache = caches.get(id);
  if (!cache) caches.set(id, (cache = new Map()));
  return cache;
}

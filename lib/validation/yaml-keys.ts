/**
 * A fast pre-check for the duplicate-key rule. Parsing every rendered file again with the `yaml` library took
 * about 0.5 ms per object, most of the gate's per-object cost; this line scanner takes a few microseconds.
 *
 * It is conservative: it answers `false` ("no duplicate key") only for block-style YAML it fully understands
 * (the shape `yaml.stringify` writes: block mappings and sequences, plain or single-line quoted scalars, block
 * scalars, `{}`/`[]`) and whose mappings it has seen to hold distinct keys. Anything else (flow collections,
 * multi-line quoted scalars, anchors, tags, complex keys, keys that are not plain strings, a repeated key)
 * answers `true`, and the caller runs the full parser, which names the duplicate.
 */
export function mayHaveDuplicateKeys(text: string): boolean {
  interface Mapping { readonly indent: number; readonly keys: Set<string> }
  let stack: Mapping[] = [];
  /** Indent of the line that opened a block scalar; its content lines are indented deeper (or blank). */
  let blockParent = -1;

  if (text.includes('\r')) return true;
  for (const line of text.split('\n')) {
    const content = line.trimStart();
    const indent = line.length - content.length;
    if (blockParent >= 0) {
      if (content === '' || indent > blockParent) continue;
      blockParent = -1;
    }
    if (content === '' || content.startsWith('#')) continue;
    if (line.includes('\t') && /^[ ]*\t/.test(line)) return true;
    if (indent === 0 && (content === '---' || content === '...')) {
      stack = [];
      continue;
    }

    let column = indent;
    let rest = content;
    let newItem = false;
    // `- ` opens a sequence item; a mapping inside it starts two columns further.
    while (rest === '-' || rest.startsWith('- ')) {
      newItem = true;
      const after = rest.slice(1).trimStart();
      column += rest.length - after.length;
      rest = after;
    }
    const popDeeperThan = (c: number) => { while (stack.length > 0 && stack[stack.length - 1].indent > c) stack.pop(); };

    if (rest === '') {
      popDeeperThan(indent);
      continue;
    }
    const key = parseKey(rest);
    if (key === undefined) {
      // Not a key: a scalar sequence item is fine, anything else (a continuation line) is not understood.
      if (!newItem) return true;
      const value = valueKind(rest);
      if (value === 'unknown') return true;
      if (value === 'block') blockParent = column - 2 >= indent ? column - 2 : indent;
      popDeeperThan(indent);
      continue;
    }
    if (key === null) return true;

    if (newItem) {
      popDeeperThan(column - 1);
      stack.push({ indent: column, keys: new Set() });
    } else {
      popDeeperThan(column);
      if (stack.length === 0 || stack[stack.length - 1].indent < column) stack.push({ indent: column, keys: new Set() });
    }
    const mapping = stack[stack.length - 1];
    if (mapping.keys.has(key.name)) return true;
    mapping.keys.add(key.name);

    const value = valueKind(key.value);
    if (value === 'unknown') return true;
    if (value === 'block') blockParent = column;
  }
  return false;
}

/** Plain keys that YAML may read as a number, boolean or null (1.2 core schema, plus the 1.1 words to be safe). */
const NON_STRING_KEY = /^([-+]?(0x[0-9a-f_]+|0o[0-7_]+|[0-9][0-9_]*(\.[0-9_]*)?(e[-+]?[0-9]+)?|\.[0-9_]+(e[-+]?[0-9]+)?|\.(inf|nan))|true|false|null|~|yes|no|on|off|y|n)$/i;

/**
 * The key of a `key: value` line: `undefined` when the line is not a mapping entry, `null` when it is one this
 * scanner does not understand (a key that may not be a plain string, a complex key).
 */
function parseKey(rest: string): { name: string; value: string } | null | undefined {
  let m = /^"((?:[^"\\]|\\.)*)":(?: (.*))?$/.exec(rest);
  if (m) {
    try {
      return { name: JSON.parse(`"${m[1]}"`) as string, value: m[2] ?? '' };
    } catch {
      return null;
    }
  }
  m = /^'((?:[^']|'')*)':(?: (.*))?$/.exec(rest);
  if (m) return { name: m[1].replace(/''/g, "'"), value: m[2] ?? '' };
  if (/^["'?&*!|>%@`{[<]/.test(rest)) return /^[?<&*!]/.test(rest) && /:( |$)/.test(rest) ? null : undefined;
  m = /^([^\s:#][^:#]*?):(?: (.*))?$/.exec(rest);
  if (!m) return /:( |$)/.test(rest) ? null : undefined;
  const name = m[1];
  // Keys that resolve to numbers, booleans or null compare by value in YAML (`1` and `01`); leave them to the parser.
  if (NON_STRING_KEY.test(name) || /\s$/.test(name)) return null;
  return { name, value: m[2] ?? '' };
}

/** What a value starts: a block scalar, something complete on this line, or something not understood. */
function valueKind(value: string): 'block' | 'inline' | 'unknown' {
  const v = value.trim();
  if (v === '' || v === '{}' || v === '[]') return 'inline';
  if (/^[|>][-+0-9]*$/.test(v)) return 'block';
  if (v.startsWith('"')) return /^"(?:[^"\\]|\\.)*"$/.test(v) ? 'inline' : 'unknown';
  if (v.startsWith("'")) return /^'(?:[^']|'')*'$/.test(v) ? 'inline' : 'unknown';
  if (/^[{[&*!|>%@`#]/.test(v)) return 'unknown';
  return 'inline';
}

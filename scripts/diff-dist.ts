/**
 * Compares the freshly rendered `dist/` with the published manifests at a git ref, resource by resource.
 *
 * Resources are matched by API group, kind, namespace and name (not by file), so moving a resource between
 * files is no change and an apiVersion bump shows up as a field change. Files that are not Kubernetes
 * resources (kustomization.yaml, anything not YAML) are compared as whole files.
 *
 * Usage: tsx scripts/diff-dist.ts [--ref <git ref>] [--dir dist] [--markdown]
 * Exit code: 0 no changes, 1 changes, 2 error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { git, gitBuffer, GitContext, tryGit } from './lib/git';
import { listFiles } from './lib/files';

/** Settings for {@link diffDist}. */
export interface DiffOptions {
  /** Working directory for git and for resolving `dir`. Default: `process.cwd()`. */
  cwd?: string;
  /** The rendered output. Default: `dist`. */
  dir?: string;
  /** The published state. Default: `origin/dist`, else the local `dist` branch. */
  ref?: string;
  /** Environment for git. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** One field-level difference; `path` uses dots for keys and `[i]` for list items. */
export interface FieldChange {
  op: '+' | '-' | '~';
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A resource that was added, removed or changed; `file` is relative to its group directory. */
export interface ResourceChange {
  id: string;
  file: string;
  /** Field differences; empty for added and removed resources. */
  fields: FieldChange[];
}

/** A non-resource file (e.g. kustomization.yaml) that was added, removed or modified. */
export interface FileChange {
  op: '+' | '-' | '~';
  file: string;
}

/** Changes within one `<platform>/<environment>` directory. */
export interface GroupDiff {
  group: string;
  added: ResourceChange[];
  removed: ResourceChange[];
  changed: ResourceChange[];
  files: FileChange[];
}

/** The result of {@link diffDist}: every group present on either side, sorted by name. */
export interface DistDiff {
  /** The rendered directory as given in the options. */
  dir: string;
  ref: string;
  /** The commit the ref resolved to; absent when the ref does not exist. */
  commit?: string;
  groups: GroupDiff[];
}

interface Resource {
  id: string;
  file: string;
  body: unknown;
}

interface Snapshot {
  resources: Map<string, Map<string, Resource>>;
  files: Map<string, Map<string, string>>;
}

/** Reads both sides and computes the resource- and file-level differences. */
export function diffDist(options: DiffOptions = {}): DistDiff {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const dirOption = options.dir ?? 'dist';
  const dir = path.resolve(cwd, dirOption);
  const ctx: GitContext = { cwd, env: options.env ?? process.env };
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist; render the manifests first (npm run synth).`);

  const { ref, commit } = resolveRef(ctx, options.ref);
  const before = snapshot(commit ? readTree(ctx, commit) : new Map());
  const after = snapshot(new Map(listFiles(dir).map((file) => [file, fs.readFileSync(path.join(dir, file), 'utf8')])));

  const groupNames = [...new Set([...before.resources.keys(), ...after.resources.keys(), ...before.files.keys(), ...after.files.keys()])];
  const groups = groupNames.sort().map((group) => diffGroup(group, before, after));
  return { dir: dirOption, ref, commit, groups };
}

/** True when any group has any resource or file change. */
export function hasChanges(diff: DistDiff): boolean {
  return diff.groups.some((g) => g.added.length + g.removed.length + g.changed.length + g.files.length > 0);
}

/**
 * Lists the differences between two parsed values, walking objects by sorted key and lists by index.
 * Keys that are not plain identifiers are quoted: `metadata.labels["app.kubernetes.io/name"]`.
 */
export function diffFields(before: unknown, after: unknown, at = ''): FieldChange[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const child = at + (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? `${at ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`);
      if (!Object.hasOwn(before, key)) return [{ op: '+' as const, path: child, after: after[key] }];
      if (!Object.hasOwn(after, key)) return [{ op: '-' as const, path: child, before: before[key] }];
      return diffFields(before[key], after[key], child);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => i).flatMap((i) => {
      const child = `${at}[${i}]`;
      if (i >= before.length) return [{ op: '+' as const, path: child, after: after[i] }];
      if (i >= after.length) return [{ op: '-' as const, path: child, before: before[i] }];
      return diffFields(before[i], after[i], child);
    });
  }
  return [{ op: '~', path: at || '.', before, after }];
}

/** Plain-text report, one block per changed group. */
export function formatText(diff: DistDiff): string {
  const lines = [`Comparing ${diff.dir} with ${describeRef(diff)}.`];
  const changed = diff.groups.filter(groupHasChanges);
  for (const group of changed) lines.push('', `${group.group}: ${summarize(group)}`, ...groupLines(group).map((l) => `  ${l}`));
  lines.push('', changed.length ? `${totals(diff)} in ${changed.length} of ${diff.groups.length} directories.` : 'No changes.');
  return `${lines.join('\n')}\n`;
}

/** Markdown report for a GitHub job summary: a count table plus one collapsible block per changed group. */
export function formatMarkdown(diff: DistDiff): string {
  const lines = ['## Rendered manifest changes', '', `Compared \`${diff.dir}\` with ${describeRef(diff, '`')}.`, ''];
  if (!hasChanges(diff)) return `${[...lines, 'No changes.'].join('\n')}\n`;
  lines.push('| Platform | Environment | Added | Removed | Changed | Files |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const g of diff.groups) {
    const [platform, environment = ''] = g.group.split('/');
    lines.push(`| ${platform} | ${environment} | ${g.added.length} | ${g.removed.length} | ${g.changed.length} | ${g.files.length} |`);
  }
  for (const group of diff.groups.filter(groupHasChanges)) {
    const body = groupLines(group).join('\n');
    const fence = '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
    lines.push('', `<details><summary><b>${group.group}</b>: ${summarize(group)}</summary>`, '', `${fence}diff`, body, fence, '', '</details>');
  }
  lines.push('', `**${totals(diff)}.**`);
  return `${lines.join('\n')}\n`;
}

/** Command-line entry point; returns the exit code (0 no changes, 1 changes, 2 error). */
export function runDiffCli(
  argv: string[],
  io: { cwd?: string; env?: NodeJS.ProcessEnv; stdout?: (text: string) => void; stderr?: (text: string) => void } = {},
): number {
  const stdout = io.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => process.stderr.write(text));
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ref: { type: 'string' }, dir: { type: 'string', default: 'dist' }, markdown: { type: 'boolean', default: false } },
    });
    const diff = diffDist({ cwd: io.cwd, env: io.env, dir: values.dir, ref: values.ref });
    stdout(values.markdown ? formatMarkdown(diff) : formatText(diff));
    return hasChanges(diff) ? 1 : 0;
  } catch (err) {
    stderr(`diff-dist: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

function resolveRef(ctx: GitContext, ref: string | undefined): { ref: string; commit?: string } {
  const candidates = ref ? [[ref, ref]] : [['origin/dist', 'refs/remotes/origin/dist'], ['dist', 'refs/heads/dist']];
  for (const [label, name] of candidates) {
    const commit = tryGit(ctx, ['rev-parse', '--verify', '--quiet', `${name}^{commit}`]);
    if (commit) return { ref: label, commit };
  }
  return { ref: candidates[0][0] };
}

/** Reads every blob of the commit's tree in one `git cat-file --batch` call (one process, not one per file). */
function readTree(ctx: GitContext, commit: string): Map<string, string> {
  const entries = git(ctx, ['ls-tree', '-r', '-z', '--full-tree', commit])
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, file] = line.split('\t');
      const [, type, object] = meta.split(' ');
      return { type, object, file };
    })
    .filter((e) => e.type === 'blob');
  const files = new Map<string, string>();
  if (entries.length === 0) return files;
  const out = gitBuffer(ctx, ['cat-file', '--batch'], { input: entries.map((e) => e.object).join('\n') + '\n' });
  let offset = 0;
  for (const entry of entries) {
    const headerEnd = out.indexOf(0x0a, offset);
    const size = Number(out.toString('utf8', offset, headerEnd).split(' ')[2]);
    files.set(entry.file, out.toString('utf8', headerEnd + 1, headerEnd + 1 + size));
    offset = headerEnd + 1 + size + 1;
  }
  return files;
}

/** Splits files into resources and whole files, both keyed by group. */
function snapshot(files: Map<string, string>): Snapshot {
  const result: Snapshot = { resources: new Map(), files: new Map() };
  for (const [file, text] of files) {
    const [group, local] = splitGroup(file);
    const isResourceFile = /\.ya?ml$/.test(local) && !/(^|\/)kustomization\.ya?ml$/.test(local);
    if (!isResourceFile) {
      entry(result.files, group).set(local, text);
      continue;
    }
    const resources = entry(result.resources, group);
    parseAllDocuments(text).forEach((doc, index) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const body: unknown = doc.toJS();
      if (body === null || body === undefined) return;
      const id = resourceId(body) ?? `${local}#${index}`;
      const existing = resources.get(id);
      if (existing) throw new Error(`${group}: ${id} is defined twice (${existing.file} and ${local})`);
      resources.set(id, { id, file: local, body });
    });
  }
  return result;
}

function diffGroup(group: string, before: Snapshot, after: Snapshot): GroupDiff {
  const old = before.resources.get(group) ?? new Map<string, Resource>();
  const now = after.resources.get(group) ?? new Map<string, Resource>();
  const result: GroupDiff = { group, added: [], removed: [], changed: [], files: [] };
  for (const id of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const [a, b] = [old.get(id), now.get(id)];
    if (!a && b) result.added.push({ id, file: b.file, fields: [] });
    else if (a && !b) result.removed.push({ id, file: a.file, fields: [] });
    else if (a && b) {
      const fields = diffFields(a.body, b.body);
      if (fields.length > 0) result.changed.push({ id, file: b.file, fields });
    }
  }
  const oldFiles = before.files.get(group) ?? new Map<string, string>();
  const newFiles = after.files.get(group) ?? new Map<string, string>();
  for (const file of [...new Set([...oldFiles.keys(), ...newFiles.keys()])].sort()) {
    if (!oldFiles.has(file)) result.files.push({ op: '+', file });
    else if (!newFiles.has(file)) result.files.push({ op: '-', file });
    else if (oldFiles.get(file) !== newFiles.get(file)) result.files.push({ op: '~', file });
  }
  return result;
}

/** `Kind[.group] [namespace/]name`, like kubectl; `undefined` when the document is not a Kubernetes object. */
function resourceId(body: unknown): string | undefined {
  if (!isObject(body) || typeof body.kind !== 'string' || !isObject(body.metadata)) return undefined;
  const { name, namespace } = body.metadata;
  if (typeof name !== 'string') return undefined;
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  return `${body.kind}${group ? `.${group}` : ''} ${typeof namespace === 'string' && namespace ? `${namespace}/` : ''}${name}`;
}

/** The first two directories (platform and environment) and the rest of the path. */
function splitGroup(file: string): [string, string] {
  const parts = file.split('/');
  const depth = Math.min(2, parts.length - 1);
  return [depth === 0 ? '.' : parts.slice(0, depth).join('/'), parts.slice(depth).join('/')];
}

function groupLines(group: GroupDiff): string[] {
  return [
    ...group.added.map((r) => `+ ${r.id}  (${r.file})`),
    ...group.removed.map((r) => `- ${r.id}  (${r.file})`),
    ...group.changed.flatMap((r) => [`~ ${r.id}  (${r.file})`, ...r.fields.map((f) => `    ${formatField(f)}`)]),
    ...group.files.map((f) => `${f.op} file ${f.file}`),
  ];
}

function formatField(change: FieldChange): string {
  if (change.op === '+') return `+ ${change.path}: ${formatValue(change.after)}`;
  if (change.op === '-') return `- ${change.path}`;
  return `~ ${change.path}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

/** Compact JSON, shortened so a changed script or certificate cannot flood the report. */
function formatValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} chars)` : text;
}

function groupHasChanges(g: GroupDiff): boolean {
  return g.added.length + g.removed.length + g.changed.length + g.files.length > 0;
}

function summarize(g: GroupDiff): string {
  const parts = [`${g.added.length} added`, `${g.removed.length} removed`, `${g.changed.length} changed`];
  if (g.files.length) parts.push(`${plural(g.files.length, 'other file')} changed`);
  return parts.join(', ');
}

function totals(diff: DistDiff): string {
  const sum = (pick: (g: GroupDiff) => unknown[]): number => diff.groups.reduce((n, g) => n + pick(g).length, 0);
  const resources = `${sum((g) => g.added)} added, ${sum((g) => g.removed)} removed, ${sum((g) => g.changed)} changed resources`;
  return `${resources}, ${plural(sum((g) => g.files), 'other file')} changed`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function describeRef(diff: DistDiff, quote = ''): string {
  const ref = `${quote}${diff.ref}${quote}`;
  return diff.commit ? `${ref} (${quote}${diff.commit.slice(0, 12)}${quote})` : `${ref}, which does not exist, so everything counts as added`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entry<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (!inner) map.set(key, (inner = new Map()));
  return inner;
}

if (require.main === module) process.exitCode = runDiffCli(process.argv.slice(2));

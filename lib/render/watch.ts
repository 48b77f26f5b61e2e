/**
 * `npm run synth -- --watch`: re-renders the platforms an edit affects, on every save.
 *
 * The app (main.ts and what it imports) is rebuilt by an incremental esbuild context and evaluated afresh in
 * this process, so packages stay loaded and a re-render costs only the affected platforms. esbuild's metafile is
 * the dependency graph: a platform is affected when a file reachable from `charts/<platform>/` changed (a change
 * in lib/ re-renders every platform that imports it); a change to a file no platform folder reaches (main.ts,
 * charts/index.ts) re-renders everything, and the Argo CD platform, which renders every platform's Application,
 * re-renders with any of them. Each chart directory is replaced whole by rename (lib/render/synth.ts `writeChart`), so
 * `dist/` is never half-written; a finding or a broken edit prints its error, writes nothing and keeps watching.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module from 'module';
import * as path from 'path';
import * as vm from 'vm';
import type { BuildContext, BuildOptions, Message, Metafile } from 'esbuild';
import type * as MainModule from '../../main';
import type { RenderedChart } from './synth';

type Api = typeof MainModule;

export interface WatchOptions {
  /** The project root (where main.ts is). */
  readonly root: string;
  /** The command line without `--watch`: `--platform`/`--env` narrow what is watched. */
  readonly argv: readonly string[];
  /** esbuild options for an entry (scripts/synth.js: the same as the synth's bundle, packages left to Node). */
  readonly buildOptions: (entry: string) => BuildOptions;
  /** Where lines go. @default console.log */
  readonly log?: (line: string) => void;
  /** Quiet time after a file event before re-rendering, so one save is one re-render. @default 40 */
  readonly debounceMs?: number;
}

/** A running watcher. */
export interface Watcher {
  /** Stops watching and releases esbuild. */
  close(): Promise<void>;
}

/** The folders and files whose edits are watched. */
const WATCHED = ['main.ts', 'lib', 'charts', 'imports'];
/** The platform whose chart reads every other platform (charts/index.ts hands it the list of platforms). */
const READS_EVERY_PLATFORM = 'argocd';

/**
 * Starts watching: renders the selected platforms once, then re-renders on every change. Resolves once the
 * first render is done (successful or not).
 */
export async function watch(options: WatchOptions): Promise<Watcher> {
  const { root } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a dynamic import() would need a loader hook inside the bundle.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const context: BuildContext = await esbuild.context({ ...options.buildOptions('main.ts'), write: false, metafile: true, outfile: path.join(root, '.watch-bundle.js') });
  const outdir = process.env.CDK8S_OUTDIR ?? path.join(root, 'dist');
  const shown = path.relative(process.cwd(), outdir) || '.';
  let hashes = new Map<string, string>();
  const fileHashes = new Map<string, { stat: string; hash: string }>();
  let running = false;
  let pending = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  /** Whether the last cycle ended in an error (so a revert to the rendered sources is worth a line). */
  let failed = false;
  /** The charts last rendered without findings, by directory: the cross-chart rules read the ones not re-rendered. */
  const lastRendered = new Map<string, RenderedChart>();

  /** One rebuild and re-render; `first` renders every selected platform. Returns whether it ended in an error. */
  const cycle = async (first: boolean): Promise<boolean> => {
    const started = Date.now();
    let result;
    try {
      result = await context.rebuild();
    } catch (error) {
      const errors = ((error as { errors?: Message[] }).errors ?? []);
      log(`watch: build failed, dist/ unchanged; still watching\n${errors.length ? formatMessages(errors) : String(error)}`);
      return true;
    }
    const metafile = result.metafile as Metafile;
    const next = hashInputs(root, metafile, fileHashes);
    const changed = first ? [...next.keys()] : diffKeys(hashes, next);
    hashes = next;
    if (changed.length === 0) {
      if (failed) log('watch: the sources are as last rendered; dist/ is current');
      return false;
    }
    let api: Api;
    try {
      api = evaluate(root, result.outputFiles![0].text);
    } catch (error) {
      log(`watch: ${error instanceof Error ? error.message : String(error)}; dist/ unchanged; still watching`);
      return true;
    }
    try {
      const args = api.parseArgs(options.argv);
      api.checkSelection(args);
      const registered = new Set(api.PLATFORMS.map((p) => p.name));
      const all = [...registered].filter((p) => !args.platforms || args.platforms.includes(p));
      const affected = first ? all : affectedPlatforms(metafile, changed, all);
      if (affected.length === 0) return false;
      log(`watch: ${first ? 'rendering' : `${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ` and ${changed.length - 3} more` : ''} changed; re-rendering`} ${affected.join(', ')}`);
      const app = new api.App({ outdir });
      // The platforms not affected are as last rendered: the Argo CD platform and the add-ons layer read their
      // objects from there instead of building each of them again in a scratch App.
      api.provideRenderedObjects(app, (platform, environment) => {
        const chart = lastRendered.get(path.join(platform, environment));
        return chart && !affected.includes(platform) ? { defaultNamespace: chart.defaultNamespace, objects: chart.objects } : undefined;
      });
      api.enableSchemaResults();
      api.buildApp(app, { platforms: affected, environments: args.environments });
      const PlatformChart = api.PlatformChart;
      const rendered = app.charts.filter((c): c is InstanceType<typeof PlatformChart> => c instanceof PlatformChart)
        // Charts of a derived layer that no registered platform is named after (the add-ons layer, built by the Argo CD
        // platform) belong to whatever built them; a registered platform's chart only when it is affected.
        .filter((c) => affected.includes(c.platform) || !registered.has(c.platform)).map(api.renderChart);
      // The cross-chart rules (one owner, one host, issuers per cluster) need every chart: the ones not re-rendered
      // this cycle are taken as last rendered; only findings on the re-rendered charts stop this cycle.
      const candidates = new Map(lastRendered);
      for (const chart of rendered) candidates.set(chart.directory, chart);
      const everything = [...candidates.values()];
      api.addCrossChartFindings(everything);
      const fresh = new Set(rendered.map((c) => c.directory));
      const charts = everything.filter((c) => fresh.has(c.directory));
      if (charts.some((c) => c.findings.length > 0)) throw new api.ValidationFailedError(charts);
      for (const chart of rendered) lastRendered.set(chart.directory, chart);
      const diff = { added: [] as string[], changed: [] as string[], removed: [] as string[] };
      const written: string[] = [];
      for (const chart of charts) {
        // A chart whose objects are all unchanged is left alone (its directory, TOPOLOGY.md and kustomization too).
        if (diffChart(path.join(outdir, chart.directory), chart, diff) || !fs.existsSync(path.join(outdir, chart.directory, 'kustomization.yaml'))) {
          api.writeChart(outdir, chart);
          written.push(chart.directory);
        }
      }
      for (const line of api.gateSummary(charts, shown)) log(line);
      const names = [...diff.added.map((n) => `+${n}`), ...diff.changed.map((n) => `~${n}`), ...diff.removed.map((n) => `-${n}`)];
      log(`watch: re-rendered ${affected.join(', ')} in ${Date.now() - started} ms: ${diff.added.length} added, ${diff.changed.length} changed, `
        + `${diff.removed.length} removed object(s)${names.length ? ` (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})` : ''}; `
        + `wrote ${written.length ? written.join(', ') : 'nothing'}`);
      return false;
    } catch (error) {
      const message = api.userErrorMessage(error) ?? (error instanceof Error ? error.stack ?? error.message : String(error));
      log(`${message}\nwatch: dist/ unchanged; still watching`);
      return true;
    }
  };

  const run = async (first: boolean) => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      failed = await cycle(first);
    } catch (error) {
      failed = true;
      log(`watch: ${error instanceof Error ? error.stack ?? error.message : String(error)}; still watching`);
    } finally {
      running = false;
    }
    if (pending && !closed) {
      pending = false;
      await run(false);
    }
  };

  await run(true);
  const watchers = WATCHED.map((name) => path.join(root, name)).filter((p) => fs.existsSync(p)).map((p) =>
    fs.watch(p, { recursive: fs.statSync(p).isDirectory() }, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => void run(false), options.debounceMs ?? 40);
    }));
  log('watch: watching main.ts, lib/, charts/ and imports/ (Ctrl-C stops)');
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      await context.dispose();
    },
  };
}

/** Evaluates a bundle of main.ts as a fresh module; packages resolve from the project (and stay cached). */
function evaluate(root: string, code: string): Api {
  const file = path.join(root, 'main.ts');
  const mod = new Module(file);
  mod.filename = file;
  const fn = vm.runInThisContext(Module.wrap(code), { filename: path.join(root, '.watch-bundle.js') }) as (...args: unknown[]) => void;
  fn.call(mod.exports, mod.exports, Module.createRequire(file), mod, file, root);
  return mod.exports as Api;
}

/**
 * SHA-256 of every project file in the bundle, by path relative to the root. A file whose size, modification time
 * and inode are as last time keeps its hash (`known`, carried from cycle to cycle) without being read again.
 */
function hashInputs(root: string, metafile: Metafile, known: Map<string, { stat: string; hash: string }>): Map<string, string> {
  const out = new Map<string, string>();
  for (const input of Object.keys(metafile.inputs)) {
    if (input.includes('node_modules/')) continue;
    const file = path.join(root, input);
    try {
      const s = fs.statSync(file, { bigint: true });
      const stat = `${s.size}:${s.mtimeNs}:${s.ino}`;
      let entry = known.get(input);
      if (entry?.stat !== stat) {
        entry = { stat, hash: createHash('sha256').update(fs.readFileSync(file)).digest('hex') };
        known.set(input, entry);
      }
      out.set(input, entry.hash);
    } catch {
      out.set(input, 'missing');
    }
  }
  return out;
}

function diffKeys(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** The platforms whose sources include a changed file, by the import graph in esbuild's metafile. */
export function affectedPlatforms(metafile: Metafile, changed: readonly string[], platforms: readonly string[]): string[] {
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>();
    const stack = Object.keys(metafile.inputs).filter((i) => i.startsWith(start));
    while (stack.length > 0) {
      const file = stack.pop()!;
      if (seen.has(file) || !metafile.inputs[file]) continue;
      seen.add(file);
      for (const imported of metafile.inputs[file].imports) if (!imported.external) stack.push(imported.path);
    }
    return seen;
  };
  const byPlatform = new Map(platforms.map((p) => [p, reach(`charts/${p}/`)]));
  const reachedBySome = new Set([...byPlatform.values()].flatMap((s) => [...s]));
  // A changed file no platform folder reaches (main.ts, charts/index.ts, a platform without a folder) may change any.
  if (changed.some((f) => !reachedBySome.has(f)) || [...byPlatform.values()].some((s) => s.size === 0)) return [...platforms];
  const affected = platforms.filter((p) => changed.some((f) => byPlatform.get(p)!.has(f)));
  if (affected.length > 0 && platforms.includes(READS_EVERY_PLATFORM) && !affected.includes(READS_EVERY_PLATFORM)) affected.push(READS_EVERY_PLATFORM);
  return affected;
}

/** Adds the object files of `chart` that differ from those in `dir` (the chart's current output); true if any does. */
function diffChart(dir: string, chart: { directory: string; files: readonly { fileName: string; text: string }[] }, diff: { added: string[]; changed: string[]; removed: string[] }): boolean {
  const count = diff.added.length + diff.changed.length + diff.removed.length;
  const before = new Map<string, string>();
  try {
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith('.yaml') && name !== 'kustomization.yaml') before.set(name, fs.readFileSync(path.join(dir, name), 'utf8'));
    }
  } catch {
    // A chart rendered for the first time: everything is added.
  }
  for (const file of chart.files) {
    const old = before.get(file.fileName);
    if (old === undefined) diff.added.push(`${chart.directory}/${file.fileName}`);
    else if (old !== file.text) diff.changed.push(`${chart.directory}/${file.fileName}`);
    before.delete(file.fileName);
  }
  for (const name of before.keys()) diff.removed.push(`${chart.directory}/${name}`);
  return diff.added.length + diff.changed.length + diff.removed.length > count;
}

function formatMessages(messages: readonly Message[]): string {
  return messages.map((m) => `${m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ` : ''}${m.text}`).join('\n');
}

/**
 * Benchmark of synth + validation (`npm run bench`).
 *
 * 1. In-process, one child process per run: the whole app (1×), then synthetic apps holding the real platforms'
 *    charts 10×, 50× and 100× (each copy built in its own App and written under `copy-<k>/`), split into build
 *    (constructs), toJson, YAML, validation, topology and writing; peak RSS; a least-squares fit of time per object.
 * 2. End to end, the same app run four ways: `npm run synth` (scripts/synth.js: a cached esbuild bundle), pre-compiled
 *    JavaScript (`tsc` once, then `node main.js`), `node --require tsx/cjs main.ts` (the previous runner) and
 *    `ts-node main.ts` with type-checking (what `cdk8s init` configures). Warm against warm (each runner gets a
 *    warm-up run, and all use the same validator cache), then paired and interleaved rounds; the report gives the
 *    median and min–max of each round's ratio to `npm run synth`, and the load average at the start and the end.
 * 3. Watch mode: save to printed diff line for a one-platform edit, in a copy of the project.
 *
 * Every run writes into a temporary directory (`CDK8S_OUTDIR` for end-to-end runs), never into `dist/` or docs/.
 * Options: `--runs N` (median of N runs/rounds, default 5), `--quick` (1 run), `--scales 1,10,50,100`, `--no-e2e`,
 * `--no-scale`, `--no-ts-node`, `--no-watch`, `--json FILE` (raw results). Internal: `--child-scale N --outdir DIR`.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const WORK = path.join(ROOT, '.bench');

interface Phases {
  /** Constructs: `buildApp` for every copy. */
  build: number;
  toJson: number;
  yaml: number;
  /** `validateObjects` plus the duplicate-key check of the YAML text (both part of the gate). */
  validation: number;
  /** The duplicate-key part of `validation`, which parses every YAML file again. */
  duplicateKeys: number;
  topology: number;
  write: number;
  /** Sum of the phases above. */
  total: number;
}

interface ScaleResult {
  scale: number;
  charts: number;
  objects: number;
  findings: number;
  /** Loading the modules (cdk8s, cdk8s-plus, the charts, the validator), before any phase. */
  loadMs: number;
  phases: Phases;
  /** Peak resident set size of the child process, MiB. */
  peakRssMiB: number;
}

interface EndToEndResult {
  name: string;
  command: string;
  wallMs: number;
  peakRssMiB: number;
  /** CPU time (user + system) of every node process of the run: less sensitive to a loaded machine than wall time. */
  cpuMs: number;
}

function arg(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Least squares y = a + b·x, with R². */
export function linearFit(points: readonly { x: number; y: number }[]): { slope: number; intercept: number; r2: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const intercept = my - slope * mx;
  const ssTot = points.reduce((s, p) => s + (p.y - my) ** 2, 0);
  const ssRes = points.reduce((s, p) => s + (p.y - (intercept + slope * p.x)) ** 2, 0);
  return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

/** Runs inside a child process: builds `scale` copies of the app, renders, validates and writes them. */
function childScale(scale: number, outdir: string): void {
  const t0 = now();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require('cdk8s') as typeof import('cdk8s');
  const { buildApp } = require('../charts') as typeof import('../charts');
  const { PlatformChart } = require('../lib/core/platform-chart') as typeof import('../lib/core/platform-chart');
  const { fileNameOf, kustomization, toYaml } = require('../lib/render/synth') as typeof import('../lib/render/synth');
  const { checkDuplicateKeys, validateObjects } = require('../lib/validation') as typeof import('../lib/validation');
  const { TOPOLOGY_FILE, topologyMarkdown } = require('../lib/topology') as typeof import('../lib/topology');
  const loadMs = now() - t0;

  const phases: Phases = { build: 0, toJson: 0, yaml: 0, validation: 0, duplicateKeys: 0, topology: 0, write: 0, total: 0 };
  let t = now();
  const copies: { copy: number; charts: import('../lib/core/platform-chart').PlatformChart[] }[] = [];
  for (let copy = 0; copy < scale; copy++) {
    const app = new App({ outdir });
    buildApp(app);
    copies.push({ copy, charts: app.charts.filter((c): c is import('../lib/core/platform-chart').PlatformChart => c instanceof PlatformChart) });
  }
  phases.build = now() - t;

  let objects = 0;
  let findings = 0;
  let charts = 0;
  for (const { copy, charts: list } of copies) {
    for (const chart of list) {
      charts++;
      const ctx = { platform: chart.platform, environment: chart.environment };
      t = now();
      const rendered = chart.toJson();
      phases.toJson += now() - t;

      t = now();
      const files = rendered.map((object) => ({ fileName: fileNameOf(object), object, text: toYaml(object) }))
        .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0));
      phases.yaml += now() - t;

      t = now();
      for (const f of files) findings += checkDuplicateKeys(f.text, ctx, f.fileName).length;
      phases.duplicateKeys += now() - t;
      findings += validateObjects(rendered, ctx, { externalReferences: chart.externalReferences, capacityBudgets: chart.capacityBudgets }).findings.length;
      phases.validation += now() - t;

      t = now();
      const topology = topologyMarkdown({ platform: chart.platform, environment: chart.environment, files });
      phases.topology += now() - t;

      t = now();
      const dir = path.join(outdir, `copy-${copy}`, chart.platform, chart.environment);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.writeFileSync(path.join(dir, f.fileName), f.text);
      fs.writeFileSync(path.join(dir, 'kustomization.yaml'), kustomization(files));
      fs.writeFileSync(path.join(dir, TOPOLOGY_FILE), topology);
      phases.write += now() - t;
      objects += files.length;
    }
  }
  phases.total = phases.build + phases.toJson + phases.yaml + phases.validation + phases.topology + phases.write;
  const result: ScaleResult = {
    scale, charts, objects, findings, loadMs, phases,
    // resourceUsage().maxRSS is the process's peak in KiB, sampled by the kernel (a timer cannot fire during synchronous work).
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runScale(scale: number): ScaleResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-x${scale}-`));
  try {
    const r = spawnSync(path.join(BIN, 'tsx'), [path.join(__dirname, 'bench.ts'), '--child-scale', String(scale), '--outdir', outdir], {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=16384`.trim() },
    });
    if (r.status !== 0) throw new Error(`scale ${scale} failed (exit ${r.status}):\n${r.stderr}`);
    const line = r.stdout.trim().split('\n').pop()!;
    return JSON.parse(line) as ScaleResult;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A preload that reports the process's peak RSS and CPU time when it exits (tsx and ts-node may start more than one process). */
function rssProbe(): string {
  fs.mkdirSync(WORK, { recursive: true });
  const file = path.join(WORK, 'rss-probe.js');
  fs.writeFileSync(file, [
    "'use strict';",
    "const fs = require('fs');",
    // A worker thread (the synth's chart writer) loads preloads too; resourceUsage() is the whole process's.
    "if (!require('worker_threads').isMainThread) return;",
    "process.on('exit', () => { const u = process.resourceUsage(); if (process.env.BENCH_RSS_FILE) fs.appendFileSync(process.env.BENCH_RSS_FILE, `${u.maxRSS} ${(u.userCPUTime + u.systemCPUTime) / 1000}\\n`); });",
    '',
  ].join('\n'));
  return file;
}

function runEndToEnd(name: string, command: string, args: readonly string[], probe: string): EndToEndResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-e2e-${name.replace(/[^a-z0-9]+/gi, '-')}-`));
  const rssFile = path.join(outdir, '.rss');
  try {
    const t = now();
    const r = spawnSync(command, args, {
      cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        CDK8S_OUTDIR: path.join(outdir, 'dist'),
        BENCH_RSS_FILE: rssFile,
        // One validator cache for every runner (the compiled copy would otherwise look for it under .bench/js).
        PLATFORM_VALIDATION_CACHE_DIR: path.join(ROOT, 'node_modules', '.cache', 'platform-validation'),
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}`.trim(),
      },
    });
    const wallMs = now() - t;
    if (r.status !== 0) throw new Error(`${name} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    const lines = fs.existsSync(rssFile) ? fs.readFileSync(rssFile, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number)) : [[0, 0]];
    const shown = command === process.execPath ? 'node' : path.relative(ROOT, command);
    return {
      name, command: [shown, ...args.map((a) => path.relative(ROOT, a))].join(' '), wallMs,
      peakRssMiB: Math.max(...lines.map((l) => l[0])) / 1024, cpuMs: lines.reduce((n, l) => n + (l[1] ?? 0), 0),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Compiles the project once with tsc into `.bench/js` (inside the repo, so `node_modules` resolves). */
function compile(): number {
  const out = path.join(WORK, 'js');
  fs.rmSync(out, { recursive: true, force: true });
  const t = now();
  const r = spawnSync(path.join(BIN, 'tsc'), ['-p', ROOT, '--outDir', out, '--noEmit', 'false'], { cwd: ROOT, encoding: 'utf8' });
  const ms = now() - t;
  if (!fs.existsSync(path.join(out, 'main.js'))) throw new Error(`tsc produced no main.js (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  // The validator reads vendor/ relative to its own file; the compiled copy finds it through a link.
  fs.symlinkSync(path.join(ROOT, 'vendor'), path.join(out, 'vendor'), 'dir');
  return ms;
}

/** The 1, 5 and 15 minute load averages, from /proc/loadavg (os.loadavg() reads the same). */
function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/** Says when the machine was not quiet, so an absolute time is read with its load. */
function loadNote(load: readonly number[]): string {
  return load[0] > os.cpus().length / 2 ? ` (under load: ${load[0]} on ${os.cpus().length} cores at the start; absolute times are not the quiet-machine figure)` : '';
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

/**
 * Watch mode: a copy of the project (sharing node_modules) is watched, and charts/aroti/config.ts is edited `runs`
 * times (aroti's log level, back and forth). Each sample is the wall time from the write to the printed diff line,
 * and the time the watcher reports for the re-render itself (rebuild, gate, write; without the 40 ms debounce).
 */
async function benchWatch(runs: number): Promise<{ saveToSummaryMs: number[]; reportedMs: number[] }> {
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-watch-'));
  for (const entry of ['main.ts', 'lib', 'charts', 'imports', 'vendor', 'scripts', 'package.json', 'tsconfig.json']) {
    fs.cpSync(path.join(ROOT, entry), path.join(project, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(project, 'node_modules'), 'dir');
  const child = spawn(process.execPath, [path.join(project, 'scripts', 'synth.js'), '--watch'], {
    cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CDK8S_OUTDIR: path.join(project, 'dist') },
  });
  let output = '';
  child.stdout.on('data', (c) => { output += c; });
  child.stderr.on('data', (c) => { output += c; });
  const waitFor = async (pattern: RegExp, from: number): Promise<RegExpExecArray> => {
    const started = now();
    for (;;) {
      const m = pattern.exec(output.slice(from));
      if (m) return m;
      if (now() - started > 120_000 || child.exitCode !== null) throw new Error(`watch bench: no ${pattern}; output:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  };
  const result = { saveToSummaryMs: [] as number[], reportedMs: [] as number[] };
  try {
    await waitFor(/^watch: watching /m, 0);
    const config = path.join(project, 'charts', 'aroti', 'config.ts');
    const original = fs.readFileSync(config, 'utf8');
    for (let i = 0; i < runs + 1; i++) {
      const mark = output.length;
      const t = now();
      fs.writeFileSync(config, i % 2 === 0 ? original.replace("    logLevel: 'info',\n", "    logLevel: 'warning',\n") : original);
      const m = await waitFor(/^watch: re-rendered aroti, argocd in (\d+) ms/m, mark);
      // The first edit warms the watcher (validators, code paths); it is dropped like the end-to-end warm-ups.
      if (i > 0) {
        result.saveToSummaryMs.push(now() - t);
        result.reportedMs.push(Number(m[1]));
      }
    }
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(project, { recursive: true, force: true });
  }
  return result;
}

async function main(argv: readonly string[]): Promise<void> {
  const childArg = arg(argv, '--child-scale');
  if (childArg) {
    childScale(Number(childArg), arg(argv, '--outdir')!);
    return;
  }
  const runs = argv.includes('--quick') ? 1 : Number(arg(argv, '--runs') ?? 5);
  const scales = (arg(argv, '--scales') ?? '1,10,50,100').split(',').map(Number);
  const out: string[] = [];
  const print = (line = '') => { console.log(line); out.push(line); };
  const json: Record<string, unknown> = { date: new Date().toISOString(), runs, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version };
  json.loadStart = loadAverage();
  print(`# bench: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load ${(json.loadStart as number[]).join(' ')}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, median of ${runs} run(s)`);

  if (!argv.includes('--no-scale')) {
    print();
    print('## In-process synth + validation, by app size (one child process per run)');
    print();
    print('| scale | charts | objects | total | per object | build | toJson | YAML | validation (of which duplicate keys) | topology | write | module load | peak RSS |');
    print('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    const results: ScaleResult[] = [];
    for (const scale of scales) {
      const samples = Array.from({ length: runs }, () => runScale(scale));
      const m = (f: (r: ScaleResult) => number) => median(samples.map(f));
      const phases = Object.fromEntries((Object.keys(samples[0].phases) as (keyof Phases)[]).map((k) => [k, m((r) => r.phases[k])])) as unknown as Phases;
      const r: ScaleResult = { ...samples[0], loadMs: m((s) => s.loadMs), phases, peakRssMiB: m((s) => s.peakRssMiB) };
      results.push(r);
      const pct = (v: number) => `${fmt(v)} (${((v / phases.total) * 100).toFixed(0)}%)`;
      print(`| ${scale}× | ${r.charts} | ${r.objects} | ${fmt(phases.total)} | ${(phases.total / r.objects).toFixed(3)} ms | ${pct(phases.build)} | ${pct(phases.toJson)} | `
        + `${pct(phases.yaml)} | ${pct(phases.validation)} (${fmt(phases.duplicateKeys)}) | ${pct(phases.topology)} | ${pct(phases.write)} | ${fmt(r.loadMs)} | ${r.peakRssMiB.toFixed(0)} MiB |`);
      if (r.findings > 0) print(`|  | note: the gate reported ${r.findings} finding(s) at ${scale}× (the charts do not pass yet; timings still cover every phase) |`);
    }
    json.scales = results;
    if (results.length >= 2) {
      const fit = linearFit(results.map((r) => ({ x: r.objects, y: r.phases.total })));
      json.fit = fit;
      print();
      print(`Least-squares fit over ${results.map((r) => `${r.scale}×`).join('/')}: time = ${fit.intercept.toFixed(1)} ms + ${fit.slope.toFixed(4)} ms × objects, R² = ${fit.r2.toFixed(4)}`
        + ` (${fit.r2 >= 0.99 ? 'linear' : 'NOT linear'} in objects).`);
      const v = linearFit(results.map((r) => ({ x: r.objects, y: r.phases.validation })));
      print(`Validation alone: ${v.slope.toFixed(4)} ms per object, R² = ${v.r2.toFixed(4)}.`);
    }
  }

  if (!argv.includes('--no-e2e')) {
    print();
    print('## End to end: the whole app, four ways of running main.ts (paired, interleaved, warm)');
    print();
    const probe = rssProbe();
    const compileMs = compile();
    json.compileMs = compileMs;
    const variants: [string, string, string[]][] = [
      // `npm run synth` and cdk8s.yaml: main.ts as a cached esbuild bundle with V8's code cache.
      ['npm run synth', process.execPath, [path.join(ROOT, 'scripts', 'synth.js')]],
      ['pre-compiled JS', process.execPath, [path.join(WORK, 'js', 'main.js')]],
      ['tsx (the previous runner)', process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'main.ts')]],
      ['ts-node (type-checks, cdk8s init default)', path.join(BIN, 'ts-node'), [path.join(ROOT, 'main.ts')]],
    ].filter(([name]) => !(argv.includes('--no-ts-node') && String(name).startsWith('ts-node'))) as [string, string, string[]][];
    // Warm against warm: each runner's first run fills its caches (bundle, code cache, its validators) and is dropped.
    for (const [name, command, args] of variants) runEndToEnd(name, command, args, probe);
    // Interleaved rounds (A B C D, then B C D A, ...), so load that comes and goes hits every runner alike;
    // each round's ratios are taken against that round's `npm run synth`.
    const samples = new Map<string, EndToEndResult[]>(variants.map(([name]) => [name, []]));
    const ratios = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    const cpuRatios = new Map<string, number[]>(variants.map(([name]) => [name, []]));
    for (let round = 0; round < runs; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      const wall = new Map<string, number>();
      const cpu = new Map<string, number>();
      for (const [name, command, args] of order) {
        const r = runEndToEnd(name, command, args, probe);
        samples.get(name)!.push(r);
        wall.set(name, r.wallMs);
        cpu.set(name, r.cpuMs);
      }
      for (const [name] of variants) {
        ratios.get(name)!.push(wall.get(name)! / wall.get(variants[0][0])!);
        cpuRatios.get(name)!.push(cpu.get(name)! / cpu.get(variants[0][0])!);
      }
    }
    const e2e = variants.map(([name]) => {
      const list = samples.get(name)!;
      const rs = ratios.get(name)!;
      const cs = cpuRatios.get(name)!;
      return {
        ...list[0], wallMs: median(list.map((x) => x.wallMs)), minMs: Math.min(...list.map((x) => x.wallMs)), maxMs: Math.max(...list.map((x) => x.wallMs)),
        peakRssMiB: median(list.map((x) => x.peakRssMiB)), ratio: median(rs), ratioMin: Math.min(...rs), ratioMax: Math.max(...rs),
        cpuMs: median(list.map((x) => x.cpuMs)), cpuRatio: median(cs), cpuRatioMin: Math.min(...cs), cpuRatioMax: Math.max(...cs),
      };
    });
    json.endToEnd = e2e;
    print(`${runs} interleaved round(s) after one warm-up run each; ratio = runner ÷ \`npm run synth\` in the same round.`);
    print();
    print('| runner | command | wall time, median (min–max) | wall ratio to npm run synth, median (min–max) | CPU time (user+sys), median | CPU ratio, median (min–max) | peak RSS |');
    print('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of e2e) {
      print(`| ${r.name} | \`${r.command}\` | ${fmt(r.wallMs)} (${fmt(r.minMs)}–${fmt(r.maxMs)}) | ${r.ratio.toFixed(2)}× (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}) | `
        + `${fmt(r.cpuMs)} | ${r.cpuRatio.toFixed(2)}× (${r.cpuRatioMin.toFixed(2)}–${r.cpuRatioMax.toFixed(2)}) | ${r.peakRssMiB.toFixed(0)} MiB |`);
    }
    print();
    print(`Pre-compiling took ${fmt(compileMs)} (once, \`tsc --outDir .bench/js --noEmit false\`, whole project).`);
    const synth = e2e[0];
    const js = e2e.find((r) => r.name === 'pre-compiled JS')!;
    const tsNode = e2e.find((r) => r.name.startsWith('ts-node'));
    print(`Goal "synth ≤ 1.0 s median": ${fmt(synth.wallMs)} → ${synth.wallMs <= 1000 ? 'met' : 'NOT met'}${loadNote(json.loadStart as number[])}.`);
    print(`Goal "≤ 1.1× pre-compiled JS": npm run synth is ${(1 / js.ratio).toFixed(2)}× pre-compiled JS (median of paired ratios) → ${1 / js.ratio <= 1.1 ? 'met' : 'NOT met'}.`);
    if (tsNode) print(`Goal "≥ 7× faster than ts-node": ts-node takes ${tsNode.ratio.toFixed(2)}× (${tsNode.ratioMin.toFixed(2)}–${tsNode.ratioMax.toFixed(2)}×) → ${tsNode.ratio >= 7 ? 'met' : 'NOT met'}.`);
  }
  if (!argv.includes('--no-watch')) {
    print();
    print('## Watch mode: save to printed diff line, one-platform edit (charts/aroti/config.ts)');
    print();
    const w = await benchWatch(Math.max(runs, 5));
    json.watch = w;
    const range = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    print('| measure | median (min–max) |');
    print('| --- | ---: |');
    print(`| save → diff line printed (includes the 40 ms debounce) | ${range(w.saveToSummaryMs)} |`);
    print(`| re-render as the watcher reports it (rebuild, aroti + argocd charts, gate, write) | ${range(w.reportedMs)} |`);
    print();
    print(`Goal "under 300 ms from save to printed summary": ${median(w.saveToSummaryMs) <= 300 ? 'met' : 'NOT met'}${loadNote(json.loadStart as number[])}.`);
  }

  const loadEnd = loadAverage();
  json.loadEnd = loadEnd;
  print();
  print(`Load average (1, 5, 15 min) at the start: ${(json.loadStart as number[]).join(', ')}; at the end: ${loadEnd.join(', ')} (${os.cpus().length} cores).`);

  const jsonFile = arg(argv, '--json');
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify({ ...json, report: out }, null, 2)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

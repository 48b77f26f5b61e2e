import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';

/**
 * Writes chart directories on a worker thread while the main thread renders and checks the next chart.
 *
 * A full synth writes ~650 files; written one by one on the main thread after the gate, they cost ~15 % of the
 * run (measured: `writeFileSync` was the largest self time in a CPU profile of `npm run synth` into a fresh
 * directory). Each chart is handed over as soon as it is rendered: the worker leaves a directory that already
 * holds exactly the chart's bytes alone, and otherwise writes the files into a temporary sibling directory.
 * Nothing in the output directory changes until {@link ChartWriter.commit}, which runs after the gate passed and
 * replaces each written directory by rename; {@link ChartWriter.discard} removes the temporary directories.
 *
 * The main thread waits for the worker with `Atomics.wait`, so `synthesize` stays synchronous. Should the worker
 * not start, fail on a chart, or not answer within {@link WAIT_MS}, the main thread writes those charts itself:
 * the worker only ever makes the synth faster.
 */
export class ChartWriter {
  private readonly worker: Worker | undefined;
  /** [done, state of chart 0, state of chart 1, ...]; see the `State` values. */
  private readonly shared: Int32Array;
  /** `created`: the outermost folder above the chart's directory that did not exist yet (the worker makes it). */
  private readonly charts: { dir: string; tmp: string; files: ReadonlyMap<string, string>; created?: string }[] = [];
  private finished = false;

  /** `capacity`: how many charts will be handed over at most. */
  constructor(capacity: number) {
    this.shared = new Int32Array(new SharedArrayBuffer(4 * (capacity + 1)));
    try {
      this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: this.shared } });
      // The worker ends itself after the last chart; it never keeps the process alive.
      this.worker.unref();
      this.worker.on('error', () => undefined); // its charts are written by the main thread instead
    } catch {
      this.worker = undefined;
    }
  }

  /** Hands over one chart's directory (absolute path) and files (name → text). */
  public write(dir: string, files: ReadonlyMap<string, string>): void {
    if (this.charts.length + 1 >= this.shared.length) throw new Error(`ChartWriter: more charts than its capacity (${this.shared.length - 1})`);
    const tmp = `${dir}.tmp-${process.pid}`;
    const index = this.charts.length;
    let created: string | undefined;
    for (let parent = path.dirname(dir); !fs.existsSync(parent); parent = path.dirname(parent)) created = parent;
    this.charts.push({ dir, tmp, files, created });
    this.worker?.postMessage({ index: index + 1, dir, tmp, files: [...files] });
  }

  /** Replaces each changed chart directory with what was written; returns the directories replaced. */
  public commit(): string[] {
    const states = this.finish();
    const replaced: string[] = [];
    this.charts.forEach((chart, i) => {
      if (states[i] === State.Unchanged) return;
      if (states[i] === State.Written) {
        replaceDirectory(chart.dir, chart.tmp);
      } else {
        // Not written by the worker (failed, or still busy after WAIT_MS): a directory of its own, so a late worker
        // never writes into it; a late worker's leftover is removed by the next full run.
        const own = `${chart.tmp}-main`;
        writeDirectory(own, chart.files);
        replaceDirectory(chart.dir, own);
      }
      replaced.push(chart.dir);
    });
    return replaced;
  }

  /** Removes every temporary directory: the output directory is left as it was. */
  public discard(): void {
    this.finish();
    for (const chart of this.charts) {
      fs.rmSync(chart.tmp, { recursive: true, force: true });
      // Folders made only for this run's temporary directories go too (a new platform's `dist/<platform>/`).
      if (chart.created) fs.rmSync(chart.created, { recursive: true, force: true });
    }
    // A worker that gave no answer in time may still write; the next full run removes what it leaves.
  }

  /** Tells the worker there is no more, waits until it is done (or gives up on it), and returns each chart's state. */
  private finish(): State[] {
    if (!this.finished && this.worker) {
      this.finished = true;
      this.worker.postMessage({ index: 0 });
      // A worker that died or hangs leaves `done` at 0: after WAIT_MS the main thread writes everything itself.
      Atomics.wait(this.shared, 0, 0, WAIT_MS);
    }
    this.finished = true;
    return this.charts.map((_, i) => Atomics.load(this.shared, i + 1) as State);
  }
}

/** How long the main thread waits for the worker before writing the charts itself. */
const WAIT_MS = 30_000;

/** What became of a chart handed to the worker. */
const State = { Pending: 0, Unchanged: 1, Written: 2, Failed: 3 } as const;
type State = (typeof State)[keyof typeof State];

/** Writes `files` into `dir`, created afresh. */
export function writeDirectory(dir: string, files: ReadonlyMap<string, string>): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) fs.writeFileSync(path.join(dir, name), text);
}

/** Moves `tmp` to `dir`; rename() cannot replace a non-empty directory, so the old one is moved aside first. */
export function replaceDirectory(dir: string, tmp: string): void {
  if (fs.existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    fs.rmSync(old, { recursive: true, force: true });
    fs.renameSync(dir, old);
    fs.renameSync(tmp, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, dir);
  }
}

/**
 * The worker: plain CommonJS, evaluated from a string (the app may run from a bundle, where no worker file sits
 * beside it). `holdsExactly` compares a directory with the chart's files; the writing is `writeDirectory`'s. Every
 * chart ends in a state, and `done` is set even when the worker fails, so the main thread never waits for nothing.
 */
const WORKER_SOURCE = `
const fs = require('fs');
const path = require('path');
const { parentPort, workerData } = require('worker_threads');
const shared = workerData.shared;
function holdsExactly(dir, files) {
  let present;
  try { present = fs.readdirSync(dir); } catch { return false; }
  if (present.length !== files.size) return false;
  for (const name of present) {
    const text = files.get(name);
    if (text === undefined) return false;
    let current;
    try { current = fs.readFileSync(path.join(dir, name), 'utf8'); } catch { return false; }
    if (current !== text) return false;
  }
  return true;
}
parentPort.on('message', ({ index, dir, tmp, files }) => {
  if (index === 0) {
    Atomics.store(shared, 0, 1);
    Atomics.notify(shared, 0);
    parentPort.close();
    return;
  }
  let state = ${State.Failed};
  try {
    const byName = new Map(files);
    if (holdsExactly(dir, byName)) {
      state = ${State.Unchanged};
    } else {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(tmp, { recursive: true });
      for (const [name, text] of byName) fs.writeFileSync(path.join(tmp, name), text);
      state = ${State.Written};
    }
  } catch {
    // The main thread writes this chart itself.
  } finally {
    Atomics.store(shared, index, state);
  }
});
`;

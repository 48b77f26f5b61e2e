#!/usr/bin/env node
'use strict';
/**
 * `npm run synth` and `cdk8s synth` run this file: main.ts, fast.
 *
 * Transpiling ~100 TypeScript files and resolving ~400 package modules on every run costs more than the synth
 * itself, so main.ts and everything it imports (packages included) is bundled once by esbuild into
 * `node_modules/.cache/platform-synth/main-<hash>.js`, keyed by the SHA-256 of every source file, the lockfile,
 * tsconfig.json, this file and esbuild's version: an edit always makes a new bundle, a stale one is never run.
 * V8's code cache for the bundle is kept beside it, so later runs skip parsing and compiling too.
 * The bundle is the same code tsx would run (tsx is esbuild too), so the output is byte-identical.
 *
 * `--watch` runs lib/render/watch.ts instead (bundled the same way, with packages left to Node).
 * Set PLATFORM_SYNTH_NO_BUNDLE=1 to run main.ts through tsx instead (stack traces point into the .ts files).
 */
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.join(__dirname, '..');
/** Folders whose TypeScript the app imports; main.ts is added to them. */
const SOURCE_DIRS = ['lib', 'charts', 'imports'];
const CACHE_DIR = process.env.PLATFORM_SYNTH_CACHE_DIR || path.join(ROOT, 'node_modules', '.cache', 'platform-synth');

/** Every .ts/.json file under the source folders, sorted, plus main.ts. */
function sourceFiles() {
  const out = [path.join(ROOT, 'main.ts')];
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|json)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
  return out.sort();
}

/** The files the bundle depends on besides the sources: this script, the compiler settings and the lockfiles. */
function inputFiles() {
  return [__filename, path.join(ROOT, 'tsconfig.json'), path.join(ROOT, 'package-lock.json'), path.join(ROOT, 'node_modules', '.package-lock.json'), ...sourceFiles()];
}

/**
 * SHA-256 over everything the bundle depends on; the bundle's path includes ROOT, so ROOT is part of it.
 * Reading and hashing every file costs more than the rest of a warm start, so the last fingerprint is kept with
 * the size, modification time and inode of each file it read: when none of those changed (and the list of files
 * is the same), the files are not read again. Any edit, checkout or copy changes the modification time.
 */
function fingerprint(entry, bundlePackages) {
  const files = inputFiles();
  const stats = files.map((file) => {
    try {
      const s = fs.statSync(file, { bigint: true });
      return `${path.relative(ROOT, file)}\0${s.size}\0${s.mtimeNs}\0${s.ino}`;
    } catch {
      return `${path.relative(ROOT, file)}\0missing`;
    }
  });
  const statKey = crypto.createHash('sha256')
    .update([ROOT, entry, String(bundlePackages), require('esbuild/package.json').version, process.version, ...stats].join('\n'))
    .digest('hex');
  const memo = path.join(CACHE_DIR, `stat-${crypto.createHash('sha256').update(`${ROOT}\0${entry}\0${bundlePackages}`).digest('hex').slice(0, 16)}.json`);
  try {
    const saved = JSON.parse(fs.readFileSync(memo, 'utf8'));
    if (saved.statKey === statKey && typeof saved.fingerprint === 'string') return saved.fingerprint;
  } catch {
    // No memo yet (or unreadable): hash the files.
  }
  const hash = crypto.createHash('sha256');
  const add = (name, text) => hash.update(name).update('\0').update(text).update('\0');
  add('root', ROOT);
  add('entry', entry);
  add('packages', String(bundlePackages));
  add('esbuild', require('esbuild/package.json').version);
  add('node', process.version);
  for (const file of files) {
    let text = '';
    try {
      text = fs.readFileSync(file);
    } catch {
      // A missing lockfile is part of the state, not an error.
    }
    add(path.relative(ROOT, file), text);
  }
  const result = hash.digest('hex').slice(0, 32);
  writeAtomic(memo, JSON.stringify({ statKey, fingerprint: result }));
  return result;
}

/**
 * esbuild options shared with the watcher. Bundled code runs from the cache folder, so `__dirname` and
 * `__filename` in the project's own files are set to the source file's path (the validator finds vendor/
 * and its cache through them, and hashes its own source).
 */
function buildOptions(entry, bundlePackages) {
  return {
    entryPoints: [path.join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: bundlePackages ? undefined : 'external',
    // esbuild is a native program and cannot be bundled; the app never loads it.
    external: ['esbuild'],
    logLevel: 'silent',
    metafile: true,
    plugins: [sourcePaths()],
  };
}

function sourcePaths() {
  // The watcher rebuilds through this plugin on every save: a file is read again only when its size, modification
  // time or inode changed, and the files that need no paths (all but a few) are left to esbuild, which reads them
  // natively and keeps them parsed between rebuilds instead of receiving their text over its pipe each time.
  const known = new Map();
  return {
    name: 'source-paths',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.split(path.sep).includes('node_modules')) return undefined;
        const s = fs.statSync(args.path, { bigint: true });
        const key = `${s.size}:${s.mtimeNs}:${s.ino}`;
        let entry = known.get(args.path);
        if (!entry || entry.key !== key) {
          const text = fs.readFileSync(args.path, 'utf8');
          entry = { key, contents: /__dirname|__filename/.test(text) ? withPaths(args.path, text) : undefined };
          known.set(args.path, entry);
        }
        return entry.contents === undefined ? undefined : { contents: entry.contents, loader: 'ts' };
      });
    },
  };
}

/** `text` with `__filename` and `__dirname` set to the source file's path, on its first line (line numbers stay). */
function withPaths(file, text) {
  return `const __filename = ${JSON.stringify(file)}; const __dirname = ${JSON.stringify(path.dirname(file))}; ${text}`;
}

/** Writes a file atomically (parallel runs never read half of one); failures only cost speed. */
function writeAtomic(file, content) {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only checkout still runs, only slower.
  }
}

/** The bundle of `entry` (built now if no bundle of these exact sources exists). */
async function bundle(entry, bundlePackages) {
  // Named after the checkout too, so two checkouts sharing node_modules never remove each other's bundles.
  const stem = `${path.basename(entry, '.ts')}-${crypto.createHash('sha256').update(ROOT).digest('hex').slice(0, 8)}${bundlePackages ? '' : '-ext'}`;
  const file = path.join(CACHE_DIR, `${stem}-${fingerprint(entry, bundlePackages)}.js`);
  if (fs.existsSync(file)) return file;
  const esbuild = require('esbuild');
  const result = await esbuild.build({ ...buildOptions(entry, bundlePackages), write: false, outfile: file });
  // The fingerprint covers main.ts, lib/, charts/ and imports/ only: a bundle with sources elsewhere is not cached.
  const hashed = new Set(sourceFiles());
  const outside = Object.keys(result.metafile.inputs)
    .filter((input) => !input.split(/[\\/]/).includes('node_modules') && !hashed.has(path.resolve(ROOT, input)));
  if (outside.length > 0) {
    console.error(`scripts/synth.js: ${entry} imports ${outside.join(', ')}, outside ${['main.ts', ...SOURCE_DIRS].join(', ')}; `
      + 'the bundle is not cached (add the folder to SOURCE_DIRS)');
    const once = path.join(CACHE_DIR, `${stem}-uncached-${process.pid}.js`);
    writeAtomic(once, result.outputFiles[0].contents);
    process.once('exit', () => { fs.rmSync(once, { force: true }); fs.rmSync(once.replace(/\.js$/, '.v8'), { force: true }); });
    return once;
  }
  writeAtomic(file, result.outputFiles[0].contents);
  removeStale(stem, file);
  return file;
}

/**
 * Keeps the cache small: bundles of older sources of the same entry and checkout go once they are an hour old
 * (a run that started before the edit may still be about to read one).
 */
function removeStale(stem, keep) {
  try {
    const hourAgo = Date.now() - 3600_000;
    for (const name of fs.readdirSync(CACHE_DIR)) {
      const p = path.join(CACHE_DIR, name);
      if (name.startsWith(`${stem}-`) && !p.startsWith(keep.replace(/\.js$/, '')) && fs.statSync(p).mtimeMs < hourAgo) fs.rmSync(p, { force: true });
    }
  } catch {
    // Only disk space.
  }
}

/**
 * Loads a bundle as a CommonJS module, with V8's code cache (Node 20 has no module compile cache). The cache
 * is written after the first run, so it also holds the functions that run compiled lazily.
 */
function load(file) {
  const code = fs.readFileSync(file, 'utf8');
  const cacheFile = file.replace(/\.js$/, '.v8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(code), { filename: file, cachedData });
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  const saveCodeCache = () => {
    if (cachedData === undefined || script.cachedDataRejected) writeAtomic(cacheFile, script.createCachedData());
  };
  return { exports: mod.exports, saveCodeCache };
}

async function run(argv) {
  if (argv.includes('--watch')) {
    const watch = load(await bundle('lib/render/watch.ts', false));
    const watcher = await watch.exports.watch({ root: ROOT, argv: argv.filter((a) => a !== '--watch'), buildOptions: (e) => buildOptions(e, false) });
    // Ctrl-C or a kill stops the file watchers and esbuild's service before exiting, so no child outlives the watcher.
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => { watcher.close().finally(() => process.exit(0)); });
    }
    return watcher;
  }
  if (process.env.PLATFORM_SYNTH_NO_BUNDLE) {
    require('tsx/cjs');
    process.exitCode = require(path.join(ROOT, 'main.ts')).main(argv);
    return undefined;
  }
  const app = load(await bundle('main.ts', true));
  process.exitCode = app.exports.main(argv);
  app.saveCodeCache();
  return undefined;
}

if (require.main === module) {
  run(process.argv.slice(2)).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}

module.exports = { buildOptions, fingerprint, ROOT };

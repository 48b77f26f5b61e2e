#!/usr/bin/env node
'use strict';
/**
 * Runs npm scripts at the same time and fails if any fails: `node scripts/parallel.js typecheck jest`.
 * The last script's output streams live; the others' is held and printed when they finish, so nothing
 * interleaves. `npm test` uses it to type-check while Jest runs: on 2 cores `tsc` (single-threaded, ~12 s) fits
 * between Jest's workers instead of before them.
 */
const { spawn } = require('child_process');
const path = require('path');

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('usage: node scripts/parallel.js <npm script> [<npm script> ...]');
  process.exit(2);
}
const npm = process.env.npm_execpath;
const children = new Set();
// A signal to this process (a CI timeout, a kill) reaches every script, so each tier can stop the servers it started.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exitCode = 1;
  });
}
const run = (script, live) => new Promise((resolve) => {
  // Under npm, npm_execpath is npm's CLI script; run it with this Node, as npm itself does.
  const [command, args] = npm ? [process.execPath, [npm, 'run', '--silent', script]] : ['npm', ['run', '--silent', script]];
  const child = spawn(command, args, { cwd: path.join(__dirname, '..'), stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let held = '';
  if (!live) {
    child.stdout.on('data', (d) => { held += d; });
    child.stderr.on('data', (d) => { held += d; });
  }
  child.on('close', (code, signal) => {
    children.delete(child);
    const status = code ?? (signal ? 1 : 0);
    if (!live && held) process.stdout.write(held);
    if (!live) console.log(`npm run ${script}: ${status === 0 ? 'passed' : `FAILED (exit ${status})`}`);
    resolve(status);
  });
});

Promise.all(scripts.map((s, i) => run(s, i === scripts.length - 1))).then((codes) => {
  const failed = scripts.filter((_, i) => codes[i] !== 0);
  if (failed.length > 0) console.error(`failed: ${failed.map((s) => `npm run ${s}`).join(', ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
});

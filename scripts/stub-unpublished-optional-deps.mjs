#!/usr/bin/env node
// The package registry reachable here does not serve the platform binaries of other OSes/CPUs
// (e.g. @swc/core-darwin-arm64), so `npm install` leaves them out of package-lock.json and `npm ci`
// then refuses the lock as out of sync. This adds lock entries for those optional packages, marked with
// their os/cpu so npm skips them on linux-x64. Run after any `npm install`:
//   node scripts/stub-unpublished-optional-deps.mjs [package-lock.json]
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const OSES = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openharmony', 'sunos', 'aix', 'netbsd', 'openbsd'];
const CPUS = ['arm64', 'x64', 'arm', 'ppc64', 's390x', 'ia32', 'loong64', 'riscv64', 'wasm32'];
const added = [];
for (const meta of Object.values(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const path = `node_modules/${dep}`;
    if (path in packages) continue;
    const name = dep.split('/').pop();
    const os = OSES.find((o) => name.includes(o));
    const cpu = CPUS.find((c) => new RegExp(`(^|-)${c}($|-|eabi)`).test(name));
    if (!os || !cpu) { console.error(`cannot tell the platform of ${dep}; left alone`); continue; }
    if (os === 'linux' && cpu === 'x64') { console.error(`${dep} is this platform's own binary; install it instead`); continue; }
    packages[path] = {
      version, ...(meta.dev ? { dev: true } : {}), optional: true, os: [os], cpu: [cpu],
      ...(name.includes('musl') ? { libc: ['musl'] } : name.includes('gnu') ? { libc: ['glibc'] } : {}),
    };
    added.push(dep);
  }
}
lock.packages = Object.fromEntries(Object.keys(packages).sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)).map((k) => [k, packages[k]]));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${added.length} stubbed`);

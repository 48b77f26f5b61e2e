#!/usr/bin/env python3
# The package registry reachable here does not serve the platform binaries of other OSes/CPUs
# (e.g. @swc/core-darwin-arm64), so `npm install` leaves them out of package-lock.json and `npm ci`
# then refuses the lock as out of sync. This adds lock entries for those optional packages, marked with
# their os/cpu so npm skips them on linux-x64. Run after any `npm install`:
#   python3 scripts/stub-unpublished-optional-deps.py package-lock.json
import json, re, sys
p = sys.argv[1]
lock = json.load(open(p))
pk = lock['packages']
added = []
for key, meta in list(pk.items()):
    for dep, ver in (meta.get('optionalDependencies') or {}).items():
        path = 'node_modules/' + dep
        if path in pk: continue
        name = dep.split('/')[-1]
        os_ = next((o for o in ['darwin','win32','linux','android','freebsd','openharmony','sunos','aix','netbsd','openbsd'] if o in name), None)
        cpu = next((c for c in ['arm64','x64','arm','ppc64','s390x','ia32','loong64','riscv64','wasm32'] if re.search(r'(^|-)'+c+r'($|-|eabi)', name)), None)
        if os_ is None or cpu is None:
            print('cannot place', dep); continue
        if os_ == 'linux' and cpu == 'x64':
            print('refusing to stub the platform we run on', dep); continue
        entry = {'version': ver, 'dev': meta.get('dev', False) or None, 'optional': True, 'os': [os_], 'cpu': [cpu]}
        if 'musl' in name: entry['libc'] = ['musl']
        elif 'gnu' in name: entry['libc'] = ['glibc']
        entry = {k: v for k, v in entry.items() if v is not None}
        pk[path] = entry
        added.append(dep)
lock['packages'] = {k: pk[k] for k in sorted(pk, key=lambda k: (k != '', k))}
json.dump(lock, open(p, 'w'), indent=2); open(p, 'a').write('\n')
print(len(added), 'stubbed')

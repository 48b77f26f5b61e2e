import * as fs from 'fs';
import * as path from 'path';
import { freePort } from '../cluster/apiserver';
import { RenderedObject } from '../cluster/check';
import { run, startServer, stopServer, tail, tempDir, waitFor } from './proc';

/**
 * redis-server (Debian's) starts with a rendered redis.conf and the include file written by the rendered init
 * container, then must answer CONFIG GET with the rendered values and refuse clients without the password.
 */

/** A rendered redis.conf and the StatefulSet that mounts it. */
export interface RedisCase {
  readonly where: string;
  readonly file: string;
  readonly conf: string;
  /** The init container's shell script that writes the include file (requirepass), when there is one. */
  readonly authScript?: string;
  /** Where the StatefulSet mounts the password Secret, and the key the script reads. */
  readonly secretMount?: string;
}

export function redisCases(where: string, objects: readonly RenderedObject[]): RedisCase[] {
  const cases: RedisCase[] = [];
  for (const cm of objects.filter((o) => o.object.kind === 'ConfigMap' && typeof o.object.data?.['redis.conf'] === 'string')) {
    const ns = cm.object.metadata.namespace;
    const sts = objects.find((o) => o.object.kind === 'StatefulSet' && o.object.metadata.namespace === ns
      && (o.object.spec.template.spec.volumes ?? []).some((v: any) => v.configMap?.name === cm.object.metadata.name));
    // A replicated Redis (a Sentinel beside it) runs as several pods: redisReplicatedCases.
    if (sts?.object.spec.template.spec.containers.some((c: any) => c.name === 'sentinel')) continue;
    const init = (sts?.object.spec.template.spec.initContainers ?? []).find((c: any) => /auth\.conf/.test(c.command?.join(' ') ?? ''));
    const secretVolume = (sts?.object.spec.template.spec.volumes ?? []).find((v: any) => v.secret);
    const secretMount = init?.volumeMounts?.find((m: any) => m.name === secretVolume?.name)?.mountPath;
    cases.push({ where, file: cm.file, conf: cm.object.data['redis.conf'], authScript: init?.command?.[init.command.length - 1], secretMount });
  }
  return cases;
}

/** Maps absolute paths in `text` under each `from` prefix to `to`. */
function rewritePaths(text: string, map: ReadonlyArray<[string, string]>): string {
  return map.reduce((t, [from, to]) => t.split(from).join(to), text);
}

export async function checkRedis(c: RedisCase): Promise<string[]> {
  const problems: string[] = [];
  const fail = (msg: string) => problems.push(`${c.where} ${c.file}: ${msg}`);
  const dir = tempDir('redis');
  const log = path.join(dir, 'redis.log');
  let server: ReturnType<typeof startServer> | undefined;
  try {
    const port = await freePort();
    const includeLine = /^include\s+(\S+)$/m.exec(c.conf);
    const runtimeDir = includeLine ? path.dirname(includeLine[1]) : undefined;
    const secretDir = c.secretMount;
    // A password with the characters the init script must escape for redis.conf's quoted string.
    const password = 'pw "with" \\back\\slash $HOME';
    const map: Array<[string, string]> = [];
    if (secretDir) map.push([secretDir, path.join(dir, 'secret')]);
    if (runtimeDir) map.push([runtimeDir, path.join(dir, 'runtime')]);
    if (secretDir) {
      fs.mkdirSync(path.join(dir, 'secret'));
      fs.writeFileSync(path.join(dir, 'secret', 'password'), password);
    }
    if (runtimeDir) fs.mkdirSync(path.join(dir, 'runtime'));
    if (c.authScript) {
      const res = run('sh', ['-c', rewritePaths(c.authScript, map)], { timeoutMs: 10_000 });
      if (res.code !== 0) fail(`init container script failed: ${res.stderr.trim()}`);
    }
    // Loopback only, a free port, a temporary data directory; every other line exactly as rendered.
    const conf = rewritePaths(c.conf, map)
      .replace(/^bind .*$/m, 'bind 127.0.0.1')
      .replace(/^port .*$/m, `port ${port}`)
      .replace(/^dir .*$/m, `dir ${path.join(dir, 'data')}`);
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'redis.conf'), conf);
    server = startServer('redis-server', [path.join(dir, 'redis.conf')], log);
    const cli = (args: string[], auth = true) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--no-auth-warning', ...args],
      { env: { ...process.env, ...(auth && c.authScript ? { REDISCLI_AUTH: password } : {}) }, timeoutMs: 5_000 });
    await waitFor('redis-server', () => /PONG|NOAUTH/.test(cli(['PING']).stdout), server, log);

    const expected = new Map<string, string>();
    for (const line of c.conf.split('\n')) {
      const m = /^(maxmemory|maxmemory-policy|appendonly|appendfsync|save|maxclients|timeout|tcp-keepalive)\s+(.*)$/.exec(line.trim());
      if (m) expected.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
    }
    for (const [key, value] of expected) {
      // Only the final newline goes: an empty value (`save ""`) is an empty last line, which trim() would drop.
      const got = cli(['CONFIG', 'GET', key]).stdout.replace(/\r?\n$/, '').split('\n');
      if (got[0] !== key || got[1] !== value) fail(`CONFIG GET ${key} answered ${JSON.stringify(got.slice(0, 2))}, rendered ${JSON.stringify(value)}`);
    }
    if (c.authScript) {
      const requirepass = cli(['CONFIG', 'GET', 'requirepass']).stdout.trim().split('\n')[1];
      if (requirepass !== password) fail(`requirepass from the include file is ${JSON.stringify(requirepass)}, not the Secret's password`);
      const anonymous = cli(['PING'], false);
      if (!/NOAUTH/.test(anonymous.stdout + anonymous.stderr)) fail(`a client without the password got ${JSON.stringify(anonymous.stdout.trim())}, not NOAUTH`);
    }
  } catch (error) {
    fail((error as Error).message);
  } finally {
    if (server) await stopServer(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

/**
 * A replicated Redis (the Redis construct's `replication`): the rendered redis.conf, sentinel.conf and the two init
 * scripts of its StatefulSet, run as `replicas` "pods" on loopback.
 */
export interface RedisReplicatedCase {
  readonly where: string;
  readonly file: string;
  readonly replicas: number;
  /** StatefulSet name: pods are `<name>-0` … */
  readonly name: string;
  /** ConfigMap files by key (redis.conf, sentinel.conf), and where the pods mount them. */
  readonly configFiles: Record<string, string>;
  /** Pod volumes as the init and Sentinel containers mount them: mount path → volume name. */
  readonly mounts: Record<string, string>;
  readonly writeAuth: string;
  readonly choosePrimary: string;
  /** The Redis container's command (`sh -c <choose the role again; exec redis-server …>`). */
  readonly redisCommand: readonly string[];
  /** Sentinel container args (`redis-server <conf> --sentinel`). */
  readonly sentinelArgs: readonly string[];
  /** `<sentinel Service>.<namespace>.svc.cluster.local`. */
  readonly sentinelServiceHost: string;
}

export function redisReplicatedCases(where: string, objects: readonly RenderedObject[]): RedisReplicatedCase[] {
  const cases: RedisReplicatedCase[] = [];
  for (const sts of objects.filter((o) => o.object.kind === 'StatefulSet')) {
    const pod = sts.object.spec.template.spec;
    const sentinel = pod.containers.find((c: any) => c.name === 'sentinel');
    const choose = (pod.initContainers ?? []).find((c: any) => c.name === 'choose-primary');
    const writeAuth = (pod.initContainers ?? []).find((c: any) => c.name === 'write-auth');
    if (!sentinel || !choose || !writeAuth) continue;
    const ns = sts.object.metadata.namespace;
    const cmVolume = pod.volumes.find((v: any) => v.configMap);
    const cm = objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.namespace === ns && o.object.metadata.name === cmVolume.configMap.name)!;
    const svc = objects.find((o) => o.object.kind === 'Service' && o.object.metadata.namespace === ns && !o.object.spec.clusterIP
      && o.object.spec.ports.some((p: any) => p.targetPort === 'sentinel')
      && JSON.stringify(o.object.spec.selector) === JSON.stringify(sts.object.spec.selector.matchLabels))!;
    const mounts: Record<string, string> = {};
    for (const c of [writeAuth, choose, sentinel, pod.containers[0]]) for (const m of c.volumeMounts ?? []) mounts[m.mountPath] = m.name;
    cases.push({
      where, file: sts.file, replicas: sts.object.spec.replicas, name: sts.object.metadata.name, configFiles: cm.object.data, mounts,
      writeAuth: writeAuth.command[writeAuth.command.length - 1], choosePrimary: choose.command[choose.command.length - 1],
      redisCommand: pod.containers[0].command, sentinelArgs: sentinel.args, sentinelServiceHost: `${svc.object.metadata.name}.${ns}.svc.cluster.local`,
    });
  }
  return cases;
}

/**
 * On loopback, one address per pod (127.0.0.11, .12, …; all of 127/8 is local on Linux) with free ports for Redis and
 * Sentinel: the rendered init scripts choose the roles (no Sentinel answers yet, so ordinal 0 is the primary), the
 * rendered redis.conf and sentinel.conf start the servers, then replication, the Sentinels' view, the password on
 * both ports and a failover are checked: pod 0 is stopped, a replica must be promoted, and pod 0 restarted through the
 * same init script must come back as a replica of the new primary, never as a second primary.
 * Rewritten for loopback only: pod DNS names → addresses, ports, paths, `$(hostname)`, and `down-after-milliseconds`
 * (1000, so the failover takes seconds); every other line runs as rendered.
 */
export async function checkRedisReplicated(c: RedisReplicatedCase, log: (line: string) => void = () => {}): Promise<string[]> {
  const problems: string[] = [];
  const fail = (msg: string) => problems.push(`${c.where} ${c.file}: ${msg}`);
  const dir = tempDir('redis-sentinel');
  const password = 'pw "with" \\back\\slash $HOME';
  const running = new Map<string, ReturnType<typeof startServer>>();
  try {
    const port = await freePort();
    let sentinelPort = await freePort();
    while (sentinelPort === port) sentinelPort = await freePort();
    // A third octet from the free port, so two runs at once are unlikely to share addresses.
    const ips = Array.from({ length: c.replicas }, (_, i) => `127.0.${(port % 250) + 1}.${11 + i}`);
    const pods = ips.map((_, i) => `${c.name}-${i}`);
    const templatePort = /^port (\d+)$/m.exec(c.configFiles['sentinel.conf'])![1];
    const podDomainMatch = new RegExp(`^fqdn\\(\\) \\{ printf '%s\\.([^']+)' "\\$1"; \\}$`, 'm').exec(c.choosePrimary);
    if (!podDomainMatch) return [`${c.where} ${c.file}: choose-primary has no fqdn() line of the expected shape`];
    const podDomain = podDomainMatch[1];
    const ipOfHost = (text: string) => pods.reduce((t, pod, i) => t.split(`${pod}.${podDomain}`).join(ips[i]), text);
    const ports = (text: string) => text.replace(new RegExp(`\\b${templatePort}\\b`, 'g'), String(sentinelPort)).replace(/\b6379\b/g, String(port));
    const podDir = (i: number) => path.join(dir, pods[i]);
    const pathMap = (i: number): Array<[string, string]> => Object.entries(c.mounts).map(([mount, volume]) => [mount, path.join(podDir(i), volume)]);
    // One pass, longest mount first: mapping /tmp after /run/redis → /tmp/components-… would rewrite the result again.
    const mapPaths = (text: string, map: ReadonlyArray<[string, string]>) => {
      const sorted = [...map].sort((a, b) => b[0].length - a[0].length);
      const re = new RegExp(`(${sorted.map(([m]) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?=/|\\s|$|"|')`, 'gm');
      return text.replace(re, (m) => sorted.find(([from]) => from === m)![1]);
    };
    const runtimeMount = path.dirname(/^include (\S+\/replication\.conf)$/m.exec(c.configFiles['redis.conf'])![1]);

    const replicationConf = (i: number) => path.join(mapPaths(runtimeMount, pathMap(i)), 'replication.conf');
    /** A rendered script as pod i runs it, with the Sentinel Service answering from `serviceIp`. */
    const script = (i: number, text: string, serviceIp: string) => mapPaths(ports(text), pathMap(i))
      .replace(/^fqdn\(\) \{.*\}$/m, `fqdn() { case "$1" in ${pods.map((p, k) => `${p}) printf '${ips[k]}';;`).join(' ')} esac; }`)
      .replace('self="$(hostname)"', `self='${pods[i]}'`)
      .split(c.sentinelServiceHost).join(serviceIp);

    /** A new pod i: fresh volumes (the data directory is kept, like a PVC), then its two init scripts. */
    const init = (i: number, serviceIp: string): string => {
      const map = pathMap(i);
      for (const [mount, d] of map) {
        if (!/^\/data$/.test(mount)) fs.rmSync(d, { recursive: true, force: true });
        fs.mkdirSync(d, { recursive: true });
      }
      const secretDir = map.find(([, d]) => d.endsWith('/password'))![1];
      fs.writeFileSync(path.join(secretDir, 'password'), password);
      const configDir = map.find(([, d]) => d.endsWith('/config-config'))![1];
      for (const [key, text] of Object.entries(c.configFiles)) {
        let t = key === 'sentinel.conf'
          ? ports(ipOfHost(text)).replace(/^(sentinel down-after-milliseconds \S+) \d+$/m, '$1 1000')
          // A primary waits 5 s (repl-diskless-sync-delay, Redis 7 default) for more replicas before a full sync; not here.
          : `${text.replace(/^port .*$/m, `port ${port}`)}repl-diskless-sync-delay 0\n`;
        t = mapPaths(t, map).replace(/^bind .*$/m, `bind ${ips[i]}`);
        fs.writeFileSync(path.join(configDir, key), t);
      }
      for (const [name, text] of [['write-auth', c.writeAuth], ['choose-primary', c.choosePrimary]]) {
        const res = run('sh', ['-c', script(i, text, serviceIp)], { timeoutMs: 60_000 });
        if (res.code !== 0) throw new Error(`${pods[i]} init ${name} failed: ${res.stderr.trim()}`);
      }
      return fs.readFileSync(replicationConf(i), 'utf8');
    };
    /** Pod i's Redis container: its rendered start script (which chooses the role again), then redis-server. */
    const startRedis = async (i: number, serviceIp: string): Promise<string> => {
      const configDir = pathMap(i).find(([, d]) => d.endsWith('/config-config'))![1];
      const redisLog = path.join(podDir(i), 'redis.log');
      // The container's config path, mapped like the others; `exec` makes the shell's PID redis-server's.
      const command = script(i, c.redisCommand.slice(2).join(' '), serviceIp).replace(/exec redis-server \S+$/, `exec redis-server ${path.join(configDir, 'redis.conf')}`);
      const server = startServer('sh', ['-c', command], redisLog);
      running.set(`redis-${i}`, server);
      await waitFor(`${pods[i]} redis-server`, () => /PONG|NOAUTH/.test(cli(i, port, ['PING']).stdout), server, redisLog);
      return fs.readFileSync(replicationConf(i), 'utf8');
    };
    const startSentinel = async (i: number) => {
      const map = pathMap(i);
      const sentinelLog = path.join(podDir(i), 'sentinel.log');
      const sentinel = startServer('redis-server', c.sentinelArgs.slice(1).map((a) => mapPaths(a, map)), sentinelLog);
      running.set(`sentinel-${i}`, sentinel);
      await waitFor(`${pods[i]} sentinel`, () => /PONG|NOAUTH/.test(cli(i, sentinelPort, ['PING']).stdout), sentinel, sentinelLog);
    };
    const stop = async (key: string) => {
      const child = running.get(key);
      if (child) await stopServer(child);
      running.delete(key);
    };
    const cli = (i: number, p: number, args: string[], auth = true) => run('redis-cli', ['-h', ips[i], '-p', String(p), '--no-auth-warning', ...args],
      { env: { ...process.env, ...(auth ? { REDISCLI_AUTH: password } : {}) }, timeoutMs: 5_000 });
    const info = (i: number) => Object.fromEntries(cli(i, port, ['INFO', 'replication']).stdout.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => l.split(/:(.*)/).slice(0, 2)));
    const primaryOf = (i: number) => cli(i, sentinelPort, ['SENTINEL', 'get-master-addr-by-name', masterName]).stdout.trim().split('\n');
    const until = async (what: string, ok: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const masterName = /^sentinel monitor (\S+) /m.exec(c.configFiles['sentinel.conf'])![1];
    const t0 = Date.now();

    // Fresh start, every pod at once (Parallel): no Sentinel answers, so ordinal 0 is the primary.
    const fresh = (i: number) => `replica-announce-ip ${ips[i]}\n${i === 0 ? '' : `replicaof ${ips[0]} ${port}\n`}`;
    ips.forEach((_, i) => {
      const r = init(i, ips[0]);
      if (r !== fresh(i)) fail(`${pods[i]}: fresh start: the init step wrote replication.conf ${JSON.stringify(r)}, expected ${JSON.stringify(fresh(i))}`);
    });
    // Every Redis first, so each Sentinel's first INFO of the primary already lists the replicas.
    for (let i = 0; i < ips.length; i++) {
      const r = await startRedis(i, ips[0]);
      if (r !== fresh(i)) fail(`${pods[i]}: fresh start: the Redis container wrote replication.conf ${JSON.stringify(r)}, expected ${JSON.stringify(fresh(i))}`);
    }
    for (let i = 0; i < ips.length; i++) await startSentinel(i);

    const expected = new Map<string, string>();
    for (const line of c.configFiles['redis.conf'].split('\n')) {
      const m = /^(maxmemory|maxmemory-policy|appendonly|appendfsync|save)\s+(.*)$/.exec(line.trim());
      if (m) expected.set(m[1], m[2].replace(/^"(.*)"$/, '$1'));
    }
    for (const [key, value] of expected) {
      const got = cli(0, port, ['CONFIG', 'GET', key]).stdout.replace(/\r?\n$/, '').split('\n');
      if (got[0] !== key || got[1] !== value) fail(`primary: CONFIG GET ${key} answered ${JSON.stringify(got.slice(0, 2))}, rendered ${JSON.stringify(value)}`);
    }
    for (const [what, p] of [['redis', port], ['sentinel', sentinelPort]] as const) {
      const anonymous = cli(1, p, ['PING'], false);
      if (!/NOAUTH/.test(anonymous.stdout + anonymous.stderr)) fail(`${what} let a client without the password in: ${JSON.stringify(anonymous.stdout.trim())}`);
    }
    await until('replicas connected to the primary', () => info(0).connected_slaves === String(ips.length - 1)
      && ips.slice(1).every((_, k) => info(k + 1).master_link_status === 'up'), 15_000);
    log(`replication up: ${pods[0]} primary, ${ips.length - 1} replica(s) linked (${Date.now() - t0} ms)`);
    const set = cli(0, port, ['SET', 'platform:check', 'before-failover']);
    if (set.stdout.trim() !== 'OK') fail(`SET on the primary answered ${JSON.stringify(set.stdout.trim())}`);
    const onReplica = cli(1, port, ['SET', 'x', 'y']);
    if (!/READONLY/.test(onReplica.stdout + onReplica.stderr)) fail(`a replica accepted a write: ${JSON.stringify(onReplica.stdout.trim())}`);
    await until('every Sentinel names pod 0 and sees the other Sentinels', () => ips.every((_, i) => {
      const master = cli(i, sentinelPort, ['SENTINEL', 'master', masterName]).stdout.split('\n');
      const field = (k: string) => master[master.indexOf(k) + 1];
      return primaryOf(i).join(' ') === `${ips[0]} ${port}` && field('num-other-sentinels') === String(ips.length - 1) && field('num-slaves') === String(ips.length - 1);
    }), 15_000);
    log(`sentinels: all ${ips.length} name ${pods[0]} and see ${ips.length - 1} other Sentinel(s) and ${ips.length - 1} replica(s) (${Date.now() - t0} ms)`);
    await until('the key reached the replicas', () => ips.slice(1).every((_, k) => cli(k + 1, port, ['GET', 'platform:check']).stdout.trim() === 'before-failover'), 5_000);

    // The primary's Redis container dies (its Sentinel keeps running): the Sentinels must promote a replica.
    await stop('redis-0');
    const tFail = Date.now();
    let promoted = -1;
    await until('a replica promoted after the primary stopped', () => {
      const answers = ips.map((_, i) => primaryOf(i)[0]);
      promoted = ips.indexOf(answers[0]);
      return promoted > 0 && answers.every((a) => a === answers[0]) && info(promoted).role === 'master';
    }, 30_000);
    log(`failover: ${pods[promoted]} promoted ${Date.now() - tFail} ms after ${pods[0]}'s redis-server stopped`);
    const asReplica = `replica-announce-ip ${ips[0]}\nreplicaof ${ips[promoted]} ${port}\n`;
    const isReplicaOfPromoted = () => {
      const i0 = info(0);
      return i0.role === 'slave' && i0.master_host === ips[promoted] && i0.master_link_status === 'up';
    };

    // The container restarts in place (no init step): its start script must make it a replica of the new primary.
    const inPlace = await startRedis(0, ips[1]);
    // Everything after depends on it: stop here rather than wait for a replica that cannot come.
    if (inPlace !== asReplica) throw new Error(`old primary restarted in place: its Redis container wrote replication.conf ${JSON.stringify(inPlace)}, not a replicaof the new primary ${ips[promoted]}`);
    await until('the old primary, restarted in place, is a replica of the new one, synced', isReplicaOfPromoted, 15_000);
    log(`restart in place: ${pods[0]} came back as a replica of ${pods[promoted]} (${Date.now() - t0} ms)`);

    // The whole pod is recreated (both containers, fresh emptyDirs): its init step must pick the new primary too.
    await stop('sentinel-0');
    await stop('redis-0');
    const role = init(0, ips[1]);
    if (role !== asReplica) throw new Error(`restarted old primary wrote replication.conf ${JSON.stringify(role)}, not a replicaof the new primary ${ips[promoted]}`);
    await startRedis(0, ips[1]);
    await startSentinel(0);
    await until('the old primary, its pod recreated, is a replica of the new one, synced', isReplicaOfPromoted, 15_000);
    const masters = ips.map((_, i) => info(i).role).filter((r) => r === 'master').length;
    if (masters !== 1) fail(`after the restarts ${masters} pods report role:master, expected exactly 1`);
    const kept = cli(0, port, ['GET', 'platform:check']).stdout.trim();
    if (kept !== 'before-failover') fail(`the restarted old primary holds ${JSON.stringify(kept)} for the key written before the failover`);
    await until('the recreated pod\'s Sentinel names the new primary', () => primaryOf(0)[0] === ips[promoted], 10_000);
    log(`pod recreated: ${pods[0]} came back as a replica of ${pods[promoted]}, one primary, data kept (${Date.now() - t0} ms in all)`);
  } catch (error) {
    fail((error as Error).message);
  } finally {
    for (const child of running.values()) await stopServer(child);
    if (problems.length > 0) {
      for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
        if (f.endsWith('.log')) problems.push(`--- ${f}:\n${tail(path.join(dir, f), 8)}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

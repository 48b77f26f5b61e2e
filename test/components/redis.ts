import * as fs from 'fs';
import * as path from 'path';
import { freePort } from '../cluster/apiserver';
import { RenderedObject } from '../cluster/check';
import { run, startServer, stopServer, tempDir, waitFor } from './proc';

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

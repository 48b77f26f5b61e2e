import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { freePort } from '../cluster/apiserver';
import { RenderedObject } from '../cluster/check';
import { run, startServer, stopServer, tail, tempDir, waitFor } from './proc';

/**
 * rabbitmq-server (Debian's 3.10, the image runs 3.13) starts with the rendered conf.d file and enabled_plugins:
 * RabbitMQ validates every key against its config schema at boot and refuses to start on an unknown key or a bad
 * value. Then the running node must report the rendered memory limit and disk-free limit and run the rendered
 * plugins. Ports move to free loopback ports; the node's own epmd runs as a child of this process.
 */

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

export interface RabbitmqCase {
  readonly where: string;
  readonly file: string;
  /** The ConfigMap's files: `*.conf` (sysctl-style, conf.d) and `enabled_plugins`. */
  readonly files: Record<string, string>;
}

export function rabbitmqCases(where: string, objects: readonly RenderedObject[]): RabbitmqCase[] {
  return objects.filter((o) => o.object.kind === 'ConfigMap' && typeof o.object.data?.enabled_plugins === 'string')
    .map((o) => ({ where, file: o.file, files: o.object.data }));
}

/** True when the Debian server is installed. */
/**
 * rabbitmq.conf keys of the image's version that Debian's rabbitmq-server (3.10) rejects as unknown, with why they
 * are right for the image. The tier boots without them; everything else is checked as rendered.
 */
export const KEYS_NEWER_THAN_DEBIAN: Readonly<Record<string, string>> = {
  default_queue_type: 'node-wide default queue type, in the schema since RabbitMQ 3.13 (deps/rabbit/priv/schema/rabbit.schema) and honoured on declare since 4.0 (lib/data/rabbitmq.ts)',
};

export function haveRabbitmq(): boolean {
  return fs.existsSync(path.join(RABBIT_BIN, 'rabbitmq-server')) && fs.existsSync('/usr/bin/epmd');
}

export async function checkRabbitmq(c: RabbitmqCase): Promise<string[]> {
  const problems: string[] = [];
  const fail = (msg: string) => problems.push(`${c.where} ${c.file}: ${msg}`);
  const dir = tempDir('rabbitmq');
  const log = path.join(dir, 'rabbitmq.log');
  const started: Array<ReturnType<typeof startServer>> = [];
  const node = `components${process.pid}@localhost`;
  try {
    const [amqp, dist, epmdPort, ...pluginPorts] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const confName = Object.keys(c.files).find((k) => k.endsWith('.conf'));
    if (!confName) throw new Error('no *.conf file next to enabled_plugins');
    // Every port key moves to a free port on 127.0.0.1; every other line stays as rendered.
    let next = 0;
    const conf = c.files[confName].split('\n').map((line) => {
      const key = /^([\w.]+)\s*=/.exec(line)?.[1];
      // A key the rendered image knows and Debian's older server does not: left out here, named in the run's output.
      if (key !== undefined && key in KEYS_NEWER_THAN_DEBIAN) return `# not checked here: ${line} (${KEYS_NEWER_THAN_DEBIAN[key]})`;
      const listener = /^listeners\.tcp\.default\s*=/.exec(line);
      if (listener) return `listeners.tcp.default = 127.0.0.1:${amqp}`;
      const port = /^(\w+)\.tcp\.port\s*=/.exec(line);
      if (port) return `${port[1]}.tcp.port = ${pluginPorts[next++ % pluginPorts.length]}\n${port[1]}.tcp.ip = 127.0.0.1`;
      return line;
    }).join('\n');
    fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), conf);
    fs.writeFileSync(path.join(dir, 'enabled_plugins'), c.files.enabled_plugins);
    const env: NodeJS.ProcessEnv = {
      ...process.env, HOME: dir, RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'), RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
      RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'), RABBITMQ_LOG_BASE: path.join(dir, 'log'), RABBITMQ_NODENAME: node,
      RABBITMQ_DIST_PORT: String(dist), ERL_EPMD_ADDRESS: '127.0.0.1', ERL_EPMD_PORT: String(epmdPort), RABBITMQ_PID_FILE: path.join(dir, 'pid'),
      // A VM that dies at boot writes erl_crash.dump into the working directory otherwise.
      ERL_CRASH_DUMP: path.join(dir, 'erl_crash.dump'),
    };
    // Our own epmd in the foreground, so it is a child we stop by PID (the node would otherwise start a daemon).
    const epmd = startServer('/usr/bin/epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], path.join(dir, 'epmd.log'), env);
    started.push(epmd);
    await waitFor('epmd', () => run('/usr/bin/epmd', ['-port', String(epmdPort), '-names'], { timeoutMs: 3_000 }).code === 0, epmd, path.join(dir, 'epmd.log'), 10_000);
    const server = startServer(path.join(RABBIT_BIN, 'rabbitmq-server'), [], log, env);
    started.push(server);
    const managementPort = managementPortOf(conf);
    if (managementPort === undefined) {
      // Without the management plugin there is no cheap way to ask the node: booting with the config is the check.
      await waitFor('rabbitmq-server', () => /Server startup complete/.test(fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''), server, log, 90_000);
    } else {
      // The management API (guest/guest, allowed on loopback) instead of rabbitmqctl: each CLI call boots an Erlang VM.
      let nodeInfo: any;
      const declared = [...c.files.enabled_plugins.matchAll(/[a-z_]+/g)].map((m) => m[0]);
      const missingPlugins = () => declared.filter((p) => !(nodeInfo?.applications ?? []).some((a: any) => a.name === p));
      await waitForAsync(async () => {
        nodeInfo = await getJson(managementPort, `/api/nodes/${encodeURIComponent(node)}`);
        // Node stats are emitted every few seconds: the first answers lack mem_limit, or list applications from
        // before the plugins started. A plugin that never starts ends the wait at the time limit, reported below.
        return nodeInfo?.running === true && nodeInfo.mem_limit !== undefined && missingPlugins().length === 0;
      }, server, log, 90_000, () => nodeInfo?.running === true && missingPlugins().length > 0);
      for (const line of c.files[confName].split('\n').map((l) => l.trim())) {
        const memory = /^total_memory_available_override_value\s*=\s*(\d+)$/.exec(line);
        // The node's limit is the high watermark (0.4 by default) of the memory it is told it has.
        if (memory && nodeInfo.mem_limit !== Math.floor(Number(memory[1]) * 0.4)) {
          fail(`mem_limit is ${nodeInfo.mem_limit}, expected 0.4 × total_memory_available_override_value ${memory[1]}`);
        }
        const disk = /^disk_free_limit\.absolute\s*=\s*(\d+)(GB|MB|kB)?$/.exec(line);
        const scale: Record<string, number> = { GB: 1e9, MB: 1e6, kB: 1e3 };
        if (disk && nodeInfo.disk_free_limit !== Number(disk[1]) * (scale[disk[2] ?? ''] ?? 1)) fail(`disk_free_limit is ${nodeInfo.disk_free_limit}, rendered ${disk[1]}${disk[2] ?? ''}`);
      }
      if (missingPlugins().length > 0) fail(`plugins ${missingPlugins().join(', ')} are not running`);
    }
  } catch (error) {
    fail((error as Error).message);
  } finally {
    // The start script turns SIGTERM into a graceful stop of the VM; give it time before SIGKILL.
    for (const child of started.reverse()) await stopServer(child, 30_000);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

/** The configuration errors RabbitMQ logged at boot (not the crash report that follows), or the log's tail. */
function configErrors(log: string): string {
  const text = fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '';
  const all = text.split('\n');
  // RabbitMQ logs "Error preparing configuration in phase ...:" and then the offending keys on the next lines.
  const at = all.findIndex((l) => /Error preparing configuration/.test(l));
  const lines = at >= 0 ? all.slice(at, at + 3) : all.filter((l) => /error/i.test(l) && /(configuration|schema|variable|invalid)/i.test(l));
  return lines.length > 0 ? lines.slice(0, 5).map((l) => l.replace(/^\S+ \S+ /, '')).join('\n') : tail(log, 10);
}

function managementPortOf(conf: string): number | undefined {
  const m = /^management\.tcp\.port\s*=\s*(\d+)$/m.exec(conf);
  return m ? Number(m[1]) : undefined;
}

/** GET on the management API as guest (loopback only); undefined until it answers 200. */
function getJson(port: number, urlPath: string): Promise<any> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, auth: 'guest:guest', timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (ch) => chunks.push(ch));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
  });
}

/** Polls `ready`; after the time limit, returns quietly when `partial()` holds (the caller reports what is missing). */
async function waitForAsync(ready: () => Promise<boolean>, child: ReturnType<typeof startServer>, log: string, timeoutMs: number, partial: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rabbitmq-server did not start with the rendered config: ${configErrors(log)}`);
    if (await ready()) return;
    if (Date.now() > deadline) {
      if (partial()) return;
      throw new Error(`rabbitmq-server not ready within ${timeoutMs / 1000} s: ${configErrors(log)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

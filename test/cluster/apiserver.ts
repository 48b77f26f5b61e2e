import { ChildProcess, spawn } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startProcessGuard, stopProcess } from '../tiers/processes';

/**
 * A real etcd + kube-apiserver on loopback, from the envtest binaries in `$KUBEBUILDER_ASSETS`
 * (`setup-envtest use 1.28.x -p path` prints such a directory). No kubectl: everything goes through the HTTP API.
 * There is no controller-manager, scheduler or kubelet, so objects are only admitted and stored, never run.
 */

/** The response of one API call. */
export interface ApiResponse {
  readonly status: number;
  readonly body: any;
  /** `Warning` headers (Pod Security admission, deprecations, unknown fields), their text only. */
  readonly warnings: string[];
}

/** A running API server and the processes behind it. */
export interface ApiServer {
  readonly url: string;
  request(method: string, urlPath: string, body?: string, contentType?: string): Promise<ApiResponse>;
  /** Stops kube-apiserver, then etcd (by PID), and removes the temporary directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released for the server to take). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `Warning: 299 - "text"` → `text`. */
function warningText(header: string): string {
  const m = /^\d{3} \S+ "(.*)"$/s.exec(header.trim());
  return m ? m[1].replace(/\\"/g, '"') : header;
}

/** The texts of `Warning` response headers. */
export function splitWarnings(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  // Several warnings may arrive in one header, comma-separated between quoted texts.
  const headers = Array.isArray(value) ? value : [value];
  return headers.flatMap((h) => h.split(/(?<="),\s*(?=\d{3} )/)).map(warningText);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts etcd and kube-apiserver from `assets` and waits until /readyz answers 200 (at most `timeoutMs`). */
export async function startApiServer(assets: string, timeoutMs = 60_000): Promise<ApiServer> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-tier-'));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const token = randomBytes(24).toString('hex');
  // Any RSA pair serves for signing service-account tokens; nothing here ever verifies one.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  fs.writeFileSync(path.join(work, 'sa.pub'), publicKey);
  fs.writeFileSync(path.join(work, 'sa.key'), privateKey, { mode: 0o600 });
  fs.writeFileSync(path.join(work, 'tokens.csv'), `${token},admin,admin,system:masters\n`, { mode: 0o600 });
  const log = fs.openSync(path.join(work, 'server.log'), 'a');

  const children: ChildProcess[] = [];
  const launch = (bin: string, args: string[]) => {
    // detached: its own process group, stopped as a group (test/tiers/processes.ts).
    const child = spawn(path.join(assets, bin), args, { stdio: ['ignore', log, log], detached: true });
    children.push(child);
    return child;
  };
  const guard = startProcessGuard(() => children, () => fs.rmSync(work, { recursive: true, force: true }));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // The API server first, so it does not log etcd errors while shutting down.
    for (const child of [...children].reverse()) await stopProcess(child);
    guard.release();
    fs.closeSync(log);
    fs.rmSync(work, { recursive: true, force: true });
  };

  try {
    const loopback = (p: number) => `http://127.0.0.1:${p}`;
    launch('etcd', [
      '--data-dir', path.join(work, 'etcd'), '--unsafe-no-fsync',
      '--listen-client-urls', loopback(etcdPort), '--advertise-client-urls', loopback(etcdPort),
      '--listen-peer-urls', loopback(peerPort), '--initial-advertise-peer-urls', loopback(peerPort),
      '--initial-cluster', `default=${loopback(peerPort)}`, '--log-level', 'error',
    ]);
    launch('kube-apiserver', [
      `--etcd-servers=${loopback(etcdPort)}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`, `--cert-dir=${path.join(work, 'certs')}`,
      `--token-auth-file=${path.join(work, 'tokens.csv')}`, '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${path.join(work, 'sa.pub')}`, `--service-account-signing-key-file=${path.join(work, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/12', '--v=0',
    ]);

    const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 8 });
    const url = `https://127.0.0.1:${apiPort}`;
    const request = (method: string, urlPath: string, body?: string, contentType = 'application/json'): Promise<ApiResponse> =>
      new Promise((resolve, reject) => {
        const req = https.request(`${url}${urlPath}`, {
          method, agent,
          headers: { Authorization: `Bearer ${token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
        }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: any = text;
            try { parsed = JSON.parse(text); } catch { /* plain text (readyz) */ }
            resolve({ status: res.statusCode ?? 0, body: parsed, warnings: splitWarnings(res.headers.warning) });
          });
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${urlPath}: no answer within 30 s`)));
        req.on('error', reject);
        req.end(body);
      });

    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const child of children) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${child.spawnfile} exited (${child.exitCode ?? child.signalCode}) during start-up; last log lines:\n${tail(path.join(work, 'server.log'))}`);
        }
      }
      const ready = await request('GET', '/readyz').catch(() => undefined);
      if (ready?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`kube-apiserver not ready within ${timeoutMs / 1000} s; last log lines:\n${tail(path.join(work, 'server.log'))}`);
      await sleep(250);
    }
    return {
      url, request,
      stop: async () => { agent.destroy(); await stop(); },
    };
  } catch (error) {
    // Read the log before the directory goes.
    await stop();
    throw error;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

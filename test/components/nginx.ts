import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RenderedObject } from '../cluster/check';
import { tempDir } from './proc';

/**
 * `nginx -t` (Debian's nginx) on every rendered nginx config. Paths the container writes (pid, temp paths) are
 * moved under a temporary prefix; everything else, including `include /etc/nginx/mime.types`, stays as rendered.
 */

export interface NginxCase {
  readonly where: string;
  readonly file: string;
  readonly key: string;
  readonly conf: string;
}

/** ConfigMap keys that hold an nginx main config (an `events` or `http` block). */
export function nginxCases(where: string, objects: readonly RenderedObject[]): NginxCase[] {
  const cases: NginxCase[] = [];
  for (const cm of objects.filter((o) => o.object.kind === 'ConfigMap')) {
    for (const [key, conf] of Object.entries<string>(cm.object.data ?? {})) {
      if (key.endsWith('.conf') && /^\s*(events|http)\s*\{/m.test(conf)) cases.push({ where, file: cm.file, key, conf });
    }
  }
  return cases;
}

export function checkNginx(c: NginxCase): string[] {
  const dir = tempDir('nginx');
  try {
    const conf = c.conf
      .replace(/^(\s*pid\s+)\S+;/m, `$1${path.join(dir, 'nginx.pid')};`)
      .replace(/^(\s*\w+_temp_path\s+)(\S+);/gm, (_m, head: string, p: string) => {
        // The container mounts an emptyDir at the parent (nginx creates only the last path component).
        fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
        return `${head}${path.join(dir, p)};`;
      });
    const file = path.join(dir, c.key);
    fs.writeFileSync(file, conf);
    // Output to a file, not a pipe: Node's pipes are sockets, and nginx cannot open /dev/stderr on a socket.
    const out = path.join(dir, 'nginx-t.out');
    const fd = fs.openSync(out, 'w');
    const res = spawnSync('nginx', ['-t', '-q', '-p', dir, '-e', path.join(dir, 'error.log'), '-c', file], { stdio: ['ignore', fd, fd], timeout: 15_000, killSignal: 'SIGKILL' });
    fs.closeSync(fd);
    if (res.status === 0) return [];
    return [`${c.where} ${c.file} (${c.key}): nginx -t failed: ${fs.readFileSync(out, 'utf8').trim().split(dir).join('<tmp>')}`];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

import { App } from 'cdk8s';
import * as fs from 'fs';
import * as path from 'path';
import { PLATFORMS } from '../../charts';
import { PlatformChart, Postgres, PostgresDatabaseSpec } from '../../lib';
import { readRendered } from '../cluster/check';
import { asUser, run, startServer, stopServer, tempDir, waitFor, writeOwned } from './proc';
import { freePort } from '../cluster/apiserver';

/**
 * PostgreSQL 15 (Debian's server) runs every rendered init script on a fresh cluster, exactly as the image's
 * entrypoint does, twice (the second run proves the scripts are idempotent), then checks the result against what
 * the Postgres construct declares: databases, owners, owner passwords, PUBLIC revoked, no extensions.
 */

/** One Postgres instance as declared in a chart and as rendered into dist/. */
export interface PostgresCase {
  readonly where: string;
  readonly superuser: string;
  readonly databases: readonly PostgresDatabaseSpec[];
  /** Rendered init scripts, file name → text, from the ConfigMap in dist/. */
  readonly scripts: Record<string, string>;
  readonly configMapFile: string;
}

/** Every Postgres construct of every platform × environment, with its rendered init ConfigMap from `distDir`. */
export function postgresCases(distDir: string): PostgresCase[] {
  const cases: PostgresCase[] = [];
  for (const platform of PLATFORMS) {
    for (const environment of platform.environments) {
      const app = new App();
      platform.build(app, environment);
      const dir = path.join(distDir, platform.name, environment);
      if (!fs.existsSync(dir)) continue;
      const rendered = readRendered(dir);
      for (const chart of app.node.children.filter((c): c is PlatformChart => c instanceof PlatformChart)) {
        for (const pg of chart.node.findAll().filter((c): c is Postgres => c instanceof Postgres)) {
          const cm = rendered.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === pg.initScript.name && o.object.metadata.namespace === pg.namespace);
          if (!cm) throw new Error(`${platform.name}/${environment}: init ConfigMap ${pg.namespace}/${pg.initScript.name} of ${pg.node.path} not in dist/ (run \`npm run synth\`)`);
          const sts = rendered.find((o) => o.object.kind === 'StatefulSet' && o.object.metadata.name === pg.name && o.object.metadata.namespace === pg.namespace);
          const env = sts?.object.spec.template.spec.containers[0].env ?? [];
          const superuser = env.find((e: any) => e.name === 'POSTGRES_USER')?.value ?? 'postgres';
          cases.push({
            where: `${platform.name}/${environment} ${pg.namespace}/${pg.name}`,
            superuser,
            // Declared databases: the construct keeps its props' list; read it rather than parse the rendered SQL.
            databases: (pg as unknown as { databases: readonly PostgresDatabaseSpec[] }).databases,
            scripts: cm.object.data ?? {},
            configMapFile: cm.file,
          });
        }
      }
    }
  }
  return cases;
}

/** A fresh PostgreSQL cluster in a temporary directory: unix socket for the scripts, 127.0.0.1 (scram) for logins. */
class Cluster {
  readonly dir = tempDir('pg');
  readonly socket = path.join(this.dir, 'run');
  readonly log = path.join(this.dir, 'postgres.log');
  port = 0;
  private server?: ReturnType<typeof startServer>;

  constructor(private readonly bin: string, private readonly superuser: string) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.socket);
    writeOwned(path.join(this.socket, '.keep'), '');
    const init = run(...asUser(path.join(this.bin, 'initdb'), [
      '-D', path.join(this.dir, 'data'), '-U', this.superuser, '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C',
    ]), { timeoutMs: 60_000 });
    if (init.code !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    this.port = await freePort();
    this.server = startServer(...asUser(path.join(this.bin, 'postgres'), [
      '-D', path.join(this.dir, 'data'), '-k', this.socket, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
    ]), this.log);
    await waitFor('postgres', () => run(path.join(this.bin, 'pg_isready'), ['-h', this.socket, '-p', String(this.port)], { timeoutMs: 5_000 }).code === 0, this.server, this.log);
  }

  /** psql as the entrypoint runs it (docker-library/postgres, 15/alpine docker-entrypoint.sh, docker_process_sql). */
  psql(args: readonly string[], user = this.superuser, env: NodeJS.ProcessEnv = {}) {
    const base = ['-v', 'ON_ERROR_STOP=1', '--username', user, '--no-password', '--no-psqlrc', '-h', this.socket, '-p', String(this.port)];
    return run(...asUser(path.join(this.bin, 'psql'), [...base, ...args]), { env: { ...process.env, ...env }, timeoutMs: 30_000 });
  }

  query(sql: string, dbname = 'postgres'): string {
    const res = this.psql(['--dbname', dbname, '-At', '-c', sql]);
    if (res.code !== 0) throw new Error(`query ${sql}: ${res.stderr}`);
    return res.stdout.trim();
  }

  async stop(): Promise<void> {
    if (this.server) await stopServer(this.server);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes the secret files the scripts read (psql backticks `cat '<path>'`) under `root`; returns the path map and passwords. */
function plantSecrets(scripts: Record<string, string>, root: string): { rewrite(text: string): string; passwordOf: Map<string, string> } {
  const passwordOf = new Map<string, string>();
  const paths = new Set<string>();
  for (const text of Object.values(scripts)) for (const m of text.matchAll(/`cat '([^']+)'`/g)) paths.add(m[1]);
  for (const p of [...paths].sort()) {
    // Quotes, a backslash and a dollar: the script must bind the password as a literal, not paste it into SQL.
    const password = `pw-${path.basename(p)}-'"\\$1`;
    passwordOf.set(p, password);
    writeOwned(path.join(root, p), password);
  }
  return {
    rewrite: (text) => text.replace(/`cat '([^']+)'`/g, (_m, p: string) => `\`cat '${path.join(root, p)}'\``),
    passwordOf,
  };
}

/** Runs the scripts in file-name order, as the entrypoint does for /docker-entrypoint-initdb.d/*.sql. Returns errors. */
function runScripts(cluster: Cluster, scripts: Record<string, string>, rewrite: (t: string) => string, scriptDir: string): string[] {
  const errors: string[] = [];
  for (const name of Object.keys(scripts).sort()) {
    if (!name.endsWith('.sql')) {
      errors.push(`${name}: not a .sql file; this tier only runs .sql init scripts`);
      continue;
    }
    const file = path.join(scriptDir, name);
    writeOwned(file, rewrite(scripts[name]), 0o644);
    const res = cluster.psql(['--dbname', 'postgres', '-f', file]);
    if (res.code !== 0) errors.push(`${name}: psql exited ${res.code}: ${res.stderr.trim().split(scriptDir + path.sep).join('')}`);
  }
  return errors;
}

/** Checks one instance; returns problems (empty = passed). */
export async function checkPostgres(bin: string, c: PostgresCase): Promise<string[]> {
  const problems: string[] = [];
  const cluster = new Cluster(bin, c.superuser);
  const fail = (msg: string) => problems.push(`${c.where} (${c.configMapFile}): ${msg}`);
  try {
    await cluster.start();
    const secrets = plantSecrets(c.scripts, path.join(cluster.dir, 'secrets'));
    for (const pass of ['first run', 'second run (idempotence)']) {
      for (const e of runScripts(cluster, c.scripts, secrets.rewrite, path.join(cluster.dir, 'initdb.d'))) fail(`${pass}: ${e}`);
      if (problems.length > 0) return problems;
    }
    cluster.query('CREATE ROLE component_probe LOGIN');
    for (const db of c.databases) {
      const owner = cluster.query(`SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${db.name}'`);
      if (owner === '') {
        fail(`database ${db.name} was not created`);
        continue;
      }
      if (owner !== (db.owner ?? c.superuser)) fail(`database ${db.name} is owned by ${owner}, declared ${db.owner ?? c.superuser}`);
      // The Postgres construct declares no extensions, so none beyond the built-in plpgsql may appear.
      const extensions = cluster.query('SELECT string_agg(extname, \',\' ORDER BY extname) FROM pg_extension', db.name);
      if (extensions !== 'plpgsql') fail(`database ${db.name} has extensions ${extensions}, declared none`);
      if (db.owner) {
        const canLogin = cluster.query(`SELECT rolcanlogin FROM pg_roles WHERE rolname = '${db.owner}'`);
        if (canLogin !== 't') fail(`role ${db.owner} missing or without LOGIN`);
        const publicConnect = cluster.query(`SELECT has_database_privilege('component_probe', '${db.name}', 'CONNECT')`);
        if (publicConnect !== 'f') fail(`database ${db.name}: CONNECT is not revoked from PUBLIC`);
        const password = db.ownerPassword && [...secrets.passwordOf].find(([p]) => p.endsWith(`/${db.ownerPassword!.secretName}/${db.ownerPassword!.key}`))?.[1];
        if (password === undefined) {
          fail(`no init-script password file for ${db.owner} (Secret ${db.ownerPassword?.secretName}/${db.ownerPassword?.key})`);
        } else {
          const login = run('psql', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', db.owner, '--dbname', db.name, '--no-psqlrc', '-At', '-c', 'SELECT current_user'],
            { env: { ...process.env, PGPASSWORD: password }, timeoutMs: 10_000 });
          if (login.code !== 0 || login.stdout.trim() !== db.owner) fail(`${db.owner} cannot log in to ${db.name} over TCP with the password from its Secret file: ${login.stderr.trim()}`);
        }
      }
    }
  } catch (error) {
    fail((error as Error).message);
  } finally {
    await cluster.stop();
  }
  return problems;
}

/** The planted fault of this tier: a broken statement appended to a real init script must fail, named by file. */
export async function plantedBrokenSql(bin: string, c: PostgresCase): Promise<{ caught: boolean; report: string }> {
  const name = Object.keys(c.scripts).sort()[0];
  const broken: PostgresCase = { ...c, scripts: { ...c.scripts, [name]: `${c.scripts[name]}CREATE TABLE planted_fault (;\n` } };
  const problems = await checkPostgres(bin, broken);
  const hit = problems.find((p) => p.includes(`${name}: psql exited`) && p.includes('syntax error'));
  return { caught: hit !== undefined, report: (hit ?? problems.join(' | ')).split('\n')[0] };
}

/** The directory of Debian's PostgreSQL 15 server binaries, if installed. */
export function postgresBin(): string | undefined {
  const candidates = ['/usr/lib/postgresql/15/bin'];
  return candidates.find((d) => fs.existsSync(path.join(d, 'postgres')) && fs.existsSync(path.join(d, 'initdb')));
}

import * as path from 'path';
import { readRendered } from '../cluster/check';
import { renderedEnvironments } from '../cluster/run';
import { skipTier } from '../tiers/skip';
import { checkNginx, nginxCases } from './nginx';
import { checkPostgres, plantedBrokenSql, postgresBin, postgresCases } from './postgres';
import { have, stopAll, UNPRIVILEGED } from './proc';
import { checkRabbitmq, haveRabbitmq, KEYS_NEWER_THAN_DEBIAN, rabbitmqCases } from './rabbitmq';
import { checkRedis, checkRedisReplicated, redisCases, redisReplicatedCases } from './redis';

/**
 * `npm run test:components`: the real servers from Debian packages run against the rendered configuration in dist/:
 * PostgreSQL 15 runs the init scripts (twice) and the result is checked against the Postgres constructs' props,
 * redis-server starts with redis.conf + the include file the init container writes (a replicated Redis runs as primary,
 * replicas and Sentinels on loopback and fails over), `nginx -t` checks every nginx
 * config, and rabbitmq-server starts with the rendered conf.d file and plugins. Then a planted fault (a broken init
 * SQL statement) must be reported. Loopback and unix sockets only; every server is stopped by PID.
 */

const DIST = path.resolve(__dirname, '../../dist');

const HOW = [
  'Install the Debian packages (as root; the packaged services need not run):',
  '  apt-get install -y postgresql-15 redis-server nginx-light rabbitmq-server',
  'then run `npm run test:components`.',
];

async function main(): Promise<number> {
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const pgBin = postgresBin();
  const missing = [
    ...(pgBin ? [] : ['PostgreSQL 15 (/usr/lib/postgresql/15/bin)']),
    ...['redis-server', 'redis-cli', 'nginx', 'psql', ...(UNPRIVILEGED ? ['runuser'] : [])].filter((c) => !have(c)),
  ];
  if (missing.length > 0) skipTier('component tier (PostgreSQL, Redis, nginx)', missing, HOW);
  const withRabbit = haveRabbitmq();

  const problems: string[] = [];
  const counts = { postgres: 0, redis: 0, nginx: 0, rabbitmq: 0 };
  try {
    const seen = new Map<string, string>();
    // Identical configs (staging and production often render the same file) are checked once.
    const once = (kind: string, text: string, where: string) => {
      const key = `${kind}\0${text}`;
      if (seen.has(key)) return false;
      seen.set(key, where);
      return true;
    };
    // RabbitMQ boots slowly (10–40 s on 2 busy cores) and mostly waits: it starts first and is checked alongside the
    // others. By default only the first config (the environments differ only in values of the same keys);
    // COMPONENTS_RABBITMQ=all checks every distinct one, one after another.
    const rabbitCases = withRabbit ? renderedEnvironments().flatMap((env) => rabbitmqCases(`${env.platform}/${env.environment}`, readRendered(env.dir))) : [];
    const rabbit = (async () => {
      for (const c of process.env.COMPONENTS_RABBITMQ === 'all' ? rabbitCases : rabbitCases.slice(0, 1)) {
        if (!once('rabbitmq', JSON.stringify(c.files), '')) continue;
        counts.rabbitmq++;
        const t = Date.now();
        const p = await checkRabbitmq(c);
        problems.push(...p);
        const skipped = Object.keys(KEYS_NEWER_THAN_DEBIAN).filter((k) => Object.values(c.files).some((f) => new RegExp(`^${k.replace(/\./g, '\\.')}\\s*=`, 'm').test(f)));
        console.log(`  ${p.length === 0 ? 'ok  ' : 'FAIL'} rabbitmq ${c.where} ${c.file}: started with the rendered config and plugins (${Date.now() - t} ms)`
          + (skipped.length ? `; not checked (newer than Debian's server): ${skipped.join(', ')}` : ''));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    for (const c of postgresCases(DIST)) {
      if (!once('pg', JSON.stringify([c.scripts, c.databases, c.superuser]), c.where)) continue;
      counts.postgres++;
      const t = Date.now();
      const p = await checkPostgres(pgBin!, c);
      problems.push(...p);
      console.log(`  ${p.length === 0 ? 'ok  ' : 'FAIL'} postgres ${c.where}: ${c.databases.length} database(s) as declared, init scripts run twice (${Date.now() - t} ms)`);
    }
    for (const env of renderedEnvironments()) {
      const where = `${env.platform}/${env.environment}`;
      const objects = readRendered(env.dir);
      for (const c of redisCases(where, objects)) {
        if (!once('redis', JSON.stringify([c.conf, c.authScript, c.secretMount]), '')) continue;
        counts.redis++;
        const t = Date.now();
        const p = await checkRedis(c);
        problems.push(...p);
        console.log(`  ${p.length === 0 ? 'ok  ' : 'FAIL'} redis ${where} ${c.file}: CONFIG GET matches, password required (${Date.now() - t} ms)`);
      }
      for (const c of redisReplicatedCases(where, objects)) {
        if (!once('redis-replicated', JSON.stringify(c), '')) continue;
        counts.redis++;
        const t = Date.now();
        const p = await checkRedisReplicated(c, (line) => console.log(`       ${line}`));
        problems.push(...p);
        console.log(`  ${p.length === 0 ? 'ok  ' : 'FAIL'} redis ${where} ${c.file}: ${c.replicas} pods with Sentinel on loopback: replication, `
          + `password on both ports, failover, old primary back as a replica (${Date.now() - t} ms)`);
      }
      for (const c of nginxCases(where, objects)) {
        if (!once('nginx', c.conf, '')) continue;
        counts.nginx++;
        const p = checkNginx(c);
        problems.push(...p);
        console.log(`  ${p.length === 0 ? 'ok  ' : 'FAIL'} nginx -t ${where} ${c.file}`);
      }
    }

    // Planted fault: the tier must report a broken init statement by file name.
    const first = postgresCases(DIST)[0];
    if (first) {
      const planted = await plantedBrokenSql(pgBin!, first);
      if (planted.caught) console.log(`  caught planted fault "broken init SQL": ${planted.report}`);
      else problems.push(`planted fault "broken init SQL" was NOT reported by file name with psql's syntax error; the tier said: ${planted.report || 'nothing'}`);
    }
    const nginx = renderedEnvironments().flatMap((env) => nginxCases(`${env.platform}/${env.environment}`, readRendered(env.dir)))[0];
    if (nginx) {
      const planted = checkNginx({ ...nginx, conf: nginx.conf.replace(/^(\s*http\s*\{)/m, '$1\n  planted_unknown_directive on;') });
      if (planted.some((p) => p.includes(nginx.file) && p.includes('unknown directive "planted_unknown_directive"'))) {
        console.log(`  caught planted fault "unknown nginx directive": ${planted[0].split('\n')[0]}`);
      } else {
        problems.push(`planted fault "unknown nginx directive" was NOT reported; the tier said: ${planted.join(' | ') || 'nothing'}`);
      }
    }
    // Planted fault: a start-up script that ignores the Sentinels' answer brings the old primary back as a second primary.
    const replicated = renderedEnvironments().flatMap((env) => redisReplicatedCases(`${env.platform}/${env.environment}`, readRendered(env.dir)))[0];
    if (replicated) {
      const deafen = (script: string) => script.replace('primary="$addr"; break;', 'break;');
      const deaf = { ...replicated, choosePrimary: deafen(replicated.choosePrimary), redisCommand: replicated.redisCommand.map(deafen) };
      const planted = deaf.choosePrimary === replicated.choosePrimary ? [] : await checkRedisReplicated(deaf);
      const hit = planted.find((p) => p.includes('old primary restarted in place: its Redis container wrote replication.conf'));
      if (hit) console.log(`  caught planted fault "old primary ignores the Sentinels": ${hit.split('\n')[0]}`);
      else problems.push(`planted fault "old primary ignores the Sentinels" was NOT reported; the tier said: ${planted.join(' | ') || 'nothing'}`);
    }
    await rabbit;
    if (!withRabbit) console.log('  (rabbitmq-server not installed: RabbitMQ config not checked)');
  } finally {
    await stopAll();
  }
  for (const p of problems) console.error(`FAIL ${p}`);
  const ok = problems.length === 0;
  console.log(`component tier ${ok ? 'passed' : 'FAILED'}: ${counts.postgres} PostgreSQL, ${counts.redis} Redis, ${counts.nginx} nginx, `
    + `${counts.rabbitmq} RabbitMQ config(s), ${problems.length} problem(s) in ${elapsed()} (servers stopped)`);
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`component tier FAILED: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});

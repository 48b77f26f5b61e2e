import { IConstruct } from 'constructs';
import { ContainerResources } from '../core/container';
import { check } from '../core/errors';
import { checkPort } from '../core/names';
import { checkMemory } from '../core/quantities';

/**
 * Replicated Redis for `Redis` (`RedisProps.replication`): one primary, the other pods its replicas, and a Redis
 * Sentinel beside each pod that watches the primary and promotes a replica when it fails.
 *
 * Not Redis Cluster: a cluster shards keys over masters and serves database 0 only (`SELECT` is refused, "Redis
 * cluster specification", redis.io), and the platform's clients keep their data apart in logical databases
 * (`REDIS_DB`). Sentinel keeps one full copy per pod, every database included.
 *
 * Without `appendOnly` and `persistence`, a primary whose pod comes back before the Sentinels fail over (within
 * `downAfterMilliseconds`) starts empty and is still the primary, and its replicas then copy the empty dataset
 * ("Safety of replication when master has persistence turned off", "Redis replication", redis.io): fine for a cache
 * that can be rebuilt, not for anything else.
 */
export interface RedisReplication {
  /**
   * Redis pods in total: one primary, the rest replicas, each pod with its own Sentinel. At least 3, so the
   * Sentinels can still form a majority (and fail over) with one pod gone ("High availability with Redis Sentinel",
   * redis.io: "you need at least three Sentinel instances for a robust deployment").
   */
  readonly replicas: number;
  /** Sentinel settings. @default - the defaults of each field */
  readonly sentinel?: RedisSentinelOptions;
}

/** The Sentinels beside the Redis pods. */
export interface RedisSentinelOptions {
  /**
   * Sentinels that must agree the primary is unreachable before a failover (`sentinel monitor … <quorum>`).
   * At most `replicas`, and more than half of them, so the two sides of a network split cannot both reach it.
   * @default - a majority of the replicas (2 of 3, 3 of 5)
   */
  readonly quorum?: number;
  /**
   * Name the primary is monitored under; clients ask the Sentinels for it (`SENTINEL get-master-addr-by-name`).
   * Letters, digits, ".", "-" and "_" (sentinel.conf, Redis 7.4). @default - the Redis name
   */
  readonly masterName?: string;
  /** Sentinel port. @default 26379 */
  readonly port?: number;
  /**
   * Milliseconds the primary must be unreachable before a Sentinel considers it down (`down-after-milliseconds`;
   * upstream default 30000). Shorter fails over sooner; too short fails over on a slow node or a long fork.
   * @default 10000
   */
  readonly downAfterMilliseconds?: number;
  /** CPU and memory of each Sentinel container. @default - 25m CPU, 32Mi request, 64Mi limit */
  readonly resources?: ContainerResources;
}

/** `RedisReplication` with every default filled in and checked. */
export interface ResolvedRedisReplication {
  readonly replicas: number;
  readonly quorum: number;
  readonly masterName: string;
  readonly port: number;
  readonly downAfterMilliseconds: number;
  readonly resources: ContainerResources;
  /** The Sentinel Service (`RedisProps.serviceName`). */
  readonly serviceName: string;
}

export const SENTINEL_PORT = 26379;
/** Upstream default (sentinel.conf, Redis 7.4): how long a failover may take before another Sentinel retries it. */
const FAILOVER_TIMEOUT_MS = 180000;

/** Fills in the defaults of `replication` and checks them, naming the prop and the rule. */
export function resolveReplication(scope: IConstruct, name: string, replication: RedisReplication, serviceName?: string): ResolvedRedisReplication {
  const replicas = replication.replicas;
  check(scope, Number.isInteger(replicas) && replicas >= 3, 'replication.replicas', replicas,
    'must be an integer of at least 3: Sentinel needs a majority of its instances to fail over, and with 2 pods one lost pod leaves no majority');
  const s = replication.sentinel ?? {};
  const quorum = s.quorum ?? Math.floor(replicas / 2) + 1;
  check(scope, Number.isInteger(quorum) && quorum <= replicas, 'replication.sentinel.quorum', quorum,
    `must be an integer of at most replication.replicas (${replicas}): there is one Sentinel per pod`);
  check(scope, quorum > replicas / 2, 'replication.sentinel.quorum', quorum,
    `must be more than half of replication.replicas (${replicas}), at least ${Math.floor(replicas / 2) + 1}, or both sides of a network split could declare the primary down`);
  const masterName = s.masterName ?? name;
  check(scope, /^[A-Za-z0-9._-]+$/.test(masterName), 'replication.sentinel.masterName', masterName,
    'must use letters, digits, ".", "-" and "_" only (sentinel.conf)');
  const port = s.port ?? SENTINEL_PORT;
  checkPort(scope, 'replication.sentinel.port', port);
  check(scope, port !== 6379, 'replication.sentinel.port', port, 'must differ from the Redis port 6379 (both run in one pod)');
  const downAfterMilliseconds = s.downAfterMilliseconds ?? 10000;
  check(scope, Number.isInteger(downAfterMilliseconds) && downAfterMilliseconds >= 1000, 'replication.sentinel.downAfterMilliseconds', downAfterMilliseconds,
    'must be an integer of at least 1000');
  const resources = s.resources ?? { cpuRequest: '25m', memoryRequest: '32Mi', memoryLimit: '64Mi' };
  checkMemory(scope, 'replication.sentinel.resources.memoryLimit', resources.memoryLimit);
  return { replicas, quorum, masterName, port, downAfterMilliseconds, resources, serviceName: serviceName ?? `${name}-sentinel` };
}

/** What the sentinel.conf template and the start-up script need to know about the StatefulSet. */
export interface SentinelLayout {
  readonly r: ResolvedRedisReplication;
  /** StatefulSet name: pods are `<name>-0` … */
  readonly name: string;
  /** `<headless Service>.<namespace>.svc.cluster.local`: a pod's stable DNS name is `<pod>.<this>`. */
  readonly podDomain: string;
  /** `<sentinel Service>.<namespace>.svc.cluster.local`. */
  readonly sentinelHost: string;
  readonly redisPort: number;
  /** Where the sentinel.conf template is mounted (read-only). */
  readonly templatePath: string;
  /** Writable directory (emptyDir) the Sentinel runs its config from. */
  readonly sentinelDir: string;
  /** Memory-backed directory redis.conf includes `replication.conf` from. */
  readonly runtimeDir: string;
  /** Directory of the mounted password file (`password`). */
  readonly secretDir: string;
}

/**
 * The sentinel.conf template (a ConfigMap key). The start-up script copies it into a writable directory (Sentinel
 * rewrites its config file as it learns replicas, other Sentinels and failovers), points the monitor line at the
 * current primary, and adds the pod's own name and the password.
 * Values from sentinel.conf at the Redis 7.4.1 tag and "High availability with Redis Sentinel" (redis.io).
 */
export function sentinelConf(l: SentinelLayout): string {
  const m = l.r.masterName;
  return [
    '# Rendered by lib/data/redis-sentinel.ts; copied and completed at start (Sentinel rewrites its config file).',
    'bind * -::*',
    `port ${l.r.port}`,
    'dir /tmp',
    // Pods are addressed by their stable DNS names (a rescheduled pod gets a new IP). resolve-hostnames must come
    // before the monitor line, which names a host; announce-hostnames makes Sentinel hand out (and write) names, not IPs.
    'sentinel resolve-hostnames yes',
    'sentinel announce-hostnames yes',
    // Ordinal 0 until the start-up script knows better (it asks the running Sentinels first).
    `sentinel monitor ${m} ${l.name}-0.${l.podDomain} ${l.redisPort} ${l.r.quorum}`,
    `sentinel down-after-milliseconds ${m} ${l.r.downAfterMilliseconds}`,
    `sentinel failover-timeout ${m} ${FAILOVER_TIMEOUT_MS}`,
    // One replica resynchronises at a time after a failover, so the others keep serving.
    `sentinel parallel-syncs ${m} 1`,
    '',
  ].join('\n');
}

/**
 * Finds the current primary and writes this pod's role, so a restarted pod (an old primary included) never comes
 * back as a second primary: ask the Sentinels (their Service, then each peer pod directly, which also answers while
 * its pod is not ready) for the primary; if one answers and it is another pod, replicate it; if none answers,
 * ordinal 0 starts as primary and the others replicate ordinal 0. Writes `replication.conf` (included by redis.conf).
 * Run by the `choose-primary` init step, which also writes the Sentinel's config with the same primary
 * (`withSentinelConf`), and again by the Redis container before `exec redis-server`: a container restarted in place
 * (OOM kill, failed liveness probe) does not rerun init steps, and the primary may have changed since the pod started.
 * The password goes from the mounted file into the files and the `redis-cli` environment, never argv or the server's env.
 */
export function choosePrimaryScript(l: SentinelLayout, withSentinelConf: boolean): string {
  const peers = Array.from({ length: l.r.replicas }, (_, i) => `"$(fqdn ${l.name}-${i})"`).join(' ');
  const sentinelOut = `${l.sentinelDir}/sentinel.conf`;
  return [
    'set -eu',
    `fqdn() { printf '%s.${l.podDomain}' "$1"; }`,
    'self="$(hostname)"',
    'me="$(fqdn "$self")"',
    'primary=""',
    `for host in ${l.sentinelHost} ${peers}; do`,
    '  [ "$host" = "$me" ] && continue',
    // `timeout`: a peer that does not answer (not yet scheduled, or dropped by policy) must not stall the start.
    `  answer="$(REDISCLI_AUTH="$(cat ${l.secretDir}/password)" timeout 3 redis-cli --no-auth-warning -h "$host" -p ${l.r.port} SENTINEL get-master-addr-by-name ${l.r.masterName} 2>/dev/null || true)"`,
    '  addr="$(printf \'%s\\n\' "$answer" | sed -n 1p)"',
    '  port="$(printf \'%s\\n\' "$answer" | sed -n 2p)"',
    // An empty answer (no Sentinel knows a primary yet) or an error is no answer.
    `  if [ "$port" = "${l.redisPort}" ] && [ -n "$addr" ]; then primary="$addr"; break; fi`,
    'done',
    `if [ -z "$primary" ]; then primary="$(fqdn ${l.name}-0)"; fi`,
    'echo "primary: $primary (this pod: $me)"',
    'umask 077',
    // Replicas and Sentinels reach this pod by name; its IP changes whenever it is rescheduled.
    `printf 'replica-announce-ip %s\\n' "$me" > ${l.runtimeDir}/replication.conf`,
    `if [ "$primary" != "$me" ]; then printf 'replicaof %s ${l.redisPort}\\n' "$primary" >> ${l.runtimeDir}/replication.conf; fi`,
    ...(withSentinelConf ? [
      // Same escaping as the auth include: sentinel.conf reads \\ and \" inside double quotes.
      `esc="$(sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' ${l.secretDir}/password)"`,
      `sed -e "s|^sentinel monitor ${l.r.masterName} .*|sentinel monitor ${l.r.masterName} $primary ${l.redisPort} ${l.r.quorum}|" ${l.templatePath} > ${sentinelOut}`,
      `printf 'sentinel announce-ip %s\\n' "$me" >> ${sentinelOut}`,
      // Sentinel logs in to Redis with auth-pass, and requires the same password from clients and from the other Sentinels.
      `printf 'sentinel auth-pass ${l.r.masterName} "%s"\\nrequirepass "%s"\\n' "$esc" "$esc" >> ${sentinelOut}`,
    ] : []),
  ].join('\n');
}

import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ContainerResources, EnvValue } from '../core/container';
import { check } from '../core/errors';
import { checkDnsLabel } from '../core/names';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { checkSecretKeyRef } from './postgres';
import { SecretKeyRef } from '../core/secret-ref';
import { Workload } from '../workloads/workload';
import { WorkloadBackedStore } from '../workloads/workload-backed-store';

/** Redis eviction policies (`maxmemory-policy`). */
export const REDIS_EVICTION_POLICIES = [
  'noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
] as const;
export type RedisEvictionPolicy = typeof REDIS_EVICTION_POLICIES[number];

/** A PersistentVolumeClaim for `/data`. */
export interface RedisPersistence {
  /** Volume size, e.g. "5Gi". */
  readonly size: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
}

export interface RedisProps {
  /**
   * What the data is. `cache`: every key can be rebuilt, so eviction (`maxmemoryPolicy`) is fine and persistence
   * optional. `broker`: a queue or the only copy of state (a Celery broker, job queues): eviction would silently
   * drop messages, so it needs `maxmemoryPolicy: 'noeviction'` (writes fail loudly when full), `appendOnly: true`
   * and a `persistence` volume, and construction fails otherwise.
   * @default 'cache'
   */
  readonly usage?: 'cache' | 'broker';
  /** Name of the StatefulSet and its pods (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Name of the client Service. @default - the name */
  readonly serviceName?: string;
  /** Official `redis` image, pinned. @default 'redis:7.4.1-alpine' */
  readonly image?: string;
  /** UID of the image's `redis` user. @default 999 */
  readonly runAsUser?: number;
  /** Password (`requirepass`), a Secret key mounted as a file and written into the config at start. */
  readonly password: SecretKeyRef;
  /**
   * `maxmemory`, as a Kubernetes quantity. The memory limit must leave headroom: 25 % without AOF, and twice
   * `maxmemory` with `appendOnly` (an AOF rewrite forks, and copy-on-write can duplicate every page).
   * @default '256Mi'
   */
  readonly maxmemory?: string;
  /** `maxmemory-policy`. @default - 'allkeys-lru' for a cache, 'noeviction' for a broker */
  readonly maxmemoryPolicy?: RedisEvictionPolicy;
  /** `appendonly`: the AOF makes writes survive a container restart (and a pod restart with `persistence`). @default - false for a cache, true for a broker */
  readonly appendOnly?: boolean;
  /** A PVC for `/data`; `false` keeps data in an `emptyDir` that lives as long as the pod. @default false */
  readonly persistence?: RedisPersistence | false;
  /** CPU and memory. @default - 100m CPU, 384Mi request and limit */
  readonly resources?: ContainerResources;
  /** Role within the platform (`app.kubernetes.io/component`). @default 'cache' */
  readonly component?: string;
  /** Named exemptions from validation-gate rules, rule id → reason. @default - none */
  readonly exemptions?: Record<string, string>;
}

const REDIS_PORT = 6379;
const SECRET_DIR = '/run/secrets/redis';
const RUNTIME_DIR = '/run/redis';
const MI = 1024 * 1024;

/**
 * A single Redis instance (no replication, one replica) as a StatefulSet: a rendered `redis.conf` with
 * `maxmemory`, eviction policy and AOF setting, the password kept off every command line (an init step writes a
 * `requirepass` include into a memory-backed `emptyDir` from the mounted Secret), `redis-cli ping` probes that read
 * the password from the file, and `/data` on an `emptyDir` or a PVC.
 */
export class Redis extends WorkloadBackedStore {
  public readonly workload: Workload;
  public readonly name: string;
  public readonly namespace: string;
  /** `<service>.<namespace>.svc.cluster.local`. */
  public readonly serviceHost: string;
  public readonly port = REDIS_PORT;
  /** The password's Secret key (in the Redis namespace; consumers elsewhere need a copy with the same name). */
  public readonly passwordRef: SecretKeyRef;
  /** `maxmemory` in bytes. */
  public readonly maxmemoryBytes: number;
  /** The `redis.conf` ConfigMap. */
  public readonly configMap: ApiObject;
  /** `cache` or `broker` (see `RedisProps.usage`). */
  public readonly usage: 'cache' | 'broker';
  protected readonly clientPortName = 'redis';

  constructor(scope: Construct, id: string, props: RedisProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    checkSecretKeyRef(this, 'password', props.password);
    this.passwordRef = props.password;

    const usage = props.usage ?? 'cache';
    check(this, usage === 'cache' || usage === 'broker', 'usage', usage, 'must be "cache" or "broker"');
    this.usage = usage;
    const broker = usage === 'broker';
    const maxmemory = props.maxmemory ?? '256Mi';
    this.maxmemoryBytes = checkMemory(this, 'maxmemory', maxmemory);
    const policy = props.maxmemoryPolicy ?? (broker ? 'noeviction' : 'allkeys-lru');
    check(this, (REDIS_EVICTION_POLICIES as readonly string[]).includes(policy), 'maxmemoryPolicy', policy,
      `must be one of ${REDIS_EVICTION_POLICIES.join(', ')}`);
    const persistence = props.persistence ?? false;
    if (persistence) checkMemory(this, 'persistence.size', persistence.size);
    const appendOnly = props.appendOnly ?? broker;
    if (broker) {
      // Eviction deletes queued messages without an error; only noeviction makes a full broker refuse writes.
      check(this, policy === 'noeviction', 'maxmemoryPolicy', policy, 'a broker must not evict messages: use "noeviction" (writes fail when full) or usage: "cache"');
      check(this, appendOnly, 'appendOnly', appendOnly, 'a broker keeps the only copy of its messages: set appendOnly: true so writes survive a restart');
      check(this, persistence !== false, 'persistence', persistence, 'a broker needs a volume that outlives the pod: set persistence: { size }');
    }
    const resources = props.resources ?? { cpuRequest: '100m', memoryRequest: '384Mi', memoryLimit: '384Mi' };
    const limit = checkMemory(this, 'resources.memoryLimit', resources.memoryLimit);
    // Redis uses memory beyond maxmemory (client buffers, fragmentation) and, with the AOF, forks for every rewrite:
    // copy-on-write can then need up to twice the dataset ("Redis persistence" and "Redis administration", redis.io docs, Redis 7.4).
    const factor = appendOnly ? 2 : 1.25;
    const needed = Math.ceil((this.maxmemoryBytes * factor) / MI);
    check(this, limit >= needed * MI, 'maxmemory', maxmemory,
      `must stay below resources.memoryLimit (${resources.memoryLimit}) with ${appendOnly ? 'room for the AOF-rewrite fork (2 × maxmemory)' : '25% headroom for buffers and fragmentation'}: ` +
      `raise memoryLimit to at least ${needed}Mi or lower maxmemory${appendOnly ? ' (or drop appendOnly for a cache)' : ''}`);

    const conf = [
      // Kept as first written (the construct now lives in lib/data/redis.ts): a new text would change the config
      // checksum and restart every Redis for a comment.
      '# Rendered by lib/redis.ts.',
      'bind * -::*',
      `port ${REDIS_PORT}`,
      'dir /data',
      `maxmemory ${this.maxmemoryBytes}`,
      `maxmemory-policy ${policy}`,
      `appendonly ${appendOnly ? 'yes' : 'no'}`,
      ...(appendOnly ? ['appendfsync everysec'] : []),
      // No RDB snapshots: without a save line Redis 7 snapshots (and forks) on its built-in schedule; the AOF, when on, is the persistence.
      'save ""',
      // Written at start by the init container from the mounted Secret, so the password is in no ConfigMap or argv.
      `include ${RUNTIME_DIR}/auth.conf`,
      '',
    ].join('\n');

    const image = props.image ?? 'redis:7.4.1-alpine';
    const runtimeDir = { path: RUNTIME_DIR, medium: 'Memory' as const, sizeLimit: '1Mi' };
    const secretMount = { name: 'password', mountPath: SECRET_DIR, readOnly: true };
    // Inside double quotes redis.conf understands \\ and \" escapes; printf is a shell builtin, so no argv carries the value.
    const writeAuth = [
      'set -eu',
      `pw="$(cat ${SECRET_DIR}/password)"`,
      'esc="$(printf \'%s\' "$pw" | sed -e \'s/\\\\/\\\\\\\\/g\' -e \'s/"/\\\\"/g\')"',
      `umask 077`,
      `printf 'requirepass "%s"\\n' "$esc" > ${RUNTIME_DIR}/auth.conf`,
    ].join('\n');
    const ping = () => ({
      exec: { command: ['sh', '-c', `REDISCLI_AUTH="$(cat ${SECRET_DIR}/password)" redis-cli -h 127.0.0.1 -p ${REDIS_PORT} ping | grep -q PONG`] },
    });
    const dataSizeLimit = `${Math.max(1024, Math.ceil((4 * this.maxmemoryBytes) / MI))}Mi`;

    this.workload = new Workload(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      kind: 'StatefulSet',
      component: props.component ?? (broker ? 'broker' : 'cache'),
      replicas: 1,
      image,
      args: ['redis-server', '/etc/redis/redis.conf'],
      runAsUser: props.runAsUser ?? 999,
      ports: [{ name: 'redis', port: REDIS_PORT }],
      resources,
      readiness: { ...ping(), periodSeconds: 10, timeoutSeconds: 3 },
      liveness: { ...ping(), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5 },
      // Loading a large AOF answers LOADING instead of PONG; give it time before liveness starts.
      startup: { ...ping(), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
      writableDirectories: ['/tmp', runtimeDir, ...(persistence ? [] : [{ path: '/data', sizeLimit: dataSizeLimit }])],
      persistentVolumes: persistence ? [{ name: 'data', mountPath: '/data', size: persistence.size, storageClassName: persistence.storageClassName }] : undefined,
      configFiles: [{ name: 'config', mountPath: '/etc/redis', files: { 'redis.conf': conf } }],
      volumes: [{ name: 'password', secret: { secretName: props.password.secretName, defaultMode: 0o440, items: [{ key: props.password.key, path: 'password' }] } }],
      volumeMounts: [secretMount],
      initContainers: [{
        name: 'write-auth',
        image,
        command: ['sh', '-c', writeAuth],
        resources: { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' },
        writableDirectories: [runtimeDir],
        volumeMounts: [secretMount],
      }],
      service: { name: props.serviceName ?? this.name },
      exemptions: props.exemptions,
    });
    this.configMap = this.workload.configMaps[0];
    this.serviceHost = this.workload.serviceHost;
  }

  /** `<prefix>HOST`, `<prefix>PORT` as literals and `<prefix>PASSWORD` as a Secret key. */
  public connectionEnv(prefix = 'REDIS_'): Record<string, EnvValue> {
    return {
      [`${prefix}HOST`]: this.serviceHost,
      [`${prefix}PORT`]: String(REDIS_PORT),
      [`${prefix}PASSWORD`]: { secretKeyRef: this.passwordRef },
    };
  }
}

import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { ContainerResources, EnvValue, imageVersion, NamedContainerProps } from '../core/container';
import { componentLabels } from '../core/labels';
import { check } from '../core/errors';
import { checkDnsLabel, clusterServiceHost } from '../core/names';
import { NetworkPort } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { checkSecretKeyRef } from './postgres';
import { SecretKeyRef } from '../core/secret-ref';
import { Workload } from '../workloads/workload';
import { IDatabaseClient, WorkloadBackedStore } from '../workloads/workload-backed-store';
import { choosePrimaryScript, RedisReplication, resolveReplication, ResolvedRedisReplication, SentinelLayout, sentinelConf } from './redis-sentinel';

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
  /**
   * Name of the Service clients connect to: Redis on 6379, or in replicated mode the Sentinels (there is then no
   * Service on 6379). @default - the name; '<name>-sentinel' in replicated mode
   */
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
  /** CPU and memory of the Redis container. @default - 100m CPU, 384Mi request and limit (512Mi in replicated mode) */
  readonly resources?: ContainerResources;
  /** Role within the platform (`app.kubernetes.io/component`). @default 'cache' */
  readonly component?: string;
  /** Named exemptions from validation-gate rules, rule id → reason. @default - none */
  readonly exemptions?: Record<string, string>;
  /**
   * Replicated mode: `replicas` pods, one primary and its replicas, with a Redis Sentinel in every pod that fails
   * over to a replica when the primary is lost (see {@link RedisReplication}). Clients must then find the primary
   * through the Sentinels (`connectionEnv` gives `SENTINEL_HOSTS`/`SENTINEL_MASTER` instead of `HOST`/`PORT`).
   * @default - a single instance, no replication
   */
  readonly replication?: RedisReplication;
}

const REDIS_PORT = 6379;
const SECRET_DIR = '/run/secrets/redis';
const RUNTIME_DIR = '/run/redis';
const SENTINEL_DIR = '/run/sentinel';
const MI = 1024 * 1024;

/** Where clients of a replicated Redis find the primary. */
export interface RedisSentinelEndpoint {
  /** `<sentinel Service>.<namespace>.svc.cluster.local`. */
  readonly host: string;
  /** Sentinel port. */
  readonly port: number;
  /** Name to ask for (`SENTINEL get-master-addr-by-name <masterName>`). */
  readonly masterName: string;
}

/**
 * A single Redis instance (no replication, one replica) as a StatefulSet: a rendered `redis.conf` with
 * `maxmemory`, eviction policy and AOF setting, the password kept off every command line (an init step writes a
 * `requirepass` include into a memory-backed `emptyDir` from the mounted Secret), `redis-cli ping` probes that read
 * the password from the file, and `/data` on an `emptyDir` or a PVC.
 *
 * With `replication`, the same StatefulSet runs `replicas` pods started in parallel, each with redis-server and a
 * Sentinel container; an init step (and the Redis container at every start) asks the Sentinels for the current
 * primary so a restarted pod, an old primary included, comes back as a replica. Pods are spread over nodes, a PDB lets one go at a time, and the Sentinels are
 * reached through their own Service; there is no client Service on 6379, which would send writes to read-only replicas.
 */
export class Redis extends WorkloadBackedStore {
  public readonly workload: Workload;
  public readonly name: string;
  public readonly namespace: string;
  /** `<service>.<namespace>.svc.cluster.local`; in replicated mode the Sentinel Service (ask it for the primary). */
  public readonly serviceHost: string;
  /** Replicated mode: where clients ask for the primary. */
  public readonly sentinel?: RedisSentinelEndpoint;
  /** Replicated mode: the Service in front of the Sentinels. */
  public readonly sentinelService?: ApiObject;
  /** Redis port (of every pod). In replicated mode this is not the port of `serviceHost`: use `sentinel` or `endpointEnv`. */
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
  private readonly replication?: ResolvedRedisReplication;

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
    const replication = props.replication ? resolveReplication(this, this.name, props.replication, props.serviceName) : undefined;
    this.replication = replication;
    // Replicated: a primary forks for every full sync (below), so the default leaves room for twice the default maxmemory.
    const defaultMemory = replication ? '512Mi' : '384Mi';
    const resources = props.resources ?? { cpuRequest: '100m', memoryRequest: defaultMemory, memoryLimit: defaultMemory };
    const limit = checkMemory(this, 'resources.memoryLimit', resources.memoryLimit);
    // Redis uses memory beyond maxmemory (client buffers, fragmentation) and, with the AOF, forks for every rewrite:
    // copy-on-write can then need up to twice the dataset ("Redis persistence" and "Redis administration", redis.io docs, Redis 7.4).
    // A primary forks too, to send a full copy to a replica that (re)connects ("Redis replication", redis.io).
    const forks = appendOnly || replication !== undefined;
    const factor = forks ? 2 : 1.25;
    const needed = Math.ceil((this.maxmemoryBytes * factor) / MI);
    const forkReason = appendOnly ? 'room for the AOF-rewrite fork (2 × maxmemory)' : 'room for the fork of a full sync to a replica (2 × maxmemory)';
    check(this, limit >= needed * MI, 'maxmemory', maxmemory,
      `must stay below resources.memoryLimit (${resources.memoryLimit}) with ${forks ? forkReason : '25% headroom for buffers and fragmentation'}: ` +
      `raise memoryLimit to at least ${needed}Mi or lower maxmemory${appendOnly && !replication ? ' (or drop appendOnly for a cache)' : ''}`);

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
      // Written at start by the choose-primary init step: this pod's DNS name, and `replicaof` unless it is the primary.
      ...(replication ? [`include ${RUNTIME_DIR}/replication.conf`] : []),
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
      // A replica logs in to the primary with the same password.
      ...(replication ? [`printf 'masterauth "%s"\\n' "$esc" >> ${RUNTIME_DIR}/auth.conf`] : []),
    ].join('\n');
    const ping = (port = REDIS_PORT) => ({
      exec: { command: ['sh', '-c', `REDISCLI_AUTH="$(cat ${SECRET_DIR}/password)" redis-cli -h 127.0.0.1 -p ${port} ping | grep -q PONG`] },
    });
    const dataSizeLimit = `${Math.max(1024, Math.ceil((4 * this.maxmemoryBytes) / MI))}Mi`;
    const initResources = { cpuRequest: '10m', memoryRequest: '16Mi', memoryLimit: '32Mi' };
    const serviceName = props.serviceName ?? this.name;
    const component = props.component ?? (broker ? 'broker' : 'cache');

    const configFiles: Record<string, string> = { 'redis.conf': conf };
    const initContainers: NamedContainerProps[] = [{
      name: 'write-auth',
      image,
      command: ['sh', '-c', writeAuth],
      resources: initResources,
      writableDirectories: [runtimeDir],
      volumeMounts: [secretMount],
    }];
    const sidecars: NamedContainerProps[] = [];
    let layout: SentinelLayout | undefined;
    if (replication) {
      layout = {
        r: replication,
        name: this.name,
        podDomain: clusterServiceHost(`${this.name}-headless`, this.namespace),
        sentinelHost: clusterServiceHost(replication.serviceName, this.namespace),
        redisPort: REDIS_PORT,
        templatePath: '/etc/redis/sentinel.conf',
        sentinelDir: SENTINEL_DIR,
        runtimeDir: RUNTIME_DIR,
        secretDir: SECRET_DIR,
      };
      configFiles['sentinel.conf'] = sentinelConf(layout);
      const sentinelDir = { path: SENTINEL_DIR, medium: 'Memory' as const, sizeLimit: '1Mi' };
      initContainers.push({
        name: 'choose-primary',
        image,
        command: ['sh', '-c', choosePrimaryScript(layout, true)],
        resources: initResources,
        writableDirectories: [runtimeDir, sentinelDir],
        configFiles: [{ name: 'config', mountPath: '/etc/redis', files: configFiles }],
        volumeMounts: [secretMount],
      });
      sidecars.push({
        name: 'sentinel',
        image,
        args: ['redis-server', `${SENTINEL_DIR}/sentinel.conf`, '--sentinel'],
        ports: [{ name: 'sentinel', port: replication.port }],
        resources: replication.resources,
        readiness: { ...ping(replication.port), periodSeconds: 10, timeoutSeconds: 3 },
        liveness: { ...ping(replication.port), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5 },
        // Sentinel rewrites its config in place (a copy in a writable emptyDir) and chdirs to /tmp.
        writableDirectories: ['/tmp', sentinelDir],
        volumeMounts: [secretMount],
      });
    }

    this.workload = new Workload(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      kind: 'StatefulSet',
      component,
      replicas: replication?.replicas ?? 1,
      // Every pod starts at once: each init step finds the primary through the Sentinels, or ordinal 0 when none runs
      // yet, so there is nothing to order; OrderedReady would keep pod 1 waiting for a pod 0 whose node is gone.
      ...(replication ? { podManagementPolicy: 'Parallel' as const } : {}),
      image,
      // Replicated: the role is chosen again at every container start (a restart in place reruns no init step).
      ...(layout
        ? { command: ['sh', '-c', `${choosePrimaryScript(layout, false)}\nexec redis-server /etc/redis/redis.conf`] }
        : { args: ['redis-server', '/etc/redis/redis.conf'] }),
      runAsUser: props.runAsUser ?? 999,
      ports: [{ name: 'redis', port: REDIS_PORT }],
      resources,
      readiness: { ...ping(), periodSeconds: 10, timeoutSeconds: 3 },
      liveness: { ...ping(), periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 5 },
      // Loading a large AOF answers LOADING instead of PONG; give it time before liveness starts.
      startup: { ...ping(), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
      writableDirectories: ['/tmp', runtimeDir, ...(persistence ? [] : [{ path: '/data', sizeLimit: dataSizeLimit }])],
      persistentVolumes: persistence ? [{ name: 'data', mountPath: '/data', size: persistence.size, storageClassName: persistence.storageClassName }] : undefined,
      configFiles: [{ name: 'config', mountPath: '/etc/redis', files: configFiles }],
      volumes: [{ name: 'password', secret: { secretName: props.password.secretName, defaultMode: 0o440, items: [{ key: props.password.key, path: 'password' }] } }],
      volumeMounts: [secretMount],
      initContainers,
      ...(sidecars.length > 0 ? { sidecars } : {}),
      // Replicated: no Service over every pod on 6379 (writes would reach read-only replicas); clients ask the Sentinels.
      service: replication ? false : { name: serviceName },
      exemptions: props.exemptions,
    });
    this.configMap = this.workload.configMaps[0];
    if (replication && layout) {
      const port: NetworkPort = { port: replication.port, protocol: 'TCP' };
      // Replicas reach the primary, Sentinels reach every Redis and each other.
      this.workload.connectTo(this.workload, ['redis']);
      this.workload.networkPolicy.addEgress(this.workload, [port]);
      this.workload.acceptConnection(this.workload, [port]);
      this.sentinelService = new k8s.KubeService(this, 'SentinelService', {
        metadata: { name: replication.serviceName, namespace: this.namespace, labels: componentLabels({ name: this.name, platform: chart.platform, component, version: imageVersion(image) }) },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.workload.selectorLabels },
          ports: [{ name: 'sentinel', port: replication.port, targetPort: k8s.IntOrString.fromString('sentinel'), protocol: 'TCP' }],
        },
      });
      this.sentinel = { host: layout.sentinelHost, port: replication.port, masterName: replication.masterName };
      this.serviceHost = layout.sentinelHost;
    } else {
      this.serviceHost = this.workload.serviceHost;
    }
  }

  /**
   * Where the store is, as literals: `<prefix>HOST` and `<prefix>PORT` for a single instance; in replicated mode
   * `<prefix>SENTINEL_HOSTS` (`host:port`, comma-separated) and `<prefix>SENTINEL_MASTER`, for a Sentinel-aware client
   * (redis-py `Sentinel`, ioredis `sentinels`) that asks for the primary and follows failovers. The Sentinels take
   * the same password as Redis.
   */
  public endpointEnv(prefix = 'REDIS_'): Record<string, string> {
    if (this.sentinel) {
      return { [`${prefix}SENTINEL_HOSTS`]: `${this.sentinel.host}:${this.sentinel.port}`, [`${prefix}SENTINEL_MASTER`]: this.sentinel.masterName };
    }
    return { [`${prefix}HOST`]: this.serviceHost, [`${prefix}PORT`]: String(REDIS_PORT) };
  }

  /** `endpointEnv(prefix)` and `<prefix>PASSWORD` as a Secret key. */
  public connectionEnv(prefix = 'REDIS_'): Record<string, EnvValue> {
    return {
      ...this.endpointEnv(prefix),
      [`${prefix}PASSWORD`]: { secretKeyRef: this.passwordRef },
    };
  }

  /** Lets `client` connect: Redis, and in replicated mode the Sentinels too (a client asks them for the primary). */
  public allowConnectionFrom(client: IDatabaseClient): void {
    if (!this.replication) {
      super.allowConnectionFrom(client);
      return;
    }
    const ports = this.connectionPorts();
    client.allowTo(this.workload, ports);
    this.workload.acceptConnection(client, ports);
  }

  /** @internal see IConnectable; replicated mode adds the Sentinel port unless ports are named. */
  public connectionPorts(portNames?: readonly string[]): NetworkPort[] {
    const ports = super.connectionPorts(portNames);
    return this.replication && !portNames ? [...ports, { port: this.replication.port, protocol: 'TCP' }] : ports;
  }
}

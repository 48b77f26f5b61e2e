import { Construct } from 'constructs';
import { ContainerResources, EnvValue, SecretFiles } from '../core/container';
import { check } from '../core/errors';
import { checkDnsLabel, checkHostname, checkPort } from '../core/names';
import { IHttpBackend } from '../core/http-backend';
import { INetworkPeer, Peer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { ISecretSource } from '../core/secret-ref';
import { WorkloadServiceMonitor, WorkloadServiceMonitorProps } from '../workloads/service-monitor';
import { Workload } from '../workloads/workload';

/** Where a client finds the broker's user name and password: two keys of a Secret in the client's namespace. */
export interface BrokerCredentials {
  /** The Secret (existing, sealed or external). */
  readonly secret: ISecretSource;
  /** Key of the user name. @default 'username' */
  readonly usernameKey?: string;
  /** Key of the password. @default 'password' */
  readonly passwordKey?: string;
}

/** How `connectionEnv` hands the credentials to a client. */
export interface BrokerConnectionEnvOptions {
  /** Prefix of the variable names (`<prefix>_HOST`, …). @default 'AMQP' */
  readonly prefix?: string;
  /**
   * `files`: `<prefix>_USERNAME_FILE`/`<prefix>_PASSWORD_FILE` pointing into `credentialFiles()` (mount those too);
   * `env`: `<prefix>_USERNAME`/`<prefix>_PASSWORD` from `secretKeyRef`. @default 'files'
   */
  readonly credentials?: 'files' | 'env';
  /** Directory the credential files are mounted in (same value as given to `credentialFiles`). @default '/var/run/secrets/<prefix in lower case>' */
  readonly mountPath?: string;
}

/**
 * A RabbitMQ broker as its clients see it, in the cluster or managed elsewhere: where it is, how a client gets
 * its credentials, and the network rule that lets a client reach it.
 */
export interface IMessageBroker {
  /** Host name clients connect to. */
  readonly host: string;
  /** AMQP port (5672 plain, 5671 TLS). */
  readonly port: number;
  /** Whether clients must use TLS (`amqps://`). */
  readonly tls: boolean;
  /** Virtual host. */
  readonly vhost: string;
  /** Name of the credentials Secret; it must exist in the client's namespace. */
  readonly credentialsSecretName: string;
  /** Non-secret connection settings as literals, credentials as file paths or `secretKeyRef`s. */
  connectionEnv(options?: BrokerConnectionEnvOptions): Record<string, EnvValue>;
  /** The credentials Secret mounted as two files, `username` and `password`. */
  credentialFiles(mountPath?: string): SecretFiles;
  /** Opens the network path from `client` to the broker (egress on the client, ingress on an in-cluster broker). */
  allowConnectionFrom(client: Workload): void;
}

/** Options of the ServiceMonitor a data store renders for its metrics port. */
export type MetricsOptions = Pick<WorkloadServiceMonitorProps, 'labels' | 'targetLabels' | 'interval' | 'prometheus'>;

export interface RabbitMqProps {
  /** Name of the StatefulSet, its Services and the node names. @default 'rabbitmq' */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * Image; the Alpine management variant, pinned. 4.0 or later: RabbitMQ 3.13.7 ignores the node-wide
   * `default_queue_type` for queues declared without a type (see {@link DEFAULT_RABBITMQ_IMAGE}). @default 'rabbitmq:4.0.9-management-alpine'
   */
  readonly image?: string;
  /** Nodes; more than one forms a cluster by classic peer discovery over the headless Service. @default 1 */
  readonly replicas?: number;
  /**
   * Secret with the default (administrator) user, its password and the Erlang cookie. Keys `username`, `password`
   * and `erlangCookieKey`. Clients use the same user unless given other credentials. The values reach RabbitMQ as
   * files: an init container copies the cookie to `$HOME/.erlang.cookie` (Erlang wants mode 600, which a Secret
   * volume with an fsGroup cannot give) and writes `default_user`/`default_pass` into a `conf.d` file.
   */
  readonly credentials: BrokerCredentials & {
    /** Key of the Erlang cookie shared by the nodes and the CLI tools. @default 'erlang-cookie' */
    readonly erlangCookieKey?: string;
  };
  /** Virtual host created on first boot and used by clients. @default '/' */
  readonly vhost?: string;
  /** Size of each node's data volume. @default '8Gi' */
  readonly storageSize?: string;
  /** StorageClass of the data volumes. @default - the cluster default */
  readonly storageClassName?: string;
  /** CPU and memory; the memory limit is also given to RabbitMQ as its total memory, for the high watermark. @default - 250m/512Mi requested, 1Gi limit */
  readonly resources?: ContainerResources;
  /** Plugins besides `rabbitmq_management` and `rabbitmq_prometheus`, e.g. `rabbitmq_stream`. @default - none */
  readonly extraPlugins?: readonly string[];
  /** Extra `rabbitmq.conf` settings, key → value. @default - none */
  readonly extraConfig?: Record<string, string>;
  /**
   * Type of a queue a client declares without `x-queue-type`: `quorum` is replicated across the nodes (Raft);
   * `classic` lives on one node (classic mirroring is gone in RabbitMQ 4.0). Exclusive and non-durable queues stay
   * classic either way. @default 'quorum'
   */
  readonly defaultQueueType?: 'quorum' | 'classic' | 'stream';
  /** Free disk space below which publishers are blocked. @default '1GB' */
  readonly diskFreeLimit?: string;
  /** Seconds a node may take to open its AMQP listener (boot, schema migration, cluster join). @default 600 */
  readonly startupBudgetSeconds?: number;
  /** A ServiceMonitor for the Prometheus plugin on port 15692; `false` for none. @default - a ServiceMonitor with no extra labels */
  readonly metrics?: MetricsOptions | false;
  /** Pod user ID; 100 is the `rabbitmq` user of the Alpine image (the Debian image uses 999). @default 100 */
  readonly runAsUser?: number;
  /** Pod group ID; 101 is the `rabbitmq` group of the Alpine image. @default 101 */
  readonly runAsGroup?: number;
}

/**
 * RabbitMQ 4.0.9 (docker-library/rabbitmq `versions.json`, "4.0"; the image keeps uid 100 / gid 101 in
 * `4.0/alpine/Dockerfile`). Not 3.13.7: there `default_queue_type` (deps/rabbit/priv/schema/rabbit.schema) parses,
 * but `rabbit_amqqueue:declare/7` falls back to classic for a virtual host without its own default; the fall back to
 * the node-wide default ("DQT: fall back to node-wide default", rabbitmq-server f90a4e16d3) first ships in v4.0.0
 * (`augment_declare_args/5` in deps/rabbit/src/rabbit_amqqueue.erl at v4.0.9).
 */
export const DEFAULT_RABBITMQ_IMAGE = 'rabbitmq:4.0.9-management-alpine';

const DATA_DIR = '/var/lib/rabbitmq';
const CONF_DIR = '/etc/rabbitmq/conf.d';
const CONFIG_SOURCE_DIR = '/etc/rabbitmq/config';
const SECRET_DIR = '/run/secrets/rabbitmq';

/**
 * RabbitMQ as a StatefulSet: non-root on a read-only root filesystem, one data volume per node, credentials and
 * Erlang cookie as files (never environment variables), AMQP 5672 and management 15672 inside the cluster only,
 * Prometheus metrics on 15692, inter-node traffic (epmd 4369, distribution 25672) open only between its own pods.
 */
export class RabbitMq extends Construct implements IMessageBroker, IHttpBackend {
  public readonly workload: Workload;
  public readonly serviceMonitor?: WorkloadServiceMonitor;
  public readonly host: string;
  public readonly port = 5672;
  public readonly tls = false;
  public readonly vhost: string;
  public readonly credentialsSecretName: string;
  private readonly credentials: Required<BrokerCredentials>;

  /** An edge routes to the management UI directly (`backend: rabbitmq`): Service name. */
  public get serviceName(): string {
    return this.workload.serviceName;
  }

  /** Namespace of the management UI's Service. */
  public get namespace(): string {
    return this.workload.namespace;
  }

  /** Resolves `portName` (`management` by default) of the management UI's Service, for an edge. */
  public resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number } {
    return this.workload.resolveHttpPort(portName ?? 'management');
  }

  /** Lets `peer` (the edge's data plane) reach the management UI's Service on `portNames` (`management` by default). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.workload.allowFrom(peer, portNames ?? ['management']);
  }

  constructor(scope: Construct, id: string, props: RabbitMqProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? 'rabbitmq';
    const namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', name);
    const replicas = props.replicas ?? 1;
    check(this, Number.isInteger(replicas) && replicas >= 1, 'replicas', replicas, 'must be a positive integer');
    check(this, props.credentials.secret.secretNamespace === namespace, 'credentials.secret', props.credentials.secret.secretName,
      `must be a Secret in the broker's namespace (${namespace}), not ${props.credentials.secret.secretNamespace}`);
    const vhost = props.vhost ?? '/';
    check(this, vhost.length > 0 && !/\s/.test(vhost), 'vhost', vhost, 'must be a non-empty virtual host name without spaces');
    const resources = props.resources ?? { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' };
    const memoryLimitBytes = checkMemory(this, 'resources.memoryLimit', resources.memoryLimit);
    check(this, memoryLimitBytes >= 512 * 2 ** 20, 'resources.memoryLimit', resources.memoryLimit,
      'must be at least 512Mi: the broker, and the Erlang VM of each CLI probe, share it');
    const storageSize = props.storageSize ?? '8Gi';
    checkMemory(this, 'storageSize', storageSize);
    const diskFreeLimit = props.diskFreeLimit ?? '1GB';
    check(this, /^\d+(\.\d+)?(kB|MB|GB|kiB|MiB|GiB)?$/.test(diskFreeLimit), 'diskFreeLimit', diskFreeLimit,
      'must be a RabbitMQ size such as "1GB" or "500MB"');
    const defaultQueueType = props.defaultQueueType ?? 'quorum';
    check(this, ['quorum', 'classic', 'stream'].includes(defaultQueueType), 'defaultQueueType', defaultQueueType, 'must be "quorum", "classic" or "stream"');
    check(this, !Object.keys(props.extraConfig ?? {}).includes('default_queue_type'), 'extraConfig', 'default_queue_type',
      'set the default queue type with the defaultQueueType prop');
    const startupBudget = props.startupBudgetSeconds ?? 600;
    check(this, Number.isInteger(startupBudget) && startupBudget >= 60, 'startupBudgetSeconds', startupBudget, 'must be an integer of at least 60');
    const plugins = [...new Set(['rabbitmq_management', 'rabbitmq_prometheus', ...(props.extraPlugins ?? [])])].sort();
    for (const p of plugins) check(this, /^[a-z][a-z0-9_]*$/.test(p), 'extraPlugins', p, 'must be a plugin name such as "rabbitmq_stream"');
    const cookieKey = props.credentials.erlangCookieKey ?? 'erlang-cookie';
    this.credentials = {
      secret: props.credentials.secret,
      usernameKey: props.credentials.usernameKey ?? 'username',
      passwordKey: props.credentials.passwordKey ?? 'password',
    };
    // Validates the keys against the secret source where it knows them (ExistingSecret with keys, SealedSecret).
    for (const key of [this.credentials.usernameKey, this.credentials.passwordKey, cookieKey]) props.credentials.secret.keyRef(key);
    this.credentialsSecretName = props.credentials.secret.secretName;
    this.vhost = vhost;

    const headless = `${name}-headless`;
    const nodeHost = (pod: string) => `${pod}.${headless}.${namespace}.svc.cluster.local`;
    const config: Record<string, string> = {
      'listeners.tcp.default': '5672',
      'management.tcp.port': '15672',
      'prometheus.tcp.port': '15692',
      'log.console': 'true',
      'log.console.level': 'info',
      // The root filesystem is read-only: log to stdout only.
      'log.file': 'false',
      // RabbitMQ sizes its memory alarm from the host's RAM unless told the container limit.
      total_memory_available_override_value: String(Math.floor(memoryLimitBytes)),
      'disk_free_limit.absolute': diskFreeLimit,
      // Queues declared without a type are replicated quorum queues (rabbit.schema `default_queue_type`, v4.0.9).
      default_queue_type: defaultQueueType,
      ...(vhost !== '/' ? { default_vhost: vhost } : {}),
      ...(replicas > 1 ? {
        'cluster_formation.peer_discovery_backend': 'classic_config',
        ...Object.fromEntries(Array.from({ length: replicas }, (_, i) => [`cluster_formation.classic_config.nodes.${i + 1}`, `rabbit@${nodeHost(`${name}-${i}`)}`])),
        cluster_partition_handling: 'pause_minority',
      } : {}),
      ...props.extraConfig,
    };
    const configText = Object.keys(config).sort().map((k) => `${k} = ${config[k]}`).join('\n') + '\n';
    const configFiles = [{ name: 'config', mountPath: CONFIG_SOURCE_DIR, files: { '10-platform.conf': configText, enabled_plugins: `[${plugins.join(',')}].\n` } }];
    const u = this.credentials.usernameKey;
    const p = this.credentials.passwordKey;
    const setup = [
      'set -eu',
      `cp ${SECRET_DIR}/erlang-cookie ${DATA_DIR}/.erlang.cookie`,
      `chmod 600 ${DATA_DIR}/.erlang.cookie`,
      `cp ${CONFIG_SOURCE_DIR}/*.conf ${CONF_DIR}/`,
      `printf 'default_user = %s\\ndefault_pass = %s\\n' "$(cat ${SECRET_DIR}/username)" "$(cat ${SECRET_DIR}/password)" > ${CONF_DIR}/90-default-user.conf`,
      `chmod 600 ${CONF_DIR}/90-default-user.conf`,
    ].join('\n');
    const image = props.image ?? DEFAULT_RABBITMQ_IMAGE;

    this.workload = new Workload(this, 'Workload', {
      name,
      namespace,
      kind: 'StatefulSet',
      component: 'message-broker',
      image,
      replicas,
      // All nodes start at once. With OrderedReady a full-cluster restart deadlocks: a node that was not the last to
      // stop waits for its peers' tables (10 × 30 s, mnesia_table_loading_retry_* in deps/rabbit/Makefile, v4.0.9)
      // before it opens 5672, so pod 0 never gets ready and pods 1+ are never created. Parallel first-time formation
      // is safe: peer discovery picks the node to join deterministically (cluster size, start time, name;
      // deps/rabbit/src/rabbit_peer_discovery.erl, v4.0.9). Rolling updates still go one pod at a time.
      podManagementPolicy: 'Parallel',
      runAsUser: props.runAsUser ?? 100,
      runAsGroup: props.runAsGroup ?? 101,
      spreadAcrossZones: true,
      ports: [
        { name: 'amqp', port: 5672 },
        { name: 'management', port: 15672 },
        { name: 'prometheus', port: 15692 },
        { name: 'epmd', port: 4369, expose: false },
        { name: 'dist', port: 25672, expose: false },
      ],
      env: {
        // Listed before RABBITMQ_NODENAME (env is sorted), so the $(MY_POD_NAME) reference resolves.
        MY_POD_NAME: { fieldPath: 'metadata.name' },
        // A fully qualified node name that never changes with the replica count, so the data directory is found again.
        RABBITMQ_NODENAME: `rabbit@${nodeHost('$(MY_POD_NAME)')}`,
        RABBITMQ_USE_LONGNAME: 'true',
        RABBITMQ_ENABLED_PLUGINS_FILE: `${CONFIG_SOURCE_DIR}/enabled_plugins`,
        RABBITMQ_CONFIG_FILES: CONF_DIR,
      },
      resources,
      configFiles,
      writableDirectories: ['/tmp', CONF_DIR],
      persistentVolumes: [{ name: 'data', mountPath: DATA_DIR, size: storageSize, storageClassName: props.storageClassName }],
      initContainers: [{
        name: 'setup',
        image,
        command: ['/bin/sh', '-c', setup],
        resources: { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
        writableDirectories: ['/tmp', CONF_DIR],
        configFiles,
        secretFiles: [{
          secretName: this.credentialsSecretName,
          mountPath: SECRET_DIR,
          items: [{ key: u, path: 'username' }, { key: p, path: 'password' }, { key: cookieKey, path: 'erlang-cookie' }].sort((a, b) => a.path.localeCompare(b.path, 'en')),
        }],
        volumeMounts: [{ name: 'data', mountPath: DATA_DIR }],
      }],
      readiness: { tcp: { port: 'amqp' }, periodSeconds: 10, failureThreshold: 3 },
      // The CLI boots its own Erlang VM: give it time, and do not run it often.
      liveness: { exec: { command: ['rabbitmq-diagnostics', '-q', 'ping'] }, periodSeconds: 30, timeoutSeconds: 20, failureThreshold: 3 },
      startup: { tcp: { port: 'amqp' }, periodSeconds: 10, failureThreshold: Math.ceil(startupBudget / 10) },
      // Gives queues time to be handed over and the node to stop cleanly.
      terminationGracePeriodSeconds: 120,
    });
    if (replicas > 1) this.workload.connectTo(this.workload, ['epmd', 'dist']);
    this.host = this.workload.serviceHost;
    if (props.metrics !== false) {
      this.serviceMonitor = new WorkloadServiceMonitor(this, 'Metrics', { ...(props.metrics ?? {}), workload: this.workload, port: 'prometheus', path: '/metrics' });
    }
  }

  public connectionEnv(options: BrokerConnectionEnvOptions = {}): Record<string, EnvValue> {
    return brokerEnv(this, this.credentials, options);
  }

  public credentialFiles(mountPath?: string): SecretFiles {
    return brokerFiles(this.credentials, mountPath ?? defaultMountPath('AMQP'));
  }

  public allowConnectionFrom(client: Workload): void {
    checkClientNamespace(this, client, this.credentials.secret.secretNamespace);
    client.connectTo(this.workload, ['amqp']);
  }
}

export interface ExternalRabbitMqProps {
  /** Broker host name, e.g. the managed service's endpoint. */
  readonly host: string;
  /** AMQP port. @default 5671 (AMQPS) */
  readonly port?: number;
  /** Whether clients use TLS. @default true */
  readonly tls?: boolean;
  /** Virtual host. @default '/' */
  readonly vhost?: string;
  /** User name and password for clients, in a Secret of the clients' namespace. */
  readonly credentials: BrokerCredentials;
  /** Address ranges of the broker, for the clients' egress rule. @default - any address, on the broker port only */
  readonly cidrs?: readonly string[];
}

/** A RabbitMQ broker outside the cluster (a managed service), given by host, port and a credentials Secret. Renders nothing. */
export class ExternalRabbitMq extends Construct implements IMessageBroker {
  public readonly host: string;
  public readonly port: number;
  public readonly tls: boolean;
  public readonly vhost: string;
  public readonly credentialsSecretName: string;
  /** Where the broker is, as NetworkPolicy peers (one per address range). */
  public readonly peers: readonly INetworkPeer[];
  private readonly credentials: Required<BrokerCredentials>;

  constructor(scope: Construct, id: string, props: ExternalRabbitMqProps) {
    super(scope, id);
    checkHostname(this, 'host', props.host);
    this.port = props.port ?? 5671;
    checkPort(this, 'port', this.port);
    this.tls = props.tls ?? true;
    this.vhost = props.vhost ?? '/';
    check(this, this.vhost.length > 0 && !/\s/.test(this.vhost), 'vhost', this.vhost, 'must be a non-empty virtual host name without spaces');
    this.host = props.host;
    this.credentials = { secret: props.credentials.secret, usernameKey: props.credentials.usernameKey ?? 'username', passwordKey: props.credentials.passwordKey ?? 'password' };
    for (const key of [this.credentials.usernameKey, this.credentials.passwordKey]) props.credentials.secret.keyRef(key);
    this.credentialsSecretName = props.credentials.secret.secretName;
    const cidrs = props.cidrs ?? ['0.0.0.0/0'];
    check(this, cidrs.length > 0, 'cidrs', cidrs, 'must list at least one address range');
    for (const c of cidrs) check(this, /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i.test(c), 'cidrs', c, 'must be CIDR ranges such as "10.0.0.0/24"');
    this.peers = cidrs.map((c) => Peer.ipBlock(c));
  }

  public connectionEnv(options: BrokerConnectionEnvOptions = {}): Record<string, EnvValue> {
    return brokerEnv(this, this.credentials, options);
  }

  public credentialFiles(mountPath?: string): SecretFiles {
    return brokerFiles(this.credentials, mountPath ?? defaultMountPath('AMQP'));
  }

  public allowConnectionFrom(client: Workload): void {
    checkClientNamespace(this, client, this.credentials.secret.secretNamespace);
    for (const peer of this.peers) client.allowTo(peer, [{ port: this.port }]);
  }
}

function defaultMountPath(prefix: string): string {
  return `/var/run/secrets/${prefix.toLowerCase().replace(/_/g, '-')}`;
}

function brokerEnv(broker: IMessageBroker & Construct, credentials: Required<BrokerCredentials>, options: BrokerConnectionEnvOptions): Record<string, EnvValue> {
  const prefix = options.prefix ?? 'AMQP';
  check(broker, /^[A-Z][A-Z0-9_]*$/.test(prefix), 'prefix', prefix, 'must be upper-case letters, digits and "_"');
  const env: Record<string, EnvValue> = {
    [`${prefix}_HOST`]: broker.host,
    [`${prefix}_PORT`]: String(broker.port),
    [`${prefix}_VHOST`]: broker.vhost,
    [`${prefix}_TLS`]: String(broker.tls),
  };
  if ((options.credentials ?? 'files') === 'files') {
    const dir = options.mountPath ?? defaultMountPath(prefix);
    env[`${prefix}_USERNAME_FILE`] = `${dir}/username`;
    env[`${prefix}_PASSWORD_FILE`] = `${dir}/password`;
  } else {
    env[`${prefix}_USERNAME`] = { secretKeyRef: credentials.secret.keyRef(credentials.usernameKey) };
    env[`${prefix}_PASSWORD`] = { secretKeyRef: credentials.secret.keyRef(credentials.passwordKey) };
  }
  return env;
}

function brokerFiles(credentials: Required<BrokerCredentials>, mountPath: string): SecretFiles {
  return {
    secretName: credentials.secret.secretName,
    mountPath,
    items: [{ key: credentials.passwordKey, path: 'password' }, { key: credentials.usernameKey, path: 'username' }],
  };
}

function checkClientNamespace(broker: Construct, client: Workload, secretNamespace: string): void {
  check(broker, client.namespace === secretNamespace, 'client', client.peerName,
    `the credentials Secret lives in namespace ${secretNamespace}; a client in ${client.namespace} cannot mount it: give that namespace its own broker object with a Secret there`);
}

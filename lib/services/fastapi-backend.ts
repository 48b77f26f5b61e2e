import { Construct } from 'constructs';
import { AutoscalingOptions } from '../workloads/autoscaling';
import { ConfigFiles, ContainerResources, EnvValue, Probe, SecretFiles, WritableDirectory } from '../core/container';
import { DisruptionBudgetOptions } from '../workloads/disruption-budget';
import { check } from '../core/errors';
import { IHttpBackend } from '../core/http-backend';
import { checkDnsLabel, checkPort } from '../core/names';
import { INetworkPeer, NetworkPort } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { IPostgresDatabase, PostgresConnectionEnvOptions } from '../data/postgres';
import { IConnectable, Workload } from '../workloads/workload';

/** A file the worker touches while healthy; the probe fails when it is older than `maxAgeSeconds`. */
export interface WorkerHeartbeat {
  /** Absolute path of the file, in a writable directory (`/tmp` or one the worker adds). */
  readonly path: string;
  /** Age after which the worker counts as hung. @default 60 */
  readonly maxAgeSeconds?: number;
}

/** A sibling Deployment running the same image with another command (queue consumer, Temporal worker). */
export interface FastApiWorkerOptions {
  /** Command of the worker, e.g. `['python', '-m', 'app.workflows.worker']`. */
  readonly command: readonly string[];
  /** Arguments. @default - none */
  readonly args?: readonly string[];
  /** Fixed replicas (ignored with `autoscaling`). @default 2 */
  readonly replicas?: number;
  /** HPA for the worker. @default - fixed replicas */
  readonly autoscaling?: AutoscalingOptions;
  /** CPU and memory. @default - the backend's resources */
  readonly resources?: ContainerResources;
  /** Extra environment, merged over the backend's. @default - none */
  readonly env?: Record<string, EnvValue>;
  /** Heartbeat-file probe (readiness and liveness). Set this, `probe`, or an exemption for `practice/probes`. @default - none */
  readonly heartbeat?: WorkerHeartbeat;
  /** Probe used for readiness and liveness (usually `exec`). @default - the heartbeat probe */
  readonly probe?: Probe;
  /** Seconds between SIGTERM and SIGKILL, to finish in-flight work. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Named exemptions, rule id → reason (e.g. `practice/probes` for a worker with no health signal). @default - none */
  readonly exemptions?: Record<string, string>;
}

export interface FastApiBackendProps {
  /** Name of the Deployment, Service and ServiceAccount; workers are `<name>-<id>`. @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Role within the platform (`app.kubernetes.io/component`). @default 'api' */
  readonly component?: string;
  /** Application image, pinned. */
  readonly image: string;
  /** Entrypoint override (e.g. `['uvicorn', 'app.main:app', '--host', '0.0.0.0']`). @default - the image's ENTRYPOINT */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's CMD */
  readonly args?: readonly string[];
  /** Port the ASGI server listens on (named `http`). @default 8000 */
  readonly port?: number;
  /** Port of the Service. @default - same as `port` */
  readonly servicePort?: number;
  /** Name of the Service. @default - the name */
  readonly serviceName?: string;
  /** Environment of the API, the migration and the workers; secrets only as `{ secretKeyRef }`. @default - none */
  readonly env?: Record<string, EnvValue>;
  /**
   * Environment of the API container only, merged over `env`: credentials the migration and the workers must
   * not hold (a cache password, an OAuth client secret). @default - none
   */
  readonly apiEnv?: Record<string, EnvValue>;
  /** Secrets mounted as files (API, migration and workers). @default - none */
  readonly secretFiles?: readonly SecretFiles[];
  /** Config files (API, migration and workers). @default - none */
  readonly configFiles?: readonly ConfigFiles[];
  /** Writable directories. @default ['/tmp'] */
  readonly writableDirectories?: readonly (string | WritableDirectory)[];
  /** CPU and memory of the API (and default of workers and migration). @default - 250m CPU, 256Mi request, 512Mi limit */
  readonly resources?: ContainerResources;
  /** Liveness path (process alive, no dependency checks). @default '/health' */
  readonly healthPath?: string;
  /** Readiness path (dependencies reachable). @default '/ready' */
  readonly readyPath?: string;
  /** Seconds between liveness checks. @default 10 */
  readonly livenessPeriodSeconds?: number;
  /** Seconds between readiness checks. @default 10 */
  readonly readinessPeriodSeconds?: number;
  /** Timeout of each HTTP check. @default 2 */
  readonly probeTimeoutSeconds?: number;
  /** Startup attempts on `healthPath` before the pod is restarted. @default 12 */
  readonly startupFailureThreshold?: number;
  /** Seconds between startup attempts. @default 10 */
  readonly startupPeriodSeconds?: number;
  /**
   * Migration run as an init container before the API starts; `false` for none. Every new pod runs it, so the
   * command must be safe to run concurrently (Alembic under a DB lock, or idempotent).
   * @default ['alembic', 'upgrade', 'head']
   */
  readonly migrationCommand?: readonly string[] | false;
  /** CPU and memory of the migration. @default - the API's resources */
  readonly migrationResources?: ContainerResources;
  /** Fixed replicas, used with `autoscaling: false`. @default 2 */
  readonly replicas?: number;
  /**
   * HPA of the API; `false` for fixed replicas. Scales on CPU only unless `scaleOnMemory: true`: a Python process
   * rarely returns freed memory to the OS, so a memory target ratchets the replica count up to the maximum and
   * keeps it there.
   * @default { minReplicas: 2, maxReplicas: 10, cpuUtilizationPercent: 70, scaleOnMemory: false }
   */
  readonly autoscaling?: Partial<AutoscalingOptions> | false;
  /** PodDisruptionBudget of the API (and workers); `false` opts out. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetOptions | false;
  /** PostgreSQL: connection env and NetworkPolicy for the API, migration and workers. @default - none */
  readonly database?: IPostgresDatabase;
  /** Naming of the database env. @default - `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER`, `DB_PASSWORD` for the default database */
  readonly databaseEnv?: PostgresConnectionEnvOptions;
  /**
   * Most connections one API or worker pod opens, declared to the database's connection budget for the API's
   * maximum replicas (HPA) and each worker's. SQLAlchemy's `create_engine` defaults are `pool_size=5` plus
   * `max_overflow=10`; set the app's pool to match.
   * @default 15
   */
  readonly databaseConnectionsPerPod?: number;
  /** Pod user ID. @default 10001 */
  readonly runAsUser?: number;
  /** Pod group ID. @default - same as runAsUser */
  readonly runAsGroup?: number;
  /** ServiceAccount annotations (Workload Identity / IRSA), on the API's and each worker's ServiceAccount. @default - none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /** Seconds between SIGTERM and SIGKILL. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Workers, by id (see `addWorker`). @default - none */
  readonly workers?: Record<string, FastApiWorkerOptions>;
  /** Named exemptions of the API, rule id → reason. @default - none */
  readonly exemptions?: Record<string, string>;
}

/**
 * A Python ASGI (FastAPI) service: a Deployment with an Alembic migration init container, `/health` liveness and
 * startup probes, `/ready` readiness, an HPA (2–10 on CPU 70 %; memory only on request) and a PDB; plus worker Deployments
 * sharing its image, env and secrets with another command and no Service.
 */
export class FastApiBackend extends Construct implements IHttpBackend {
  /** The API workload (escape hatch). */
  public readonly api: Workload;
  /** Worker workloads by id. */
  public readonly workers: Record<string, Workload> = {};
  public readonly name: string;
  public readonly namespace: string;
  private readonly props: FastApiBackendProps;
  private readonly sharedEnv: Record<string, EnvValue>;
  private readonly connections: ((w: Workload) => void)[] = [];

  constructor(scope: Construct, id: string, props: FastApiBackendProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.props = props;
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    const port = props.port ?? 8000;
    checkPort(this, 'port', port);
    const healthPath = props.healthPath ?? '/health';
    const readyPath = props.readyPath ?? '/ready';
    check(this, healthPath.startsWith('/'), 'healthPath', healthPath, 'must start with "/"');
    check(this, readyPath.startsWith('/'), 'readyPath', readyPath, 'must start with "/"');
    const positive = (prop: string, v: number) => check(this, Number.isInteger(v) && v >= 1, prop, v, 'must be a positive integer');
    const livenessPeriod = props.livenessPeriodSeconds ?? 10;
    const readinessPeriod = props.readinessPeriodSeconds ?? 10;
    const timeout = props.probeTimeoutSeconds ?? 2;
    const startupAttempts = props.startupFailureThreshold ?? 12;
    const startupPeriod = props.startupPeriodSeconds ?? 10;
    positive('livenessPeriodSeconds', livenessPeriod);
    positive('readinessPeriodSeconds', readinessPeriod);
    positive('probeTimeoutSeconds', timeout);
    positive('startupFailureThreshold', startupAttempts);
    positive('startupPeriodSeconds', startupPeriod);
    check(this, timeout < Math.min(livenessPeriod, readinessPeriod), 'probeTimeoutSeconds', timeout, 'must be shorter than the probe periods');

    const autoscaling = this.resolveAutoscaling(props.autoscaling);
    const migration = props.migrationCommand ?? ['alembic', 'upgrade', 'head'];
    if (migration !== false) check(this, migration.length > 0, 'migrationCommand', migration, 'must be a non-empty command, or false to run no migration');

    this.sharedEnv = { ...(props.database ? props.database.connectionEnv(props.databaseEnv) : {}), ...props.env };
    const resources = props.resources ?? { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
    const http = (path: string) => ({ http: { path, port: 'http' } });

    this.api = new Workload(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      component: props.component ?? 'api',
      image: props.image,
      command: props.command,
      args: props.args,
      env: { ...this.sharedEnv, ...props.apiEnv },
      secretFiles: props.secretFiles,
      configFiles: props.configFiles,
      writableDirectories: props.writableDirectories,
      ports: [{ name: 'http', port, servicePort: props.servicePort }],
      resources,
      liveness: { ...http(healthPath), periodSeconds: livenessPeriod, timeoutSeconds: timeout, failureThreshold: 3 },
      readiness: { ...http(readyPath), periodSeconds: readinessPeriod, timeoutSeconds: timeout, failureThreshold: 3 },
      startup: { ...http(healthPath), periodSeconds: startupPeriod, timeoutSeconds: timeout, failureThreshold: startupAttempts },
      initContainers: migration === false ? undefined : [{
        name: 'migrate',
        image: props.image,
        command: migration,
        env: this.sharedEnv,
        secretFiles: props.secretFiles,
        configFiles: props.configFiles,
        writableDirectories: props.writableDirectories,
        resources: props.migrationResources ?? resources,
      }],
      replicas: props.replicas ?? 2,
      autoscaling,
      disruptionBudget: props.disruptionBudget,
      runAsUser: props.runAsUser,
      runAsGroup: props.runAsGroup,
      serviceAccountAnnotations: props.serviceAccountAnnotations,
      service: props.serviceName ? { name: props.serviceName } : undefined,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
      exemptions: props.exemptions,
    });
    // The migration runs in the API pod, so the API's egress rule covers it.
    if (props.database) {
      const db = props.database;
      const perPod = props.databaseConnectionsPerPod ?? 15;
      check(this, Number.isInteger(perPod) && perPod >= 1, 'databaseConnectionsPerPod', perPod, 'must be a positive integer');
      this.connections.push((w) => {
        db.allowConnectionFrom(w);
        db.reserveConnections(w.node.path, perPod * maxPods(w));
      });
    }
    this.connections.forEach((connect) => connect(this.api));
    for (const workerId of Object.keys(props.workers ?? {}).sort()) this.addWorker(workerId, props.workers![workerId]);
  }

  /** A worker Deployment `<name>-<id>` with the backend's image, env, secrets and database access. */
  public addWorker(id: string, options: FastApiWorkerOptions): Workload {
    const name = `${this.name}-${id}`;
    checkDnsLabel(this, `workers["${id}"] name`, name);
    check(this, !(id in this.workers), `workers["${id}"]`, id, 'a worker with this id exists already');
    check(this, options.command.length > 0, `workers["${id}"].command`, options.command, 'must be a non-empty command');
    const exemptions = options.exemptions ?? {};
    check(this, options.probe !== undefined || options.heartbeat !== undefined || 'practice/probes' in exemptions, `workers["${id}"]`, undefined,
      'a worker needs a health signal: set heartbeat (a file it touches), probe (e.g. an exec check), or exempt "practice/probes" with a reason');
    check(this, !(options.probe && options.heartbeat), `workers["${id}"].probe`, options.probe, 'set either probe or heartbeat, not both');
    let probe = options.probe;
    const writable = [...(this.props.writableDirectories ?? ['/tmp'])];
    if (options.heartbeat) {
      const hb = options.heartbeat;
      check(this, /^\/[A-Za-z0-9._/-]+$/.test(hb.path) && !hb.path.endsWith('/'), `workers["${id}"].heartbeat.path`, hb.path,
        'must be an absolute file path of letters, digits, ".", "_", "-" and "/"');
      const maxAge = hb.maxAgeSeconds ?? 60;
      check(this, Number.isInteger(maxAge) && maxAge >= 10, `workers["${id}"].heartbeat.maxAgeSeconds`, maxAge, 'must be an integer of at least 10');
      const dir = hb.path.slice(0, hb.path.lastIndexOf('/')) || '/';
      const writablePaths = writable.map((d) => (typeof d === 'string' ? d : d.path));
      check(this, dir !== '/', `workers["${id}"].heartbeat.path`, hb.path, 'must be inside a directory, e.g. /tmp/heartbeat');
      if (!writablePaths.some((p) => dir === p || dir.startsWith(`${p}/`))) writable.push(dir);
      probe = {
        exec: { command: ['sh', '-c', `test -f ${hb.path} && [ $(( $(date +%s) - $(stat -c %Y ${hb.path}) )) -lt ${maxAge} ]`] },
        periodSeconds: Math.max(10, Math.floor(maxAge / 3)),
        timeoutSeconds: 5,
        failureThreshold: 3,
      };
    }
    const worker = new Workload(this, `Worker-${id}`, {
      name,
      namespace: this.namespace,
      component: 'worker',
      image: this.props.image,
      command: options.command,
      args: options.args,
      env: { ...this.sharedEnv, ...options.env },
      secretFiles: this.props.secretFiles,
      configFiles: this.props.configFiles,
      writableDirectories: writable,
      resources: options.resources ?? this.props.resources ?? { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      ...(probe ? { readiness: probe, liveness: probe } : {}),
      replicas: options.replicas ?? 2,
      autoscaling: options.autoscaling,
      disruptionBudget: this.props.disruptionBudget,
      runAsUser: this.props.runAsUser,
      runAsGroup: this.props.runAsGroup,
      serviceAccountAnnotations: this.props.serviceAccountAnnotations,
      service: false,
      terminationGracePeriodSeconds: options.terminationGracePeriodSeconds ?? this.props.terminationGracePeriodSeconds,
      exemptions,
    });
    this.workers[id] = worker;
    this.connections.forEach((connect) => connect(worker));
    return worker;
  }

  /** Connects the API and every worker (also those added later) to `target`: egress here, ingress there. */
  public connectTo(target: Workload | IConnectable, portNames?: readonly string[]): void {
    const connect = (w: Workload) => w.connectTo(target, portNames);
    this.connections.push(connect);
    for (const w of this.allWorkloads) connect(w);
  }

  /** Allows the API and every worker (also those added later) to reach a peer outside the app (an API on the internet). */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    const allow = (w: Workload) => w.allowTo(peer, ports);
    this.connections.push(allow);
    for (const w of this.allWorkloads) allow(w);
  }

  /** The API and the workers. */
  public get allWorkloads(): Workload[] {
    return [this.api, ...Object.keys(this.workers).sort().map((k) => this.workers[k])];
  }

  public get serviceName(): string {
    return this.api.serviceName;
  }

  /** `<service>.<namespace>.svc.cluster.local`. */
  public get serviceHost(): string {
    return this.api.serviceHost;
  }

  public resolveHttpPort(portName?: string): { name: string; servicePort: number; podPort: number } {
    return this.api.resolveHttpPort(portName);
  }

  /** Allows traffic into the API pods (ingress controller, load balancer). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.api.allowFrom(peer, portNames);
  }

  private resolveAutoscaling(option: Partial<AutoscalingOptions> | false | undefined): AutoscalingOptions | undefined {
    if (option === false) return undefined;
    const min = option?.minReplicas ?? 2;
    const max = option?.maxReplicas ?? Math.max(10, min + 1);
    check(this, Number.isInteger(min) && min >= 1, 'autoscaling.minReplicas', min, 'must be an integer of at least 1');
    check(this, Number.isInteger(max) && max > min, 'autoscaling.maxReplicas', max,
      `must be an integer above autoscaling.minReplicas (${min}); for a fixed count use autoscaling: false and replicas`);
    const scaleOnMemory = option?.scaleOnMemory ?? false;
    check(this, scaleOnMemory || option?.memoryUtilizationPercent === undefined, 'autoscaling.memoryUtilizationPercent', option?.memoryUtilizationPercent,
      'is only used with autoscaling.scaleOnMemory: true (memory scaling is off by default: Python processes rarely give memory back, so the HPA ratchets to maxReplicas)');
    return {
      ...option,
      minReplicas: min,
      maxReplicas: max,
      cpuUtilizationPercent: option?.cpuUtilizationPercent ?? 70,
      scaleOnMemory,
      ...(scaleOnMemory ? { memoryUtilizationPercent: option?.memoryUtilizationPercent ?? 80 } : {}),
    };
  }
}

/** The most pods a workload runs: the HPA maximum, or its fixed replicas. */
function maxPods(w: Workload): number {
  return w.autoscaler?.maxReplicas ?? w.minReplicas;
}

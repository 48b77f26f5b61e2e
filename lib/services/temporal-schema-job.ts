import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import {
  ContainerResources, EnvValue, imageVersion, renderEnv, renderResources, restrictedContainerSecurityContext, validateContainer,
} from '../core/container';
import { check } from '../core/errors';
import { componentLabels, selectorLabels } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { INetworkPeer, NetworkPort, podPeer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { IDatabaseClient, IPostgresDatabase, Postgres, PostgresCredentials } from '../data/postgres';
import { SYNC_WAVE_ANNOTATION } from '../core/sync-wave';
import { Workload } from '../workloads/workload';
import { WorkloadNetworkPolicy } from '../networking/workload-network-policy';

/** Argo CD resource-hook annotations. */
export const ARGOCD_HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const ARGOCD_HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';

export interface TemporalSchemaJobProps {
  /** Job name. @default 'temporal-schema' */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Image with `temporal-sql-tool` and the schema files, matching the server version. @default 'temporalio/admin-tools:1.22.4' */
  readonly image?: string;
  /** The PostgreSQL server; the Job logs in as the owner of `databaseName` and the network rule is opened. */
  readonly database: IPostgresDatabase;
  /** Database of the default store. @default 'temporal' */
  readonly databaseName?: string;
  /** Database of the visibility store. @default 'temporal_visibility' */
  readonly visibilityDatabaseName?: string;
  /** Create both databases first (the user needs CREATEDB); off when the PostgreSQL construct creates them. @default false */
  readonly createDatabases?: boolean;
  /**
   * Argo CD hook phase. `PreSync` runs before anything of the Application is applied, so the database must
   * already run (deployed by another Application or managed). When the database is synced by the same
   * Application, `Sync` with a sync wave between the database and the server, or the first sync waits
   * for a database that is never applied.
   * @default - 'Sync' when `database` is a `Postgres` of the same chart (rendered in the same sync), else 'PreSync'
   */
  readonly hookPhase?: 'PreSync' | 'Sync';
  /**
   * Argo CD sync wave of the Job in the `Sync` phase; the Temporal server needs a higher one.
   * @default - with a `Postgres` of the same chart, one above the database's wave (read at synth); else none
   */
  readonly syncWave?: number;
  /** CPU and memory. @default - 100m CPU and 128Mi memory requested, 256Mi memory limit */
  readonly resources?: ContainerResources;
  /** Retries before the Job (and the sync) fails. @default 3 */
  readonly backoffLimit?: number;
  /** Seconds before a hung run is killed. @default 600 */
  readonly activeDeadlineSeconds?: number;
}

/**
 * An Argo CD hook Job that creates or migrates Temporal's SQL schemas (default and visibility stores) with
 * `temporal-sql-tool` before the server starts. It is deleted before the next run and when it succeeds; it sets
 * no `ttlSecondsAfterFinished`, which Argo CD would answer by re-creating the Job in a loop.
 */
export class TemporalSchemaJob extends Construct implements IDatabaseClient {
  public readonly name: string;
  public readonly namespace: string;
  public readonly resource: ApiObject;
  /** Egress rules of the Job's pods (to the database). */
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly selectorLabels: Record<string, string>;
  public readonly peerName: string;
  public readonly peerNamespace: string;

  constructor(scope: Construct, id: string, props: TemporalSchemaJobProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? 'temporal-schema';
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    this.peerName = `${this.namespace}/${this.name}`;
    this.peerNamespace = this.namespace;
    const db = props.database;
    const stores = temporalStores(this, db, props.databaseName, props.visibilityDatabaseName, props.createDatabases ?? false);
    const backoffLimit = props.backoffLimit ?? 3;
    check(this, Number.isInteger(backoffLimit) && backoffLimit >= 0, 'backoffLimit', backoffLimit, 'must be a non-negative integer');
    const deadline = props.activeDeadlineSeconds ?? 600;
    check(this, Number.isInteger(deadline) && deadline >= 60, 'activeDeadlineSeconds', deadline, 'must be an integer of at least 60');
    const image = props.image ?? 'temporalio/admin-tools:1.22.4';
    const resources = props.resources ?? { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' };
    const env: Record<string, EnvValue> = {
      SQL_PLUGIN: 'postgres12',
      SQL_HOST: db.host,
      SQL_PORT: String(db.port),
      SQL_USER: typeof stores.credentials.username === 'string' ? stores.credentials.username : { secretKeyRef: stores.credentials.username },
      SQL_PASSWORD: { secretKeyRef: stores.credentials.password },
      DBNAME: stores.databaseName,
      VISIBILITY_DBNAME: stores.visibilityDatabaseName,
    };
    validateContainer(this, '', { image, env, resources });

    const schemaDir = '/etc/temporal/schema/postgresql/v12';
    const tool = 'temporal-sql-tool --plugin "$SQL_PLUGIN" --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER"';
    const steps = (dbVar: string, store: string) => [
      ...(props.createDatabases ? [`${tool} --db "${dbVar}" create-database`] : []),
      `${tool} --db "${dbVar}" setup-schema -v 0.0`,
      `${tool} --db "${dbVar}" update-schema -d ${schemaDir}/${store}/versioned`,
    ];
    // setup-schema -v 0.0 is idempotent, so every sync re-runs the same script and only applies new versions.
    const script = ['set -eu', ...steps('$DBNAME', 'temporal'), ...steps('$VISIBILITY_DBNAME', 'visibility')].join('\n');

    this.selectorLabels = selectorLabels(this.name, chart.platform);
    const labels = componentLabels({ name: this.name, platform: chart.platform, component: 'schema-migration', version: imageVersion(image) });
    // A PreSync hook runs before the Application applies anything: with the database in the same sync it would
    // wait for a server that is never created (Argo CD docs, user-guide/resource_hooks.md and sync-waves.md, v2.13).
    const sameSync = db instanceof Postgres && PlatformChart.of(db) === chart;
    const hookPhase = props.hookPhase ?? (sameSync ? 'Sync' : 'PreSync');
    check(this, !(sameSync && hookPhase === 'PreSync'), 'hookPhase', hookPhase,
      `the database "${db.host}" is rendered in the same chart, so it does not exist yet in PreSync; use "Sync" with a sync wave after the database`);
    if (props.syncWave !== undefined) {
      check(this, Number.isInteger(props.syncWave) && props.syncWave >= -100 && props.syncWave <= 100, 'syncWave', props.syncWave, 'must be an integer between -100 and 100');
    }
    const syncWave: string | undefined = props.syncWave !== undefined ? String(props.syncWave)
      : hookPhase === 'Sync' && sameSync ? Lazy.any({ produce: () => String(waveOf(db.workload.resource) + 1) }) as unknown as string : undefined;
    this.resource = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels,
        annotations: {
          [ARGOCD_HOOK_ANNOTATION]: hookPhase,
          [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation,HookSucceeded',
          ...(syncWave !== undefined ? { [SYNC_WAVE_ANNOTATION]: syncWave } : {}),
        },
      },
      spec: {
        backoffLimit,
        activeDeadlineSeconds: deadline,
        template: {
          metadata: { labels: { ...labels, ...this.selectorLabels } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              runAsGroup: 1000,
              fsGroup: 1000,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [{
              name: 'schema',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', script],
              env: renderEnv(env),
              resources: renderResources(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
    this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, namespace: this.namespace, podLabels: this.selectorLabels });
    db.allowConnectionFrom(this);
    // temporal-sql-tool holds one connection while the server may already run.
    db.reserveConnections(this.node.path, 1);
  }

  /** Adds an egress rule from the Job's pods (see `IDatabaseClient`). */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.networkPolicy.addEgress(peer, ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.namespace, this.selectorLabels);
  }
}

/** The Argo CD sync wave an object carries (0 without the annotation, as Argo CD reads it). */
function waveOf(object: ApiObject): number {
  const wave = object.metadata.toJson().annotations?.[SYNC_WAVE_ANNOTATION];
  return wave === undefined ? 0 : Number(wave);
}

/** Temporal's two stores on one server, and the one login Temporal uses for both. */
export interface TemporalStores {
  /** Database of the default store. */
  readonly databaseName: string;
  /** Database of the visibility store. */
  readonly visibilityDatabaseName: string;
  /** The login for both (the owner of `databaseName`). */
  readonly credentials: PostgresCredentials;
}

/** Resolves and checks the default and visibility databases of a Temporal deployment. */
export function temporalStores(scope: Construct, db: IPostgresDatabase, databaseName = 'temporal',
  visibilityDatabaseName = 'temporal_visibility', createDatabases = false): TemporalStores {
  check(scope, databaseName !== visibilityDatabaseName, 'visibilityDatabaseName', visibilityDatabaseName, 'must differ from databaseName');
  if (!createDatabases) {
    for (const [prop, name] of [['databaseName', databaseName], ['visibilityDatabaseName', visibilityDatabaseName]] as const) {
      check(scope, db.databaseNames.includes(name), prop, name,
        `must be one of the server's databases (${db.databaseNames.join(', ')}), or set createDatabases: true`);
    }
  }
  const credentials = db.credentialsFor(createDatabases && !db.databaseNames.includes(databaseName) ? undefined : databaseName);
  if (!createDatabases) {
    const visibility = db.credentialsFor(visibilityDatabaseName);
    check(scope, JSON.stringify(visibility) === JSON.stringify(credentials), 'visibilityDatabaseName', visibilityDatabaseName,
      `Temporal uses one login for both stores; give "${visibilityDatabaseName}" the same owner as "${databaseName}"`);
  }
  return { databaseName, visibilityDatabaseName, credentials };
}

export interface TemporalNamespaceJobProps {
  /** Job name. @default 'temporal-namespace' */
  readonly name?: string;
  /** Namespace (Kubernetes). @default - the chart's namespace */
  readonly namespace?: string;
  /** Image with the `temporal` CLI, matching the server version. @default 'temporalio/admin-tools:1.22.4' */
  readonly image?: string;
  /** The Temporal server workload; the network rule to its `grpc` port is opened. */
  readonly frontend: Workload;
  /** `host:port` of the frontend. */
  readonly frontendAddress: string;
  /** Temporal namespace to register. */
  readonly temporalNamespace: string;
  /** Retention of closed workflows, in days. */
  readonly retentionDays: number;
  /** CPU and memory. @default - 50m CPU and 64Mi memory requested, 128Mi memory limit */
  readonly resources?: ContainerResources;
}

/**
 * An Argo CD PostSync hook Job that registers a Temporal namespace once the server is healthy, as auto-setup.sh
 * does in the auto-setup image (`temporal operator namespace describe || create --retention`, temporalio/docker-builds
 * docker/auto-setup.sh, branch release/v1.22.x). An existing namespace is left as it is: change its retention with
 * `temporal operator namespace update`.
 */
export class TemporalNamespaceJob extends Construct implements INetworkPeer {
  public readonly name: string;
  public readonly namespace: string;
  public readonly resource: ApiObject;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly selectorLabels: Record<string, string>;
  public readonly peerName: string;
  public readonly peerNamespace: string;

  constructor(scope: Construct, id: string, props: TemporalNamespaceJobProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? 'temporal-namespace';
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    checkDnsLabel(this, 'temporalNamespace', props.temporalNamespace);
    check(this, Number.isInteger(props.retentionDays) && props.retentionDays >= 1, 'retentionDays', props.retentionDays, 'must be a positive integer');
    this.peerName = `${this.namespace}/${this.name}`;
    this.peerNamespace = this.namespace;
    const image = props.image ?? 'temporalio/admin-tools:1.22.4';
    const resources = props.resources ?? { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' };
    const env: Record<string, EnvValue> = {
      TEMPORAL_ADDRESS: props.frontendAddress,
      TEMPORAL_NAMESPACE: props.temporalNamespace,
      // Hours with a unit: the CLI of the 1.22 images reads a bare number as days, later CLIs require a unit.
      RETENTION: `${props.retentionDays * 24}h`,
      HOME: '/tmp',
    };
    validateContainer(this, '', { image, env, resources });
    const script = [
      'set -eu',
      'until temporal operator cluster health | grep -q SERVING; do echo "waiting for $TEMPORAL_ADDRESS"; sleep 2; done',
      'if temporal operator namespace describe "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then',
      '  echo "namespace $TEMPORAL_NAMESPACE already registered"',
      'else',
      '  temporal operator namespace create --retention "$RETENTION" --description "Registered by the temporal-namespace Job" "$TEMPORAL_NAMESPACE"',
      'fi',
    ].join('\n');
    this.selectorLabels = selectorLabels(this.name, chart.platform);
    const labels = componentLabels({ name: this.name, platform: chart.platform, component: 'namespace-setup', version: imageVersion(image) });
    this.resource = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels,
        annotations: {
          // After every resource of the sync is healthy, so the server answers.
          [ARGOCD_HOOK_ANNOTATION]: 'PostSync',
          [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation,HookSucceeded',
        },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels: { ...labels, ...this.selectorLabels } },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'register',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['/bin/sh', '-c', script],
              env: renderEnv(env),
              resources: renderResources(resources),
              securityContext: restrictedContainerSecurityContext(),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              terminationMessagePolicy: 'FallbackToLogsOnError',
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('16Mi') } }],
          },
        },
      },
    });
    this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, namespace: this.namespace, podLabels: this.selectorLabels });
    const ports = props.frontend.connectionPorts(['grpc']);
    this.networkPolicy.addEgress(props.frontend, ports);
    props.frontend.acceptConnection(this, ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.namespace, this.selectorLabels);
  }
}

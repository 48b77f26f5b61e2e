import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  ContainerResources, EnvValue, imageVersion, renderEnv, renderResources, restrictedContainerSecurityContext, validateContainer,
} from './container';
import { check } from './errors';
import { componentLabels, selectorLabels } from './labels';
import { checkDnsLabel } from './names';
import { INetworkPeer, NetworkPort, podPeer } from './network-peer';
import { PlatformChart } from './platform-chart';
import { IDatabaseClient, IPostgresDatabase, PostgresCredentials } from './postgres';
import { WorkloadNetworkPolicy } from './workload-network-policy';

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
   * Application, use `Sync` with a sync wave between the database and the server, or the first sync waits
   * for a database that is never applied.
   * @default 'PreSync'
   */
  readonly hookPhase?: 'PreSync' | 'Sync';
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
    const hookPhase = props.hookPhase ?? 'PreSync';
    this.resource = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels,
        annotations: {
          [ARGOCD_HOOK_ANNOTATION]: hookPhase,
          [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation,HookSucceeded',
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
  }

  /** Adds an egress rule from the Job's pods (see `IDatabaseClient`). */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.networkPolicy.addEgress(peer, ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.namespace, this.selectorLabels);
  }
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

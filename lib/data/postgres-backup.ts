import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import {
  checkImage, ContainerResources, EnvValue, imageVersion, renderEnv, renderResources, restrictedContainerSecurityContext,
} from '../core/container';
import { check } from '../core/errors';
import { componentLabels, selectorLabels } from '../core/labels';
import { checkDnsLabel } from '../core/names';
import { INetworkPeer, NetworkPort, Peer, podPeer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkCpu, checkMemory } from '../core/quantities';
import { checkPostgresCredentials, checkPostgresIdentifier, IDatabaseClient, IPostgresDatabase, PostgresCredentials } from './postgres';
import { WorkloadNetworkPolicy } from '../networking/workload-network-policy';

/** An S3 bucket, written with the role of an IRSA-annotated ServiceAccount. */
export interface S3BackupDestination {
  /** Bucket name. */
  readonly bucket: string;
  /** Key prefix, without leading or trailing "/". @default - the bucket root */
  readonly prefix?: string;
  /** Bucket region, e.g. "us-east-1". */
  readonly region: string;
  /** IAM role assumed through IRSA (`eks.amazonaws.com/role-arn`); its trust policy must name this ServiceAccount. */
  readonly roleArn: string;
}

/** A GCS bucket, written as a Google service account through GKE Workload Identity. */
export interface GcsBackupDestination {
  /** Bucket name. */
  readonly bucket: string;
  /** Object prefix, without leading or trailing "/". @default - the bucket root */
  readonly prefix?: string;
  /** Google service account (`iam.gke.io/gcp-service-account`) with write access to the bucket. */
  readonly gcpServiceAccount: string;
}

/** Where dumps go: exactly one of `s3` or `gcs`. */
export type BackupDestination =
  | { readonly s3: S3BackupDestination; readonly gcs?: undefined }
  | { readonly gcs: GcsBackupDestination; readonly s3?: undefined };

export interface PostgresBackupProps {
  /** Name of the CronJob, its ServiceAccount and NetworkPolicy. @default - the construct id */
  readonly name?: string;
  /** Namespace; the credentials Secret must exist there. @default - the chart's namespace */
  readonly namespace?: string;
  /** The server to dump. */
  readonly database: IPostgresDatabase;
  /** Databases to dump, one custom-format file each. @default - every database of `database` */
  readonly databases?: readonly string[];
  /** Login used by pg_dump; it must be able to read every dumped database. @default - `database.credentials` */
  readonly credentials?: PostgresCredentials;
  /** Object storage the dumps are uploaded to. */
  readonly destination: BackupDestination;
  /** Cron schedule (5 fields). @default '0 2 * * *' */
  readonly schedule?: string;
  /** Time zone of the schedule. @default 'Etc/UTC' */
  readonly timeZone?: string;
  /** Image providing pg_dump; its major version must be at least the server's. @default 'postgres:15.10-alpine' */
  readonly dumpImage?: string;
  /** Image providing the upload CLI. @default - 'amazon/aws-cli:2.22.0' for S3, 'gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-alpine' for GCS */
  readonly uploadImage?: string;
  /** CPU and memory of pg_dump. @default - 100m CPU, 256Mi request, 512Mi limit */
  readonly dumpResources?: ContainerResources;
  /** CPU and memory of the upload. @default - 100m CPU, 256Mi request, 512Mi limit */
  readonly uploadResources?: ContainerResources;
  /** Size limit of the `emptyDir` holding the dumps until they are uploaded. @default '10Gi' */
  readonly dumpSizeLimit?: string;
  /** Seconds after the scheduled time a missed run may still start. @default 600 */
  readonly startingDeadlineSeconds?: number;
  /** Finished Jobs kept. @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** Failed Jobs kept. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Retries of a failed run (each in a fresh pod). @default 2 */
  readonly backoffLimit?: number;
  /** Seconds a run may take before it is killed. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** Pod user ID. @default 10001 */
  readonly runAsUser?: number;
  /** Where the object store is reached (e.g. a VPC-endpoint range). @default - the internet on 443 */
  readonly uploadEgress?: INetworkPeer;
  /** Create the CronJob suspended. @default false */
  readonly suspend?: boolean;
}

const BACKUP_DIR = '/backup';

/**
 * A CronJob that dumps PostgreSQL databases with `pg_dump --format=custom` into an `emptyDir` (init container)
 * and uploads them to S3 or GCS (main container) as `<prefix>/<UTC timestamp>/<database>.dump`. Cloud access comes
 * from the ServiceAccount's IRSA or Workload Identity annotation, never from static keys; the password reaches
 * pg_dump as `PGPASSWORD` from a Secret key. Restricted pod security and its own NetworkPolicy (egress to the database and to
 * HTTPS). Retention is the bucket's lifecycle rule. No `ttlSecondsAfterFinished`: Argo CD would recreate the Jobs.
 */
export class PostgresBackup extends Construct implements IDatabaseClient {
  public readonly name: string;
  public readonly namespace: string;
  public readonly resource: ApiObject;
  public readonly serviceAccount: ApiObject;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  /** Labels of the backup pods. */
  public readonly selectorLabels: Record<string, string>;
  public readonly peerName: string;
  public readonly peerNamespace: string;

  constructor(scope: Construct, id: string, props: PostgresBackupProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', this.name);
    checkDnsLabel(this, 'namespace', this.namespace);
    this.peerName = `${this.namespace}/${this.name}`;
    this.peerNamespace = this.namespace;

    const schedule = props.schedule ?? '0 2 * * *';
    check(this, isCron(schedule), 'schedule', schedule,
      'must be a 5-field cron expression "minute hour day-of-month month day-of-week" with values in range, e.g. "0 2 * * *"');
    const timeZone = props.timeZone ?? 'Etc/UTC';
    check(this, /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone), 'timeZone', timeZone, 'must be an IANA time zone such as "Etc/UTC" or "Europe/Berlin"');
    const databases = props.databases ?? props.database.databaseNames;
    check(this, databases.length > 0, 'databases', databases, 'name at least one database to dump');
    databases.forEach((d, i) => checkPostgresIdentifier(this, `databases[${i}]`, d));
    check(this, new Set(databases).size === databases.length, 'databases', databases, 'must not name a database twice');
    const credentials = props.credentials ?? props.database.credentials;
    checkPostgresCredentials(this, 'credentials', credentials);
    const counts = {
      startingDeadlineSeconds: props.startingDeadlineSeconds ?? 600,
      successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
      failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
      backoffLimit: props.backoffLimit ?? 2,
      activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
    };
    for (const [prop, v] of Object.entries(counts)) {
      const min = prop === 'startingDeadlineSeconds' || prop === 'activeDeadlineSeconds' ? 1 : 0;
      check(this, Number.isInteger(v) && v >= min, prop, v, `must be an integer of at least ${min}`);
    }
    const dumpSizeLimit = props.dumpSizeLimit ?? '10Gi';
    checkMemory(this, 'dumpSizeLimit', dumpSizeLimit);
    const runAsUser = props.runAsUser ?? 10001;
    check(this, Number.isInteger(runAsUser) && runAsUser > 0, 'runAsUser', runAsUser, 'must be a non-zero user ID (Pod Security "restricted")');

    const upload = this.uploadSpec(props.destination);
    const dumpImage = props.dumpImage ?? 'postgres:15.10-alpine';
    const uploadImage = props.uploadImage ?? upload.image;
    checkImage(this, 'dumpImage', dumpImage);
    checkImage(this, 'uploadImage', uploadImage);
    const defaultResources: ContainerResources = { cpuRequest: '100m', memoryRequest: '256Mi', memoryLimit: '512Mi' };
    const dumpResources = props.dumpResources ?? defaultResources;
    const uploadResources = props.uploadResources ?? defaultResources;
    checkResources(this, 'dumpResources', dumpResources);
    checkResources(this, 'uploadResources', uploadResources);

    const db = props.database;
    const dumpEnv: Record<string, EnvValue> = {
      PGHOST: db.host,
      PGPORT: String(db.port),
      PGUSER: typeof credentials.username === 'string' ? credentials.username : { secretKeyRef: credentials.username },
      PGPASSWORD: { secretKeyRef: credentials.password },
      ...(db.sslMode ? { PGSSLMODE: db.sslMode } : {}),
    };
    // Database names are checked identifiers, so they are safe in the script; no secret is in it.
    const dumpScript = [
      'set -eu',
      'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
      `mkdir -p "${BACKUP_DIR}/$stamp"`,
      `for db in ${databases.join(' ')}; do`,
      '  echo "pg_dump $db"',
      `  pg_dump --format=custom --no-password --file="${BACKUP_DIR}/$stamp/$db.dump" "$db"`,
      'done',
    ].join('\n');

    this.selectorLabels = { ...selectorLabels(this.name, chart.platform), 'app.kubernetes.io/component': 'backup' };
    const labels = componentLabels({ name: this.name, platform: chart.platform, component: 'backup', version: imageVersion(dumpImage) });

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: this.namespace, labels, annotations: upload.serviceAccountAnnotations },
      automountServiceAccountToken: false,
    });

    const mounts = (extra: k8s.VolumeMount[] = []) => [...extra, { name: 'backup', mountPath: BACKUP_DIR }, { name: 'tmp', mountPath: '/tmp' }]
      .sort((a, b) => a.mountPath.localeCompare(b.mountPath, 'en'));
    const container = (name: string, image: string, command: string[], env: Record<string, EnvValue>, resources: ContainerResources): k8s.Container => ({
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      command,
      env: renderEnv(env),
      resources: renderResources(resources),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: mounts(),
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });

    this.resource = new k8s.KubeCronJob(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: counts.startingDeadlineSeconds,
        successfulJobsHistoryLimit: counts.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: counts.failedJobsHistoryLimit,
        suspend: props.suspend ?? false,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: counts.backoffLimit,
            activeDeadlineSeconds: counts.activeDeadlineSeconds,
            template: {
              metadata: { labels: { ...labels, ...this.selectorLabels } },
              spec: {
                serviceAccountName: this.name,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser,
                  runAsGroup: runAsUser,
                  fsGroup: runAsUser,
                  fsGroupChangePolicy: 'OnRootMismatch',
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                initContainers: [container('dump', dumpImage, ['sh', '-c', dumpScript], dumpEnv, dumpResources)],
                containers: [container('upload', uploadImage, upload.command, upload.env, uploadResources)],
                volumes: [
                  { name: 'backup', emptyDir: { sizeLimit: k8s.Quantity.fromString(dumpSizeLimit) } },
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
                ],
              },
            },
          },
        },
      },
    });

    this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, namespace: this.namespace, podLabels: this.selectorLabels });
    db.allowConnectionFrom(this);
    this.networkPolicy.addEgress(props.uploadEgress ?? Peer.internet(), [{ port: 443, protocol: 'TCP' }]);
    for (const rule of upload.extraEgress) this.networkPolicy.addEgress(rule.peer, rule.ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.namespace, this.selectorLabels);
  }

  /** Adds an egress rule from the backup pods (used by `IPostgresDatabase.allowConnectionFrom`). */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    check(this, ports.length > 0, 'ports', ports, 'egress to a peer must name its ports');
    this.networkPolicy.addEgress(peer, ports);
  }

  private uploadSpec(destination: BackupDestination): {
    image: string; command: string[]; env: Record<string, EnvValue>; serviceAccountAnnotations: Record<string, string>;
    extraEgress: { peer: INetworkPeer; ports: NetworkPort[] }[];
  } {
    check(this, destination !== undefined && (destination.s3 === undefined) !== (destination.gcs === undefined), 'destination', destination,
      'set exactly one of s3 or gcs');
    const prefixOf = (prop: string, prefix: string | undefined) => {
      const p = prefix ?? '';
      check(this, /^([A-Za-z0-9._=-]+(\/[A-Za-z0-9._=-]+)*)?$/.test(p), prop, p,
        'must be a key prefix of letters, digits, ".", "_", "-", "=" and "/", without leading or trailing "/"');
      return p === '' ? '' : `${p}/`;
    };
    if (destination.s3) {
      const s3 = destination.s3;
      check(this, /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(s3.bucket), 'destination.s3.bucket', s3.bucket, 'must be an S3 bucket name (3–63 lower-case letters, digits, "." and "-")');
      check(this, /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/.test(s3.region), 'destination.s3.region', s3.region, 'must be an AWS region such as "us-east-1"');
      check(this, /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(s3.roleArn), 'destination.s3.roleArn', s3.roleArn,
        'must be an IAM role ARN such as "arn:aws:iam::123456789012:role/postgres-backup"');
      const prefix = prefixOf('destination.s3.prefix', s3.prefix);
      return {
        image: 'amazon/aws-cli:2.22.0',
        command: ['aws', 's3', 'cp', '--recursive', '--only-show-errors', '--region', s3.region, `${BACKUP_DIR}/`, `s3://${s3.bucket}/${prefix}`],
        // The CLI writes its credential cache under $HOME; the root filesystem is read-only.
        env: { HOME: '/tmp', AWS_PAGER: '' },
        serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': s3.roleArn },
        extraEgress: [],
      };
    }
    const gcs = destination.gcs!;
    check(this, /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(gcs.bucket), 'destination.gcs.bucket', gcs.bucket, 'must be a GCS bucket name (3–63 lower-case letters, digits, ".", "_" and "-")');
    check(this, /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/.test(gcs.gcpServiceAccount), 'destination.gcs.gcpServiceAccount',
      gcs.gcpServiceAccount, 'must be a Google service account e-mail such as "backup@my-project.iam.gserviceaccount.com"');
    const prefix = prefixOf('destination.gcs.prefix', gcs.prefix);
    return {
      image: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-alpine',
      command: ['gcloud', 'storage', 'rsync', '--recursive', BACKUP_DIR, `gs://${gcs.bucket}/${prefix}`],
      env: { CLOUDSDK_CONFIG: '/tmp/gcloud', CLOUDSDK_CORE_DISABLE_PROMPTS: '1' },
      serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': gcs.gcpServiceAccount },
      // Workload Identity tokens come from the GKE metadata server (port 80; 988 on older node versions).
      extraEgress: [
        { peer: Peer.ipBlock('169.254.169.254/32'), ports: [{ port: 80, protocol: 'TCP' }] },
        { peer: Peer.ipBlock('169.254.169.252/32'), ports: [{ port: 988, protocol: 'TCP' }] },
      ],
    };
  }
}

function checkResources(scope: Construct, prop: string, r: ContainerResources): void {
  const request = checkMemory(scope, `${prop}.memoryRequest`, r.memoryRequest);
  const limit = checkMemory(scope, `${prop}.memoryLimit`, r.memoryLimit);
  check(scope, limit >= request, `${prop}.memoryLimit`, r.memoryLimit, `must not be below memoryRequest (${r.memoryRequest})`);
  checkCpu(scope, `${prop}.cpuRequest`, r.cpuRequest);
  if (r.cpuLimit !== undefined) checkCpu(scope, `${prop}.cpuLimit`, r.cpuLimit);
}

const CRON_FIELDS: readonly { min: number; max: number; names?: readonly string[] }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** True for a standard 5-field cron expression as the CronJob controller parses it (numbers, names, `*`, ranges, lists, steps; `?` for the day fields). */
export function isCron(expression: string): boolean {
  if (typeof expression !== 'string') return false;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return false;
  return fields.every((field, i) => {
    const spec = CRON_FIELDS[i];
    if (field === '?' && (i === 2 || i === 4)) return true;
    return field.split(',').every((part) => {
      const m = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) return false;
      if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > spec.max)) return false;
      if (m[1] === '*') return true;
      const value = (token: string): number | undefined => {
        if (/^\d+$/.test(token)) return Number(token);
        const idx = spec.names?.indexOf(token.toUpperCase()) ?? -1;
        return idx >= 0 ? idx + (spec.min === 1 ? 1 : 0) : undefined;
      };
      const [from, to] = m[1].split('-').map(value);
      if (from === undefined || from < spec.min || from > spec.max) return false;
      if (to === undefined) return !m[1].includes('-');
      return to >= spec.min && to <= spec.max && from <= to;
    });
  });
}

import {
  ExistingSecret, ExternalPostgres, isCron, NamespaceBaseline, Peer, Postgres, PostgresBackup, PostgresBackupProps,
} from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

const s3 = { bucket: 'expense-backups', prefix: 'postgres/prod', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/postgres-backup' };

function postgres(chart: ReturnType<typeof testChart>): Postgres {
  return new Postgres(chart, 'postgres', {
    credentials: { username: 'postgres', password: { secretName: 'postgres-secret', key: 'password' } },
    databases: [{ name: 'keycloak' }, { name: 'aroti' }],
  });
}

function env(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('PostgresBackup', () => {
  test('minimal props: nightly CronJob, pg_dump into an emptyDir, upload to S3 with IRSA, restricted pod', () => {
    const chart = testChart();
    const backup = new PostgresBackup(chart, 'postgres-backup', { database: postgres(chart), destination: { s3 } });
    const objects = objectsOf(chart);
    const cron = findObject(objects, 'CronJob', 'postgres-backup', 'demo');
    expect(cron.spec).toMatchObject({
      schedule: '0 2 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3, suspend: false,
    });
    const job = cron.spec.jobTemplate.spec;
    expect(job.ttlSecondsAfterFinished).toBeUndefined();
    expect(job).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600 });
    const pod = job.template.spec;
    expect(pod).toMatchObject({ serviceAccountName: 'postgres-backup', automountServiceAccountToken: false, restartPolicy: 'Never' });
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.volumes).toEqual([{ name: 'backup', emptyDir: { sizeLimit: '10Gi' } }, { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }]);

    const [dump] = pod.initContainers;
    expect(dump.image).toBe('postgres:15.10-alpine');
    expect(dump.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(dump.command[2]).toContain('for db in keycloak aroti; do');
    expect(dump.command[2]).toContain('pg_dump --format=custom --no-password --file="/backup/$stamp/$db.dump" "$db"');
    expect(env(dump)).toEqual({
      PGHOST: 'postgres.demo.svc.cluster.local',
      PGPORT: '5432',
      PGUSER: 'postgres',
      PGPASSWORD: { secretKeyRef: { name: 'postgres-secret', key: 'password' } },
    });
    const upload = mainContainer(cron);
    expect(upload.image).toBe('amazon/aws-cli:2.22.0');
    expect(upload.command).toEqual(['aws', 's3', 'cp', '--recursive', '--only-show-errors', '--region', 'us-east-1', '/backup/', 's3://expense-backups/postgres/prod/']);
    expect(env(upload)).toEqual({ AWS_PAGER: '', HOME: '/tmp' });
    for (const c of [dump, upload]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
      expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } });
      expect(c.volumeMounts).toEqual([{ name: 'backup', mountPath: '/backup' }, { name: 'tmp', mountPath: '/tmp' }]);
    }
    expect(findObject(objects, 'ServiceAccount', 'postgres-backup', 'demo')).toMatchObject({
      metadata: { annotations: { 'eks.amazonaws.com/role-arn': s3.roleArn } }, automountServiceAccountToken: false,
    });

    const selector = { 'app.kubernetes.io/name': 'postgres-backup', 'app.kubernetes.io/part-of': 'demo', 'app.kubernetes.io/component': 'backup' };
    expect(backup.selectorLabels).toEqual(selector);
    expect(pod.containers).toHaveLength(1);
    expect(cron.spec.jobTemplate.spec.template.metadata.labels).toMatchObject(selector);
    const np = findObject(objects, 'NetworkPolicy', 'postgres-backup', 'demo');
    expect(np.spec.podSelector).toEqual({ matchLabels: selector });
    expect(np.spec.ingress).toEqual([]);
    expect(np.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/part-of': 'demo' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    // The database admits the backup pods.
    expect(findObject(objects, 'NetworkPolicy', 'postgres', 'demo').spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: selector } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  test('all props: GCS with Workload Identity against an external database', () => {
    const chart = testChart();
    const db = new ExternalPostgres(chart, 'db', {
      host: '10.20.0.3', databaseName: 'connectors', cidr: '10.20.0.0/24',
      credentials: { username: 'connectors', password: { secretName: 'cloudsql', key: 'password' } },
    });
    const props: Required<PostgresBackupProps> = {
      name: 'db-backup',
      namespace: 'connectors',
      database: db,
      databases: ['connectors'],
      credentials: { username: { secretName: 'cloudsql-admin', key: 'username' }, password: { secretName: 'cloudsql-admin', key: 'password' } },
      destination: { gcs: { bucket: 'connectors-backups', prefix: 'nightly', gcpServiceAccount: 'db-backup@connectors-prod.iam.gserviceaccount.com' } },
      schedule: '30 1 * * MON-FRI',
      timeZone: 'Europe/Berlin',
      dumpImage: 'postgres:16.6-alpine',
      uploadImage: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-slim',
      dumpResources: { cpuRequest: '200m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      uploadResources: { cpuRequest: '50m', memoryRequest: '128Mi', memoryLimit: '256Mi', cpuLimit: '500m' },
      dumpSizeLimit: '50Gi',
      startingDeadlineSeconds: 1800,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
      backoffLimit: 0,
      activeDeadlineSeconds: 7200,
      runAsUser: 2000,
      uploadEgress: Peer.ipBlock('199.36.153.8/30'),
      suspend: true,
    };
    new PostgresBackup(chart, 'backup', props);
    const objects = objectsOf(chart);
    const cron = findObject(objects, 'CronJob', 'db-backup', 'connectors');
    expect(cron.spec).toMatchObject({
      schedule: '30 1 * * MON-FRI', timeZone: 'Europe/Berlin', startingDeadlineSeconds: 1800, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5, suspend: true,
    });
    const job = cron.spec.jobTemplate.spec;
    expect(job).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 7200 });
    const pod = job.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000 });
    expect(pod.volumes[0]).toEqual({ name: 'backup', emptyDir: { sizeLimit: '50Gi' } });
    const [dump] = pod.initContainers;
    expect(dump.image).toBe('postgres:16.6-alpine');
    expect(dump.command[2]).toContain('for db in connectors; do');
    expect(env(dump)).toEqual({
      PGHOST: '10.20.0.3',
      PGPORT: '5432',
      PGSSLMODE: 'require',
      PGUSER: { secretKeyRef: { name: 'cloudsql-admin', key: 'username' } },
      PGPASSWORD: { secretKeyRef: { name: 'cloudsql-admin', key: 'password' } },
    });
    expect(dump.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '1Gi' } });
    const upload = mainContainer(cron);
    expect(upload.image).toBe('gcr.io/google.com/cloudsdktool/google-cloud-cli:502.0.0-slim');
    expect(upload.command).toEqual(['gcloud', 'storage', 'rsync', '--recursive', '/backup', 'gs://connectors-backups/nightly/']);
    expect(env(upload)).toEqual({ CLOUDSDK_CONFIG: '/tmp/gcloud', CLOUDSDK_CORE_DISABLE_PROMPTS: '1' });
    expect(upload.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(findObject(objects, 'ServiceAccount', 'db-backup', 'connectors').metadata.annotations)
      .toEqual({ 'iam.gke.io/gcp-service-account': 'db-backup@connectors-prod.iam.gserviceaccount.com' });
    const egress = findObject(objects, 'NetworkPolicy', 'db-backup', 'connectors').spec.egress;
    expect(egress.map((r: any) => [r.to[0].ipBlock.cidr, r.ports[0].port])).toEqual([
      ['10.20.0.0/24', 5432],
      ['169.254.169.252/32', 988],
      ['169.254.169.254/32', 80],
      ['199.36.153.8/30', 443],
    ]);
  });

  test('passes the validation gate next to the database', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'demo');
    new ExistingSecret(chart, 'secret', { name: 'postgres-secret', managedBy: 'runbook' });
    new PostgresBackup(chart, 'postgres-backup', { database: postgres(chart), destination: { s3 } });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('isCron accepts standard expressions and rejects others', () => {
    for (const ok of ['0 2 * * *', '*/15 * * * *', '0 0 1,15 * *', '5 4 * jan-mar SUN', '0 3 ? * 1-5', '0 22 * * 7']) expect(isCron(ok)).toBe(true);
    for (const bad of ['0 2 * *', '0 2 * * * *', '60 2 * * *', '0 24 * * *', '0 2 0 * *', '0 2 * 13 *', '*/0 * * * *', '5-1 * * * *', '@daily', 'daily']) {
      expect(isCron(bad)).toBe(false);
    }
  });

  test('fails if the schedule is not a valid 5-field cron expression', () => {
    const chart = testChart();
    expect(() => new PostgresBackup(chart, 'backup', { database: postgres(chart), destination: { s3 }, schedule: '0 2 * *' }))
      .toThrow(/test\/backup: invalid schedule \("0 2 \* \*"\): must be a 5-field cron expression/);
  });

  test('fails if the role ARN is not an IAM role', () => {
    const chart = testChart();
    expect(() => new PostgresBackup(chart, 'backup', { database: postgres(chart), destination: { s3: { ...s3, roleArn: 'AKIAXXXXXXXX' } } }))
      .toThrow(/invalid destination.s3.roleArn \("AKIAXXXXXXXX"\): must be an IAM role ARN/);
  });

  test('fails if both destinations are given', () => {
    const chart = testChart();
    const destination = { s3, gcs: { bucket: 'b-b-b', gcpServiceAccount: 'backup@my-project.iam.gserviceaccount.com' } } as never;
    expect(() => new PostgresBackup(chart, 'backup', { database: postgres(chart), destination })).toThrow(/invalid destination .*set exactly one of s3 or gcs/);
  });

  test('fails if a dumped database name is not an identifier', () => {
    const chart = testChart();
    expect(() => new PostgresBackup(chart, 'backup', { database: postgres(chart), databases: ['aroti; rm -rf /'], destination: { s3 } }))
      .toThrow(/invalid databases\[0\] \("aroti; rm -rf \/"\): must be a PostgreSQL identifier/);
  });
});

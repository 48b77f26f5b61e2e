import { App } from 'cdk8s';
import { k8s } from '../../lib/core/k8s-api';
import { Construct } from 'constructs';
import { ClusterIssuer } from '../../imports/cert-manager-clusterissuer-cert-manager.io';
import {
  acmeClusterIssuer, clusterServiceHost, Edge, ExistingSecret, ExternalNameService, NamespaceBaseline, Peer, PlatformChart, Postgres, WebApp, WorkloadServiceMonitor,
} from '../../lib';
import { FastApiBackend } from '../../lib/services/fastapi-backend';
import { setSyncWave } from '../../lib/core/sync-wave';
import { PostgresBackup } from '../../lib/data/postgres-backup';
import { PlatformDefinition } from '../platform';
import { EXPENSE_TRACKER_CONFIG, EXPENSE_TRACKER_ENVIRONMENTS, ExpenseTrackerConfig, ExpenseTrackerEnvironment } from './config';

export * from './config';

export interface ExpenseTrackerChartProps {
  /** Environment name. */
  readonly environment: ExpenseTrackerEnvironment;
  /** Settings. @default - EXPENSE_TRACKER_CONFIG[environment] */
  readonly config?: ExpenseTrackerConfig;
}

/**
 * The Expense Tracker on EKS: SPA, FastAPI backend and PostgreSQL 15 behind one NGINX Ingress
 * (`/` → frontend, `/api` → backend, `/grafana` → Grafana in `monitoring`), with HPAs, requests and limits,
 * default-deny NetworkPolicies, ServiceMonitors and nightly `pg_dump` backups to S3 through IRSA.
 */
export class ExpenseTrackerChart extends PlatformChart {
  public readonly config: ExpenseTrackerConfig;
  public readonly frontend: WebApp;
  public readonly backend: FastApiBackend;
  public readonly postgres: Postgres;
  public readonly backup: PostgresBackup;
  public readonly grafana: ExternalNameService;
  /** Hosts, paths and TLS, rendered as config.edge says. */
  public readonly edge: Edge;
  public readonly clusterIssuer: ClusterIssuer;
  public readonly storageClass: k8s.KubeStorageClass;

  constructor(scope: Construct, id: string, props: ExpenseTrackerChartProps) {
    const config = props.config ?? EXPENSE_TRACKER_CONFIG[props.environment];
    super(scope, id, { platform: 'expense-tracker', environment: props.environment, namespace: config.namespace });
    this.config = config;
    const ns = config.namespace;
    const monitoringLabels = config.monitoring.serviceMonitorLabels;

    const namespace = new NamespaceBaseline(this, 'Namespace', { name: ns });

    // The cluster setup defines this issuer (core/cluster-issuer.yaml); each environment is its own cluster.
    // Its account key Secret keeps the name the cluster setup gave it.
    this.clusterIssuer = acmeClusterIssuer(this, 'ClusterIssuer', {
      name: config.clusterIssuer.name, server: config.clusterIssuer.server, email: config.clusterIssuer.email, accountKeySecretName: config.clusterIssuer.name,
    });

    // EKS ships only gp2; the document's gp3 volumes come from the EBS CSI driver (`type: gp3`, `encrypted`: see
    // kubernetes-sigs/aws-ebs-csi-driver docs/parameters.md). Named `gp3-encrypted`, not `gp3`: a class of that name
    // may already exist with other (immutable) parameters. Retain: deleting the claim (or the StatefulSet's
    // namespace) must not delete the database's volume.
    this.storageClass = new k8s.KubeStorageClass(this, 'StorageClass', {
      metadata: { name: config.postgres.storageClassName },
      provisioner: 'ebs.csi.aws.com',
      parameters: { encrypted: 'true', fsType: 'ext4', type: 'gp3' },
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    });

    const s = config.secrets;
    const backendSecret = new ExistingSecret(this, 'BackendSecret', {
      name: s.backend.name, namespace: ns, keys: [s.backend.databaseUrlKey, s.backend.googleClientIdKey, s.backend.jwtSecretKey], managedBy: s.managedBy,
    });
    const dbSecret = new ExistingSecret(this, 'DatabaseSecret', {
      name: s.database.name, namespace: ns, keys: [s.database.superuserPasswordKey, s.database.ownerPasswordKey], managedBy: s.managedBy,
    });

    this.postgres = new Postgres(this, 'postgres', {
      namespace: ns,
      image: config.postgres.image,
      credentials: { username: 'postgres', password: dbSecret.keyRef(s.database.superuserPasswordKey) },
      databases: [{ name: config.postgres.database, owner: config.postgres.owner, ownerPassword: dbSecret.keyRef(s.database.ownerPasswordKey) }],
      storageSize: config.postgres.storageSize,
      storageClassName: config.postgres.storageClassName,
      resources: config.postgres.resources,
      exporter: { serviceMonitorLabels: monitoringLabels },
    });

    // pg_dump to S3 with the IRSA role of its ServiceAccount: no static AWS keys anywhere.
    this.backup = new PostgresBackup(this, 'postgres-backup', {
      namespace: ns,
      database: this.postgres,
      databases: [config.postgres.database],
      schedule: config.backup.schedule,
      destination: { s3: { bucket: config.backup.bucket, prefix: config.backup.prefix, region: config.backup.region, roleArn: config.backup.roleArn } },
    });

    this.backend = new FastApiBackend(this, 'backend', {
      namespace: ns,
      image: config.backend.image,
      port: config.backend.port,
      env: {
        DATABASE_URL: { secretKeyRef: backendSecret.keyRef(s.backend.databaseUrlKey) },
        GOOGLE_CLIENT_ID: { secretKeyRef: backendSecret.keyRef(s.backend.googleClientIdKey) },
        JWT_SECRET: { secretKeyRef: backendSecret.keyRef(s.backend.jwtSecretKey) },
        // The image sets neither; Python would try to write .pyc files next to the read-only sources.
        PYTHONDONTWRITEBYTECODE: '1',
        PYTHONUNBUFFERED: '1',
      },
      resources: config.backend.resources,
      // The app has one health route, which also needs the database (it is served only after migrations ran).
      healthPath: config.backend.healthPath,
      readyPath: config.backend.healthPath,
      // The app runs its Alembic migrations itself when it starts (core/migrate.py).
      migrationCommand: false,
      autoscaling: { minReplicas: config.backend.scaling.minReplicas, maxReplicas: config.backend.scaling.maxReplicas },
    });
    this.postgres.allowConnectionFrom(this.backend.api);
    // Google's tokeninfo endpoint verifies sign-ins; the image proxy fetches avatars.
    this.backend.allowTo(Peer.internet(), [{ port: 443 }]);
    new WorkloadServiceMonitor(this, 'BackendMonitor', { workload: this.backend.api, port: 'http', path: config.backend.metricsPath, labels: monitoringLabels });

    this.frontend = new WebApp(this, 'frontend', {
      namespace: ns,
      image: config.frontend.image,
      resources: config.frontend.resources,
      autoscaling: { minReplicas: config.frontend.scaling.minReplicas, maxReplicas: config.frontend.scaling.maxReplicas },
    });

    // An ExternalName alias keeps the whole host in one Ingress (one certificate, one owner) without writing into
    // `monitoring`, which the kube-prometheus-stack release owns; ingress-nginx proxies to ExternalName backends.
    const m = config.monitoring;
    this.grafana = new ExternalNameService(this, 'grafana', {
      namespace: ns,
      externalName: clusterServiceHost(m.grafanaService, m.namespace),
      ports: [{ name: 'http', port: m.grafanaPort }],
      targetManagedBy: 'kube-prometheus-stack Helm release `kube-prometheus` (bringup.sh), serving Grafana under /grafana',
    });

    this.edge = new Edge(this, 'Edge', {
      rendering: config.edge,
      clusterIssuer: config.clusterIssuer.name,
      hosts: [{
        host: config.host,
        name: 'expense-tracker',
        paths: [
          { path: '/', backend: this.frontend },
          { path: '/api', backend: this.backend },
          { path: '/grafana', backend: this.grafana },
        ],
      }],
    });

    // Argo CD order: the namespace and cluster prerequisites, then the database, then the apps, then the routes.
    for (const prerequisite of [namespace, this.clusterIssuer, this.storageClass]) setSyncWave(prerequisite, EXPENSE_TRACKER_SYNC_WAVES.prerequisites);
    setSyncWave(this.postgres, EXPENSE_TRACKER_SYNC_WAVES.database);
    setSyncWave(this.backup, EXPENSE_TRACKER_SYNC_WAVES.database);
    setSyncWave(this.backend, EXPENSE_TRACKER_SYNC_WAVES.backend);
    setSyncWave(this.frontend, EXPENSE_TRACKER_SYNC_WAVES.frontend);
    setSyncWave(this.edge, EXPENSE_TRACKER_SYNC_WAVES.routes);
    setSyncWave(this.grafana, EXPENSE_TRACKER_SYNC_WAVES.routes);
    setSyncWave(this, EXPENSE_TRACKER_SYNC_WAVES.backend);
  }
}

/** Argo CD sync waves: prerequisites, PostgreSQL, the API (and its monitors), the frontend, then the Ingress. */
export const EXPENSE_TRACKER_SYNC_WAVES = { prerequisites: -1, database: 10, backend: 20, frontend: 30, routes: 40 } as const;

/** The Expense Tracker platform: `staging` and `production`, one chart (one EKS cluster) each. */
export const expenseTracker: PlatformDefinition<ExpenseTrackerEnvironment> = {
  name: 'expense-tracker',
  environments: EXPENSE_TRACKER_ENVIRONMENTS,
  build: (app: App, environment: ExpenseTrackerEnvironment) => new ExpenseTrackerChart(app, `expense-tracker-${environment}`, { environment }),
};

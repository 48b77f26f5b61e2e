/**
 * Expense Tracker on EKS (source: docs/architecture/expense-tracker-eks.md): a React SPA served by Nginx,
 * a FastAPI backend and PostgreSQL 15 in namespace `expense-tracker`, behind ingress-nginx with Let's Encrypt
 * certificates from cert-manager, monitored by kube-prometheus-stack in `monitoring`. The document's next steps
 * (HPA, requests/limits, NetworkPolicies, PostgreSQL backups to S3, ServiceMonitors) are done here.
 */

import { EdgeRendering } from '../../lib/networking/edge';

export type ExpenseTrackerEnvironment = 'staging' | 'production';

export const EXPENSE_TRACKER_ENVIRONMENTS: readonly ExpenseTrackerEnvironment[] = ['staging', 'production'];

/** CPU and memory of one container. */
export interface Resources {
  readonly cpuRequest: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

/** An HPA's bounds. */
export interface Scaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

export interface ExpenseTrackerConfig {
  /** Namespace of the application. */
  readonly namespace: string;
  /** Public host; `/` → frontend, `/api` → backend, `/grafana` → Grafana. */
  readonly host: string;
  /**
   * How this cluster's edge is rendered: Gateway API on Envoy Gateway, an NGINX Ingress, or both during the move
   * (docs/gateway-api-migration.md).
   */
  readonly edge: EdgeRendering;
  /** The cert-manager ClusterIssuer; rendered here, as the cluster setup (core/cluster-issuer.yaml) defines it. */
  readonly clusterIssuer: {
    readonly name: string;
    /** ACME directory. */
    readonly server: string;
    /** Let's Encrypt account e-mail (expiry notices). */
    readonly email: string;
  };
  readonly frontend: {
    readonly image: string;
    readonly scaling: Scaling;
    readonly resources: Resources;
  };
  readonly backend: {
    readonly image: string;
    readonly port: number;
    /** Liveness/readiness path; the app answers `/api/ping`. */
    readonly healthPath: string;
    /** Prometheus metrics path (prometheus-fastapi-instrumentator on the app port). */
    readonly metricsPath: string;
    readonly scaling: Scaling;
    readonly resources: Resources;
  };
  readonly postgres: {
    readonly image: string;
    /** Database the app uses. */
    readonly database: string;
    /** Role owning the database, used by the app (not the superuser). */
    readonly owner: string;
    readonly storageSize: string;
    readonly storageClassName: string;
    readonly resources: Resources;
  };
  readonly backup: {
    /** Cron schedule (UTC). */
    readonly schedule: string;
    /** S3 bucket and key prefix of the dumps. */
    readonly bucket: string;
    readonly prefix: string;
    readonly region: string;
    /** IAM role assumed through IRSA (`eks.amazonaws.com/role-arn`); it may only write to the bucket prefix. */
    readonly roleArn: string;
  };
  /** kube-prometheus-stack, installed by the cluster setup in its own namespace. */
  readonly monitoring: {
    readonly namespace: string;
    /** Grafana's Service and port (release `kube-prometheus`); Grafana serves from the `/grafana` sub-path. */
    readonly grafanaService: string;
    readonly grafanaPort: number;
    /** Labels Prometheus's serviceMonitorSelector matches. */
    readonly serviceMonitorLabels: Record<string, string>;
  };
  /** Secrets created out of band; referenced by name and key, never rendered. */
  readonly secrets: {
    readonly managedBy: string;
    /** The backend's settings. */
    readonly backend: { readonly name: string; readonly databaseUrlKey: string; readonly jwtSecretKey: string; readonly googleClientIdKey: string };
    /** PostgreSQL passwords: the superuser's and the app owner role's. */
    readonly database: { readonly name: string; readonly superuserPasswordKey: string; readonly ownerPasswordKey: string };
  };
}

const PRODUCTION: ExpenseTrackerConfig = {
  namespace: 'expense-tracker',
  host: 'k8s.dakshayahuja.in',
  // The document runs ingress-nginx in production; switching is this one line (docs/gateway-api-migration.md).
  edge: 'ingress-nginx',
  clusterIssuer: {
    name: 'letsencrypt-prod',
    server: 'https://acme-v02.api.letsencrypt.org/directory',
    email: 'dakshay@dakshayahuja.in',
  },
  frontend: {
    image: 'ghcr.io/dakshayahuja/expense-frontend:0.1',
    scaling: { minReplicas: 2, maxReplicas: 6 },
    resources: { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
  },
  backend: {
    image: 'ghcr.io/dakshayahuja/expense-backend:0.1',
    port: 8000,
    healthPath: '/api/ping',
    metricsPath: '/metrics',
    scaling: { minReplicas: 2, maxReplicas: 8 },
    resources: { cpuRequest: '200m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
  },
  postgres: {
    image: 'postgres:15.10-alpine',
    database: 'expenses',
    owner: 'expense',
    // The document names gp3 but no size; 10Gi is what the project's manifests (postgres.yaml) claim.
    storageSize: '10Gi',
    // A name of our own: EKS clusters often already have a `gp3` class (created with the EBS CSI add-on or by hand)
    // with other parameters, and a StorageClass's parameters are immutable, so rendering `gp3` would fail the first
    // sync. The volume type is still gp3 (the class's `type` parameter).
    storageClassName: 'gp3-encrypted',
    resources: { cpuRequest: '250m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
  },
  backup: {
    schedule: '0 2 * * *',
    bucket: 'gitops-delivery-pipeline-backups',
    prefix: 'expense-tracker/production',
    region: 'us-east-1',
    // Placeholder account: the document names none. The Terraform that creates the role (S3 PutObject on the
    // prefix only, trust on this ServiceAccount through the cluster's OIDC provider) sets the real ARN.
    roleArn: 'arn:aws:iam::123456789012:role/expense-tracker-postgres-backup',
  },
  monitoring: {
    namespace: 'monitoring',
    grafanaService: 'kube-prometheus-grafana',
    grafanaPort: 80,
    serviceMonitorLabels: { release: 'kube-prometheus' },
  },
  secrets: {
    managedBy: 'created by bringup.sh from .env (kubectl create secret generic …) before Argo CD syncs',
    backend: { name: 'backend-secrets', databaseUrlKey: 'DATABASE_URL', jwtSecretKey: 'JWT_SECRET', googleClientIdKey: 'GOOGLE_CLIENT_ID' },
    database: { name: 'expense-db', superuserPasswordKey: 'POSTGRES_PASSWORD', ownerPasswordKey: 'APP_PASSWORD' },
  },
};

/** Settings per environment: staging has production's shape, on its own host and bucket prefix, with lower HPA ceilings. */
export const EXPENSE_TRACKER_CONFIG: Readonly<Record<ExpenseTrackerEnvironment, ExpenseTrackerConfig>> = {
  staging: {
    ...PRODUCTION,
    // Assumed: the document names only the production host.
    host: 'staging.k8s.dakshayahuja.in',
    edge: 'gateway-api',
    frontend: { ...PRODUCTION.frontend, scaling: { minReplicas: 2, maxReplicas: 3 } },
    backend: { ...PRODUCTION.backend, scaling: { minReplicas: 2, maxReplicas: 4 } },
    backup: { ...PRODUCTION.backup, schedule: '30 3 * * *', prefix: 'expense-tracker/staging' },
  },
  production: PRODUCTION,
};

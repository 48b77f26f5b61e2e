import { ContainerResources } from '../../lib';

/** Environments of the connectors platform (Airbyte on GKE Autopilot). */
export type ConnectorsEnvironment = 'staging' | 'production';

export const CONNECTORS_ENVIRONMENTS: readonly ConnectorsEnvironment[] = ['staging', 'production'];

/** A component scaled by an HPA. */
export interface ScaledComponent {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly resources: ContainerResources;
}

/** A component with a fixed replica count. */
export interface FixedComponent {
  readonly replicas: number;
  readonly resources: ContainerResources;
}

/** An optional add-on: off, or on with where to reach it (so the NetworkPolicy can open exactly that). */
export type AddOn<T> = { readonly enabled: false } | ({ readonly enabled: true } & T);

/** Where an in-VPC service listens, for env and egress. */
export interface Endpoint {
  /** Host name or IP the pods use. */
  readonly host: string;
  readonly port: number;
  /** CIDR the host resolves to, for the egress rule. */
  readonly cidr: string;
}

export interface ConnectorsConfig {
  readonly namespace: string;
  /** One Airbyte release for every component image (`airbyte/<component>:<version>`). */
  readonly airbyteVersion: string;
  readonly gcp: {
    /** Project of the cluster, Cloud SQL, the buckets and Secret Manager. */
    readonly projectId: string;
    /** GKE Autopilot cluster, for the Workload Identity token exchange of the SecretStore. */
    readonly clusterName: string;
    readonly clusterLocation: string;
  };
  /** Public hosts: the UI and the API, each on its own Google-managed certificate. */
  readonly hosts: { readonly webapp: string; readonly api: string };
  /** Reserved global static IP (by name; the address itself lives in GCP). */
  readonly staticIpName: string;
  /** Cloud SQL for PostgreSQL, reached on its private IP. */
  readonly database: {
    readonly host: string;
    readonly port: number;
    readonly name: string;
    /** The instance's private IP range, for the egress rule. */
    readonly cidr: string;
    /** Secret Manager secret ids holding the user name and the password. */
    readonly userSecretId: string;
    readonly passwordSecretId: string;
  };
  /** GCS buckets, reached through Workload Identity. */
  readonly storage: { readonly logBucket: string; readonly stateBucket: string };
  /** Google service account ids (without `@project…`); each needs IAM on what it touches. */
  readonly googleServiceAccounts: {
    /** Server: reads job logs from GCS. */
    readonly server: string;
    /** Worker: writes logs and state to GCS. */
    readonly worker: string;
    /** SecretStore: `roles/secretmanager.secretAccessor` on the database secrets. */
    readonly secretStore: string;
  };
  /** Temporal, disabled per the architecture document; enabling it renders TEMPORAL_HOST and the egress rule. */
  readonly temporal: AddOn<{ readonly endpoint: Endpoint }>;
  /** Metrics, disabled to keep cost minimal; enabling it turns on Micrometer OTLP export to the collector. */
  readonly metrics: AddOn<{ readonly endpoint: Endpoint }>;
  readonly webapp: ScaledComponent;
  readonly server: ScaledComponent;
  readonly worker: FixedComponent;
  /** The cron runs scheduled maintenance; a second replica would run every task twice. */
  readonly cron: FixedComponent;
  readonly connectorBuilderServer: FixedComponent;
}

// GKE Autopilot bills by requests and sets limits to requests, so memoryLimit equals memoryRequest here.
// Its rules for general-purpose pods: at least 50m CPU and 52Mi memory, and between 1 and 6.5 GiB of memory per vCPU.
const resources = (cpu: string, memory: string): ContainerResources => ({ cpuRequest: cpu, memoryRequest: memory, memoryLimit: memory });

const base = {
  namespace: 'airbyte',
  airbyteVersion: '1.6.0',
  temporal: { enabled: false },
  metrics: { enabled: false },
  // nginx serving static files: 0.25 vCPU : 0.25 GiB is Autopilot's 1:1 minimum ratio.
  webapp: { minReplicas: 2, maxReplicas: 4, resources: resources('250m', '256Mi') },
  // JVM services: 1 vCPU : 3 GiB.
  server: { minReplicas: 2, maxReplicas: 4, resources: resources('500m', '1536Mi') },
  worker: { replicas: 1, resources: resources('500m', '1536Mi') },
  cron: { replicas: 1, resources: resources('250m', '768Mi') },
  connectorBuilderServer: { replicas: 1, resources: resources('250m', '768Mi') },
} as const satisfies Partial<ConnectorsConfig>;

export const CONNECTORS_CONFIG: Record<ConnectorsEnvironment, ConnectorsConfig> = {
  staging: {
    ...base,
    gcp: { projectId: 'aitronos-connectors-staging', clusterName: 'connectors-staging', clusterLocation: 'europe-west6' },
    hosts: { webapp: 'connectors-stage.aitronos.com', api: 'connectors-api-stage.aitronos.com' },
    // Reserved as 34.96.91.157.
    staticIpName: 'connectors-staging-ip',
    database: {
      host: '10.20.0.3', port: 5432, name: 'airbyte', cidr: '10.20.0.0/24',
      userSecretId: 'connectors-staging-db-user', passwordSecretId: 'connectors-staging-db-password',
    },
    storage: { logBucket: 'aitronos-connectors-staging-logs', stateBucket: 'aitronos-connectors-staging-state' },
    googleServiceAccounts: { server: 'airbyte-server', worker: 'airbyte-worker', secretStore: 'airbyte-secrets' },
  },
  production: {
    ...base,
    gcp: { projectId: 'aitronos-connectors-prod', clusterName: 'connectors-production', clusterLocation: 'europe-west6' },
    hosts: { webapp: 'connectors.aitronos.com', api: 'connectors-api.aitronos.com' },
    // Reserved as 35.201.104.8.
    staticIpName: 'connectors-production-ip',
    database: {
      host: '10.30.0.3', port: 5432, name: 'airbyte', cidr: '10.30.0.0/24',
      userSecretId: 'connectors-production-db-user', passwordSecretId: 'connectors-production-db-password',
    },
    storage: { logBucket: 'aitronos-connectors-production-logs', stateBucket: 'aitronos-connectors-production-state' },
    googleServiceAccounts: { server: 'airbyte-server', worker: 'airbyte-worker', secretStore: 'airbyte-secrets' },
    webapp: { ...base.webapp, maxReplicas: 6 },
    server: { ...base.server, maxReplicas: 6 },
    worker: { ...base.worker, replicas: 2 },
    connectorBuilderServer: { ...base.connectorBuilderServer, replicas: 2 },
  },
};

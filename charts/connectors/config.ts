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
  /**
   * Log and state storage. Airbyte 1.6.0 reads a service-account key file at GOOGLE_APPLICATION_CREDENTIALS for GCS
   * (airbyte-server/src/main/resources/application.yml: `gcs.application-credentials`); Workload Identity alone fails.
   */
  readonly storage: {
    /** Only GCS is wired in this chart. */
    readonly type: 'GCS';
    readonly logBucket: string;
    readonly stateBucket: string;
    /** Secret Manager secret id holding the JSON key of a Google service account with access to both buckets. */
    readonly credentialsSecretId: string;
  };
  /** Secret Manager secret ids of Airbyte's own secrets. */
  readonly secretIds: {
    /** Password of the instance admin (the UI login). */
    readonly instanceAdminPassword: string;
    /** Client id and secret of the instance admin's API application. */
    readonly instanceAdminClientId: string;
    readonly instanceAdminClientSecret: string;
    /** Key the server signs its JWTs with. */
    readonly jwtSignatureSecret: string;
    /** Bearer token every caller of the workload API presents. */
    readonly workloadApiBearerToken: string;
  };
  /**
   * The cluster's control-plane range (`privateClusterConfig.masterIpv4CidrBlock`): the workload-launcher creates job
   * pods and the bootloader writes the auth Secret through the Kubernetes API, which no pod selector matches.
   */
  readonly kubernetesApiCidr: string;
  /** Google service account ids (without `@project…`); each needs IAM on what it touches. */
  readonly googleServiceAccounts: {
    /** Server: reads job logs from GCS. */
    readonly server: string;
    /** Worker: writes logs and state to GCS. */
    readonly worker: string;
    /** SecretStore: `roles/secretmanager.secretAccessor` on the database secrets. */
    readonly secretStore: string;
  };
  /**
   * Temporal, rendered in this namespace. DEVIATION from the architecture document ("temporal: disabled (using
   * built-in scheduling)"): Airbyte 1.x has no built-in scheduler; server, worker, cron, workload-api-server and
   * workload-launcher all dial TEMPORAL_HOST (default `airbyte-temporal:7233`, airbyte-server and airbyte-workers
   * application.yml at v1.6.0), and every sync is a Temporal workflow. Without Temporal nothing syncs.
   */
  readonly temporal: {
    /** Image; the upstream chart pins `temporalio/auto-setup:1.23.0` (charts/airbyte-temporal/values.yaml at v1.6.0). */
    readonly image: string;
    readonly resources: ContainerResources;
  };
  /** Metrics, disabled to keep cost minimal; enabling it turns on Micrometer OTLP export to the collector. */
  readonly metrics: AddOn<{ readonly endpoint: Endpoint }>;
  readonly webapp: ScaledComponent;
  readonly server: ScaledComponent;
  readonly worker: FixedComponent;
  /** The cron runs scheduled maintenance; a second replica would run every task twice. */
  readonly cron: FixedComponent;
  readonly connectorBuilderServer: FixedComponent;
  readonly workloadApiServer: FixedComponent;
  /** One launcher: it claims workloads from the queue; more would only add pods competing for the same work. */
  readonly workloadLauncher: FixedComponent;
  readonly bootloader: { readonly resources: ContainerResources };
  /**
   * Extra environment per component, applied last (escape hatch for tuning). Checked against the upstream contract
   * at construction: an unknown component or an address that names no rendered Service is an error. @default - none
   */
  readonly extraEnv?: Partial<Record<string, Record<string, string>>>;
}

// GKE Autopilot bills by requests and sets limits to requests, so memoryLimit equals memoryRequest here.
// Its rules for general-purpose pods: at least 50m CPU and 52Mi memory, and between 1 and 6.5 GiB of memory per vCPU.
const resources = (cpu: string, memory: string): ContainerResources => ({ cpuRequest: cpu, memoryRequest: memory, memoryLimit: memory });

const base = {
  namespace: 'airbyte',
  airbyteVersion: '1.6.0',
  temporal: { image: 'temporalio/auto-setup:1.23.0', resources: resources('500m', '1536Mi') },
  metrics: { enabled: false },
  // nginx serving static files: 0.25 vCPU : 0.25 GiB is Autopilot's 1:1 minimum ratio.
  webapp: { minReplicas: 2, maxReplicas: 4, resources: resources('250m', '256Mi') },
  // JVM services: 1 vCPU : 3 GiB.
  server: { minReplicas: 2, maxReplicas: 4, resources: resources('500m', '1536Mi') },
  worker: { replicas: 1, resources: resources('500m', '1536Mi') },
  cron: { replicas: 1, resources: resources('250m', '768Mi') },
  connectorBuilderServer: { replicas: 1, resources: resources('250m', '768Mi') },
  workloadApiServer: { replicas: 1, resources: resources('250m', '768Mi') },
  workloadLauncher: { replicas: 1, resources: resources('250m', '768Mi') },
  bootloader: { resources: resources('250m', '768Mi') },
} as const satisfies Partial<ConnectorsConfig>;

const secretIds = (prefix: string): ConnectorsConfig['secretIds'] => ({
  instanceAdminPassword: `${prefix}-instance-admin-password`,
  instanceAdminClientId: `${prefix}-instance-admin-client-id`,
  instanceAdminClientSecret: `${prefix}-instance-admin-client-secret`,
  jwtSignatureSecret: `${prefix}-jwt-signature-secret`,
  workloadApiBearerToken: `${prefix}-workload-api-bearer-token`,
});

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
    storage: {
      type: 'GCS', logBucket: 'aitronos-connectors-staging-logs', stateBucket: 'aitronos-connectors-staging-state',
      credentialsSecretId: 'connectors-staging-gcs-key',
    },
    secretIds: secretIds('connectors-staging'),
    kubernetesApiCidr: '172.16.0.0/28',
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
    storage: {
      type: 'GCS', logBucket: 'aitronos-connectors-production-logs', stateBucket: 'aitronos-connectors-production-state',
      credentialsSecretId: 'connectors-production-gcs-key',
    },
    secretIds: secretIds('connectors-production'),
    kubernetesApiCidr: '172.16.0.16/28',
    googleServiceAccounts: { server: 'airbyte-server', worker: 'airbyte-worker', secretStore: 'airbyte-secrets' },
    webapp: { ...base.webapp, maxReplicas: 6 },
    server: { ...base.server, maxReplicas: 6 },
    worker: { ...base.worker, replicas: 2 },
    connectorBuilderServer: { ...base.connectorBuilderServer, replicas: 2 },
    workloadApiServer: { ...base.workloadApiServer, replicas: 2 },
  },
};

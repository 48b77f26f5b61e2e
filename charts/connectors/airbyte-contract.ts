/**
 * The upstream contract of each Airbyte component at the pinned release (1.6.0), in one reviewable table:
 * image, ports, health path, the Service other components dial, the environment variables it cannot run without,
 * and which of its variables point at another component's Service.
 *
 * Sources (all at tag v1.6.0 of github.com/airbytehq/airbyte-platform):
 * - `<app>/src/main/resources/application.yml` of each app: a variable written `${NAME}` (no `:default`) has no
 *   default and fails the app when its property is read;
 * - `charts/airbyte-<component>/templates/deployment.yaml` (bootloader: `pod.yaml`) and `values.yaml`: ports,
 *   probe paths, and which of those variables the upstream chart actually sets;
 * - `charts/airbyte/templates/env-configmap.yaml`: the values the upstream chart gives them.
 * `requiredEnv` lists the variables without a default that the upstream chart sets for the component, plus the
 * ones whose default cannot work here (noted per entry).
 */
import { IConstruct } from 'constructs';
import { check } from '../../lib';

/** Every Airbyte component this chart renders. */
export const AIRBYTE_COMPONENTS = [
  'bootloader', 'server', 'webapp', 'worker', 'cron', 'connector-builder-server', 'workload-api-server', 'workload-launcher', 'temporal',
] as const;
export type AirbyteComponent = typeof AIRBYTE_COMPONENTS[number];

/** An environment variable that names another component's Service. */
export interface ServiceReference {
  /** The variable. */
  readonly env: string;
  /** The component whose Service it must name. */
  readonly target: AirbyteComponent;
  /** How the value is written: `http://<svc>:<port>[/path]` or `<svc>:<port>`. */
  readonly form: 'url' | 'host-port';
}

/** The upstream contract of one component. */
export interface ComponentContract {
  /** Image repository; the tag is the pinned release for `airbyte/*` images. */
  readonly image: string;
  /** Port the main container listens on (none for the bootloader). */
  readonly containerPort?: number;
  /** HTTP path of the readiness/liveness probes (none: TCP or no probe). */
  readonly healthPath?: string;
  /** The Service other components dial, and its port. */
  readonly service?: { readonly name: string; readonly port: number };
  /** Variables the component needs (see the file comment). */
  readonly requiredEnv: readonly string[];
  /** Variables that name another component's Service. */
  readonly references: readonly ServiceReference[];
  /** Upstream files (at v1.6.0) this entry comes from. */
  readonly sources: readonly string[];
}

const DB = ['DATABASE_URL', 'DATABASE_USER', 'DATABASE_PASSWORD'];
const STORAGE = ['STORAGE_TYPE', 'STORAGE_BUCKET_LOG', 'STORAGE_BUCKET_STATE', 'STORAGE_BUCKET_WORKLOAD_OUTPUT', 'STORAGE_BUCKET_ACTIVITY_PAYLOAD'];
// GCS: the apps read the key file named here (`airbyte.cloud.storage.gcs.application-credentials`); an empty value
// (the default) fails the GCS client of the log and state storage, Workload Identity notwithstanding.
const GCS = ['GOOGLE_APPLICATION_CREDENTIALS'];
// The default `airbyte-temporal:7233` only works when the Service has exactly that name; we set it explicitly.
const TEMPORAL: ServiceReference = { env: 'TEMPORAL_HOST', target: 'temporal', form: 'host-port' };
const INTERNAL_API: ServiceReference = { env: 'INTERNAL_API_HOST', target: 'server', form: 'url' };
const WORKLOAD_API: ServiceReference = { env: 'WORKLOAD_API_HOST', target: 'workload-api-server', form: 'url' };
const app = (dir: string) => `airbyte-platform@v1.6.0:${dir}/src/main/resources/application.yml`;
const chart = (component: string, file = 'deployment.yaml') => `airbyte-platform@v1.6.0:charts/airbyte-${component}/templates/${file}`;
const ENV_CONFIGMAP = 'airbyte-platform@v1.6.0:charts/airbyte/templates/env-configmap.yaml';

export const AIRBYTE_CONTRACT: Readonly<Record<AirbyteComponent, ComponentContract>> = {
  bootloader: {
    image: 'airbyte/bootloader',
    // Runs the Flyway migrations and writes the dataplane credentials into the auth Secret, then exits.
    requiredEnv: ['AIRBYTE_VERSION', ...DB],
    references: [],
    sources: [app('airbyte-bootloader'), chart('bootloader', 'pod.yaml')],
  },
  server: {
    image: 'airbyte/server',
    containerPort: 8001,
    healthPath: '/api/v1/health',
    service: { name: 'airbyte-server-svc', port: 8001 },
    requiredEnv: [
      'AIRBYTE_VERSION', ...DB, ...STORAGE, ...GCS, 'WEBAPP_URL', 'WORKSPACE_ROOT', 'AIRBYTE_API_HOST', 'ENTERPRISE_SOURCE_STUBS_URL',
      // No default: the server refuses to start below these migration versions (set by env-configmap.yaml).
      'CONFIGS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION', 'JOBS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION',
      // Defaults to false (no login); this platform requires auth on.
      'API_AUTHORIZATION_ENABLED', 'AB_INSTANCE_ADMIN_PASSWORD', 'AB_INSTANCE_ADMIN_CLIENT_ID', 'AB_INSTANCE_ADMIN_CLIENT_SECRET', 'AB_JWT_SIGNATURE_SECRET',
      'TEMPORAL_HOST', 'CONNECTOR_BUILDER_SERVER_API_HOST',
    ],
    references: [TEMPORAL, { env: 'CONNECTOR_BUILDER_SERVER_API_HOST', target: 'connector-builder-server', form: 'url' }],
    sources: [app('airbyte-server'), 'airbyte-platform@v1.6.0:airbyte-server/src/main/resources/application-edition-community.yml', chart('server'), ENV_CONFIGMAP],
  },
  webapp: {
    image: 'airbyte/webapp',
    containerPort: 8080,
    healthPath: '/index.html',
    service: { name: 'airbyte-webapp-svc', port: 80 },
    // Variables of the nginx config template (upstreams without a scheme).
    requiredEnv: ['AIRBYTE_SERVER_HOST', 'CONNECTOR_BUILDER_API_HOST', 'KEYCLOAK_INTERNAL_HOST', 'API_URL', 'CONNECTOR_BUILDER_API_URL'],
    references: [
      { env: 'AIRBYTE_SERVER_HOST', target: 'server', form: 'host-port' },
      { env: 'CONNECTOR_BUILDER_API_HOST', target: 'connector-builder-server', form: 'host-port' },
    ],
    sources: [chart('webapp'), ENV_CONFIGMAP],
  },
  worker: {
    image: 'airbyte/worker',
    containerPort: 9000,
    healthPath: '/',
    requiredEnv: [
      'AIRBYTE_VERSION', ...DB, ...STORAGE, ...GCS, 'INTERNAL_API_HOST', 'WORKSPACE_ROOT', 'MICRONAUT_ENVIRONMENTS', 'TEMPORAL_HOST',
      // Both default to empty: without them no sync is ever handed to the launcher.
      'WORKLOAD_API_HOST', 'WORKLOAD_API_BEARER_TOKEN',
    ],
    references: [TEMPORAL, INTERNAL_API, WORKLOAD_API],
    sources: [app('airbyte-workers'), 'airbyte-platform@v1.6.0:airbyte-workers/src/main/resources/application-control-plane.yml', chart('worker'), ENV_CONFIGMAP],
  },
  cron: {
    image: 'airbyte/cron',
    containerPort: 9001,
    healthPath: '/health',
    requiredEnv: [
      'AIRBYTE_VERSION', ...DB, 'WORKSPACE_ROOT', 'CONFIGS_DATABASE_MINIMUM_FLYWAY_MIGRATION_VERSION', 'MICRONAUT_ENVIRONMENTS', 'TEMPORAL_HOST',
      'WORKLOAD_API_HOST', 'WORKLOAD_API_BEARER_TOKEN',
    ],
    references: [TEMPORAL, WORKLOAD_API],
    sources: [app('airbyte-cron'), chart('cron'), ENV_CONFIGMAP],
  },
  'connector-builder-server': {
    image: 'airbyte/connector-builder-server',
    containerPort: 8080,
    healthPath: '/v1/health',
    service: { name: 'airbyte-connector-builder-server-svc', port: 80 },
    // No default in application.yml; the upstream chart sets neither INTERNAL_API_HOST nor WORKSPACE_ROOT here (a read
    // of either fails), so this chart sets both.
    requiredEnv: ['AIRBYTE_VERSION', 'INTERNAL_API_HOST', 'WORKSPACE_ROOT'],
    references: [INTERNAL_API],
    sources: [app('airbyte-connector-builder-server'), chart('connector-builder-server'), 'airbyte-platform@v1.6.0:charts/airbyte-connector-builder-server/values.yaml'],
  },
  'workload-api-server': {
    image: 'airbyte/workload-api-server',
    containerPort: 8007,
    healthPath: '/health/liveness',
    service: { name: 'airbyte-workload-api-server-svc', port: 8007 },
    // API_AUTHORIZATION_ENABLED defaults to true here: every caller presents WORKLOAD_API_BEARER_TOKEN.
    requiredEnv: ['AIRBYTE_VERSION', ...DB, 'INTERNAL_API_HOST', 'WORKLOAD_API_BEARER_TOKEN', 'MICRONAUT_ENVIRONMENTS', 'TEMPORAL_HOST'],
    references: [TEMPORAL, INTERNAL_API],
    sources: [app('airbyte-workload-api-server'), chart('workload-api-server'), 'airbyte-platform@v1.6.0:charts/airbyte-workload-api-server/values.yaml'],
  },
  'workload-launcher': {
    image: 'airbyte/workload-launcher',
    containerPort: 8016,
    healthPath: '/health/readiness',
    requiredEnv: [
      'AIRBYTE_VERSION', ...DB, ...STORAGE, ...GCS, 'INTERNAL_API_HOST', 'WORKSPACE_ROOT', 'MICRONAUT_ENVIRONMENTS', 'TEMPORAL_HOST',
      'CONTROL_PLANE_TOKEN_ENDPOINT', 'DATA_PLANE_ID', 'DATAPLANE_CLIENT_ID', 'DATAPLANE_CLIENT_ID_SECRET_NAME', 'DATAPLANE_CLIENT_ID_SECRET_KEY',
      'DATAPLANE_CLIENT_SECRET', 'DATAPLANE_CLIENT_SECRET_SECRET_NAME', 'DATAPLANE_CLIENT_SECRET_SECRET_KEY',
      'WORKLOAD_API_HOST', 'WORKLOAD_API_BEARER_TOKEN', 'WORKLOAD_API_BEARER_TOKEN_SECRET_NAME', 'WORKLOAD_API_BEARER_TOKEN_SECRET_KEY',
      // Default empty: the job pods' images.
      'CONTAINER_ORCHESTRATOR_IMAGE', 'WORKLOAD_INIT_IMAGE', 'CONNECTOR_SIDECAR_IMAGE',
      // Defaults: namespace "default", service account "airbyte-admin", root containers; none fits this namespace.
      'JOB_KUBE_NAMESPACE', 'JOB_KUBE_SERVICEACCOUNT', 'ROOTLESS_WORKLOAD',
      // The Secret (and where) the launcher mounts into job pods so they find GOOGLE_APPLICATION_CREDENTIALS.
      'CONTAINER_ORCHESTRATOR_SECRET_NAME', 'CONTAINER_ORCHESTRATOR_SECRET_MOUNT_PATH',
    ],
    references: [
      TEMPORAL, INTERNAL_API, WORKLOAD_API,
      { env: 'CONTROL_PLANE_TOKEN_ENDPOINT', target: 'server', form: 'url' },
    ],
    sources: [
      app('airbyte-workload-launcher'), 'airbyte-platform@v1.6.0:airbyte-workload-launcher/src/main/resources/application-oss.yml',
      chart('workload-launcher'), ENV_CONFIGMAP, 'airbyte-platform@v1.6.0:charts/airbyte/templates/serviceaccount.yaml',
      'airbyte-platform@v1.6.0:airbyte-commons-worker/src/main/kotlin/io/airbyte/workers/context/WorkloadSecurityContextProvider.kt',
      'airbyte-platform@v1.6.0:airbyte-commons-worker/src/main/kotlin/io/airbyte/workers/pod/Metadata.kt',
    ],
  },
  temporal: {
    // temporalio/auto-setup: creates the databases and schemas, then starts every Temporal service in one process.
    image: 'temporalio/auto-setup',
    containerPort: 7233,
    service: { name: 'airbyte-temporal', port: 7233 },
    requiredEnv: ['DB', 'DB_PORT', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'POSTGRES_PWD', 'DYNAMIC_CONFIG_FILE_PATH'],
    references: [],
    sources: [chart('temporal'), 'airbyte-platform@v1.6.0:charts/airbyte-temporal/values.yaml', 'airbyte-platform@v1.6.0:charts/airbyte/templates/_temporal.tpl'],
  },
};

/** The contract of `component`, or a construction error naming the known ones. */
export function contractOf(scope: IConstruct, prop: string, component: string): ComponentContract {
  check(scope, (AIRBYTE_COMPONENTS as readonly string[]).includes(component), prop, component,
    `must be an Airbyte component of this chart (${AIRBYTE_COMPONENTS.join(', ')})`);
  return AIRBYTE_CONTRACT[component as AirbyteComponent];
}

/** A Service as rendered: name and ports. */
export interface RenderedService {
  readonly name: string;
  readonly ports: readonly number[];
}

/**
 * Checks one component's rendered env against its contract: every required variable is set, and every reference
 * names a rendered Service on a port it serves, and that Service is the target component's. Returns the problems.
 */
export function contractProblems(component: AirbyteComponent, env: Record<string, unknown>, services: readonly RenderedService[]): string[] {
  const contract = AIRBYTE_CONTRACT[component];
  const problems: string[] = [];
  for (const name of contract.requiredEnv) {
    if (!(name in env) || env[name] === '' || env[name] === undefined) problems.push(`${component}: ${name} is required by the upstream contract and not set`);
  }
  for (const ref of contract.references) {
    const value = env[ref.env];
    if (typeof value !== 'string') continue;
    const m = ref.form === 'url' ? /^https?:\/\/([a-z0-9.-]+):(\d+)(\/.*)?$/.exec(value) : /^([a-z0-9.-]+):(\d+)$/.exec(value);
    if (!m) {
      problems.push(`${component}: ${ref.env}="${value}" is not ${ref.form === 'url' ? 'http://<service>:<port>[/path]' : '<service>:<port>'}`);
      continue;
    }
    const host = m[1].split('.')[0];
    const port = Number(m[2]);
    const service = services.find((s) => s.name === host);
    const expected = AIRBYTE_CONTRACT[ref.target].service;
    if (!service) problems.push(`${component}: ${ref.env}="${value}" names Service "${host}", which is not rendered`);
    else if (!service.ports.includes(port)) problems.push(`${component}: ${ref.env}="${value}": Service "${host}" serves ${service.ports.join(', ')}, not ${port}`);
    else if (expected && expected.name !== host) problems.push(`${component}: ${ref.env}="${value}" must name ${ref.target}'s Service "${expected.name}"`);
  }
  return problems;
}

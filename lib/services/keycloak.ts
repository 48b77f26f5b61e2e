import { ApiObject } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { ServiceMonitor as ServiceMonitorResource } from '../../imports/servicemonitor-monitoring.coreos.com';
import { ContainerResources, EnvValue } from '../core/container';
import { check } from '../core/errors';
import { EdgeRequirements, IHttpBackend } from '../core/http-backend';
import { checkDnsLabel, checkHostname, checkUnique } from '../core/names';
import { INetworkPeer, PROMETHEUS } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { IPostgresDatabase } from '../data/postgres';
import { SecretKeyRef } from '../core/secret-ref';
import { Workload } from '../workloads/workload';

/** A public OIDC client (a mobile or single-page app): no secret, authorization code flow with PKCE. */
export interface KeycloakPublicClient {
  /** Client ID. */
  readonly clientId: string;
  /** Allowed redirect URIs (app schemes or https URLs). */
  readonly redirectUris: readonly string[];
  /** Allowed CORS origins. @default - none */
  readonly webOrigins?: readonly string[];
}

/** A confidential OIDC client (a backend): authenticates with a secret that only a Secret holds. */
export interface KeycloakConfidentialClient {
  /** Client ID. */
  readonly clientId: string;
  /**
   * The client secret, a key of a Secret in Keycloak's namespace. The realm file holds only the placeholder
   * `${<CLIENT_ID>_CLIENT_SECRET}`, which Keycloak resolves from the environment at import time.
   */
  readonly secret: SecretKeyRef;
  /** Allowed redirect URIs, for a backend that also runs the browser login. @default - none (no browser flow) */
  readonly redirectUris?: readonly string[];
  /** Enable the client-credentials grant (a service account). @default true */
  readonly serviceAccountsEnabled?: boolean;
}

/** A realm imported at startup (`--import-realm`); an existing realm of that name is left untouched. */
export interface KeycloakRealm {
  /** Realm name. */
  readonly name: string;
  /** Display name. @default - the realm name */
  readonly displayName?: string;
  /** Public clients (PKCE S256 enforced). @default - none */
  readonly publicClients?: readonly KeycloakPublicClient[];
  /** Confidential clients. @default - none */
  readonly confidentialClients?: readonly KeycloakConfidentialClient[];
}

/** Scraping Keycloak's `/metrics` on the management port with a Prometheus Operator ServiceMonitor. */
export interface KeycloakServiceMonitorOptions {
  /** Labels the cluster's Prometheus `serviceMonitorSelector` matches (kube-prometheus-stack: `release: <release name>`); required, or nothing is scraped. */
  readonly labels: Record<string, string>;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
  /** Prometheus pods, allowed to the management port. @default - Prometheus in namespace `monitoring` */
  readonly prometheus?: INetworkPeer;
}

export interface KeycloakProps {
  /** Name of the Deployment and its Service (`<name>.<namespace>.svc.cluster.local:8080`). @default 'keycloak' */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Keycloak image, pinned. @default 'quay.io/keycloak/keycloak:26.0.7' */
  readonly image?: string;
  /**
   * The image was built with `kc.sh build` for these build options (postgres, health, metrics, cache), so it
   * starts with `start --optimized` and its root filesystem stays untouched. Otherwise Keycloak re-augments
   * itself at every start into `/opt/keycloak/lib/quarkus`, which then lives on an emptyDir seeded from the image.
   * @default false
   */
  readonly optimized?: boolean;
  /** Public host name (behind the TLS ingress), rendered as `KC_HOSTNAME=https://<hostname>`. */
  readonly hostname: string;
  /** The PostgreSQL server. Keycloak logs in as the owner of `databaseName` (`credentialsFor`), and the network rule is opened. */
  readonly database: IPostgresDatabase;
  /** Database on that server. @default 'keycloak' */
  readonly databaseName?: string;
  /**
   * Most database connections per pod (`KC_DB_POOL_MAX_SIZE`), declared to the server's connection budget for
   * every replica. Keycloak's own default is 100 per pod (server guide "All configuration", `db-pool-max-size`,
   * 26.0), which alone would fill an image-default PostgreSQL.
   * @default 20
   */
  readonly dbPoolMaxSize?: number;
  /** Initial admin user name (`KC_BOOTSTRAP_ADMIN_USERNAME`): a literal or a Secret key. */
  readonly bootstrapAdminUsername: string | SecretKeyRef;
  /** Initial admin password (`KC_BOOTSTRAP_ADMIN_PASSWORD`), a Secret key. */
  readonly bootstrapAdminPassword: SecretKeyRef;
  /**
   * Pods. More than one replica needs `cache: 'ispn'`, or sessions live in one pod only and logins break.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * `local`: caches in each pod, for a single replica. `ispn`: a distributed Infinispan cache over JGroups
   * (`KC_CACHE_STACK=kubernetes`, DNS_PING through a headless Service, TCP 7800 and failure detection on 57800
   * opened between Keycloak pods), required for more than one replica.
   * @default 'local'
   */
  readonly cache?: 'local' | 'ispn';
  /** Realms imported at startup from a ConfigMap mounted at `/opt/keycloak/data/import`. @default - none */
  readonly realms?: readonly KeycloakRealm[];
  /** CPU and memory. @default - 500m CPU and 1Gi memory requested, 2Gi memory limit */
  readonly resources?: ContainerResources;
  /** Seconds the startup probe allows (first start migrates the database and may re-augment). @default 300 */
  readonly startupBudgetSeconds?: number;
  /** Let in-cluster clients use the internal URL for back-channel calls (token, JWKS). @default true */
  readonly backchannelDynamic?: boolean;
  /** Render a management Service and a ServiceMonitor for `/metrics` on port 9000. @default - no ServiceMonitor */
  readonly serviceMonitor?: KeycloakServiceMonitorOptions;
}

/** HTTP port behind the ingress. */
export const KEYCLOAK_HTTP_PORT = 8080;
/** Management port: health and metrics. Never routed by an Ingress. */
export const KEYCLOAK_MANAGEMENT_PORT = 9000;
/** JGroups transport port of the `kubernetes` cache stack. */
export const KEYCLOAK_JGROUPS_PORT = 7800;
/** JGroups failure detection (FD_SOCK2: the transport port + 50000). */
export const KEYCLOAK_JGROUPS_FD_PORT = 57800;

const IMPORT_DIR = '/opt/keycloak/data/import';
const QUARKUS_DIR = '/opt/keycloak/lib/quarkus';
const QUARKUS_SEED_DIR = '/seed/quarkus';
const QUARKUS_VOLUME = 'keycloak-quarkus';

/**
 * Keycloak 26 in production mode behind a TLS-terminating ingress: PostgreSQL, proxy headers, health and
 * metrics on the management port 9000 (probes there; the port is not in the Service the Ingress uses),
 * bootstrap admin and client secrets from Secrets, realms imported from a ConfigMap, read-only root filesystem.
 */
export class Keycloak extends Construct implements IHttpBackend {
  /** The Keycloak Deployment and its Service (port 8080), network policy and PDB. */
  public readonly workload: Workload;
  /** The headless Service JGroups discovers peers through (`cache: 'ispn'`). */
  public readonly jgroupsService?: ApiObject;
  /** The Service exposing the management port to Prometheus (`serviceMonitor`). */
  public readonly managementService?: ApiObject;
  public readonly serviceMonitor?: ApiObject;
  /** Realm name → realm file content, as imported. */
  public readonly realmFiles: Record<string, string>;
  /** Public host name (`KC_HOSTNAME`). */
  public readonly hostname: string;


  /** An edge routes to Keycloak directly (`backend: keycloak`): Service name. */
  public get serviceName(): string {
    return this.workload.serviceName;
  }

  /** Namespace of Keycloak's Service. */
  public get namespace(): string {
    return this.workload.namespace;
  }

  /** Keycloak's redirects carry long headers: every edge in front of it gets the larger buffers. */
  public readonly edgeRequirements: EdgeRequirements = KEYCLOAK_EDGE_REQUIREMENTS;

  /** Resolves `portName` (`http` by default) of Keycloak's Service, for an edge. */
  public resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number } {
    return this.workload.resolveHttpPort(portName ?? 'http');
  }

  /** Lets `peer` (the edge's data plane) reach Keycloak's Service on `portNames` (`http` by default). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.workload.allowFrom(peer, portNames ?? ['http']);
  }

  constructor(scope: Construct, id: string, props: KeycloakProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? 'keycloak';
    const namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', name);
    checkHostname(this, 'hostname', props.hostname);
    const replicas = props.replicas ?? 1;
    const cache = props.cache ?? 'local';
    check(this, Number.isInteger(replicas) && replicas >= 1, 'replicas', replicas, 'must be an integer of at least 1');
    check(this, replicas === 1 || cache === 'ispn', 'replicas', replicas,
      'more than one Keycloak replica needs clustering: set cache: "ispn" (Infinispan over JGroups DNS_PING), or each pod keeps its own sessions and logins break');
    const db = props.database;
    const databaseName = props.databaseName ?? 'keycloak';
    check(this, db.databaseNames.includes(databaseName), 'databaseName', databaseName,
      `must be one of the server's databases (${db.databaseNames.join(', ')})`);
    const dbCredentials = db.credentialsFor(databaseName);
    const dbPool = props.dbPoolMaxSize ?? 20;
    check(this, Number.isInteger(dbPool) && dbPool >= 1 && dbPool <= 1000, 'dbPoolMaxSize', dbPool, 'must be an integer between 1 and 1000');
    const startupBudget = props.startupBudgetSeconds ?? 300;
    check(this, Number.isInteger(startupBudget) && startupBudget >= 60, 'startupBudgetSeconds', startupBudget,
      'must be an integer of at least 60: the first start migrates the database');
    const realms = props.realms ?? [];
    realms.forEach((r, i) => checkDnsLabel(this, `realms[${i}].name`, r.name));
    checkUnique(this, 'realms[].name', realms.map((r) => r.name));
    const optimized = props.optimized ?? false;
    this.hostname = props.hostname;

    // Secrets referenced from the realm files by placeholder, resolved by Keycloak from the environment.
    const clientSecretEnv: Record<string, EnvValue> = {};
    this.realmFiles = {};
    for (const realm of realms) {
      const clientIds = [...(realm.publicClients ?? []), ...(realm.confidentialClients ?? [])].map((c) => c.clientId);
      checkUnique(this, `realms[${realm.name}].clients[].clientId`, clientIds);
      for (const c of realm.publicClients ?? []) {
        check(this, c.redirectUris.length > 0, `realms[${realm.name}].publicClients[${c.clientId}].redirectUris`, c.redirectUris,
          'a public client needs at least one redirect URI');
        check(this, c.redirectUris.every((u) => !u.includes('*')), `realms[${realm.name}].publicClients[${c.clientId}].redirectUris`, c.redirectUris,
          'wildcards let an attacker receive the authorization code; list exact redirect URIs');
      }
      for (const c of realm.confidentialClients ?? []) {
        const envName = clientSecretEnvName(c.clientId);
        check(this, !(envName in clientSecretEnv), `realms[${realm.name}].confidentialClients[${c.clientId}]`, envName,
          'two confidential clients map to the same secret placeholder; rename one');
        clientSecretEnv[envName] = { secretKeyRef: c.secret };
      }
      this.realmFiles[realm.name] = renderRealm(realm);
    }

    const env: Record<string, EnvValue> = {
      KC_DB: 'postgres',
      KC_DB_URL_HOST: db.host,
      KC_DB_URL_PORT: String(db.port),
      KC_DB_URL_DATABASE: databaseName,
      KC_DB_USERNAME: typeof dbCredentials.username === 'string' ? dbCredentials.username : { secretKeyRef: dbCredentials.username },
      KC_DB_PASSWORD: { secretKeyRef: dbCredentials.password },
      KC_DB_POOL_MAX_SIZE: String(dbPool),
      KC_BOOTSTRAP_ADMIN_USERNAME: typeof props.bootstrapAdminUsername === 'string'
        ? props.bootstrapAdminUsername : { secretKeyRef: props.bootstrapAdminUsername },
      KC_BOOTSTRAP_ADMIN_PASSWORD: { secretKeyRef: props.bootstrapAdminPassword },
      KC_HOSTNAME: `https://${props.hostname}`,
      KC_HOSTNAME_BACKCHANNEL_DYNAMIC: String(props.backchannelDynamic ?? true),
      // TLS ends at the ingress controller, which forwards X-Forwarded-* headers.
      KC_PROXY_HEADERS: 'xforwarded',
      KC_HTTP_ENABLED: 'true',
      KC_HTTP_PORT: String(KEYCLOAK_HTTP_PORT),
      KC_HEALTH_ENABLED: 'true',
      KC_METRICS_ENABLED: 'true',
      KC_CACHE: cache,
      ...clientSecretEnv,
    };
    const jgroupsServiceName = `${name}-jgroups`;
    if (cache === 'ispn') {
      env.KC_CACHE_STACK = 'kubernetes';
      env.JAVA_OPTS_APPEND = `-Djgroups.dns.query=${jgroupsServiceName}.${namespace}.svc.cluster.local`;
    }

    const image = props.image ?? 'quay.io/keycloak/keycloak:26.0.7';
    const args = ['start', ...(optimized ? ['--optimized'] : []), ...(realms.length > 0 ? ['--import-realm'] : [])];
    const seedQuarkus = !optimized;
    this.workload = new Workload(this, 'Resource', {
      name,
      namespace,
      component: 'identity',
      image,
      args,
      env,
      replicas,
      runAsUser: 1000,
      runAsGroup: 1000,
      ports: [
        { name: 'http', port: KEYCLOAK_HTTP_PORT },
        // Health and metrics only: kept out of the Service so an Ingress can never route to it.
        { name: 'management', port: KEYCLOAK_MANAGEMENT_PORT, expose: false },
        ...(cache === 'ispn' ? [
          { name: 'jgroups', port: KEYCLOAK_JGROUPS_PORT, expose: false },
          { name: 'jgroups-fd', port: KEYCLOAK_JGROUPS_FD_PORT, expose: false },
        ] : []),
      ],
      resources: props.resources ?? { cpuRequest: '500m', memoryRequest: '1Gi', memoryLimit: '2Gi' },
      startup: {
        http: { path: '/health/started', port: 'management' },
        periodSeconds: 10,
        failureThreshold: Math.ceil(startupBudget / 10),
      },
      readiness: { http: { path: '/health/ready', port: 'management' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
      liveness: { http: { path: '/health/live', port: 'management' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
      writableDirectories: [
        '/tmp',
        { path: '/opt/keycloak/data', sizeLimit: '512Mi' },
      ],
      configFiles: realms.length > 0 ? [{ name: 'realms', mountPath: IMPORT_DIR, files: realmFileMap(this.realmFiles) }] : undefined,
      volumes: seedQuarkus ? [{ name: QUARKUS_VOLUME, emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } }] : undefined,
      volumeMounts: seedQuarkus ? [{ name: QUARKUS_VOLUME, mountPath: QUARKUS_DIR }] : undefined,
      // The re-augmentation at start rewrites lib/quarkus; the image's copy seeds the emptyDir it writes to.
      initContainers: seedQuarkus ? [{
        name: 'seed-quarkus',
        image,
        command: ['/bin/sh', '-c', `cp -R ${QUARKUS_DIR}/. ${QUARKUS_SEED_DIR}/`],
        resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
        volumeMounts: [{ name: QUARKUS_VOLUME, mountPath: QUARKUS_SEED_DIR }],
      }] : undefined,
      // Keycloak drains sessions and leaves the cluster view on SIGTERM.
      terminationGracePeriodSeconds: 60,
    });

    db.allowConnectionFrom(this.workload);
    db.reserveConnections(this.node.path, replicas * dbPool);
    if (cache === 'ispn') {
      this.workload.connectTo(this.workload, ['jgroups', 'jgroups-fd']);
      this.jgroupsService = new k8s.KubeService(this, 'JGroupsService', {
        metadata: { name: jgroupsServiceName, namespace, labels: { ...this.workload.selectorLabels } },
        spec: {
          clusterIp: 'None',
          // Peers must find each other before they are ready: the cluster forms during startup.
          publishNotReadyAddresses: true,
          selector: { ...this.workload.selectorLabels },
          ports: [{ name: 'jgroups', port: KEYCLOAK_JGROUPS_PORT, targetPort: k8s.IntOrString.fromString('jgroups'), protocol: 'TCP' }],
        },
      });
    }

    if (props.serviceMonitor) {
      const sm = props.serviceMonitor;
      const interval = sm.interval ?? '30s';
      check(this, /^(\d+(ms|s|m|h))+$/.test(interval), 'serviceMonitor.interval', interval, 'must be a Prometheus duration such as "30s" or "1m"');
      check(this, Object.keys(sm.labels ?? {}).length > 0, 'serviceMonitor.labels', sm.labels,
        'must name the labels the cluster\'s Prometheus serviceMonitorSelector matches (kube-prometheus-stack: { release: "<release name>" })');
      const managementLabels = { ...this.workload.selectorLabels, 'app.kubernetes.io/component': 'management' };
      this.managementService = new k8s.KubeService(this, 'ManagementService', {
        metadata: { name: `${name}-management`, namespace, labels: managementLabels },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.workload.selectorLabels },
          ports: [{ name: 'management', port: KEYCLOAK_MANAGEMENT_PORT, targetPort: k8s.IntOrString.fromString('management'), protocol: 'TCP' }],
        },
      });
      this.workload.allowFrom(sm.prometheus ?? PROMETHEUS, ['management']);
      this.serviceMonitor = new ServiceMonitorResource(this, 'ServiceMonitor', {
        metadata: { name, namespace, labels: sm.labels },
        spec: {
          selector: { matchLabels: managementLabels },
          namespaceSelector: { matchNames: [namespace] },
          endpoints: [{ port: 'management', path: '/metrics', interval }],
        },
      });
    }
  }

  /** Keycloak's HTTP address inside the cluster, `http://<service>.<namespace>.svc.cluster.local:8080`. */
  public get internalUrl(): string {
    return `http://${this.workload.serviceHost}:${KEYCLOAK_HTTP_PORT}`;
  }

  /** The realm's issuer as tokens carry it: `https://<hostname>/realms/<realm>`. */
  public issuerUrl(realm: string): string {
    checkRealm(this, realm);
    return `https://${this.hostname}/realms/${realm}`;
  }

  /**
   * The realm's URL inside the cluster, `http://<service>.<namespace>.svc.cluster.local:8080/realms/<realm>`, for
   * back-channel calls (discovery, token, JWKS) that must not leave the cluster. With `backchannelDynamic` (the
   * default) Keycloak answers discovery on this URL with the public issuer and authorization endpoint, and with
   * in-cluster token and JWKS endpoints (Keycloak 26.0 server guide "Configuring the hostname (v2)",
   * `hostname-backchannel-dynamic`).
   */
  public internalRealmUrl(realm: string): string {
    checkRealm(this, realm);
    return `${this.internalUrl}/realms/${realm}`;
  }
}

function checkRealm(keycloak: Keycloak, realm: string): void {
  const names = Object.keys(keycloak.realmFiles);
  check(keycloak, names.length === 0 || names.includes(realm), 'realm', realm, `must be one of the imported realms (${names.join(', ')})`);
}

/**
 * Keycloak's redirects (long `state`/`redirect_uri` query strings) and its several session cookies make response
 * headers larger than ingress-nginx's default 4k/8k proxy buffer, which answers 502 "upstream sent too big header".
 */
export const KEYCLOAK_EDGE_REQUIREMENTS: EdgeRequirements = { largeResponseHeaders: true };

/** `aroti-backend` → `AROTI_BACKEND_CLIENT_SECRET`: the environment variable a realm file's placeholder names. */
export function clientSecretEnvName(clientId: string): string {
  return `${clientId.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_CLIENT_SECRET`;
}

/** The realm representation Keycloak imports, as stable JSON. Client secrets appear only as placeholders. */
export function renderRealm(realm: KeycloakRealm): string {
  const publicClients = (realm.publicClients ?? []).map((c) => ({
    clientId: c.clientId,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: true,
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    redirectUris: [...c.redirectUris].sort(),
    webOrigins: [...(c.webOrigins ?? [])].sort(),
    attributes: { 'pkce.code.challenge.method': 'S256' },
  }));
  const confidentialClients = (realm.confidentialClients ?? []).map((c) => ({
    clientId: c.clientId,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    secret: `\${${clientSecretEnvName(c.clientId)}}`,
    standardFlowEnabled: (c.redirectUris ?? []).length > 0,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: c.serviceAccountsEnabled ?? true,
    redirectUris: [...(c.redirectUris ?? [])].sort(),
  }));
  const clients = [...publicClients, ...confidentialClients].sort((a, b) => a.clientId.localeCompare(b.clientId, 'en'));
  return `${JSON.stringify({
    realm: realm.name,
    displayName: realm.displayName ?? realm.name,
    enabled: true,
    sslRequired: 'external',
    clients,
  }, null, 2)}\n`;
}

function realmFileMap(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(files).sort().map((name) => [`${name}-realm.json`, files[name]]));
}

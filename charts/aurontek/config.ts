/**
 * AURONTEK: an API gateway and five microservices, today run by docker-compose on one AWS t2.micro (1 GB RAM),
 * rendered here for the cluster Argo CD sends it to (charts/argocd/config.ts: `production` shares the production
 * cluster with aroti, `test` has the test cluster to itself), inside a namespace quota of the t2.micro's size
 * (source: docs/architecture/aurontek.md). The React frontend stays on Vercel; MongoDB Atlas, CloudAMQP,
 * Cloudinary and Gmail SMTP stay external managed services.
 */

import { EdgeRendering } from '../../lib/networking/edge';

export type AurontekEnvironment = 'test' | 'production';

export const AURONTEK_ENVIRONMENTS: readonly AurontekEnvironment[] = ['test', 'production'];

/** The six services of the compose file, by workload name. */
export type AurontekServiceName = 'gateway' | 'usuarios' | 'tickets' | 'chat' | 'notifications' | 'ia';

/** The external managed services the pods talk to. */
export type AurontekExternalService = 'mongodb' | 'amqp' | 'cloudinary' | 'smtp';

/** One service of the compose file. */
export interface AurontekService {
  /** Image with a pinned tag. */
  readonly image: string;
  /** Port the process listens on (and the Service exposes). */
  readonly port: number;
  /** CPU request; the six together must fit the quota's one vCPU (the t2.micro's). */
  readonly cpuRequest: string;
  /** Memory limit, from the document's memory allocation. */
  readonly memoryLimit: string;
  /** Replicas; the quota leaves no room for a second copy. */
  readonly replicas: number;
  /** Node.js (heap capped below the limit with NODE_OPTIONS) or Python. */
  readonly runtime: 'node' | 'python';
  /** External services this one reaches; egress is opened only to these. */
  readonly uses: readonly AurontekExternalService[];
}

/** Where an external managed service is reached: a port, and address ranges if the provider publishes them. */
export interface ExternalEndpoint {
  /** TCP port. */
  readonly port: number;
  /** Address ranges; empty means any public address (Atlas M0, CloudAMQP Lemur and Gmail publish no fixed IPs). */
  readonly cidrs: readonly string[];
}

/** Names and keys of the Secrets the services read. Created out of band (see `managedBy`); never rendered. */
export interface AurontekSecrets {
  /** Who creates the Secrets, shown to reviewers. */
  readonly managedBy: string;
  /** JWT signing key shared by gateway, usuarios, tickets and chat. */
  readonly jwt: { readonly name: string; readonly key: string };
  /** MongoDB Atlas connection string (`mongodb+srv://…`). */
  readonly mongodb: { readonly name: string; readonly uriKey: string };
  /** CloudAMQP AMQPS URL (`amqps://…`). */
  readonly amqp: { readonly name: string; readonly urlKey: string };
  /** Cloudinary account. */
  readonly cloudinary: { readonly name: string; readonly cloudNameKey: string; readonly apiKeyKey: string; readonly apiSecretKey: string };
  /** SMTP login (Gmail app password). */
  readonly smtp: { readonly name: string; readonly userKey: string; readonly passwordKey: string };
}

export interface AurontekConfig {
  /** Namespace of every object. */
  readonly namespace: string;
  /** Public host of the gateway, served with TLS. */
  readonly host: string;
  /** How this cluster's edge is rendered: Gateway API on Envoy Gateway, an NGINX Ingress, or both during the move (docs/gateway-api-migration.md). */
  readonly edge: EdgeRendering;
  /** cert-manager ClusterIssuer for the gateway's certificate. */
  readonly clusterIssuer: string;
  /**
   * Render `clusterIssuer` here as a Let's Encrypt ACME issuer (HTTP-01 through ingress-nginx), on a cluster where no
   * other platform renders it (the gate's `cluster/*` rules check each cluster has exactly one). @default - not rendered
   */
  readonly renderClusterIssuer?: { readonly server: string };
  /** Origins of the Vercel frontend allowed by the gateway's CORS policy. */
  readonly corsOrigins: readonly string[];
  /** Application log level (`LOG_LEVEL`). */
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * The namespace's share of its cluster: a ResourceQuota on memory (requests and limits) and CPU requests, and the
   * gate's capacity budget for the namespace. A share, not a host: Argo CD sends production to a cluster it shares
   * with aroti, so nothing but the quota keeps the services to the document's allocation.
   */
  readonly quota: { readonly memoryMiB: number; readonly cpu: string };
  /** The six services. */
  readonly services: Readonly<Record<AurontekServiceName, AurontekService>>;
  /** External managed services. */
  readonly external: Readonly<Record<AurontekExternalService, ExternalEndpoint & { readonly host?: string }>>;
  /** Secrets the services read. */
  readonly secrets: AurontekSecrets;
}

/**
 * Images: the document pushes `<Docker Hub user>/aurontek-<service>` from CI but names neither the account nor a
 * tag (compose falls back to `latest`). The account is `enpc29` (the project's deployment guide); the tag
 * `1.0.0` is pinned here and must be pushed by CI before this is synced — never `latest`.
 */
const REGISTRY = 'docker.io/enpc29';
const VERSION = '1.0.0';
const image = (service: string) => `${REGISTRY}/aurontek-${service}:${VERSION}`;

// Memory limits are the document's allocation (150 MB per Node.js service, 200 MB for the Python IA service);
// CPU requests split the t2.micro's one vCPU, leaving ~300m for the kubelet and system pods.
const SERVICES: Record<AurontekServiceName, AurontekService> = {
  gateway: { image: image('gateway'), port: 3000, cpuRequest: '150m', memoryLimit: '150Mi', replicas: 1, runtime: 'node', uses: [] },
  usuarios: { image: image('usuarios'), port: 3001, cpuRequest: '100m', memoryLimit: '150Mi', replicas: 1, runtime: 'node', uses: ['cloudinary', 'mongodb'] },
  tickets: { image: image('tickets'), port: 3002, cpuRequest: '100m', memoryLimit: '150Mi', replicas: 1, runtime: 'node', uses: ['amqp', 'mongodb'] },
  chat: { image: image('chat'), port: 3003, cpuRequest: '100m', memoryLimit: '150Mi', replicas: 1, runtime: 'node', uses: ['amqp', 'mongodb'] },
  notifications: { image: image('notificaciones'), port: 3004, cpuRequest: '50m', memoryLimit: '150Mi', replicas: 1, runtime: 'node', uses: ['amqp', 'smtp'] },
  ia: { image: image('ia'), port: 3005, cpuRequest: '100m', memoryLimit: '200Mi', replicas: 1, runtime: 'python', uses: ['amqp'] },
};

const BASE: AurontekConfig = {
  namespace: 'aurontek',
  host: 'aurontekhq-api.ddns.net',
  // The document is silent; production shares its cluster with aroti, which stays on ingress-nginx: one
  // implementation per cluster until both switch (docs/gateway-api-migration.md).
  edge: 'ingress-nginx',
  clusterIssuer: 'letsencrypt-prod',
  corsOrigins: ['https://aurontek.vercel.app'],
  logLevel: 'info',
  // The document's allocation on the t2.micro: 1 GB and one vCPU, ~950 MB of it for the six services, 50 MB for the
  // system. The quota is the host minus the system: what the services had there.
  quota: { memoryMiB: 1024 - 50, cpu: '1' },
  services: SERVICES,
  external: {
    mongodb: { port: 27017, cidrs: [] },
    amqp: { port: 5671, cidrs: [] },
    cloudinary: { port: 443, cidrs: [] },
    smtp: { port: 587, cidrs: [], host: 'smtp.gmail.com' },
  },
  secrets: {
    managedBy: 'created by the operator from the values kept in GitHub Secrets (kubectl create secret generic …), one per external service',
    jwt: { name: 'aurontek-jwt', key: 'secret' },
    mongodb: { name: 'aurontek-mongodb', uriKey: 'uri' },
    amqp: { name: 'aurontek-cloudamqp', urlKey: 'url' },
    cloudinary: { name: 'aurontek-cloudinary', cloudNameKey: 'cloud-name', apiKeyKey: 'api-key', apiSecretKey: 'api-secret' },
    smtp: { name: 'aurontek-smtp', userKey: 'username', passwordKey: 'password' },
  },
};

/** Settings per environment: the base plus each environment's difference. */
export const AURONTEK_CONFIG: Readonly<Record<AurontekEnvironment, AurontekConfig>> = {
  // Host and Vercel preview origin of the `test` branch are assumed; the document names neither.
  test: {
    ...BASE, host: 'aurontekhq-api-test.ddns.net', edge: 'gateway-api', corsOrigins: ['https://aurontek-git-test-ezelpc.vercel.app'], logLevel: 'debug',
    // Nothing else is sent to the `test` cluster (charts/argocd/config.ts); in production aroti renders the issuer.
    renderClusterIssuer: { server: 'https://acme-v02.api.letsencrypt.org/directory' },
  },
  production: BASE,
};

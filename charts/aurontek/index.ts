import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  acmeClusterIssuer, Edge, EnvValue, ExistingSecret, INetworkPeer, NamespaceBaseline, parseQuantity, Peer, PlatformChart, setSyncWave, withEdgeRequirements, Workload,
} from '../../lib';
import { PlatformDefinition } from '../platform';
import {
  AURONTEK_CONFIG, AURONTEK_ENVIRONMENTS, AurontekConfig, AurontekEnvironment, AurontekExternalService, AurontekService,
  AurontekServiceName,
} from './config';

export * from './config';

const MiB = 1024 * 1024;

/** Services that verify the JWTs the gateway forwards (from the compose file). */
const JWT_CONSUMERS: readonly AurontekServiceName[] = ['gateway', 'usuarios', 'tickets', 'chat'];

/** The gateway's env var for each service URL, as its proxy router reads them. */
const GATEWAY_TARGETS: Readonly<Record<Exclude<AurontekServiceName, 'gateway'>, string>> = {
  usuarios: 'USUARIOS_SERVICE_URL',
  tickets: 'TICKETS_SERVICE_URL',
  chat: 'CHAT_SERVICE_URL',
  notifications: 'NOTIFICACIONES_SERVICE_URL',
  ia: 'IA_SERVICE_URL',
};

export interface AurontekChartProps {
  /** Environment name. */
  readonly environment: AurontekEnvironment;
  /** Settings. @default - AURONTEK_CONFIG[environment] */
  readonly config?: AurontekConfig;
}

/**
 * AURONTEK in a namespace of the size of its t2.micro: the gateway is the only service exposed (NGINX Ingress with
 * TLS), it alone reaches the five internal services, and each service may leave the cluster only towards the
 * managed services it uses (MongoDB Atlas, CloudAMQP over AMQPS, Cloudinary, SMTP). A ResourceQuota holds the
 * namespace to the document's allocation on whichever cluster Argo CD sends it to, and the validation gate checks
 * the pods against the same figure (capacity budget). Services log to stdout (the document reads them with
 * `docker logs -f`), where the cluster's log collection picks them up.
 */
/** Argo CD sync waves of aurontek. */
export const AURONTEK_SYNC_WAVES = { namespace: -1, services: 10, gateway: 20, ingress: 30 } as const;

export class AurontekChart extends PlatformChart {
  public readonly config: AurontekConfig;
  public readonly services: Readonly<Record<AurontekServiceName, Workload>>;
  /** The gateway's public host, rendered as config.edge says. */
  public readonly edge: Edge;

  constructor(scope: Construct, id: string, props: AurontekChartProps) {
    const config = props.config ?? AURONTEK_CONFIG[props.environment];
    super(scope, id, { platform: 'aurontek', environment: props.environment, namespace: config.namespace });
    this.config = config;
    const ns = config.namespace;

    const quotaMemory = `${config.quota.memoryMiB}Mi`;
    // The production cluster is shared with aroti: the quota, not the size of a host, keeps the services to their
    // allocation, and the capacity budget below is the same figure, so the gate and the API server agree.
    const namespace = new NamespaceBaseline(this, 'Namespace', {
      name: ns,
      resourceQuota: { 'requests.memory': quotaMemory, 'limits.memory': quotaMemory, 'requests.cpu': config.quota.cpu },
    });
    this.addCapacityBudget({
      namespace: ns,
      memoryBytes: config.quota.memoryMiB * MiB,
      description: `the namespace's ResourceQuota of ${quotaMemory} (the document's t2.micro: 1 GiB minus 50 MiB for the system)`,
    });

    const s = config.secrets;
    const secret = (id: string, name: string, keys: string[]) => new ExistingSecret(this, id, { name, namespace: ns, keys, managedBy: s.managedBy });
    const jwt = secret('JwtSecret', s.jwt.name, [s.jwt.key]);
    const mongodb = secret('MongoSecret', s.mongodb.name, [s.mongodb.uriKey]);
    const amqp = secret('AmqpSecret', s.amqp.name, [s.amqp.urlKey]);
    const cloudinary = secret('CloudinarySecret', s.cloudinary.name, [s.cloudinary.cloudNameKey, s.cloudinary.apiKeyKey, s.cloudinary.apiSecretKey]);
    const smtp = secret('SmtpSecret', s.smtp.name, [s.smtp.userKey, s.smtp.passwordKey]);

    // Environment each external service brings, with the variable names the services read.
    const externalEnv: Record<AurontekExternalService, Record<string, EnvValue>> = {
      mongodb: { MONGODB_URI: { secretKeyRef: mongodb.keyRef(s.mongodb.uriKey) } },
      amqp: { RABBITMQ_URL: { secretKeyRef: amqp.keyRef(s.amqp.urlKey) } },
      cloudinary: {
        CLOUDINARY_API_KEY: { secretKeyRef: cloudinary.keyRef(s.cloudinary.apiKeyKey) },
        CLOUDINARY_API_SECRET: { secretKeyRef: cloudinary.keyRef(s.cloudinary.apiSecretKey) },
        CLOUDINARY_CLOUD_NAME: { secretKeyRef: cloudinary.keyRef(s.cloudinary.cloudNameKey) },
      },
      smtp: {
        EMAIL_HOST: config.external.smtp.host ?? 'smtp.gmail.com',
        EMAIL_PASSWORD: { secretKeyRef: smtp.keyRef(s.smtp.passwordKey) },
        EMAIL_PORT: String(config.external.smtp.port),
        // Port 587 upgrades the connection with STARTTLS; `secure` means implicit TLS (port 465).
        EMAIL_SECURE: String(config.external.smtp.port === 465),
        EMAIL_USER: { secretKeyRef: smtp.keyRef(s.smtp.userKey) },
      },
    };

    const build = (name: AurontekServiceName, svc: AurontekService, extraEnv: Record<string, EnvValue>) => {
      // No LOG_DIR: the services log to stdout (the kubelet keeps and rotates it) instead of files in a 128Mi emptyDir
      // whose filling evicts the pod.
      const env: Record<string, EnvValue> = { PORT: String(svc.port), LOG_LEVEL: config.logLevel, ...extraEnv };
      if (svc.runtime === 'node') {
        env.NODE_ENV = 'production';
        env.NODE_OPTIONS = `--max-old-space-size=${heapMiB(svc.memoryLimit)}`;
      }
      if (JWT_CONSUMERS.includes(name)) env.JWT_SECRET = { secretKeyRef: jwt.keyRef(s.jwt.key) };
      for (const ext of svc.uses) Object.assign(env, externalEnv[ext]);
      const workload = new Workload(this, name, {
        name,
        component: name === 'gateway' ? 'gateway' : 'service',
        image: svc.image,
        replicas: svc.replicas,
        // The quota leaves no room for a second replica. With one replica the Workload renders no PDB
        // (a PDB on one pod blocks node drains).
        // A surge pod needs memory the quota does not have: the API server refuses it and the rollout waits
        // forever. Stop, then start, as docker-compose did.
        strategy: 'Recreate',
        // The images run as the non-root user 1001 they create (node:20-alpine `nodejs`, python:3.11-slim `pythonuser`).
        runAsUser: 1001,
        ports: [{ name: 'http', port: svc.port }],
        env,
        // Requests equal to the limits: the quota counts both, and overcommit on a small allocation turns into OOM
        // kills; refusing what does not fit is better.
        resources: { cpuRequest: svc.cpuRequest, memoryRequest: svc.memoryLimit, memoryLimit: svc.memoryLimit },
        startup: { http: { path: '/health' }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 },
        readiness: { http: { path: '/health' }, periodSeconds: 10, timeoutSeconds: 3 },
        liveness: { http: { path: '/health' }, periodSeconds: 20, timeoutSeconds: 3 },
        writableDirectories: [{ path: '/tmp', sizeLimit: '64Mi' }],
      });
      for (const ext of [...svc.uses].sort()) {
        const endpoint = config.external[ext];
        for (const peer of externalPeers(endpoint.cidrs)) workload.allowTo(peer, [{ port: endpoint.port }]);
      }
      return workload;
    };

    const internal = (['usuarios', 'tickets', 'chat', 'notifications', 'ia'] as const)
      .map((name) => [name, build(name, config.services[name], {})] as const);
    const gatewayEnv: Record<string, EnvValue> = {
      // The gateway's CORS policy admits the Vercel frontend; FRONTEND_URL is the variable the gateway reads today.
      CORS_ORIGINS: config.corsOrigins.join(','),
      CUSTOM_DOMAIN: `https://${config.host}`,
      FRONTEND_URL: config.corsOrigins[0],
    };
    for (const [name, workload] of internal) gatewayEnv[GATEWAY_TARGETS[name]] = `http://${workload.serviceHost}:${workload.port('http').port}`;
    const gateway = build('gateway', config.services.gateway, gatewayEnv);
    for (const [, workload] of internal) gateway.connectTo(workload);
    this.services = { gateway, ...Object.fromEntries(internal) } as Record<AurontekServiceName, Workload>;

    if (config.renderClusterIssuer) {
      const issuer = acmeClusterIssuer(this, 'ClusterIssuer', { name: config.clusterIssuer, server: config.renderClusterIssuer.server });
      setSyncWave(issuer, AURONTEK_SYNC_WAVES.namespace);
    }

    this.edge = new Edge(this, 'Edge', {
      rendering: config.edge,
      clusterIssuer: config.clusterIssuer,
      hosts: [{
        host: config.host,
        name: 'gateway',
        paths: [{
          path: '/',
          backend: withEdgeRequirements(gateway, {
            // Ticket attachments and profile images pass through the gateway to Cloudinary.
            maxRequestBodySize: '10Mi',
            // The chat's Socket.IO connections are proxied through the gateway and stay open, upgraded to WebSockets.
            timeoutSeconds: 3600,
            websockets: true,
          }),
        }],
      }],
    });

    // Argo CD order: the namespace and its policies, the services the gateway calls, the gateway, then its Ingress.
    setSyncWave(namespace, AURONTEK_SYNC_WAVES.namespace);
    setSyncWave(this.edge, AURONTEK_SYNC_WAVES.ingress);
    setSyncWave(gateway, AURONTEK_SYNC_WAVES.gateway);
    setSyncWave(this, AURONTEK_SYNC_WAVES.services);
  }
}

/** Node's heap cap: about 2/3 of the container limit, leaving room for buffers, stacks and native memory. */
function heapMiB(memoryLimit: string): number {
  return Math.floor(((parseQuantity(memoryLimit) ?? 0) / MiB) * 2 / 3);
}

function externalPeers(cidrs: readonly string[]): INetworkPeer[] {
  return cidrs.length === 0 ? [Peer.internet()] : cidrs.map((cidr) => Peer.ipBlock(cidr));
}

/** The AURONTEK platform: `test` and `production`, one chart each. */
export const aurontek: PlatformDefinition<AurontekEnvironment> = {
  name: 'aurontek',
  environments: AURONTEK_ENVIRONMENTS,
  build: (app: App, environment: AurontekEnvironment) => new AurontekChart(app, `aurontek-${environment}`, { environment }),
};

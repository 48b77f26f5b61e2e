import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { AutoscalingOptions } from './autoscaling';
import { ContainerResources } from '../core/container';
import { DisruptionBudgetOptions } from './disruption-budget';
import { check } from '../core/errors';
import { IHttpBackend } from '../core/http-backend';
import { checkPort } from '../core/names';
import { INetworkPeer } from '../core/network-peer';
import { Workload } from './workload';

/** Where the rendered nginx.conf is mounted; outside /etc/nginx/conf.d so the image's own default server is not loaded. */
export const WEB_APP_CONFIG_DIR = '/etc/nginx/managed';

/** Writable directories of the rendered configuration (the root filesystem is read-only). */
const PID_DIR = '/tmp';
const CACHE_DIR = '/var/cache/nginx';

export interface WebAppProps {
  /** Name of the workload, its Service and ConfigMap prefix (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Image whose Nginx serves the built single-page app (`nginx`, `nginxinc/nginx-unprivileged` or an image built FROM one), with a pinned tag. */
  readonly image: string;
  /** Fixed replica count; ignored when `autoscaling` is set. @default 2 */
  readonly replicas?: number;
  /** An HPA on CPU and memory that owns the replica count. @default - fixed replicas */
  readonly autoscaling?: AutoscalingOptions;
  /** PodDisruptionBudget when more than one pod runs; `false` opts out. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetOptions | false;
  /** CPU and memory of the Nginx container. @default { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '128Mi' } */
  readonly resources?: ContainerResources;
  /** Port Nginx listens on; unprivileged (1024 or above) because the container runs without capabilities. @default 8080 */
  readonly port?: number;
  /** Port the Service exposes (Ingress backends point here). @default 80 */
  readonly servicePort?: number;
  /** Directory of the built app inside the image. @default '/usr/share/nginx/html' */
  readonly documentRoot?: string;
  /** Answer unknown paths with `/index.html`, so client-side routes survive a reload. @default true */
  readonly spaFallback?: boolean;
  /** Path Nginx answers 200 itself, used by the probes. @default '/healthz' */
  readonly healthPath?: string;
  /** Extra directives inside the rendered `server { }` block (locations, headers). Ignored with `nginxConf`. @default - none */
  readonly serverSnippet?: string;
  /**
   * A complete nginx.conf used instead of the rendered one. It must listen on `port`, keep its pid file and temp
   * paths under /tmp or /var/cache/nginx, and must not set `daemon` (the command line sets it). @default - rendered
   */
  readonly nginxConf?: string;
  /** User ID Nginx runs as; 101 is the `nginx` user of the official and the unprivileged images. @default 101 */
  readonly runAsUser?: number;
  /** Role label (`app.kubernetes.io/component`). @default 'frontend' */
  readonly component?: string;
  /** Named exemptions from validation-gate rules, rule id → reason. @default - none */
  readonly exemptions?: Record<string, string>;
}

/**
 * A single-page app served by Nginx as a non-root user on an unprivileged port, with a read-only root
 * filesystem: the nginx.conf comes from a ConfigMap (pid and temp files in `emptyDir`s, logs to stdout/stderr,
 * a health location for the probes), the Service maps `servicePort` to it.
 */
export class WebApp extends Construct implements IHttpBackend, INetworkPeer {
  /** The Deployment, Service, ConfigMap and NetworkPolicy (escape hatch). */
  public readonly workload: Workload;
  /** The nginx.conf mounted into the pods. */
  public readonly nginxConf: string;
  public readonly peerName: string;
  public readonly peerNamespace: string;

  constructor(scope: Construct, id: string, props: WebAppProps) {
    super(scope, id);
    const port = props.port ?? 8080;
    checkPort(this, 'port', port);
    check(this, port >= 1024, 'port', port, 'must be 1024 or above: the container drops every capability, so it cannot bind privileged ports');
    const servicePort = props.servicePort ?? 80;
    checkPort(this, 'servicePort', servicePort);
    const documentRoot = props.documentRoot ?? '/usr/share/nginx/html';
    check(this, documentRoot.startsWith('/') && !/[\s;{}]/.test(documentRoot), 'documentRoot', documentRoot, 'must be an absolute path without spaces, ";" or braces');
    const healthPath = props.healthPath ?? '/healthz';
    check(this, /^\/[A-Za-z0-9._~\-/]*$/.test(healthPath), 'healthPath', healthPath, 'must be a URL path starting with "/" (letters, digits, ".", "_", "~", "-", "/")');
    if (props.nginxConf !== undefined) {
      check(this, new RegExp(`listen\\s+(\\S+:)?${port}\\b`).test(props.nginxConf), 'nginxConf', '<nginx.conf>', `must contain "listen ${port}" so the probes and the Service reach it`);
      check(this, !/^\s*daemon\s/m.test(props.nginxConf), 'nginxConf', '<nginx.conf>', 'must not set "daemon": the container command sets "daemon off;" and Nginx refuses a duplicate');
    }

    this.nginxConf = props.nginxConf ?? renderNginxConf({
      port, documentRoot, healthPath, spaFallback: props.spaFallback ?? true, serverSnippet: props.serverSnippet,
    });
    this.workload = new Workload(this, 'Resource', {
      name: props.name ?? id,
      namespace: props.namespace,
      component: props.component ?? 'frontend',
      image: props.image,
      replicas: props.replicas,
      autoscaling: props.autoscaling,
      disruptionBudget: props.disruptionBudget,
      runAsUser: props.runAsUser ?? 101,
      // Runs nginx directly: the official image's entrypoint scripts rewrite files under /etc/nginx, which is read-only here.
      command: ['nginx', '-c', `${WEB_APP_CONFIG_DIR}/nginx.conf`, '-g', 'daemon off;'],
      ports: [{ name: 'http', port, servicePort }],
      resources: props.resources ?? { cpuRequest: '50m', memoryRequest: '32Mi', memoryLimit: '128Mi' },
      readiness: { http: { path: healthPath }, periodSeconds: 10 },
      liveness: { http: { path: healthPath }, periodSeconds: 20, failureThreshold: 3 },
      writableDirectories: [{ path: PID_DIR, sizeLimit: '16Mi' }, { path: CACHE_DIR, sizeLimit: '256Mi' }],
      configFiles: [{ name: 'nginx', mountPath: WEB_APP_CONFIG_DIR, files: { 'nginx.conf': this.nginxConf } }],
      exemptions: props.exemptions,
    });
    this.peerName = this.workload.peerName;
    this.peerNamespace = this.workload.peerNamespace;
  }

  public get serviceName(): string {
    return this.workload.serviceName;
  }

  public get namespace(): string {
    return this.workload.namespace;
  }

  public resolveHttpPort(portName?: string): { name: string; servicePort: number; podPort: number } {
    return this.workload.resolveHttpPort(portName);
  }

  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.workload.allowFrom(peer, portNames);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return this.workload.toNetworkPolicyPeer(fromNamespace);
  }
}

interface NginxConfOptions {
  readonly port: number;
  readonly documentRoot: string;
  readonly healthPath: string;
  readonly spaFallback: boolean;
  readonly serverSnippet?: string;
}

/** An nginx.conf that runs as a non-root user on a read-only root filesystem. */
function renderNginxConf(o: NginxConfOptions): string {
  const snippet = o.serverSnippet ? `\n${o.serverSnippet.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n` : '';
  // `auto` would count the node's CPUs, not the container's share, and start a worker (and its memory) for each.
  return `worker_processes 2;
pid ${PID_DIR}/nginx.pid;
error_log /dev/stderr warn;

events {
  worker_connections 1024;
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  server_tokens off;
  client_body_temp_path ${CACHE_DIR}/client_temp;
  proxy_temp_path ${CACHE_DIR}/proxy_temp;
  fastcgi_temp_path ${CACHE_DIR}/fastcgi_temp;
  uwsgi_temp_path ${CACHE_DIR}/uwsgi_temp;
  scgi_temp_path ${CACHE_DIR}/scgi_temp;

  server {
    listen ${o.port};
    root ${o.documentRoot};
    # Behind an Ingress on 443, redirects must not name the container port.
    absolute_redirect off;

    location = ${o.healthPath} {
      access_log off;
      default_type text/plain;
      return 200 "ok\\n";
    }

    location / {
      try_files ${o.spaFallback ? '$uri $uri/ /index.html' : '$uri $uri/ =404'};
    }
${snippet}  }
}
`;
}

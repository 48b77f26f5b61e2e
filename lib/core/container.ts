import { k8s } from './k8s-api';
import { IConstruct } from 'constructs';
import { check } from './errors';
import { checkConfigMapKey, checkDnsSubdomain, checkEnvName, checkPort, checkPortName, checkUnique } from './names';
import { checkCpu, checkMemory } from './quantities';
import { SecretKeyRef } from './secret-ref';
import { isEnvFieldPath } from '../validation/pod-references';
import { findSecretInArgument, findSecretLiteral, looksLikeSecretLiteral } from '../validation/secret-literal';

/** An environment variable value: a literal, a Secret key, a ConfigMap key or a pod field. Secrets never appear as literals. */
export type EnvValue =
  | string
  | { readonly secretKeyRef: SecretKeyRef }
  | { readonly configMapKeyRef: { readonly name: string; readonly key: string } }
  | { readonly fieldPath: string };

/** A port the container listens on. */
export interface ContainerPort {
  /** Port name, also used as the Service's `targetPort` (IANA service name, at most 15 characters). */
  readonly name: string;
  /** Port the container listens on. */
  readonly port: number;
  /** Port the Service exposes. @default - same as `port` */
  readonly servicePort?: number;
  /** Protocol. @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
  /** Expose the port through the workload's Service. @default true */
  readonly expose?: boolean;
}

/** CPU and memory for one container. Requests are what the scheduler (and GKE Autopilot's bill) counts. */
export interface ContainerResources {
  /** CPU request, e.g. "250m". */
  readonly cpuRequest: string;
  /** Memory request, e.g. "256Mi". */
  readonly memoryRequest: string;
  /** Memory limit; a container above it is OOM-killed instead of starving its node. */
  readonly memoryLimit: string;
  /** CPU limit. Unset by default: CPU throttling hurts latency more than it protects neighbours. @default - no CPU limit */
  readonly cpuLimit?: string;
  /** Extended resources such as `nvidia.com/gpu`, set in both requests and limits. @default - none */
  readonly extended?: Record<string, number>;
}

/** A health check. Exactly one of `http`, `tcp`, `exec`, `grpc`. */
export interface Probe {
  /** HTTP GET check. */
  readonly http?: { readonly path: string; readonly port?: string | number; readonly scheme?: 'HTTP' | 'HTTPS' };
  /** TCP connect check. */
  readonly tcp?: { readonly port?: string | number };
  /** Command run in the container; exit code 0 is healthy. */
  readonly exec?: { readonly command: readonly string[] };
  /** gRPC health check (grpc.health.v1). */
  readonly grpc?: { readonly port: number; readonly service?: string };
  /** Delay before the first check. @default 0 */
  readonly initialDelaySeconds?: number;
  /** Seconds between checks. @default 10 */
  readonly periodSeconds?: number;
  /** Seconds before a check times out. @default 1 */
  readonly timeoutSeconds?: number;
  /** Consecutive failures before acting. @default 3 */
  readonly failureThreshold?: number;
}

/** Files from a Secret, mounted read-only. The preferred way to hand credentials to a process. */
export interface SecretFiles {
  /** Secret name. */
  readonly secretName: string;
  /** Directory the keys appear in. */
  readonly mountPath: string;
  /** Only these keys, optionally renamed. @default - every key, named after the key */
  readonly items?: readonly { readonly key: string; readonly path: string }[];
}

/** Files rendered into a ConfigMap owned by the workload and mounted read-only. */
export interface ConfigFiles {
  /** Suffix of the ConfigMap name (`<workload>-<name>`). */
  readonly name: string;
  /** Directory the files appear in. */
  readonly mountPath: string;
  /** File name → content. */
  readonly files: Record<string, string>;
}

/** A writable directory backed by an `emptyDir` (the root filesystem is read-only). */
export interface WritableDirectory {
  /** Absolute path. */
  readonly path: string;
  /** Size limit. @default '256Mi' */
  readonly sizeLimit?: string;
  /** `Memory` for tmpfs (counts against the memory limit). @default - node disk */
  readonly medium?: 'Memory';
}

/** A volume mount of a volume declared elsewhere (escape hatch or persistent volume). */
export interface VolumeMount {
  /** Volume name. */
  readonly name: string;
  /** Mount path. */
  readonly mountPath: string;
  /** Sub-path inside the volume. @default - the volume root */
  readonly subPath?: string;
  /** Mount read-only. @default false */
  readonly readOnly?: boolean;
}

/** One container of a workload. */
export interface ContainerProps {
  /** Image with an explicit tag or digest, e.g. `nginx:1.27.3` or `repo/app@sha256:…`; never `latest`. */
  readonly image: string;
  /** Entrypoint override. @default - the image's ENTRYPOINT */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's CMD */
  readonly args?: readonly string[];
  /** Environment variables; secrets only as `{ secretKeyRef }`. @default - none */
  readonly env?: Record<string, EnvValue>;
  /** Ports the container listens on. @default - none */
  readonly ports?: readonly ContainerPort[];
  /** CPU and memory. */
  readonly resources: ContainerResources;
  /** Readiness probe: gates traffic. Required for long-running containers unless exempted. @default - none */
  readonly readiness?: Probe;
  /** Liveness probe: restarts a hung process. Required for long-running containers unless exempted. @default - none */
  readonly liveness?: Probe;
  /** Startup probe for slow starters; liveness waits for it. @default - none */
  readonly startup?: Probe;
  /** Writable directories; strings are paths with default size. @default ['/tmp'] */
  readonly writableDirectories?: readonly (string | WritableDirectory)[];
  /** Secrets mounted as files. @default - none */
  readonly secretFiles?: readonly SecretFiles[];
  /** Config files rendered into ConfigMaps. @default - none */
  readonly configFiles?: readonly ConfigFiles[];
  /** Mounts of volumes declared on the workload (`volumes`, persistent volumes). @default - none */
  readonly volumeMounts?: readonly VolumeMount[];
  /** User ID for this container. @default - the pod's `runAsUser` */
  readonly runAsUser?: number;
  /** Working directory. @default - the image's WORKDIR */
  readonly workingDir?: string;
}

/** A named extra container (init container or sidecar). */
export interface NamedContainerProps extends ContainerProps {
  /** Container name (DNS-1123 label). */
  readonly name: string;
}

/** Checks an image reference: a tag or digest is required and `latest` is refused. */
export function checkImage(scope: IConstruct, prop: string, image: string): void {
  check(scope, typeof image === 'string' && image.length > 0 && !/\s/.test(image), prop, image, 'must be a non-empty image reference');
  const digest = /@sha256:[a-f0-9]{64}$/.test(image);
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop() : undefined;
  check(scope, digest || (tag !== undefined && tag.length > 0), prop, image,
    'must pin a tag or digest (e.g. "nginx:1.27.3" or "nginx@sha256:…"); an untagged image means "latest" and changes under you');
  check(scope, digest || tag !== 'latest', prop, image, 'must not use the "latest" tag: pin a version so rollouts are reproducible');
}

/** The tag (or short digest) of an image, for the version label. */
export function imageVersion(image: string): string | undefined {
  const at = image.indexOf('@sha256:');
  if (at >= 0) return image.slice(at + 8, at + 20);
  const last = image.split('/').pop() ?? '';
  return last.includes(':') ? last.split(':').pop() : undefined;
}

/** Validates a container's props; `prefix` is the prop path (`''` for the main container, `sidecars[0].` for others). */
export function validateContainer(scope: IConstruct, prefix: string, props: ContainerProps): void {
  checkImage(scope, `${prefix}image`, props.image);
  const r = props.resources;
  check(scope, r !== undefined, `${prefix}resources`, r, 'is required: set cpuRequest, memoryRequest and memoryLimit');
  const memReq = checkMemory(scope, `${prefix}resources.memoryRequest`, r.memoryRequest);
  const memLim = checkMemory(scope, `${prefix}resources.memoryLimit`, r.memoryLimit);
  check(scope, memLim >= memReq, `${prefix}resources.memoryLimit`, r.memoryLimit, `must not be below memoryRequest (${r.memoryRequest})`);
  const cpuReq = checkCpu(scope, `${prefix}resources.cpuRequest`, r.cpuRequest);
  if (r.cpuLimit !== undefined) {
    const cpuLim = checkCpu(scope, `${prefix}resources.cpuLimit`, r.cpuLimit);
    check(scope, cpuLim >= cpuReq, `${prefix}resources.cpuLimit`, r.cpuLimit, `must not be below cpuRequest (${r.cpuRequest})`);
  }
  for (const [name, count] of Object.entries(r.extended ?? {})) {
    check(scope, Number.isInteger(count) && count >= 1, `${prefix}resources.extended["${name}"]`, count, 'must be a positive integer');
  }
  const ports = props.ports ?? [];
  ports.forEach((p, i) => {
    checkPortName(scope, `${prefix}ports[${i}].name`, p.name);
    checkPort(scope, `${prefix}ports[${i}].port`, p.port);
    if (p.servicePort !== undefined) checkPort(scope, `${prefix}ports[${i}].servicePort`, p.servicePort);
  });
  checkUnique(scope, `${prefix}ports[].name`, ports.map((p) => p.name));
  checkUnique(scope, `${prefix}ports[].port`, ports.map((p) => p.port));
  // The Service lists the exposed ports by servicePort; the API server refuses a port number twice.
  checkUnique(scope, `${prefix}ports[].servicePort`, ports.filter((p) => p.expose ?? true).map((p) => p.servicePort ?? p.port));
  for (const [name, value] of Object.entries(props.env ?? {})) {
    checkEnvName(scope, `${prefix}env`, name);
    if (typeof value === 'object' && 'fieldPath' in value) {
      check(scope, isEnvFieldPath(value.fieldPath), `${prefix}env.${name}.fieldPath`, value.fieldPath,
        'must be a pod field the downward API serves to env vars: metadata.name, metadata.namespace, metadata.uid, metadata.labels[\'<key>\'], metadata.annotations[\'<key>\'], spec.nodeName, spec.serviceAccountName, status.hostIP(s) or status.podIP(s)');
    }
    if (typeof value === 'string') {
      const found = findSecretLiteral(name, value);
      check(scope, found === undefined, `${prefix}env.${name}`, '<redacted>',
        `looks like a secret given as a literal${found?.id === 'secret-name' ? '' : ` (${found?.what})`}; reference it with { secretKeyRef: { secretName, key } } or mount it with secretFiles`);
    }
    // The API server refuses a key like "..data" in an env reference (the cluster tier's soundness property found it).
    if (typeof value === 'object' && 'secretKeyRef' in value) checkConfigMapKey(scope, `${prefix}env.${name}.secretKeyRef.key`, value.secretKeyRef.key);
    if (typeof value === 'object' && 'configMapKeyRef' in value) checkConfigMapKey(scope, `${prefix}env.${name}.configMapKeyRef.key`, value.configMapKeyRef.key);
  }
  for (const field of ['command', 'args'] as const) {
    (props[field] ?? []).forEach((arg, i) => {
      const found = findSecretInArgument(arg);
      check(scope, found === undefined, `${prefix}${field}[${i}]`, '<redacted>',
        `holds ${found?.what}; pass it through an env var from a Secret ("$(VAR)") or mount it with secretFiles`);
    });
  }
  for (const [kind, probe] of [['readiness', props.readiness], ['liveness', props.liveness], ['startup', props.startup]] as const) {
    if (probe) validateProbe(scope, `${prefix}${kind}`, probe, ports);
  }
  (props.secretFiles ?? []).forEach((sf, i) => {
    checkDnsSubdomain(scope, `${prefix}secretFiles[${i}].secretName`, sf.secretName);
    (sf.items ?? []).forEach((it, j) => {
      check(scope, typeof it.key === 'string' && it.key !== '', `${prefix}secretFiles[${i}].items[${j}].key`, it.key, 'must name a key of the Secret');
      check(scope, typeof it.path === 'string' && it.path !== '' && !it.path.startsWith('/') && !it.path.split('/').includes('..'),
        `${prefix}secretFiles[${i}].items[${j}].path`, it.path, 'must be a relative file path without ".." (it lands under mountPath)');
    });
  });
  for (const dir of props.writableDirectories ?? []) {
    const path = typeof dir === 'string' ? dir : dir.path;
    check(scope, path.startsWith('/') && path !== '/', `${prefix}writableDirectories`, path, 'must be an absolute path other than "/"');
    if (typeof dir !== 'string' && dir.sizeLimit) checkMemory(scope, `${prefix}writableDirectories[${path}].sizeLimit`, dir.sizeLimit);
  }
  if (props.runAsUser !== undefined) {
    check(scope, Number.isInteger(props.runAsUser) && props.runAsUser > 0, `${prefix}runAsUser`, props.runAsUser, 'must be a non-zero user ID (Pod Security "restricted")');
  }
}

function validateProbe(scope: IConstruct, prop: string, probe: Probe, ports: readonly ContainerPort[]): void {
  const kinds = [probe.http, probe.tcp, probe.exec, probe.grpc].filter((k) => k !== undefined).length;
  check(scope, kinds === 1, prop, probe, 'must set exactly one of http, tcp, exec or grpc');
  const port = probe.http?.port ?? probe.tcp?.port ?? probe.grpc?.port;
  if (probe.http || probe.tcp) {
    check(scope, port !== undefined || ports.length > 0, `${prop}.port`, port, 'the container declares no ports; give the probe a port');
    if (port !== undefined) {
      const known = ports.some((p) => p.name === port || p.port === port);
      check(scope, known, `${prop}.port`, port, `must be one of the container's ports (${ports.map((p) => `${p.name}/${p.port}`).join(', ') || 'none'})`);
    }
  }
  if (probe.grpc) {
    check(scope, ports.some((p) => p.port === probe.grpc!.port), `${prop}.port`, probe.grpc.port,
      `must be one of the container's ports (${ports.map((p) => `${p.name}/${p.port}`).join(', ') || 'none'})`);
  }
  if (probe.http) check(scope, probe.http.path.startsWith('/'), `${prop}.http.path`, probe.http.path, 'must start with "/"');
  for (const field of ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const) {
    const v = probe[field];
    if (v !== undefined) check(scope, Number.isInteger(v) && v >= (field === 'initialDelaySeconds' ? 0 : 1), `${prop}.${field}`, v, 'must be a positive integer');
  }
}

/** True for values that must come from a Secret; the same rule the validation gate applies to the output. */
export { looksLikeSecretLiteral };

/** Renders a probe, resolving a missing port to the container's first port. */
export function renderProbe(probe: Probe, ports: readonly ContainerPort[]): k8s.Probe {
  const defaultPort = ports[0]?.name;
  const port = (p: string | number | undefined) => {
    const value = p ?? defaultPort!;
    return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
  };
  return {
    ...(probe.http ? { httpGet: { path: probe.http.path, port: port(probe.http.port), scheme: probe.http.scheme ?? 'HTTP' } } : {}),
    ...(probe.tcp ? { tcpSocket: { port: port(probe.tcp.port) } } : {}),
    ...(probe.exec ? { exec: { command: [...probe.exec.command] } } : {}),
    ...(probe.grpc ? { grpc: { port: probe.grpc.port, ...(probe.grpc.service ? { service: probe.grpc.service } : {}) } } : {}),
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
  };
}

/** Renders environment variables sorted by name, so declaration order never changes the output. */
export function renderEnv(env: Record<string, EnvValue> | undefined): k8s.EnvVar[] | undefined {
  if (!env || Object.keys(env).length === 0) return undefined;
  return Object.keys(env).sort().map((name) => {
    const value = env[name];
    if (typeof value === 'string') return { name, value };
    if ('secretKeyRef' in value) return { name, valueFrom: { secretKeyRef: { name: value.secretKeyRef.secretName, key: value.secretKeyRef.key } } };
    if ('configMapKeyRef' in value) return { name, valueFrom: { configMapKeyRef: { name: value.configMapKeyRef.name, key: value.configMapKeyRef.key } } };
    return { name, valueFrom: { fieldRef: { fieldPath: value.fieldPath } } };
  });
}

/** Renders requests and limits. */
export function renderResources(r: ContainerResources): k8s.ResourceRequirements {
  const q = (v: string) => k8s.Quantity.fromString(v);
  const extended = Object.fromEntries(Object.entries(r.extended ?? {}).sort().map(([k, v]) => [k, k8s.Quantity.fromNumber(v)]));
  return {
    requests: { cpu: q(r.cpuRequest), memory: q(r.memoryRequest), ...extended },
    limits: { ...(r.cpuLimit ? { cpu: q(r.cpuLimit) } : {}), memory: q(r.memoryLimit), ...extended },
  };
}

/** The restricted-profile container security context. */
export function restrictedContainerSecurityContext(runAsUser?: number, readOnlyRootFilesystem = true): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem,
    runAsNonRoot: true,
    ...(runAsUser !== undefined ? { runAsUser } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

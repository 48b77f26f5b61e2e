import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { ContainerResources, EnvValue } from '../core/container';
import { check } from '../core/errors';
import { checkDnsLabel, checkDnsSubdomain, clusterServiceHost } from '../core/names';
import { IHttpBackend } from '../core/http-backend';
import { INetworkPeer, Peer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { MetricsOptions } from '../data/rabbitmq';
import { SecretKeyRef } from '../core/secret-ref';
import { WorkloadServiceMonitor } from '../workloads/service-monitor';
import { Workload } from '../workloads/workload';

/** Data type of the weights and activations (`--dtype`). */
export type VllmDtype = 'auto' | 'half' | 'float16' | 'bfloat16' | 'float' | 'float32';

/** CPU and memory of the server; GPUs are set by `gpusPerReplica`. */
export type VllmResources = Omit<ContainerResources, 'extended'>;

export interface VllmDeploymentProps {
  /** Name of the workload and its Service. Not `vllm`: Kubernetes service links would then set `VLLM_*` variables vLLM reads. @default 'vllm-openai' */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** vLLM OpenAI-compatible server image, pinned. @default 'vllm/vllm-openai:v0.6.4.post1' */
  readonly image?: string;
  /** Hugging Face model id (`org/name`) or an absolute path on the model cache. */
  readonly model: string;
  /** Model revision: a branch, tag or (best) a commit hash, so a new upload never changes the served weights. @default - the repository's default branch */
  readonly modelRevision?: string;
  /** Model name clients send in requests. @default - the model id */
  readonly servedModelName?: string;
  /**
   * Server replicas. Each gets its own model cache claim (a StatefulSet) unless `existingCacheClaim` is set,
   * because Linode Block Storage is ReadWriteOnce only. A StatefulSet also replaces pods one at a time without a
   * surge pod, which a GPU pool without a spare GPU could never schedule.
   * @default 1
   */
  readonly replicas?: number;
  /** GPUs per replica, requested and limited as `gpuResourceName`. @default 1 */
  readonly gpusPerReplica?: number;
  /** Extended resource name of the GPU device plugin. @default 'nvidia.com/gpu' */
  readonly gpuResourceName?: string;
  /** Tensor parallel size (`--tensor-parallel-size`); at most the GPUs of one replica. @default - gpusPerReplica */
  readonly tensorParallelSize?: number;
  /** Largest context length (`--max-model-len`); lower it when the KV cache does not fit. @default - the model's own */
  readonly maxModelLen?: number;
  /** Fraction of GPU memory vLLM may use (`--gpu-memory-utilization`), in (0, 1]. @default 0.9 */
  readonly gpuMemoryUtilization?: number;
  /** Weights dtype (`--dtype`). @default 'auto' */
  readonly dtype?: VllmDtype;
  /** Further server arguments, e.g. `['--enable-prefix-caching']`. Flags this construct sets are refused. @default - none */
  readonly extraArgs?: readonly string[];
  /**
   * Log every request at INFO, prompt included (vLLM's default). Off unless asked: prompts are user data and end up
   * in the cluster's log store. @default false
   */
  readonly logRequests?: boolean;
  /** CPU and memory of the server container. @default - 4 CPUs and 20Gi requested, 24Gi limit */
  readonly resources?: VllmResources;
  /** Node selector of the GPU pool. @default - none (the GPU request alone places the pods) */
  readonly nodeSelector?: Record<string, string>;
  /** Tolerations of the GPU pool's taints. @default - tolerate `nvidia.com/gpu` with effect NoSchedule */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Size of the memory-backed `/dev/shm` (NCCL and PyTorch workers use it); at least 1Gi, and counted against the memory limit. @default '8Gi' */
  readonly shmSize?: string;
  /** Size of each replica's model cache claim (`HF_HOME`). @default '100Gi' */
  readonly cacheSize?: string;
  /** StorageClass of the model cache claims. @default - the cluster default */
  readonly cacheStorageClassName?: string;
  /**
   * An existing claim for the model cache instead of one claim per replica. The workload is then a Deployment;
   * with a ReadWriteOnce claim it runs one replica with the `Recreate` strategy (a rolling update would wait forever
   * for the volume the old pod holds). @default - a claim per replica
   */
  readonly existingCacheClaim?: string;
  /** Access mode of `existingCacheClaim`. @default 'ReadWriteOnce' */
  readonly existingCacheClaimAccessMode?: 'ReadWriteOnce' | 'ReadWriteMany';
  /** Hugging Face token for gated models, mounted as a file that `HF_TOKEN_PATH` points at; never an environment variable. @default - no token */
  readonly huggingFaceToken?: SecretKeyRef;
  /**
   * API key clients must send. vLLM reads it only from `--api-key` or `VLLM_API_KEY`, so it is the one secret this
   * construct passes as an environment variable (from `secretKeyRef`, never a literal). @default - no key; restrict access by NetworkPolicy
   */
  readonly apiKey?: SecretKeyRef;
  /** Never contact the Hugging Face Hub (`HF_HUB_OFFLINE=1`): the model must already be in the cache. @default false */
  readonly offline?: boolean;
  /** Seconds the server may take to download and load the model before it is restarted. @default 1800 */
  readonly startupBudgetSeconds?: number;
  /** A ServiceMonitor for `/metrics` on the API port; `false` for none. @default - a ServiceMonitor with no extra labels */
  readonly metrics?: MetricsOptions | false;
  /** Pod user ID. The image has no non-root user; any ID works because HOME and every cache are set to writable volumes. @default 10001 */
  readonly runAsUser?: number;
}

const PORT = 8000;
const HOME = '/home/vllm';
const CACHE_DIR = '/models';
const TOKEN_DIR = '/var/run/secrets/huggingface';
const MIN_SHM_BYTES = 2 ** 30;
/** Flags this construct renders from props; setting them again in extraArgs would be ambiguous. */
const MANAGED_FLAGS = [
  '--model', '--revision', '--served-model-name', '--host', '--port', '--tensor-parallel-size', '--max-model-len',
  '--gpu-memory-utilization', '--dtype', '--download-dir', '--api-key', '--disable-log-requests',
];

/**
 * vLLM's OpenAI-compatible server on GPU nodes: GPUs in requests and limits, scheduled only on the GPU pool
 * and tolerating its taint, one replica per node, a memory-backed `/dev/shm`, a persistent model cache, the Hugging
 * Face token as a file, `/health` probes with a startup budget for large models, `/metrics` scraped by Prometheus,
 * non-root with a read-only root filesystem and every cache directory on a volume.
 */
/**
 * The OpenAI-compatible base URL of a vLLM server named `name` in `namespace` (the `/v1` prefix the OpenAI clients
 * expect), for clients in charts that do not render the server themselves; {@link VllmDeployment.openAiBaseUrl} otherwise.
 */
export function vllmOpenAiBaseUrl(name: string, namespace: string): string {
  return `http://${clusterServiceHost(name, namespace)}:${PORT}/v1`;
}

export class VllmDeployment extends Construct implements IHttpBackend {
  public readonly workload: Workload;
  public readonly serviceMonitor?: WorkloadServiceMonitor;
  /** The server arguments, as rendered. */
  public readonly args: readonly string[];

  /** An edge routes to the OpenAI-compatible API directly (`backend: vllm`): Service name. */
  public get serviceName(): string {
    return this.workload.serviceName;
  }

  /** Namespace of the OpenAI API's Service. */
  public get namespace(): string {
    return this.workload.namespace;
  }

  /** Resolves `portName` (`http` by default) of the OpenAI API's Service, for an edge. */
  public resolveHttpPort(portName?: string): { readonly name: string; readonly servicePort: number; readonly podPort: number } {
    return this.workload.resolveHttpPort(portName ?? 'http');
  }

  /** Lets `peer` (the edge's data plane) reach the OpenAI API's Service on `portNames` (`http` by default). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.workload.allowFrom(peer, portNames ?? ['http']);
  }

  constructor(scope: Construct, id: string, props: VllmDeploymentProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    const name = props.name ?? 'vllm-openai';
    const namespace = props.namespace ?? chart.defaultNamespace;
    checkDnsLabel(this, 'name', name);
    check(this, name !== 'vllm', 'name', name, 'must not be "vllm": service environment variables (VLLM_SERVICE_HOST, VLLM_PORT) would collide with vLLM\'s own settings');
    check(this, typeof props.model === 'string' && props.model.trim().length > 0, 'model', props.model, 'must name a model: a Hugging Face id such as "org/name" or an absolute path');
    check(this, /^[A-Za-z0-9][\w.-]*(\/[\w.-]+)?$/.test(props.model) || /^\/\S+$/.test(props.model), 'model', props.model,
      'must be a Hugging Face id such as "mistralai/Mistral-7B-Instruct-v0.3" or an absolute path');
    if (props.modelRevision !== undefined) {
      check(this, /^[\w./-]+$/.test(props.modelRevision), 'modelRevision', props.modelRevision, 'must be a branch, tag or commit hash');
    }
    const replicas = props.replicas ?? 1;
    check(this, Number.isInteger(replicas) && replicas >= 1, 'replicas', replicas, 'must be a positive integer');
    const gpus = props.gpusPerReplica ?? 1;
    check(this, Number.isInteger(gpus) && gpus >= 1, 'gpusPerReplica', gpus, 'must be a positive integer: the vLLM CUDA image cannot serve without a GPU');
    const gpuResource = props.gpuResourceName ?? 'nvidia.com/gpu';
    check(this, /^([a-z0-9.-]+\/)?[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/.test(gpuResource) && gpuResource.includes('/'), 'gpuResourceName', gpuResource,
      'must be an extended resource name such as "nvidia.com/gpu"');
    const tp = props.tensorParallelSize ?? gpus;
    check(this, Number.isInteger(tp) && tp >= 1, 'tensorParallelSize', tp, 'must be a positive integer');
    check(this, tp <= gpus, 'tensorParallelSize', tp, `must not exceed the GPUs of one replica (gpusPerReplica: ${gpus}); each tensor-parallel rank needs its own GPU`);
    if (props.maxModelLen !== undefined) {
      check(this, Number.isInteger(props.maxModelLen) && props.maxModelLen >= 1, 'maxModelLen', props.maxModelLen, 'must be a positive integer number of tokens');
    }
    const utilization = props.gpuMemoryUtilization ?? 0.9;
    check(this, typeof utilization === 'number' && utilization > 0 && utilization <= 1, 'gpuMemoryUtilization', utilization,
      'must be a fraction in (0, 1], e.g. 0.9');
    const resources: VllmResources = props.resources ?? { cpuRequest: '4', memoryRequest: '20Gi', memoryLimit: '24Gi' };
    const memoryLimit = checkMemory(this, 'resources.memoryLimit', resources.memoryLimit);
    const shmSize = props.shmSize ?? '8Gi';
    const shmBytes = checkMemory(this, 'shmSize', shmSize);
    check(this, shmBytes >= MIN_SHM_BYTES, 'shmSize', shmSize, 'must be at least 1Gi: NCCL and PyTorch dataloader workers fail with a smaller /dev/shm');
    check(this, shmBytes < memoryLimit, 'shmSize', shmSize,
      `must be below resources.memoryLimit (${resources.memoryLimit}): a memory-backed emptyDir counts against the container's memory`);
    const startupBudget = props.startupBudgetSeconds ?? 1800;
    check(this, Number.isInteger(startupBudget) && startupBudget >= 60, 'startupBudgetSeconds', startupBudget, 'must be an integer of at least 60');
    for (const arg of props.extraArgs ?? []) {
      const flag = arg.split('=')[0];
      check(this, !MANAGED_FLAGS.includes(flag), 'extraArgs', flag === '--api-key' ? '--api-key=<redacted>' : arg,
        flag === '--api-key' ? 'must not carry the API key: it would be readable in the pod spec; use the apiKey prop'
          : `must not repeat a flag the construct sets from props (${MANAGED_FLAGS.join(', ')})`);
    }
    const cacheSize = props.cacheSize ?? '100Gi';
    checkMemory(this, 'cacheSize', cacheSize);
    const existingClaim = props.existingCacheClaim;
    const sharedAccess = props.existingCacheClaimAccessMode ?? 'ReadWriteOnce';
    if (existingClaim !== undefined) {
      checkDnsSubdomain(this, 'existingCacheClaim', existingClaim);
      check(this, sharedAccess === 'ReadWriteMany' || replicas === 1, 'replicas', replicas,
        'a ReadWriteOnce existingCacheClaim can be mounted by one pod only; use replicas: 1, a ReadWriteMany claim, or drop existingCacheClaim for a claim per replica');
      check(this, props.cacheSize === undefined && props.cacheStorageClassName === undefined, 'cacheSize', props.cacheSize,
        'cacheSize and cacheStorageClassName size new claims; they do not apply to existingCacheClaim');
      chart.addExternalReference({ kind: 'PersistentVolumeClaim', namespace, name: existingClaim, reason: 'model cache claim provisioned outside this chart (existingCacheClaim)' });
    }

    const served = props.servedModelName ?? props.model;
    this.args = [
      '--model', props.model,
      ...(props.modelRevision ? ['--revision', props.modelRevision] : []),
      '--served-model-name', served,
      '--port', String(PORT),
      '--tensor-parallel-size', String(tp),
      '--gpu-memory-utilization', String(utilization),
      '--dtype', props.dtype ?? 'auto',
      ...(props.maxModelLen !== undefined ? ['--max-model-len', String(props.maxModelLen)] : []),
      // Without it the OpenAI server (the image's entrypoint, vllm.entrypoints.openai.api_server) logs each request
      // with its prompt at INFO. The flag at v0.6.4.post1: `AsyncEngineArgs.add_cli_args` in vllm/engine/arg_utils.py
      // (store_true). Later releases deprecate it for --enable-log-requests (off by default): revisit when the image moves.
      ...(props.logRequests ? [] : ['--disable-log-requests']),
      ...(props.extraArgs ?? []),
    ];

    const env: Record<string, EnvValue> = {
      HOME,
      // Libraries call getpass.getuser() for cache names; the image has no passwd entry for a non-root UID.
      USER: 'vllm',
      HF_HOME: `${CACHE_DIR}/huggingface`,
      XDG_CACHE_HOME: `${HOME}/.cache`,
      XDG_CONFIG_HOME: `${HOME}/.config`,
      VLLM_CONFIG_ROOT: `${HOME}/.config/vllm`,
      VLLM_CACHE_ROOT: `${HOME}/.cache/vllm`,
      VLLM_NO_USAGE_STATS: '1',
      DO_NOT_TRACK: '1',
      ...(props.offline ? { HF_HUB_OFFLINE: '1' } : {}),
      ...(props.huggingFaceToken ? { HF_TOKEN_PATH: `${TOKEN_DIR}/token` } : {}),
      ...(props.apiKey ? { VLLM_API_KEY: { secretKeyRef: props.apiKey } } : {}),
    };
    const usesClaimTemplate = existingClaim === undefined;
    const workload = new Workload(this, 'Workload', {
      name,
      namespace,
      kind: usesClaimTemplate ? 'StatefulSet' : 'Deployment',
      component: 'inference',
      image: props.image ?? 'vllm/vllm-openai:v0.6.4.post1',
      args: this.args,
      replicas,
      // Each replica loads the model for minutes and none waits for another: create them all at once instead of each
      // waiting for the previous one to be ready (StatefulSet only; rolling updates still go one pod at a time).
      podManagementPolicy: 'Parallel',
      runAsUser: props.runAsUser,
      ports: [{ name: 'http', port: PORT }],
      env,
      resources: { ...resources, extended: { [gpuResource]: gpus } },
      nodeSelector: props.nodeSelector,
      tolerations: props.tolerations ?? [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      writableDirectories: [
        { path: '/tmp', sizeLimit: '2Gi' },
        { path: HOME, sizeLimit: '4Gi' },
        { path: '/dev/shm', medium: 'Memory', sizeLimit: shmSize },
      ],
      secretFiles: props.huggingFaceToken
        ? [{ secretName: props.huggingFaceToken.secretName, mountPath: TOKEN_DIR, items: [{ key: props.huggingFaceToken.key, path: 'token' }] }]
        : undefined,
      ...(usesClaimTemplate
        ? { persistentVolumes: [{ name: 'model-cache', mountPath: CACHE_DIR, size: cacheSize, storageClassName: props.cacheStorageClassName }] }
        : {
          volumes: [{ name: 'model-cache', persistentVolumeClaim: { claimName: existingClaim } }],
          volumeMounts: [{ name: 'model-cache', mountPath: CACHE_DIR }],
          // The claim is not a Workload persistent volume, so Workload cannot infer the strategy itself.
          strategy: sharedAccess === 'ReadWriteOnce' ? 'Recreate' as const : 'RollingUpdate' as const,
        }),
      readiness: { http: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      liveness: { http: { path: '/health', port: 'http' }, periodSeconds: 15, timeoutSeconds: 10, failureThreshold: 4 },
      startup: { http: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: Math.ceil(startupBudget / 10) },
      // Lets running generations finish after the pod leaves the Service.
      terminationGracePeriodSeconds: 120,
    });
    this.workload = workload;
    if (!props.offline) workload.allowTo(Peer.internet(), [{ port: 443 }]);
    if (props.metrics !== false) {
      this.serviceMonitor = new WorkloadServiceMonitor(this, 'Metrics', { ...(props.metrics ?? {}), workload, port: 'http', path: '/metrics' });
    }
  }

  /** The OpenAI-compatible API inside the cluster, `http://<service>.<namespace>.svc.cluster.local:8000/v1`. */
  public get openAiBaseUrl(): string {
    return vllmOpenAiBaseUrl(this.workload.serviceName, this.workload.namespace);
  }

  /** Lets `client` call the OpenAI API (port 8000), e.g. an API gateway in another namespace. */
  public allowClient(client: INetworkPeer): void {
    this.workload.allowFrom(client, ['http']);
  }
}

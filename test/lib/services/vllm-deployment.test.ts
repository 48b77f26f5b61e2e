import { ExistingSecret, NamespaceBaseline, Peer, VllmDeployment, VllmDeploymentProps } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

function gatedChart() {
  const chart = testChart();
  new NamespaceBaseline(chart, 'demo');
  return chart;
}

const minimal: VllmDeploymentProps = { model: 'mistralai/Mistral-7B-Instruct-v0.3' };

describe('VllmDeployment', () => {
  test('minimal props: one GPU, toleration, shm, cache claim, probes with a 30-minute startup budget', () => {
    const chart = gatedChart();
    const vllm = new VllmDeployment(chart, 'Llm', minimal);
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'vllm-openai', 'demo');
    const pod = sts.spec.template.spec;
    const c = mainContainer(sts);
    expect(c.image).toBe('vllm/vllm-openai:v0.6.4.post1');
    expect(sts.spec.replicas).toBe(1);
    expect(c.resources).toEqual({
      requests: { cpu: '4', memory: '20Gi', 'nvidia.com/gpu': 1 },
      limits: { memory: '24Gi', 'nvidia.com/gpu': 1 },
    });
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(c.args).toEqual([
      '--model', 'mistralai/Mistral-7B-Instruct-v0.3', '--served-model-name', 'mistralai/Mistral-7B-Instruct-v0.3', '--port', '8000',
      '--tensor-parallel-size', '1', '--gpu-memory-utilization', '0.9', '--dtype', 'auto', '--disable-log-requests',
    ]);
    expect(vllm.args).toEqual(c.args);
    // Replicas load the model independently: none waits for the previous one to be ready.
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(pod.volumes).toContainEqual({ name: 'writable-dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'writable-dev-shm', mountPath: '/dev/shm' });
    expect(c.volumeMounts).toContainEqual({ name: 'model-cache', mountPath: '/models' });
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'model-cache' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } } });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      HOME: '/home/vllm', HF_HOME: '/models/huggingface', XDG_CACHE_HOME: '/home/vllm/.cache', VLLM_CONFIG_ROOT: '/home/vllm/.config/vllm', VLLM_NO_USAGE_STATS: '1',
    });
    expect(c.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/dev/shm', '/home/vllm', '/models', '/tmp']);
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' } });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 180 });
    expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBe(1800);
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    const monitor = findObject(objects, 'ServiceMonitor', 'vllm-openai', 'demo');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    const policy = findObject(objects, 'NetworkPolicy', 'vllm-openai', 'demo');
    expect(policy.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] } }], ports: [{ port: 443, protocol: 'TCP' }] });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('all props: two replicas on two GPU nodes, token as a file, API key by secretKeyRef', () => {
    const chart = gatedChart();
    new ExistingSecret(chart, 'Token', { name: 'hf-token', keys: ['token'], managedBy: 'test' });
    new ExistingSecret(chart, 'Key', { name: 'vllm-api-key', keys: ['key'], managedBy: 'test' });
    const props: Required<VllmDeploymentProps> = {
      name: 'llm',
      namespace: 'demo',
      image: 'vllm/vllm-openai:v0.6.4.post1',
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modelRevision: '0e9e39f249a16976918f6564b8830bc894c89659',
      servedModelName: 'llama-3.1-8b',
      replicas: 2,
      gpusPerReplica: 2,
      gpuResourceName: 'nvidia.com/gpu',
      tensorParallelSize: 2,
      maxModelLen: 8192,
      gpuMemoryUtilization: 0.85,
      dtype: 'half',
      extraArgs: ['--enable-prefix-caching'],
      logRequests: true,
      resources: { cpuRequest: '6', memoryRequest: '24Gi', memoryLimit: '28Gi' },
      nodeSelector: { 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-2' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'present', effect: 'NoSchedule' }],
      shmSize: '16Gi',
      cacheSize: '200Gi',
      cacheStorageClassName: 'linode-block-storage-retain',
      // Mutually exclusive with cacheSize/cacheStorageClassName; exercised in the existing-claim tests below.
      existingCacheClaim: undefined as unknown as string,
      existingCacheClaimAccessMode: 'ReadWriteOnce',
      huggingFaceToken: { secretName: 'hf-token', key: 'token' },
      apiKey: { secretName: 'vllm-api-key', key: 'key' },
      offline: true,
      startupBudgetSeconds: 3600,
      metrics: { labels: { release: 'kube-prometheus-stack' }, targetLabels: { environment: 'system' } },
      runAsUser: 2000,
    };
    const vllm = new VllmDeployment(chart, 'Llm', props);
    vllm.allowClient(Peer.namespace('production', { 'app.kubernetes.io/name': 'api-router' }));
    const objects = objectsOf(chart);
    const sts = findObject(objects, 'StatefulSet', 'llm', 'demo');
    const pod = sts.spec.template.spec;
    const c = mainContainer(sts);
    expect(sts.spec.replicas).toBe(2);
    expect(c.resources.requests['nvidia.com/gpu']).toBe(2);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(2);
    expect(pod.nodeSelector).toEqual({ 'node.kubernetes.io/instance-type': 'g1-gpu-rtx6000-2' });
    expect(pod.tolerations).toEqual(props.tolerations);
    expect(pod.securityContext.runAsUser).toBe(2000);
    // One replica per node: hostname spread is a hard constraint.
    expect(pod.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', maxSkew: 1 });
    expect(sts.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'linode-block-storage-retain', resources: { requests: { storage: '200Gi' } } });
    expect(c.args).toEqual([
      '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--revision', '0e9e39f249a16976918f6564b8830bc894c89659', '--served-model-name', 'llama-3.1-8b',
      '--port', '8000', '--tensor-parallel-size', '2', '--gpu-memory-utilization', '0.85', '--dtype', 'half', '--max-model-len', '8192', '--enable-prefix-caching',
    ]);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(c.env).toContainEqual({ name: 'HF_TOKEN_PATH', value: '/var/run/secrets/huggingface/token' });
    expect(c.env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(c.env).toContainEqual({ name: 'VLLM_API_KEY', valueFrom: { secretKeyRef: { name: 'vllm-api-key', key: 'key' } } });
    expect(c.env.map((e: any) => e.name)).not.toContain('HF_TOKEN');
    expect(pod.volumes).toContainEqual({ name: 'secret-hf-token', secret: { secretName: 'hf-token', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } });
    expect(pod.volumes).toContainEqual({ name: 'writable-dev-shm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
    expect(c.startupProbe.failureThreshold).toBe(360);
    findObject(objects, 'PodDisruptionBudget', 'llm', 'demo');
    const policy = findObject(objects, 'NetworkPolicy', 'llm', 'demo');
    expect(policy.spec.egress).toEqual([]);
    expect(policy.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'production' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-router' } } }],
      ports: [{ port: 8000, protocol: 'TCP' }],
    });
    expect(findObject(objects, 'ServiceMonitor', 'llm', 'demo').metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('an existing ReadWriteOnce claim gives a one-replica Deployment with the Recreate strategy', () => {
    const chart = gatedChart();
    new VllmDeployment(chart, 'Llm', { ...minimal, existingCacheClaim: 'model-cache', metrics: false });
    const objects = objectsOf(chart);
    const deployment = findObject(objects, 'Deployment', 'vllm-openai', 'demo');
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'model-cache', persistentVolumeClaim: { claimName: 'model-cache' } });
    expect(chart.externalReferences).toContainEqual(expect.objectContaining({ kind: 'PersistentVolumeClaim', namespace: 'demo', name: 'model-cache' }));
    expect(objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('an existing ReadWriteMany claim allows replicas with a rolling update', () => {
    const chart = gatedChart();
    new VllmDeployment(chart, 'Llm', { ...minimal, replicas: 2, existingCacheClaim: 'model-cache', existingCacheClaimAccessMode: 'ReadWriteMany' });
    const deployment = findObject(objectsOf(chart), 'Deployment', 'vllm-openai', 'demo');
    expect(deployment.spec.strategy.type).toBe('RollingUpdate');
    expect(deployment.spec.replicas).toBe(2);
  });

  test('fails if tensor parallel size exceeds the GPUs of a replica', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, gpusPerReplica: 1, tensorParallelSize: 2 }))
      .toThrow(/test\/Llm: invalid tensorParallelSize \(2\): must not exceed the GPUs of one replica \(gpusPerReplica: 1\)/);
  });

  test('fails if there is no GPU', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, gpusPerReplica: 0 }))
      .toThrow(/invalid gpusPerReplica \(0\): must be a positive integer: the vLLM CUDA image cannot serve without a GPU/);
  });

  test('fails if /dev/shm is below 1Gi or not below the memory limit', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, shmSize: '512Mi' })).toThrow(/invalid shmSize \("512Mi"\): must be at least 1Gi/);
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, shmSize: '24Gi' })).toThrow(/invalid shmSize \("24Gi"\): must be below resources.memoryLimit \(24Gi\)/);
  });

  test('fails if gpuMemoryUtilization is outside (0, 1]', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, gpuMemoryUtilization: 0 })).toThrow(/invalid gpuMemoryUtilization \(0\): must be a fraction in \(0, 1\]/);
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, gpuMemoryUtilization: 1.2 })).toThrow(/invalid gpuMemoryUtilization \(1.2\)/);
  });

  test('fails if maxModelLen is below 1', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, maxModelLen: 0 })).toThrow(/invalid maxModelLen \(0\): must be a positive integer number of tokens/);
  });

  test('fails if the model id is empty', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { model: '' })).toThrow(/invalid model \(""\): must name a model/);
  });

  test('fails if a ReadWriteOnce existing claim is shared by replicas', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, replicas: 2, existingCacheClaim: 'cache' }))
      .toThrow(/invalid replicas \(2\): a ReadWriteOnce existingCacheClaim can be mounted by one pod only/);
  });

  test('fails if extraArgs repeat a managed flag or carry the API key', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, extraArgs: ['--api-key=abc'] }))
      .toThrow(/invalid extraArgs \("--api-key=<redacted>"\): must not carry the API key/);
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, extraArgs: ['--max-model-len', '4096'] }))
      .toThrow(/invalid extraArgs \("--max-model-len"\): must not repeat a flag the construct sets from props/);
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, extraArgs: ['--disable-log-requests'] }))
      .toThrow(/invalid extraArgs \("--disable-log-requests"\): must not repeat a flag the construct sets from props/);
  });

  test('fails if named vllm', () => {
    expect(() => new VllmDeployment(testChart(), 'Llm', { ...minimal, name: 'vllm' })).toThrow(/invalid name \("vllm"\): must not be "vllm"/);
  });
});

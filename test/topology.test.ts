import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { buildApp } from '../charts';
import { NamespaceBaseline, NginxIngress, Peer, PlatformChart, Workload, WorkloadProps } from '../lib';
import { renderChart, RenderedChart, synthesize } from '../lib/render/synth';
import {
  addOnsMermaid, analyzeNetwork, clusterPictures, buildTopology, mermaidId, NetworkFlow, PLATFORMS_DOC, platformsMarkdown, TOPOLOGY_FILE, Topology,
} from '../lib/topology';

const ROOT = path.join(__dirname, '..');

/** Parses diagrams with mermaid's own parser; it is ESM-only, so it runs in a child Node process. */
function parseMermaid(diagrams: readonly { name: string; text: string }[]): { name: string; ok: boolean; diagramType?: string; error?: string }[] {
  const result = spawnSync(process.execPath, [path.join(__dirname, 'mermaid-check.mjs')], {
    cwd: ROOT, input: JSON.stringify(diagrams), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`mermaid-check failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const service = (name: string, port: number): WorkloadProps => ({
  name,
  image: `ghcr.io/example/${name}:1.2.3`,
  resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
  ports: [{ name: 'http', port }],
  readiness: { http: { path: '/healthz' } },
  liveness: { http: { path: '/healthz' } },
});

/**
 * A small platform with known flows: the ingress controller → web → api → postgres (another namespace) and
 * api → the internet on 443. Everything else is denied by the namespaces' default-deny policies.
 */
function fixtureChart(app = new App()): PlatformChart {
  const chart = new PlatformChart(app, 'fixture', { platform: 'fixture', environment: 'test', namespace: 'shop' });
  new NamespaceBaseline(chart, 'shop');
  new NamespaceBaseline(chart, 'data');
  const web = new Workload(chart, 'web', { ...service('web', 8080), ports: [{ name: 'http', port: 8080, servicePort: 80 }] });
  const api = new Workload(chart, 'api', { ...service('api', 8000), autoscaling: { minReplicas: 2, maxReplicas: 5 } });
  const worker = new Workload(chart, 'worker', { ...service('worker', 9000), replicas: 2 });
  const postgres = new Workload(chart, 'postgres', {
    ...service('postgres', 5432),
    image: 'docker.io/library/postgres:16.4',
    namespace: 'data',
    kind: 'StatefulSet',
    ports: [{ name: 'postgres', port: 5432 }],
    readiness: { tcp: { port: 'postgres' } },
    liveness: { tcp: { port: 'postgres' } },
    replicas: 1,
    persistentVolumes: [{ name: 'data', mountPath: '/var/lib/postgresql/data', size: '10Gi', subPath: 'pgdata' }],
  });
  web.connectTo(api);
  api.connectTo(postgres);
  api.allowTo(Peer.internet(), [{ port: 443 }]);
  new NginxIngress(chart, 'public', { clusterIssuer: 'letsencrypt', hosts: [{ host: 'shop.example.com', paths: [{ backend: web }] }] });
  void worker;
  return chart;
}

function topologyOf(chart: PlatformChart): Topology {
  return buildTopology({ platform: chart.platform, environment: chart.environment, files: chart.toJson().map((object) => ({ object })) });
}

function flow(flows: readonly NetworkFlow[], from: string, to: string): NetworkFlow | undefined {
  return flows.find((f) => f.from === from && f.to === to);
}

/** Lines of the diagram that draw an edge between two node ids, whatever the arrow and label. */
function edgeLines(mermaid: string, fromId: string, toId: string): string[] {
  return mermaid.split('\n').filter((l) => new RegExp(`^\\s*${fromId} -[-.]+>(\\|[^|]*\\|)? ${toId}$`).test(l));
}

const BROKEN = 'flowchart LR\n  a --> end';
let rendered: RenderedChart[];
let topologies: Topology[];
let parsed: Map<string, { ok: boolean; diagramType?: string; error?: string }>;

// One child process parses every diagram: loading mermaid is the slow part.
beforeAll(() => {
  const app = new App();
  buildApp(app);
  rendered = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).map(renderChart);
  topologies = rendered.map((c) => buildTopology(c));
  const diagrams = [
    { name: 'fixture', text: topologyOf(fixtureChart()).mermaid },
    { name: 'broken', text: BROKEN },
    ...topologies.map((t) => ({ name: `${t.platform}/${t.environment}`, text: t.mermaid })),
    // Each Argo CD environment's TOPOLOGY.md also draws its clusters' add-ons (lib/topology/addons.ts).
    ...rendered.filter((c) => c.platform === 'argocd')
      .map((c) => ({ name: `add-ons ${c.environment}`, text: addOnsMermaid(clusterPictures(c.files.map((f) => f.object))) })),
  ];
  parsed = new Map(parseMermaid(diagrams).map(({ name, ...result }) => [name, result]));
});

describe('topology of a fixture platform', () => {
  const topology = topologyOf(fixtureChart());
  const { flows } = topology.network;
  const WEB = 'Deployment/shop/web';
  const API = 'Deployment/shop/api';
  const WORKER = 'Deployment/shop/worker';
  const PG = 'StatefulSet/data/postgres';

  test('the fixture passes the validation gate', () => {
    expect(renderChart(fixtureChart()).findings).toEqual([]);
  });

  test('allowed traffic becomes flows labelled with the pod ports', () => {
    expect(flow(flows, WEB, API)?.ports).toEqual(['8000']);
    expect(flow(flows, API, PG)?.ports).toEqual(['5432']);
    expect(flow(flows, API, 'external:ip:0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16')?.ports).toEqual(['443']);
    expect(flow(flows, 'external:pods:ingress-nginx|app.kubernetes.io/name=ingress-nginx', WEB)?.ports).toEqual(['8080']);
    expect(flow(flows, API, 'external:pods:kube-system|k8s-app=kube-dns')?.ports).toEqual(['53', '53/UDP']);
  });

  test('denied traffic has no flow', () => {
    for (const [from, to] of [[WEB, PG], [API, WEB], [PG, API], [WORKER, API], [API, WORKER], [WEB, WORKER], [PG, WEB], [API, API], [PG, PG]]) {
      expect({ from, to, flow: flow(flows, from, to) }).toEqual({ from, to, flow: undefined });
    }
    // Only api may reach the internet, and nothing outside may reach api, worker or postgres.
    expect(flows.filter((f) => f.to.startsWith('external:ip:')).map((f) => f.from)).toEqual([API]);
    // (The ingress controller also reaches cert-manager's HTTP-01 solver pods, which only a NetworkPolicy names.)
    const SOLVER = 'Pods/shop/acme.cert-manager.io/http01-solver=true';
    expect(flows.filter((f) => f.from.startsWith('external:') && f.to !== WEB && f.to !== SOLVER)).toEqual([]);
    expect(flow(flows, 'external:pods:ingress-nginx|app.kubernetes.io/name=ingress-nginx', SOLVER)?.ports).toEqual(['8089']);
    expect(topology.network.notIsolated).toEqual([]);
  });

  test('the diagram draws allowed edges and no denied ones', () => {
    const m = topology.mermaid;
    const id = (key: string) => mermaidId(key);
    expect(edgeLines(m, id(WEB), id(API))).toEqual([`  ${id(WEB)} -.->|"8000"| ${id(API)}`]);
    expect(edgeLines(m, id(API), id(PG))).toEqual([`  ${id(API)} -.->|"5432"| ${id(PG)}`]);
    expect(edgeLines(m, id(WEB), id(PG))).toEqual([]);
    expect(edgeLines(m, id(API), id(WEB))).toEqual([]);
    expect(edgeLines(m, id(WORKER), id(API))).toEqual([]);
    expect(m).toContain(`${id('external:ip:0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16')}[/"internet (public IPv4)"/]`);
  });

  test('routing: host → Ingress → Service → pods, inside namespace subgraphs', () => {
    const m = topology.mermaid;
    expect(m.startsWith('flowchart LR\n')).toBe(true);
    expect(m).toContain('  subgraph ns_shop["namespace shop"]');
    expect(m).toContain('  subgraph ns_data["namespace data"]');
    expect(m).toContain(`  ${mermaidId('host:shop.example.com')} -->|"https"| ${mermaidId('Ingress/shop/public')}`);
    expect(m).toContain(`  ${mermaidId('Ingress/shop/public')} -->|"/ :80"| ${mermaidId('Service/shop/web')}`);
    expect(m).toContain(`  ${mermaidId('Service/shop/web')} -->|"80→8080"| ${mermaidId(WEB)}`);
    expect(m).toContain(`${mermaidId(PG)}[("postgres<br/>StatefulSet")]`);
    // DNS egress is allowed for every workload of a namespace, so it is drawn once from the namespace box.
    expect(m).toContain(`  ns_shop -.->|"53, 53/UDP"| ${mermaidId('external:pods:kube-system|k8s-app=kube-dns')}`);
  });

  test('the table lists image, replicas or HPA range, resources and ports of each workload', () => {
    const md = topology.markdown;
    expect(md).toContain('| api | Deployment | shop | `ghcr.io/example/api:1.2.3` | HPA 2–5 | cpu 50m, memory 64Mi | memory 128Mi | http 8000/TCP | api :8000→8000 |');
    expect(md).toContain('| postgres | StatefulSet | data | `docker.io/library/postgres:16.4` | 1 |');
    expect(md).toContain('| web | Deployment | shop | `ghcr.io/example/web:1.2.3` | 2 | cpu 50m, memory 64Mi | memory 128Mi | http 8080/TCP | web :80→8080 |');
    expect(md).toContain('10 objects'.replace('10', String(fixtureChart().toJson().length)));
  });

  test('the diagram is valid Mermaid', () => {
    expect(parsed.get('fixture')).toEqual({ ok: true, diagramType: 'flowchart-v2' });
  });

  test('the Mermaid check rejects a broken diagram', () => {
    expect(parsed.get('broken')?.ok).toBe(false);
    expect(parsed.get('broken')?.error).toMatch(/Parse error/);
  });

  test('output is deterministic', () => {
    expect(topologyOf(fixtureChart()).markdown).toBe(topology.markdown);
  });
});

describe('NetworkPolicy semantics', () => {
  const pod = (kind: string, namespace: string, name: string, ports: { name: string; containerPort: number; protocol?: string }[] = []) => ({
    apiVersion: 'apps/v1', kind, metadata: { name, namespace },
    spec: { template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'x:1', ports }] } } },
  });
  const policy = (namespace: string, name: string, spec: any) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
  const denyAll = (ns: string) => policy(ns, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });

  test('without policies everything is allowed, and reported as not isolated', () => {
    const a = analyzeNetwork([pod('Deployment', 'x', 'a'), pod('Deployment', 'x', 'b', [{ name: 'http', containerPort: 80 }])]);
    expect(flow(a.flows, 'Deployment/x/a', 'Deployment/x/b')?.ports).toEqual(['all ports']);
    expect(a.notIsolated).toEqual([
      { key: 'Deployment/x/a', direction: 'egress' }, { key: 'Deployment/x/a', direction: 'ingress' },
      { key: 'Deployment/x/b', direction: 'egress' }, { key: 'Deployment/x/b', direction: 'ingress' },
    ]);
  });

  test('a connection needs egress on the source and ingress on the destination', () => {
    const objects = [
      ns('a'), ns('b'), denyAll('a'), denyAll('b'),
      pod('Deployment', 'a', 'client'), pod('Deployment', 'b', 'server', [{ name: 'http', containerPort: 8080 }, { name: 'admin', containerPort: 9090 }]),
      // Ingress opens both ports to client (named port "admin" resolves on the server), egress only 8080.
      policy('b', 'server', {
        podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'],
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'a' } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ port: 8080 }, { port: 'admin' }] }],
      }),
      policy('a', 'client', {
        podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'b' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      }),
    ];
    const a = analyzeNetwork(objects);
    expect(flow(a.flows, 'Deployment/a/client', 'Deployment/b/server')?.ports).toEqual(['8080']);
    expect(flow(a.flows, 'Deployment/b/server', 'Deployment/a/client')).toBeUndefined();
    // Ingress alone does not make a flow.
    const noEgress = analyzeNetwork(objects.filter((o) => o.metadata.name !== 'client' || o.kind !== 'NetworkPolicy'));
    expect(flow(noEgress.flows, 'Deployment/a/client', 'Deployment/b/server')).toBeUndefined();
  });

  test('a namespace selector matches by namespace labels; a pod selector alone stays in the policy namespace', () => {
    const objects: any[] = [
      ns('a', { team: 'blue' }), ns('b'), denyAll('a'), denyAll('b'),
      pod('Deployment', 'a', 'client'), pod('Deployment', 'b', 'client'), pod('Deployment', 'b', 'server', [{ name: 'http', containerPort: 80 }]),
      policy('b', 'server', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'client' } } }] }] }),
      policy('a', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }] }] }),
      policy('b', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }] }] }),
    ];
    const a = analyzeNetwork(objects);
    expect(flow(a.flows, 'Deployment/b/client', 'Deployment/b/server')).toBeUndefined(); // b's egress only reaches team=blue namespaces
    expect(flow(a.flows, 'Deployment/a/client', 'Deployment/b/server')).toBeUndefined(); // server admits clients of its own namespace only
    const open = analyzeNetwork([...objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'b' && o.metadata.name === 'out')),
      policy('b', 'out', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] })]);
    expect(flow(open.flows, 'Deployment/b/client', 'Deployment/b/server')?.ports).toEqual(['all ports']);
    expect(open.externalPeers.map((p) => p.label)).toEqual(['anywhere', 'any namespace (all pods)']);
    // The server also admitting team=blue namespaces lets a/client in.
    const blue = analyzeNetwork([...objects, policy('b', 'server-blue', {
      podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'blue' } } }], ports: [{ port: 80 }] }],
    })]);
    expect(flow(blue.flows, 'Deployment/a/client', 'Deployment/b/server')?.ports).toEqual(['80']);
  });

  test('policy types: a listed type without rules denies; an unlisted type leaves that direction open', () => {
    const objects = [
      pod('Deployment', 'x', 'a'), pod('Deployment', 'x', 'b', [{ name: 'http', containerPort: 80 }]),
      policy('x', 'b-ingress-only', { podSelector: { matchLabels: { app: 'b' } }, policyTypes: ['Ingress'] }),
    ];
    const a = analyzeNetwork(objects);
    expect(flow(a.flows, 'Deployment/x/a', 'Deployment/x/b')).toBeUndefined();
    expect(flow(a.flows, 'Deployment/x/b', 'Deployment/x/a')?.ports).toEqual(['all ports']);
    expect(a.notIsolated).toContainEqual({ key: 'Deployment/x/b', direction: 'egress' });
  });

  test('ipBlock peers become external nodes with ports; CronJob and Job pod templates count as workloads', () => {
    const cron = {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'backup', namespace: 'x' },
      spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { metadata: { labels: { app: 'backup' } }, spec: { containers: [{ name: 'b', image: 'x:1' }] } } } } },
    };
    const a = analyzeNetwork([cron, denyAll('x'),
      policy('x', 'backup', { podSelector: { matchLabels: { app: 'backup' } }, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '52.0.0.0/8' } }], ports: [{ port: 443 }] }] })]);
    expect(a.flows).toEqual([{ from: 'CronJob/x/backup', to: 'external:ip:52.0.0.0/8', ports: ['443'] }]);
    expect(a.externalPeers).toEqual([{ key: 'external:ip:52.0.0.0/8', label: '52.0.0.0/8' }]);
  });
});

describe('pods only a NetworkPolicy names (created at run time)', () => {
  const policy = (name: string, spec: any) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'x' }, spec });
  const server = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'server', namespace: 'x' },
    spec: { template: { metadata: { labels: { app: 'server' } }, spec: { containers: [{ name: 's', image: 'x:1', ports: [{ name: 'http', containerPort: 8001 }] }] } } },
  };
  const objects = [
    server,
    policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    policy('jobs', { podSelector: { matchLabels: { role: 'job' } }, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [{ to: [{ podSelector: { matchLabels: { app: 'server' } } }], ports: [{ port: 8001 }] }] }),
    policy('server', { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { role: 'job' } } }], ports: [{ port: 8001 }] }] }),
    // Selectors with expressions cannot be turned into pods; an empty selector names no particular pods.
    policy('expr', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, policyTypes: ['Ingress'] }),
  ];

  test('become a node of their own with the flows the policies allow, and stay out of the workload table', () => {
    const a = analyzeNetwork(objects);
    const jobs = 'Pods/x/role=job';
    expect(a.runtimePods.map((p) => p.key)).toEqual([jobs]);
    expect(a.podTemplates.map((p) => p.key)).toEqual(['Deployment/x/server']);
    expect(flow(a.flows, jobs, 'Deployment/x/server')?.ports).toEqual(['8001']);
    expect(flow(a.flows, 'Deployment/x/server', jobs)).toBeUndefined();
    const t = buildTopology({ platform: 'p', environment: 'e', files: objects.map((object) => ({ object })) });
    expect(t.mermaid).toContain(`${mermaidId(jobs)}["pods role=job<br/>(created at run time)"]`);
    expect(edgeLines(t.mermaid, mermaidId(jobs), mermaidId('Deployment/x/server'))).toEqual([`  ${mermaidId(jobs)} -.->|"8001"| ${mermaidId('Deployment/x/server')}`]);
    expect(t.markdown).toContain('Dashed boxes: pods a NetworkPolicy selects');
    expect(t.markdown).not.toContain('| role=job |');
  });

  test('a policy whose selector matches a rendered workload adds no such node', () => {
    const labelled = { ...server, spec: { template: { ...server.spec.template, metadata: { labels: { app: 'server', role: 'job' } } } } };
    const a = analyzeNetwork([labelled, ...objects.slice(1)]);
    expect(a.runtimePods).toEqual([]);
    expect(buildTopology({ platform: 'p', environment: 'e', files: [labelled].map((object) => ({ object })) }).markdown).not.toContain('Dashed boxes');
  });
});

describe('mermaidId', () => {
  test('keeps only letters, digits and underscores, and never yields a keyword', () => {
    expect(mermaidId('Deployment/my-ns/end')).toBe('n_Deployment_my_ns_end');
    expect(mermaidId('host:api.example.com')).toBe('n_host_api_example_com');
    expect(mermaidId('external:ip:0.0.0.0/0')).toMatch(/^n_ext_ip_0_0_0_0_0$/);
    expect(mermaidId('---')).toBe('n_x');
  });

  test('ids that sanitize alike stay distinct in a diagram', () => {
    const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'x' }, spec: { ports: [{ port: 80 }] } });
    const t = buildTopology({ platform: 'p', environment: 'e', files: [svc('a-b'), svc('a.b')].map((object) => ({ object })) });
    expect(t.mermaid).toContain('n_Service_x_a_b(');
    expect(t.mermaid).toContain('n_Service_x_a_b_2(');
  });
});

describe('every platform and environment', () => {
  test('each TOPOLOGY.md has a Mermaid diagram that parses and a row per workload', () => {
    expect(topologies.length).toBeGreaterThan(0);
    for (const t of topologies) {
      expect({ chart: `${t.platform}/${t.environment}`, ...parsed.get(`${t.platform}/${t.environment}`) })
        .toEqual({ chart: `${t.platform}/${t.environment}`, ok: true, diagramType: 'flowchart-v2' });
      expect(t.markdown).toContain('```mermaid\nflowchart LR\n');
      for (const pod of t.network.podTemplates) expect(t.markdown).toContain(`| ${pod.name} | ${pod.kind} | ${pod.namespace} |`);
    }
  });

  test('connectors production: the Airbyte job pods the launcher creates, with their traffic to the workload API, the server and the internet', () => {
    const t = topologies.find((x) => x.platform === 'connectors' && x.environment === 'production')!;
    const jobs = 'Pods/airbyte/airbyte=job-pod';
    const internet = 'external:ip:0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16';
    expect(t.network.runtimePods.map((p) => p.key)).toEqual([jobs]);
    expect(flow(t.network.flows, jobs, 'Deployment/airbyte/airbyte-workload-api-server')?.ports).toEqual(['8007']);
    expect(flow(t.network.flows, jobs, 'Deployment/airbyte/airbyte-server')?.ports).toEqual(['8001']);
    expect(flow(t.network.flows, jobs, internet)?.ports).toEqual(['all ports']);
    // Nothing may connect to the job pods (their policy admits no ingress).
    expect(t.network.flows.filter((f) => f.to === jobs)).toEqual([]);
    const m = t.mermaid;
    const id = mermaidId(jobs);
    expect(m).toContain(`    ${id}["pods airbyte=job-pod<br/>(created at run time)"]`);
    expect(edgeLines(m, id, mermaidId('Deployment/airbyte/airbyte-workload-api-server'))).toEqual([`  ${id} -.->|"8007"| ${mermaidId('Deployment/airbyte/airbyte-workload-api-server')}`]);
    expect(edgeLines(m, id, mermaidId('Deployment/airbyte/airbyte-server'))).toEqual([`  ${id} -.->|"8001"| ${mermaidId('Deployment/airbyte/airbyte-server')}`]);
    expect(edgeLines(m, id, mermaidId(internet))).toEqual([`  ${id} -.->|"all ports"| ${mermaidId(internet)}`]);
  });

  test(`the committed ${PLATFORMS_DOC} is current (run \`npm run synth\` and commit it if this fails)`, () => {
    const file = path.join(ROOT, PLATFORMS_DOC);
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(missing)';
    expect(committed).toBe(platformsMarkdown(rendered));
  });

  test('the index links every platform/environment to its TOPOLOGY.md on the dist branch layout', () => {
    const doc = platformsMarkdown(rendered);
    for (const c of rendered) expect(doc).toContain(`](../dist/${c.platform}/${c.environment}/${TOPOLOGY_FILE})`);
    expect(doc).toContain('`dist` branch');
  });
});

describe('synthesize writes the pictures', () => {
  test('TOPOLOGY.md beside the manifests, not listed in kustomization.yaml; the index only on a full run', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'topology-'));
    try {
      const doc = path.join(outdir, 'docs', 'platforms.md');
      const app = new App();
      fixtureChart(app);
      const charts = synthesize(app, { outdir: path.join(outdir, 'dist'), clean: true, platformsDoc: doc });
      const dir = path.join(outdir, 'dist', 'fixture', 'test');
      expect(fs.readFileSync(path.join(dir, TOPOLOGY_FILE), 'utf8')).toBe(buildTopology(charts[0]).markdown);
      expect(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')).not.toContain(TOPOLOGY_FILE);
      expect(fs.readFileSync(doc, 'utf8')).toBe(platformsMarkdown(charts));

      fs.rmSync(doc);
      synthesize(app, { outdir: path.join(outdir, 'dist'), platformsDoc: doc });
      expect(fs.existsSync(doc)).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('the Gateway API edge in the picture', () => {
  test('host → Gateway (by listener port) → HTTPRoute (by listener) → Service, the redirect route, and the Envoy proxies by Gateway', () => {
    // aroti staging is on Gateway API; its diagram was rendered and parsed with every platform's in beforeAll.
    const m = topologies.find((t) => t.platform === 'aroti' && t.environment === 'staging')!.mermaid;
    const gw = mermaidId('Gateway/aroti/edge');
    expect(m).toContain(`${gw}{{"edge<br/>Gateway (envoy-gateway)"}}`);
    expect(m).toContain(`  ${mermaidId('host:auth.staging.aroti.com')} -->|"http :80, https :443"| ${gw}`);
    expect(m).toContain(`  ${gw} -->|"https-auth-staging-aroti-com"| ${mermaidId('HTTPRoute/keycloak/keycloak')}`);
    expect(m).toContain(`  ${mermaidId('HTTPRoute/keycloak/keycloak')} -->|"/ :8080"| ${mermaidId('Service/keycloak/keycloak')}`);
    expect(m).toContain(`  ${gw} -->|"http"| ${mermaidId('HTTPRoute/aroti/edge-https-redirect')}`);
    expect(m).toContain('edge-https-redirect<br/>HTTPRoute (redirect to https)');
    expect(m).toContain('"Envoy proxies of Gateway aroti/edge"');
    expect(parsed.get('aroti/staging')).toEqual({ ok: true, diagramType: 'flowchart-v2' });
  });
});

describe('the add-ons picture of each Argo CD environment', () => {
  test('parses with mermaid (one flowchart per environment)', () => {
    const addOns = [...parsed.entries()].filter(([name]) => name.startsWith('add-ons '));
    expect(addOns.map(([name]) => name).sort()).toEqual(['add-ons development', 'add-ons production', 'add-ons staging', 'add-ons test']);
    for (const [, result] of addOns) expect(result).toEqual({ ok: true, diagramType: 'flowchart-v2' });
  });
});

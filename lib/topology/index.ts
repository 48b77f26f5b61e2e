import { addOnsMarkdown } from './addons';
import { analyzeNetwork, compare, ExternalPeer, matchesSelector, NetworkAnalysis, PodTemplate, podTemplatesOf, sortPortLabels } from './network';

export * from './network';
export * from './addons';

/** File written next to each environment's manifests. Not a Kubernetes resource, so not in kustomization.yaml. */
export const TOPOLOGY_FILE = 'TOPOLOGY.md';

/** The index of every platform/environment diagram, committed on main. */
export const PLATFORMS_DOC = 'docs/platforms.md';

/** What the topology needs of a rendered chart (a `RenderedChart` from lib/render/synth.ts fits). */
export interface TopologySource {
  readonly platform: string;
  readonly environment: string;
  readonly files: readonly { readonly object: any }[];
}

/** One node of the diagram. */
interface Node {
  readonly key: string;
  readonly id: string;
  readonly label: string;
  readonly shape: 'host' | 'route' | 'service' | 'workload' | 'datastore' | 'job' | 'external' | 'runtime';
  /** Namespace subgraph, if any. */
  readonly namespace?: string;
}

/** One edge: `route` for request routing (host → Ingress → Service → pods), `flow` for traffic NetworkPolicies allow. */
interface Edge {
  readonly from: string;
  readonly to: string;
  readonly style: 'route' | 'flow';
  readonly labels: Set<string>;
}

/** The diagram of one chart, built from its rendered objects. */
export interface Topology {
  readonly platform: string;
  readonly environment: string;
  readonly objectCount: number;
  readonly namespaces: readonly string[];
  readonly network: NetworkAnalysis;
  /** The Mermaid `flowchart LR` source, without the Markdown fence. */
  readonly mermaid: string;
  /** The complete TOPOLOGY.md. */
  readonly markdown: string;
}

// Images and components that hold state: drawn as data stores.
const DATASTORE_IMAGE = /(^|\/)(postgres|postgresql|postgis|pgvector|timescaledb|redis|valkey|keydb|mysql|mariadb|mongo|mongodb|memcached|elasticsearch|opensearch|rabbitmq|kafka|nats|minio|clickhouse|cassandra|scylla|etcd|qdrant|weaviate|milvus|zookeeper|dragonfly)([:@-]|$)/i;
const DATASTORE_COMPONENT = /^(database|db|cache|datastore|data-store|storage|queue|broker|message-broker|search)$/;

/** Builds the diagram and table of one rendered chart. Deterministic: everything is sorted. */
export function buildTopology(source: TopologySource): Topology {
  const objects = source.files.map((f) => f.object);
  const network = analyzeNetwork(objects);
  const nodes = new Map<string, Node>();
  const ids = new Set<string>();
  const edges = new Map<string, Edge>();

  const addNode = (node: Omit<Node, 'id'>): Node => {
    const existing = nodes.get(node.key);
    if (existing) return existing;
    const base = mermaidId(node.key);
    let id = base;
    for (let i = 2; ids.has(id); i++) id = `${base}_${i}`;
    ids.add(id);
    const created = { ...node, id };
    nodes.set(node.key, created);
    return created;
  };
  const addEdge = (from: string, to: string, style: Edge['style'], label?: string) => {
    const key = `${from}\u0000${to}\u0000${style}`;
    const edge = edges.get(key) ?? { from, to, style, labels: new Set<string>() };
    if (label) edge.labels.add(label);
    edges.set(key, edge);
  };

  const namespaces = new Set<string>();
  for (const o of objects) {
    if (o?.kind === 'Namespace') namespaces.add(o.metadata.name);
    else if (o?.metadata?.namespace) namespaces.add(o.metadata.namespace);
  }

  // Workloads.
  for (const pod of network.podTemplates) {
    addNode({ key: pod.key, label: `${pod.name}<br/>${pod.kind}`, shape: workloadShape(pod), namespace: pod.namespace });
  }
  // Pods only a NetworkPolicy names (created at run time by a launcher or operator): drawn so their allowed traffic shows.
  for (const pod of network.runtimePods) {
    addNode({ key: pod.key, label: `pods ${pod.name}<br/>(created at run time)`, shape: 'runtime', namespace: pod.namespace });
  }
  const allPods = [...network.podTemplates, ...network.runtimePods];

  // Services → the pods they select.
  const services = objects.filter((o) => o?.kind === 'Service').sort(compareObjects);
  const serviceKey = (ns: string, name: string) => `Service/${ns}/${name}`;
  for (const svc of services) {
    const ns = svc.metadata.namespace ?? 'default';
    const spec = svc.spec ?? {};
    const ports: any[] = spec.ports ?? [];
    const headless = spec.clusterIP === 'None' || spec.clusterIp === 'None';
    const portText = ports.map((p) => `:${p.port}`).join(' ');
    const kindText = spec.type === 'ExternalName' ? 'ExternalName' : headless ? 'headless Service' : `${spec.type ?? 'ClusterIP'} Service`;
    const node = addNode({ key: serviceKey(ns, svc.metadata.name), label: `${svc.metadata.name}<br/>${kindText}${portText ? ` ${portText}` : ''}`, shape: 'service', namespace: ns });
    if (spec.type === 'ExternalName' && spec.externalName) {
      const ext = addNode({ key: `dns:${spec.externalName}`, label: spec.externalName, shape: 'external' });
      addEdge(node.key, ext.key, 'route', 'DNS alias');
      continue;
    }
    if (!spec.selector) continue;
    for (const pod of allPods) {
      if (pod.namespace !== ns || !matchesSelector({ matchLabels: spec.selector }, pod.labels)) continue;
      const label = ports.map((p) => `${p.port}→${resolveTargetPort(p, pod)}`).join(', ');
      addEdge(node.key, pod.key, 'route', label || undefined);
    }
  }

  // Hosts → Ingresses → Services.
  for (const ing of objects.filter((o) => o?.kind === 'Ingress').sort(compareObjects)) {
    const ns = ing.metadata.namespace ?? 'default';
    const spec = ing.spec ?? {};
    const className = spec.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'];
    const route = addNode({ key: `Ingress/${ns}/${ing.metadata.name}`, label: `${ing.metadata.name}<br/>Ingress${className ? ` (${className})` : ''}`, shape: 'route', namespace: ns });
    const tlsHosts = new Set<string>((spec.tls ?? []).flatMap((t: any) => t.hosts ?? []));
    const managedTls = Boolean(ing.metadata.annotations?.['networking.gke.io/managed-certificates']);
    const backendEdge = (backend: any, label: string) => {
      if (!backend?.service?.name) return;
      const port = backend.service.port?.number ?? backend.service.port?.name;
      const target = addNode({ key: serviceKey(ns, backend.service.name), label: `${backend.service.name}<br/>Service (not rendered)`, shape: 'service', namespace: ns });
      addEdge(route.key, target.key, 'route', `${label}${port !== undefined ? ` :${port}` : ''}`);
    };
    if (spec.defaultBackend) {
      const host = addNode({ key: 'host:*', label: 'any host', shape: 'host' });
      addEdge(host.key, route.key, 'route', managedTls ? 'https' : 'http');
      backendEdge(spec.defaultBackend, 'default');
    }
    for (const rule of spec.rules ?? []) {
      const hostName = rule.host ?? '*';
      const host = addNode({ key: `host:${hostName}`, label: hostName === '*' ? 'any host' : hostName, shape: 'host' });
      addEdge(host.key, route.key, 'route', tlsHosts.has(hostName) || managedTls ? 'https' : 'http');
      for (const path of rule.http?.paths ?? []) backendEdge(path.backend, path.path ?? '/');
    }
  }

  // Hosts → Gateways (one node per Gateway, edges labelled with the listener) → HTTPRoutes → Services.
  const gatewayObjects = objects.filter((o) => o?.kind === 'Gateway').sort(compareObjects);
  for (const gw of gatewayObjects) {
    const ns = gw.metadata.namespace ?? 'default';
    addNode({ key: `Gateway/${ns}/${gw.metadata.name}`, label: `${gw.metadata.name}<br/>Gateway (${gw.spec?.gatewayClassName ?? 'no class'})`, shape: 'route', namespace: ns });
  }
  for (const hr of objects.filter((o) => o?.kind === 'HTTPRoute').sort(compareObjects)) {
    const ns = hr.metadata.namespace ?? 'default';
    const spec = hr.spec ?? {};
    const redirect = (spec.rules ?? []).length > 0 && (spec.rules ?? []).every((r: any) => (r.filters ?? []).some((f: any) => f.type === 'RequestRedirect'));
    const route = addNode({
      key: `HTTPRoute/${ns}/${hr.metadata.name}`,
      label: `${hr.metadata.name}<br/>HTTPRoute${redirect ? ' (redirect to https)' : ''}`,
      shape: 'route', namespace: ns,
    });
    const hostnames: string[] = spec.hostnames && spec.hostnames.length > 0 ? spec.hostnames : ['*'];
    for (const ref of spec.parentRefs ?? []) {
      const gwNs = ref.namespace ?? ns;
      const gw = gatewayObjects.find((g) => g.metadata.name === ref.name && (g.metadata.namespace ?? 'default') === gwNs);
      const listener = (gw?.spec?.listeners ?? []).find((l: any) => l.name === ref.sectionName);
      const gateway = addNode({ key: `Gateway/${gwNs}/${ref.name}`, label: `${ref.name}<br/>Gateway (not rendered)`, shape: 'route', namespace: gwNs });
      const protocol = listener ? String(listener.protocol).toLowerCase() : undefined;
      for (const h of hostnames) {
        const host = addNode({ key: `host:${h}`, label: h === '*' ? 'any host' : h, shape: 'host' });
        addEdge(host.key, gateway.key, 'route', protocol ? `${protocol}${listener.port ? ` :${listener.port}` : ''}` : undefined);
      }
      addEdge(gateway.key, route.key, 'route', ref.sectionName);
    }
    if ((spec.parentRefs ?? []).length === 0) {
      for (const h of hostnames) addEdge(addNode({ key: `host:${h}`, label: h === '*' ? 'any host' : h, shape: 'host' }).key, route.key, 'route');
    }
    for (const rule of spec.rules ?? []) {
      const paths = (rule.matches ?? []).map((m: any) => m.path?.value).filter(Boolean);
      for (const ref of rule.backendRefs ?? []) {
        if ((ref.kind ?? 'Service') !== 'Service') continue;
        const refNs = ref.namespace ?? ns;
        const target = addNode({ key: serviceKey(refNs, ref.name), label: `${ref.name}<br/>Service (not rendered)`, shape: 'service', namespace: refNs });
        addEdge(route.key, target.key, 'route', `${paths.length > 0 ? paths.join(', ') : '/'}${ref.port !== undefined ? ` :${ref.port}` : ''}`);
      }
    }
  }

  // Traffic the NetworkPolicies allow.
  const externals = new Map<string, ExternalPeer>(network.externalPeers.map((p) => [p.key, p]));
  for (const peer of network.externalPeers) addNode({ key: peer.key, label: peer.label, shape: 'external' });
  const podsByNamespace = new Map<string, PodTemplate[]>();
  for (const pod of allPods) podsByNamespace.set(pod.namespace, [...(podsByNamespace.get(pod.namespace) ?? []), pod]);
  const podNamespace = new Map(allPods.map((p) => [p.key, p.namespace]));
  // A flow between an external peer and every workload of a namespace (DNS, the ingress controller) is drawn once, from the namespace box.
  const collapsed = new Set<string>();
  const groups = new Map<string, { ns: string; external: string; direction: 'in' | 'out'; label: string; pods: Set<string> }>();
  for (const flow of network.flows) {
    const external = externals.has(flow.from) ? flow.from : externals.has(flow.to) ? flow.to : undefined;
    if (!external) continue;
    const pod = external === flow.from ? flow.to : flow.from;
    const ns = podNamespace.get(pod)!;
    const direction = external === flow.from ? 'in' : 'out';
    const label = flow.ports.join(', ');
    const key = `${ns}\u0000${external}\u0000${direction}\u0000${label}`;
    const group = groups.get(key) ?? { ns, external, direction, label, pods: new Set<string>() };
    group.pods.add(pod);
    groups.set(key, group);
  }
  const namespaceEdges: Edge[] = [];
  for (const group of [...groups.values()]) {
    const all = podsByNamespace.get(group.ns) ?? [];
    if (all.length < 2 || group.pods.size !== all.length) continue;
    for (const pod of group.pods) collapsed.add(group.direction === 'in' ? `${group.external}\u0000${pod}` : `${pod}\u0000${group.external}`);
    const nsId = namespaceId(group.ns);
    namespaceEdges.push({
      from: group.direction === 'in' ? group.external : nsId,
      to: group.direction === 'in' ? nsId : group.external,
      style: 'flow',
      labels: new Set([group.label]),
    });
  }
  for (const flow of network.flows) {
    if (collapsed.has(`${flow.from}\u0000${flow.to}`)) continue;
    addEdge(flow.from, flow.to, 'flow', flow.ports.join(', '));
  }

  const sortedNamespaces = [...namespaces].sort(compare);
  const mermaid = renderMermaid(sortedNamespaces, [...nodes.values()], [...edges.values()], namespaceEdges, nodes);
  const table = workloadTable(objects, network.podTemplates, services);
  const markdown = renderMarkdown(source, objects.length, sortedNamespaces, network, mermaid, table);
  return { platform: source.platform, environment: source.environment, objectCount: objects.length, namespaces: sortedNamespaces, network, mermaid, markdown };
}

/** The TOPOLOGY.md of one rendered chart. */
export function topologyMarkdown(source: TopologySource): string {
  return buildTopology(source).markdown;
}

function workloadShape(pod: PodTemplate): Node['shape'] {
  if (pod.kind === 'CronJob' || pod.kind === 'Job') return 'job';
  const component = pod.labels['app.kubernetes.io/component'] ?? '';
  const images: string[] = (pod.spec.containers ?? []).map((c: any) => String(c.image ?? ''));
  if (DATASTORE_COMPONENT.test(component) || images.some((i) => DATASTORE_IMAGE.test(imageRepository(i)))) return 'datastore';
  return 'workload';
}

/** `docker.io/library/postgres:16.4@sha256:…` → `docker.io/library/postgres`. */
function imageRepository(image: string): string {
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

function resolveTargetPort(servicePort: any, pod: PodTemplate): string {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number' || /^\d+$/.test(String(target))) return String(target);
  const found = pod.ports.find((p) => p.name === target);
  return found ? String(found.port) : String(target);
}

/** Mermaid node ids: letters, digits and `_` only, never a keyword such as `end`. */
export function mermaidId(key: string): string {
  const cleaned = key.replace(/^external:/, 'ext:').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  // Long ids (IP blocks with exceptions) are cut; the caller de-duplicates with a suffix.
  return `n_${cleaned.slice(0, 48).replace(/_+$/, '') || 'x'}`;
}

function namespaceId(ns: string): string {
  return `ns_${ns.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** A label inside `"…"`: quotes become entities, nothing else is interpreted. */
function quote(text: string): string {
  return `"${text.replace(/"/g, '#quot;')}"`;
}

function shapeOf(node: Node): string {
  const q = quote(node.label);
  switch (node.shape) {
    case 'host': return `${node.id}>${q}]`;
    case 'route': return `${node.id}{{${q}}}`;
    case 'service': return `${node.id}([${q}])`;
    case 'datastore': return `${node.id}[(${q})]`;
    case 'job': return `${node.id}[[${q}]]`;
    case 'external': return `${node.id}[/${q}/]`;
    default: return `${node.id}[${q}]`;
  }
}

function renderMermaid(namespaces: readonly string[], nodes: readonly Node[], edges: readonly Edge[], namespaceEdges: readonly Edge[], byKey: ReadonlyMap<string, Node>): string {
  const lines = ['flowchart LR'];
  const byNodeKey = (a: Node, b: Node) => compare(a.key, b.key);
  const outside = nodes.filter((n) => !n.namespace).sort(byNodeKey);
  for (const n of outside) lines.push(`  ${shapeOf(n)}`);
  for (const ns of namespaces) {
    const inside = nodes.filter((n) => n.namespace === ns).sort(byNodeKey);
    if (inside.length === 0 && !namespaceEdges.some((e) => e.from === namespaceId(ns) || e.to === namespaceId(ns))) continue;
    lines.push(`  subgraph ${namespaceId(ns)}[${quote(`namespace ${ns}`)}]`);
    for (const n of inside) lines.push(`    ${shapeOf(n)}`);
    lines.push('  end');
  }
  // Nodes in namespaces that hold no object of their own (a Service referenced across namespaces) still get a box.
  const known = new Set(namespaces);
  const stray = [...new Set(nodes.filter((n) => n.namespace && !known.has(n.namespace)).map((n) => n.namespace!))].sort(compare);
  for (const ns of stray) {
    lines.push(`  subgraph ${namespaceId(ns)}[${quote(`namespace ${ns}`)}]`);
    for (const n of nodes.filter((x) => x.namespace === ns).sort(byNodeKey)) lines.push(`    ${shapeOf(n)}`);
    lines.push('  end');
  }
  if (lines.length === 1) lines.push(`  none[${quote('no workloads, Services or routes here')}]`);
  const idOf = (key: string) => byKey.get(key)?.id ?? key;
  const edgeLine = (e: Edge, from: string, to: string) => {
    const arrow = e.style === 'route' ? '-->' : '-.->';
    const labels = e.style === 'flow' ? sortPortLabels([...e.labels]) : [...e.labels].sort(compare);
    return `  ${from} ${arrow}${labels.length > 0 ? `|${quote(labels.join(', '))}|` : ''} ${to}`;
  };
  const sortedEdges = [...edges].sort((a, b) => compare(a.style, b.style) || compare(a.from, b.from) || compare(a.to, b.to));
  for (const e of sortedEdges) lines.push(edgeLine(e, idOf(e.from), idOf(e.to)));
  const sortedNsEdges = [...namespaceEdges].sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to) || compare([...a.labels][0], [...b.labels][0]));
  for (const e of sortedNsEdges) lines.push(edgeLine(e, e.from.startsWith('ns_') ? e.from : idOf(e.from), e.to.startsWith('ns_') ? e.to : idOf(e.to)));
  const classes: [string, Node['shape'], string][] = [
    ['external', 'external', 'fill:#fff4e5,stroke:#d97706'],
    ['host', 'host', 'fill:#e0f2fe,stroke:#0369a1'],
    ['datastore', 'datastore', 'fill:#ecfdf5,stroke:#047857'],
    ['runtime', 'runtime', 'fill:#f9fafb,stroke:#6b7280,stroke-dasharray:4 3'],
  ];
  for (const [name, shape, style] of classes) {
    const members = nodes.filter((n) => n.shape === shape).map((n) => n.id).sort(compare);
    if (members.length === 0) continue;
    lines.push(`  classDef ${name} ${style}`);
    lines.push(`  class ${members.join(',')} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

interface WorkloadRow {
  readonly workload: string;
  readonly kind: string;
  readonly namespace: string;
  readonly images: string;
  readonly replicas: string;
  readonly requests: string;
  readonly limits: string;
  readonly ports: string;
  readonly services: string;
}

function workloadTable(objects: readonly any[], pods: readonly PodTemplate[], services: readonly any[]): WorkloadRow[] {
  const hpas = objects.filter((o) => o?.kind === 'HorizontalPodAutoscaler');
  const scaledObjects = objects.filter((o) => o?.kind === 'ScaledObject');
  const ordered = [...pods].sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name) || compare(a.kind, b.kind));
  return ordered.map((pod) => {
    const containers: any[] = pod.spec.containers ?? [];
    const many = containers.length > 1;
    const prefix = (c: any) => (many ? `${c.name}: ` : '');
    const hpa = hpas.find((h) => h.metadata?.namespace === pod.namespace && h.spec?.scaleTargetRef?.kind === pod.kind && h.spec?.scaleTargetRef?.name === pod.name);
    const keda = scaledObjects.find((s) => s.metadata?.namespace === pod.namespace && (s.spec?.scaleTargetRef?.kind ?? 'Deployment') === pod.kind && s.spec?.scaleTargetRef?.name === pod.name);
    let replicas: string;
    if (keda) replicas = `KEDA ${keda.spec.minReplicaCount ?? 0}–${keda.spec.maxReplicaCount ?? 100}`;
    else if (hpa) replicas = `HPA ${hpa.spec.minReplicas ?? 1}–${hpa.spec.maxReplicas}`;
    else if (pod.kind === 'CronJob') replicas = `schedule \`${pod.object.spec?.schedule}\``;
    else if (pod.kind === 'Job') replicas = `run to completion${pod.object.spec?.parallelism ? ` ×${pod.object.spec.parallelism}` : ''}`;
    else if (pod.kind === 'DaemonSet') replicas = 'one per node';
    else replicas = String(pod.object.spec?.replicas ?? 1);
    const resources = (field: 'requests' | 'limits') => containers.map((c) => {
      const r = c.resources?.[field] ?? {};
      const parts = Object.keys(r).sort().map((k) => `${k} ${r[k]}`);
      return `${prefix(c)}${parts.length > 0 ? parts.join(', ') : '—'}`;
    }).join('<br>');
    const exposedBy = services
      .filter((s) => (s.metadata.namespace ?? 'default') === pod.namespace && s.spec?.selector && matchesSelector({ matchLabels: s.spec.selector }, pod.labels))
      .map((s) => `${s.metadata.name} ${(s.spec.ports ?? []).map((p: any) => `:${p.port}→${resolveTargetPort(p, pod)}`).join(' ')}`.trim());
    return {
      workload: pod.name,
      kind: pod.kind,
      namespace: pod.namespace,
      images: containers.map((c) => `${prefix(c)}\`${c.image}\``).join('<br>'),
      replicas,
      requests: resources('requests'),
      limits: resources('limits'),
      ports: pod.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol}`).join('<br>') || '—',
      services: exposedBy.join('<br>') || '—',
    };
  });
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function renderMarkdown(source: TopologySource, objectCount: number, namespaces: readonly string[], network: NetworkAnalysis,
  mermaid: string, rows: readonly WorkloadRow[]): string {
  const out: string[] = [];
  out.push(`# ${source.platform} / ${source.environment}`, '');
  out.push('Generated by `npm run synth` from the objects rendered into this directory; do not edit by hand.', '');
  out.push(`${objectCount} objects, ${rows.length} workloads, ${namespaces.length} namespaces (${namespaces.map((n) => `\`${n}\``).join(', ') || 'none'}).`, '');
  out.push('```mermaid', mermaid.trimEnd(), '```', '');
  out.push('Solid arrows: request routing (host → Ingress, or host → Gateway listener → HTTPRoute, → Service → pods, labelled with paths and ports). '
    + 'Dotted arrows: traffic the NetworkPolicies allow, labelled with pod ports; an arrow from or to a namespace box applies to every workload in it. '
    + 'Peers outside this directory (IP blocks, pods of other namespaces) show only what this side allows. Cylinders are data stores.'
    // Said only where such pods exist, so other platforms' pictures stay as they are.
    + (network.runtimePods.length > 0 ? ' Dashed boxes: pods a NetworkPolicy selects that no rendered workload matches (created at run time by a controller, e.g. job pods of a launcher or cert-manager HTTP-01 solvers).' : ''), '');
  out.push(...addOnsMarkdown(source.files.map((f) => f.object)));
  out.push('## Workloads', '');
  if (rows.length === 0) {
    out.push('No workloads.', '');
  } else {
    out.push('| Workload | Kind | Namespace | Images | Replicas | Requests | Limits | Container ports | Services |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      out.push(`| ${[r.workload, r.kind, r.namespace, r.images, r.replicas, r.requests, r.limits, r.ports, r.services].map(cell).join(' | ')} |`);
    }
    out.push('');
  }
  const kinds = new Map<string, number>();
  for (const o of source.files.map((f) => f.object)) kinds.set(o?.kind ?? '(none)', (kinds.get(o?.kind ?? '(none)') ?? 0) + 1);
  out.push('## Objects by kind', '', '| Kind | Count |', '| --- | ---: |');
  for (const kind of [...kinds.keys()].sort(compare)) out.push(`| ${cell(kind)} | ${kinds.get(kind)} |`);
  out.push('');
  if (network.notIsolated.length > 0) {
    out.push('## Not isolated', '', 'No NetworkPolicy selects these workloads for the direction shown, so all traffic is allowed there:', '');
    for (const n of network.notIsolated) out.push(`- \`${n.key}\`: ${n.direction}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The summary of one chart for docs/platforms.md. */
export interface PlatformSummary {
  readonly platform: string;
  readonly environment: string;
  readonly objects: number;
  readonly workloads: number;
  readonly namespaces: number;
}

/** Summarizes a rendered chart for the platforms index. */
export function summarize(source: TopologySource): PlatformSummary {
  const objects = source.files.map((f) => f.object);
  const namespaces = new Set<string>();
  for (const o of objects) {
    if (o?.kind === 'Namespace') namespaces.add(o.metadata.name);
    else if (o?.metadata?.namespace) namespaces.add(o.metadata.namespace);
  }
  return {
    platform: source.platform,
    environment: source.environment,
    objects: objects.length,
    workloads: podTemplatesOf(objects).length,
    namespaces: namespaces.size,
  };
}

/** docs/platforms.md: every platform/environment with a link to its TOPOLOGY.md on the `dist` branch. Order follows the input. */
export function platformsMarkdown(sources: readonly TopologySource[]): string {
  const rows = sources.map(summarize);
  const out: string[] = [];
  out.push('# Platforms', '');
  out.push('Generated by `npm run synth` on a full run (no `--platform`/`--env` filter); do not edit by hand. '
    + 'A test fails when this file is stale: run `npm run synth` and commit it.', '');
  out.push('The manifests and diagrams live under `dist/`, which is git-ignored on `main` and published to the `dist` branch: '
    + 'the links below resolve there (or in a local checkout after `npm run synth`). Each `TOPOLOGY.md` draws hosts → Ingress/HTTPRoute → Services → '
    + 'workloads → data stores per namespace, with the traffic the NetworkPolicies allow, and lists every workload\'s image, replicas and resources.', '');
  out.push('| Platform | Environment | Objects | Workloads | Namespaces | Topology |');
  out.push('| --- | --- | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    out.push(`| ${r.platform} | ${r.environment} | ${r.objects} | ${r.workloads} | ${r.namespaces} | [${r.platform}/${r.environment}](../dist/${r.platform}/${r.environment}/${TOPOLOGY_FILE}) |`);
  }
  const total = rows.reduce((t, r) => ({ objects: t.objects + r.objects, workloads: t.workloads + r.workloads }), { objects: 0, workloads: 0 });
  out.push(`| **total** | ${rows.length} environments | ${total.objects} | ${total.workloads} | | |`);
  return `${out.join('\n')}\n`;
}

function compareObjects(a: any, b: any): number {
  return compare(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '') || compare(a.metadata?.name ?? '', b.metadata?.name ?? '');
}

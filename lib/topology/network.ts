/**
 * NetworkPolicy semantics, evaluated on rendered objects: which pod templates may talk to which, on which ports,
 * and which peers outside the chart (IP blocks, pods of namespaces the chart does not render) they may reach.
 * Follows the Kubernetes rules: a pod is isolated for a direction once any policy of that type selects it; the
 * allowed traffic is then the union of those policies' rules; a connection needs both the source's egress and
 * the destination's ingress to allow it.
 */

/** A label selector as rendered (`matchLabels` and `matchExpressions`). */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: readonly string[] }[];
}

/** A container port of a pod template. */
export interface PodPort {
  readonly name?: string;
  readonly port: number;
  readonly protocol: string;
}

/** A pod template of a rendered workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export interface PodTemplate {
  /** `<Kind>/<namespace>/<name>`: the key flows refer to. */
  readonly key: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Record<string, string>;
  /** The pod spec (containers, volumes…). */
  readonly spec: any;
  /** Ports of the regular containers, sorted by port and protocol. */
  readonly ports: readonly PodPort[];
  /** The workload object itself. */
  readonly object: any;
}

/** An allowed flow; `from`/`to` are pod template keys or `external:<id>` for peers outside the chart. */
export interface NetworkFlow {
  readonly from: string;
  readonly to: string;
  /** Allowed ports, sorted: `8080`, `53/UDP`, or `all ports`. */
  readonly ports: readonly string[];
}

/** A peer outside the chart's pods: an IP block, pods in a namespace the chart does not render, or anything. */
export interface ExternalPeer {
  /** `external:<…>`, stable. */
  readonly key: string;
  /** What a reader sees, e.g. `internet` or `ingress-nginx/ingress-nginx`. */
  readonly label: string;
}

/** The result of evaluating every NetworkPolicy of a chart. */
export interface NetworkAnalysis {
  readonly podTemplates: readonly PodTemplate[];
  /**
   * Pods a NetworkPolicy's podSelector names that no rendered workload matches: pods an operator or launcher
   * creates at run time (e.g. sync job pods). Kind `Pods`, name the selector; flows include them. Sorted.
   */
  readonly runtimePods: readonly PodTemplate[];
  /** Pod-to-pod flows between the chart's pod templates and run-time pods, and flows to or from external peers. Sorted. */
  readonly flows: readonly NetworkFlow[];
  readonly externalPeers: readonly ExternalPeer[];
  /** Pod templates no policy isolates, per direction (everything is allowed there). */
  readonly notIsolated: readonly { key: string; direction: 'ingress' | 'egress' }[];
}

const ALL_PORTS = 'all ports';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const ANYWHERE: ExternalPeer = { key: 'external:any', label: 'anywhere' };

/** True when `labels` satisfy `selector`; an empty selector matches everything. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** The pod templates of the rendered objects, sorted by key. */
export function podTemplatesOf(objects: readonly any[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const o of objects) {
    const template = templateOf(o);
    if (!template) continue;
    const spec = template.spec ?? {};
    const ports = new Map<string, PodPort>();
    for (const c of spec.containers ?? []) {
      for (const p of c.ports ?? []) {
        const port: PodPort = { name: p.name, port: p.containerPort, protocol: p.protocol ?? 'TCP' };
        ports.set(`${port.port}/${port.protocol}`, port);
      }
    }
    const namespace = o.metadata?.namespace ?? 'default';
    templates.push({
      key: `${o.kind}/${namespace}/${o.metadata?.name}`,
      kind: o.kind,
      namespace,
      name: o.metadata?.name,
      labels: { ...(template.metadata?.labels ?? {}) },
      spec,
      ports: [...ports.values()].sort(comparePorts),
      object: o,
    });
  }
  return templates.sort((a, b) => compare(a.key, b.key));
}

function templateOf(o: any): any {
  switch (o?.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job': return o.spec?.template;
    case 'CronJob': return o.spec?.jobTemplate?.spec?.template;
    case 'Pod': return { metadata: o.metadata, spec: o.spec };
    default: return undefined;
  }
}

interface Peer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { cidr: string; except?: readonly string[] };
}

interface PortRule {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

interface Rule {
  /** Undefined or empty: every peer. */
  readonly peers?: readonly Peer[];
  /** Undefined or empty: every port. */
  readonly ports?: readonly PortRule[];
}

interface Policy {
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
}

function policiesOf(objects: readonly any[]): Policy[] {
  return objects.filter((o) => o?.kind === 'NetworkPolicy').map((o) => {
    const spec = o.spec ?? {};
    const types: string[] = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
    const rules = (list: any[] | undefined, side: 'from' | 'to'): Rule[] => (list ?? []).map((r) => ({ peers: r[side], ports: r.ports }));
    return {
      namespace: o.metadata?.namespace ?? 'default',
      podSelector: spec.podSelector ?? {},
      // A type listed without rules isolates and allows nothing; a type not listed leaves that direction alone.
      ingress: types.includes('Ingress') ? rules(spec.ingress, 'from') : undefined,
      egress: types.includes('Egress') ? rules(spec.egress, 'to') : undefined,
    };
  });
}

/**
 * Pods that a policy's podSelector names but no rendered workload of its namespace matches, as pod templates
 * labelled with the selector (so other policies' peers match them too). Only `matchLabels` selectors: labels
 * cannot be derived from expressions, and an empty selector names no particular pods.
 */
function runtimePodsOf(objects: readonly any[], pods: readonly PodTemplate[]): PodTemplate[] {
  const found = new Map<string, PodTemplate>();
  for (const o of objects) {
    if (o?.kind !== 'NetworkPolicy') continue;
    const selector: LabelSelector = o.spec?.podSelector ?? {};
    const labels = selector.matchLabels ?? {};
    if ((selector.matchExpressions ?? []).length > 0 || Object.keys(labels).length === 0) continue;
    const namespace = o.metadata?.namespace ?? 'default';
    if (pods.some((p) => p.namespace === namespace && matchesSelector(selector, p.labels))) continue;
    const name = selectorText(selector);
    const key = `Pods/${namespace}/${name}`;
    if (!found.has(key)) found.set(key, { key, kind: 'Pods', namespace, name, labels: { ...labels }, spec: {}, ports: [], object: o });
  }
  return [...found.values()].sort((a, b) => compare(a.key, b.key));
}

/** Evaluates the NetworkPolicies of a chart's rendered objects. */
export function analyzeNetwork(objects: readonly any[]): NetworkAnalysis {
  const workloads = podTemplatesOf(objects);
  const runtimePods = runtimePodsOf(objects, workloads);
  const pods = [...workloads, ...runtimePods];
  const policies = policiesOf(objects);
  const chartNamespaces = new Set<string>();
  const namespaceLabels = new Map<string, Record<string, string>>();
  for (const o of objects) {
    if (o?.kind === 'Namespace') {
      chartNamespaces.add(o.metadata.name);
      namespaceLabels.set(o.metadata.name, { ...(o.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: o.metadata.name });
    } else if (o?.metadata?.namespace) {
      chartNamespaces.add(o.metadata.namespace);
    }
  }
  // Kubernetes labels every namespace with its name; namespaces not rendered here are known by that label only.
  const labelsOfNamespace = (ns: string) => namespaceLabels.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };

  const selecting = (pod: PodTemplate, direction: 'ingress' | 'egress') =>
    policies.filter((p) => p[direction] !== undefined && p.namespace === pod.namespace && matchesSelector(p.podSelector, pod.labels));

  const peerMatchesPod = (peer: Peer, policyNamespace: string, pod: PodTemplate): boolean => {
    if (peer.ipBlock) return false;
    if (peer.namespaceSelector) {
      if (!matchesSelector(peer.namespaceSelector, labelsOfNamespace(pod.namespace))) return false;
    } else if (pod.namespace !== policyNamespace) {
      return false;
    }
    return matchesSelector(peer.podSelector, pod.labels);
  };

  /** What one side allows towards/from `other`: every port, or the listed port rules (resolved against `destination`). */
  interface Allowance { all: boolean; rules: PortRule[] }
  const allowance = (pod: PodTemplate, direction: 'ingress' | 'egress', other: PodTemplate): Allowance => {
    const applying = selecting(pod, direction);
    if (applying.length === 0) return { all: true, rules: [] };
    const result: Allowance = { all: false, rules: [] };
    for (const policy of applying) {
      for (const rule of policy[direction]!) {
        const peers = rule.peers ?? [];
        if (peers.length > 0 && !peers.some((peer) => peerMatchesPod(peer, policy.namespace, other))) continue;
        if (!rule.ports || rule.ports.length === 0) result.all = true;
        else result.rules.push(...rule.ports);
      }
    }
    return result;
  };

  const flows = new Map<string, { from: string; to: string; ports: Set<string> }>();
  const addFlow = (from: string, to: string, ports: readonly string[]) => {
    const key = `${from}\u0000${to}`;
    const flow = flows.get(key) ?? { from, to, ports: new Set<string>() };
    ports.forEach((p) => flow.ports.add(p));
    flows.set(key, flow);
  };

  for (const source of pods) {
    for (const destination of pods) {
      const ingress = allowance(destination, 'ingress', source);
      const egress = allowance(source, 'egress', destination);
      // Pods of one workload talking to each other (cluster gossip) are drawn only when a rule allows it explicitly.
      if (source.key === destination.key && (selecting(source, 'ingress').length === 0 || selecting(source, 'egress').length === 0)) continue;
      if (ingress.all && egress.all) {
        addFlow(source.key, destination.key, [ALL_PORTS]);
        continue;
      }
      const candidates = new Map<string, PodPort>();
      for (const p of destination.ports) candidates.set(`${p.port}/${p.protocol}`, p);
      for (const r of [...ingress.rules, ...egress.rules]) {
        if (typeof r.port === 'number') candidates.set(`${r.port}/${r.protocol ?? 'TCP'}`, { port: r.port, protocol: r.protocol ?? 'TCP' });
      }
      const allowed = [...candidates.values()]
        .filter((p) => permits(ingress, p, destination) && permits(egress, p, destination))
        .sort(comparePorts).map(portLabel);
      if (allowed.length > 0) addFlow(source.key, destination.key, allowed);
    }
  }

  // Peers outside the chart's pods. Their own policies are not rendered here, so only this side's rule is known.
  const externals = new Map<string, ExternalPeer>();
  const notIsolated: { key: string; direction: 'ingress' | 'egress' }[] = [];
  for (const pod of pods) {
    for (const direction of ['ingress', 'egress'] as const) {
      const applying = selecting(pod, direction);
      const link = (peer: ExternalPeer, ports: readonly string[]) => {
        externals.set(peer.key, peer);
        if (direction === 'ingress') addFlow(peer.key, pod.key, ports);
        else addFlow(pod.key, peer.key, ports);
      };
      if (applying.length === 0) {
        notIsolated.push({ key: pod.key, direction });
        link(ANYWHERE, [ALL_PORTS]);
        continue;
      }
      for (const policy of applying) {
        for (const rule of policy[direction]!) {
          const ports = portLabels(rule.ports, direction === 'ingress' ? pod : undefined);
          const peers = rule.peers ?? [];
          if (peers.length === 0) link(ANYWHERE, ports);
          for (const peer of peers) {
            const external = externalPeer(peer, policy.namespace, chartNamespaces);
            if (external) link(external, ports);
          }
        }
      }
    }
  }

  return {
    podTemplates: workloads,
    runtimePods,
    flows: [...flows.values()]
      .map((f) => ({ from: f.from, to: f.to, ports: sortPortLabels([...f.ports]) }))
      .sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to)),
    externalPeers: [...externals.values()].sort((a, b) => compare(a.key, b.key)),
    notIsolated: notIsolated.sort((a, b) => compare(a.key, b.key) || compare(a.direction, b.direction)),
  };
}

/** Whether an allowance admits traffic to `port` of `destination` (named rule ports resolve on the destination). */
function permits(allowance: { all: boolean; rules: readonly PortRule[] }, port: PodPort, destination: PodTemplate): boolean {
  if (allowance.all) return true;
  return allowance.rules.some((r) => {
    if ((r.protocol ?? 'TCP') !== port.protocol) return false;
    if (r.port === undefined) return true;
    if (typeof r.port === 'string') {
      if (/^\d+$/.test(r.port)) return Number(r.port) === port.port;
      return destination.ports.some((p) => p.name === r.port && p.port === port.port && p.protocol === port.protocol);
    }
    return r.endPort !== undefined ? port.port >= r.port && port.port <= r.endPort : r.port === port.port;
  });
}

/** Labels of a rule's ports; named ports resolve against `pod` when known. */
function portLabels(ports: readonly PortRule[] | undefined, pod: PodTemplate | undefined): string[] {
  if (!ports || ports.length === 0) return [ALL_PORTS];
  return sortPortLabels(ports.map((r) => {
    const protocol = r.protocol ?? 'TCP';
    if (r.port === undefined) return protocol === 'TCP' ? ALL_PORTS : `all ${protocol}`;
    let port: number | string = r.port;
    if (typeof port === 'string' && !/^\d+$/.test(port)) {
      port = pod?.ports.find((p) => p.name === r.port && p.protocol === protocol)?.port ?? port;
    }
    const range = r.endPort !== undefined ? `${port}-${r.endPort}` : `${port}`;
    return protocol === 'TCP' ? range : `${range}/${protocol}`;
  }));
}

/** The external peer a policy peer names, or undefined when it only selects the chart's own pods. */
function externalPeer(peer: Peer, policyNamespace: string, chartNamespaces: ReadonlySet<string>): ExternalPeer | undefined {
  if (peer.ipBlock) {
    const { cidr, except } = peer.ipBlock;
    const exceptList = [...(except ?? [])].sort();
    const exceptText = exceptList.length > 0 ? ` except ${exceptList.join(', ')}` : '';
    const key = `external:ip:${cidr}${exceptText}`;
    if (cidr === '0.0.0.0/0' && exceptList.join(',') === PRIVATE_RANGES.join(',')) return { key, label: 'internet (public IPv4)' };
    return { key, label: cidr === '0.0.0.0/0' || cidr === '::/0' ? `internet (${cidr}${exceptText})` : `${cidr}${exceptText}` };
  }
  const pods = selectorText(peer.podSelector);
  if (!peer.namespaceSelector) {
    // A pod selector alone stays in the policy's namespace, which the chart renders.
    return undefined;
  }
  const nsLabels = peer.namespaceSelector.matchLabels ?? {};
  const named = nsLabels[NAMESPACE_NAME_LABEL];
  const onlyByName = named !== undefined && Object.keys(nsLabels).length === 1 && (peer.namespaceSelector.matchExpressions ?? []).length === 0;
  if (onlyByName && (chartNamespaces.has(named) || named === policyNamespace)) return undefined;
  const namespaces = onlyByName ? named : selectorText(peer.namespaceSelector) || 'any namespace';
  const envoy = envoyGatewayProxies(peer.podSelector);
  if (envoy) return { key: `external:pods:${namespaces}|${pods}`, label: envoy };
  const short = shortPodName(peer.podSelector);
  const label = short ? `${namespaces}/${short}` : pods ? `${namespaces}: ${pods}` : `${namespaces} (all pods)`;
  return { key: `external:pods:${namespaces}|${pods}`, label };
}

/** Envoy Gateway's proxies of one Gateway (labels of envoyproxy/gateway v1.9.0), named after that Gateway. */
function envoyGatewayProxies(selector: LabelSelector | undefined): string | undefined {
  const labels = selector?.matchLabels ?? {};
  const name = labels['gateway.envoyproxy.io/owning-gateway-name'];
  const namespace = labels['gateway.envoyproxy.io/owning-gateway-namespace'];
  if (labels['app.kubernetes.io/managed-by'] !== 'envoy-gateway' || name === undefined || namespace === undefined) return undefined;
  return `Envoy proxies of Gateway ${namespace}/${name}`;
}

function shortPodName(selector: LabelSelector | undefined): string | undefined {
  const labels = selector?.matchLabels ?? {};
  if ((selector?.matchExpressions ?? []).length > 0 || Object.keys(labels).length !== 1) return undefined;
  return labels['app.kubernetes.io/name'] ?? labels['k8s-app'] ?? labels.app ?? labels['app.kubernetes.io/instance'];
}

function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return '';
  const parts = Object.keys(selector.matchLabels ?? {}).sort().map((k) => `${k}=${selector.matchLabels![k]}`);
  for (const e of selector.matchExpressions ?? []) parts.push(`${e.key} ${e.operator}${e.values ? ` (${[...e.values].sort().join(',')})` : ''}`);
  return parts.join(', ');
}

function portLabel(p: PodPort): string {
  return p.protocol === 'TCP' ? `${p.port}` : `${p.port}/${p.protocol}`;
}

/** Numeric order, protocols after, `all …` last. */
export function sortPortLabels(labels: readonly string[]): string[] {
  const rank = (l: string) => {
    const m = /^(\d+)/.exec(l);
    return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
  };
  return [...new Set(labels)].sort((a, b) => rank(a) - rank(b) || compare(a, b));
}

function comparePorts(a: PodPort, b: PodPort): number {
  return a.port - b.port || compare(a.protocol, b.protocol);
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

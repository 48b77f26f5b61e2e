/**
 * Rules `ref/*`: references between the rendered objects (plus the declared external ones) must
 * resolve. References are same-namespace unless the API says otherwise.
 */
import { Issue } from './findings';
import { Inventory } from './inventory';
import {
  ContainerPort, containerLabel, containersOf, formatLabels, isEmptySelector, isKind, K8sObject, LabelSelector,
  labelSelectorSelects, list, mapSelects, nameOf, namespaceOf, PodTemplate, PortRef, record, str, StringMap, strings,
} from './k8s';
import { RuleId } from './rules';

/** ConfigMaps that Kubernetes creates in every namespace. */
const BUILT_IN_CONFIGMAPS: ReadonlySet<string> = new Set(['kube-root-ca.crt']);
const CERT_MANAGER_ISSUER_ANNOTATIONS = ['cert-manager.io/cluster-issuer', 'cert-manager.io/issuer'];
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type Emit = (rule: RuleId, object: K8sObject, path: string, message: string, fix: string) => void;

/** Runs every `ref/*` rule over the inventory. */
export function checkReferences(inventory: Inventory, objects: readonly K8sObject[]): Issue[] {
  const issues: Issue[] = [];
  const emit: Emit = (rule, object, path, message, fix) => issues.push({ rule, object, path, message, fix });
  for (const template of inventory.podTemplates) {
    checkWorkloadSelector(emit, template);
    checkProbePorts(emit, template);
    checkPodReferences(emit, inventory, template);
  }
  for (const object of objects) {
    if (isKind(object, '', 'Service')) checkService(emit, inventory, object);
    else if (isKind(object, 'networking.k8s.io', 'Ingress')) checkIngress(emit, inventory, object);
    else if (isKind(object, 'gateway.networking.k8s.io', 'HTTPRoute')) checkGatewayApiRoute(emit, inventory, object);
    else if (isKind(object, 'gateway.networking.k8s.io', 'Gateway')) checkGatewayListeners(emit, inventory, object);
    else if (isKind(object, 'policy', 'PodDisruptionBudget')) checkPdb(emit, inventory, object);
    else if (isKind(object, 'monitoring.coreos.com', 'ServiceMonitor')) checkServiceMonitor(emit, inventory, object);
    else if (isKind(object, 'networking.k8s.io', 'NetworkPolicy')) checkNetworkPolicy(emit, inventory, object);
    const namespace = namespaceOf(object);
    if (namespace !== undefined && !inventory.namespaceExists(namespace)) {
      emit(
        'ref/missing-namespace',
        object,
        'metadata.namespace',
        `namespace ${namespace} is neither rendered nor declared external`,
        `render a Namespace ${namespace} in this chart, or declare it with addExternalReference({ kind: 'Namespace', name: '${namespace}', reason })`,
      );
    }
  }
  checkHostsServedTwice(emit, objects);
  for (const autoscaler of inventory.autoscalers) {
    const { object, targetKind, targetName } = autoscaler;
    if (!inventory.exists(targetKind, namespaceOf(object), targetName)) {
      emit(
        'ref/hpa-target',
        object,
        'spec.scaleTargetRef.name',
        `scales ${targetKind} ${targetName}, which is not rendered in namespace ${namespaceOf(object) ?? '(none)'}`,
        `point spec.scaleTargetRef at a rendered workload (${workloadsIn(inventory, namespaceOf(object))})`,
      );
    }
  }
  return issues;
}

function describeTemplate(template: PodTemplate): string {
  return `${template.workload.kind} ${nameOf(template.workload) ?? '?'} (${formatLabels(template.metadata.labels)})`;
}

function workloadsIn(inventory: Inventory, namespace: string | undefined): string {
  const templates = inventory.podTemplatesIn(namespace);
  return templates.length === 0 ? `there are no workloads in ${namespace ?? '(no namespace)'}` : `candidates: ${templates.map(describeTemplate).join('; ')}`;
}

function externalHint(kind: string, namespace: string | undefined, name: string): string {
  return `or declare it with addExternalReference({ kind: '${kind}', namespace: '${namespace ?? ''}', name: '${name}', reason })`;
}

function checkWorkloadSelector(emit: Emit, template: PodTemplate): void {
  const { workload } = template;
  const selector = (record(workload.spec as { selector?: LabelSelector }).selector);
  if (workload.kind === 'Pod' || workload.kind === 'CronJob' || selector === undefined) return;
  const labels = template.metadata.labels;
  if (isEmptySelector(record(selector)) || !labelSelectorSelects(record(selector), labels)) {
    emit(
      'ref/selector-mismatch',
      workload,
      'spec.selector',
      `spec.selector (${formatLabels(record(selector).matchLabels)}) does not select the pod template labels (${formatLabels(labels)})`,
      `make spec.selector.matchLabels a non-empty subset of ${template.metadataPath}.labels`,
    );
  }
}

function portMatches(port: ContainerPort, ref: PortRef): boolean {
  return typeof ref === 'number' ? port.containerPort === ref : port.name === ref;
}

function describePorts(ports: readonly ContainerPort[]): string {
  return ports.length === 0 ? 'none' : ports.map((port) => (port.name ? `${port.containerPort}/${port.name}` : `${port.containerPort}`)).join(', ');
}

function checkProbePorts(emit: Emit, template: PodTemplate): void {
  for (const ref of containersOf(template, ['containers', 'initContainers'])) {
    const ports = list(ref.container.ports).map(record);
    for (const probeName of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const probe = record(ref.container[probeName]);
      for (const handler of ['httpGet', 'tcpSocket', 'grpc'] as const) {
        const port = record(probe[handler]).port;
        if (port === undefined || ports.some((p) => portMatches(p, port))) continue;
        emit(
          'ref/probe-port',
          template.workload,
          `${ref.path}.${probeName}.${handler}.port`,
          `${probeName} of ${containerLabel(ref)} uses port ${port}, which is not one of its containerPorts (${describePorts(ports)})`,
          `declare it in ${ref.path}.ports (containerPort and name), or point the probe at a declared port`,
        );
      }
    }
  }
}

interface RefSite {
  readonly kind: 'ConfigMap' | 'Secret' | 'PersistentVolumeClaim';
  readonly name: string | undefined;
  readonly path: string;
  readonly optional?: boolean;
}

/** Every ConfigMap, Secret and PVC a pod template refers to. */
function podRefSites(template: PodTemplate): RefSite[] {
  const { spec, specPath } = template;
  const sites: RefSite[] = [];
  list(spec.volumes).forEach((volume, i) => {
    const at = `${specPath}.volumes[${i}]`;
    const { configMap, secret, persistentVolumeClaim, projected } = record(volume);
    if (configMap) sites.push({ kind: 'ConfigMap', name: str(configMap.name), path: `${at}.configMap.name`, optional: configMap.optional });
    if (secret) sites.push({ kind: 'Secret', name: str(secret.secretName), path: `${at}.secret.secretName`, optional: secret.optional });
    if (persistentVolumeClaim) sites.push({ kind: 'PersistentVolumeClaim', name: str(persistentVolumeClaim.claimName), path: `${at}.persistentVolumeClaim.claimName` });
    list(record(projected).sources).forEach((source, j) => {
      const { configMap: projectedConfigMap, secret: projectedSecret } = record(source);
      const sourceAt = `${at}.projected.sources[${j}]`;
      if (projectedConfigMap) sites.push({ kind: 'ConfigMap', name: str(projectedConfigMap.name), path: `${sourceAt}.configMap.name`, optional: projectedConfigMap.optional });
      if (projectedSecret) sites.push({ kind: 'Secret', name: str(projectedSecret.name), path: `${sourceAt}.secret.name`, optional: projectedSecret.optional });
    });
  });
  for (const ref of containersOf(template)) {
    list(ref.container.envFrom).forEach((source, j) => {
      const { configMapRef, secretRef } = record(source);
      if (configMapRef) sites.push({ kind: 'ConfigMap', name: str(configMapRef.name), path: `${ref.path}.envFrom[${j}].configMapRef.name`, optional: configMapRef.optional });
      if (secretRef) sites.push({ kind: 'Secret', name: str(secretRef.name), path: `${ref.path}.envFrom[${j}].secretRef.name`, optional: secretRef.optional });
    });
    list(ref.container.env).forEach((variable, j) => {
      const { configMapKeyRef, secretKeyRef } = record(record(variable).valueFrom);
      const at = `${ref.path}.env[${j}].valueFrom`;
      if (configMapKeyRef) sites.push({ kind: 'ConfigMap', name: str(configMapKeyRef.name), path: `${at}.configMapKeyRef.name`, optional: configMapKeyRef.optional });
      if (secretKeyRef) sites.push({ kind: 'Secret', name: str(secretKeyRef.name), path: `${at}.secretKeyRef.name`, optional: secretKeyRef.optional });
    });
  }
  list(spec.imagePullSecrets).forEach((secret, i) => {
    sites.push({ kind: 'Secret', name: str(record(secret).name), path: `${specPath}.imagePullSecrets[${i}].name` });
  });
  return sites;
}

const MISSING_RULE: Readonly<Record<RefSite['kind'], RuleId>> = {
  ConfigMap: 'ref/missing-configmap',
  Secret: 'ref/missing-secret',
  PersistentVolumeClaim: 'ref/missing-pvc',
};

const HOW_TO_PROVIDE: Readonly<Record<RefSite['kind'], string>> = {
  ConfigMap: 'render the ConfigMap in this namespace',
  Secret: 'render a SealedSecret or an ExternalSecret that creates it in this namespace',
  PersistentVolumeClaim: 'render the PersistentVolumeClaim in this namespace (or use a StatefulSet volumeClaimTemplate)',
};

function refExists(inventory: Inventory, site: RefSite, namespace: string | undefined): boolean {
  const name = site.name ?? '';
  switch (site.kind) {
    case 'Secret':
      return inventory.secretExists(namespace, name);
    case 'ConfigMap':
      return BUILT_IN_CONFIGMAPS.has(name) || inventory.exists('ConfigMap', namespace, name);
    case 'PersistentVolumeClaim':
      return inventory.exists(site.kind, namespace, name) || inventory.statefulSetClaimPrefixes(namespace).some((prefix) => name.startsWith(prefix));
  }
}

function checkPodReferences(emit: Emit, inventory: Inventory, template: PodTemplate): void {
  const { namespace, spec, specPath, workload } = template;
  const account = str(spec.serviceAccountName) ?? str(spec.serviceAccount);
  if (account !== undefined && account !== 'default' && !inventory.exists('ServiceAccount', namespace, account)) {
    emit(
      'ref/missing-serviceaccount',
      workload,
      `${specPath}.serviceAccountName`,
      `ServiceAccount ${account} is not rendered in namespace ${namespace ?? '(none)'}`,
      `render the ServiceAccount (the Workload construct creates one), ${externalHint('ServiceAccount', namespace, account)}`,
    );
  }
  for (const site of podRefSites(template)) {
    if (site.optional === true || refExists(inventory, site, namespace)) continue;
    const name = site.name ?? '(no name)';
    emit(
      MISSING_RULE[site.kind],
      workload,
      site.path,
      `${site.kind} ${name} is not rendered in namespace ${namespace ?? '(none)'}`,
      `${HOW_TO_PROVIDE[site.kind]}, ${externalHint(site.kind, namespace, name)}`,
    );
  }
}

interface ServicePort {
  readonly name?: string;
  readonly port?: number;
  readonly targetPort?: PortRef;
}

interface ServiceSpec {
  readonly type?: string;
  readonly selector?: StringMap;
  readonly ports?: readonly ServicePort[];
}

function servicePorts(service: K8sObject): ServicePort[] {
  return list(record(service.spec as ServiceSpec | undefined).ports).map(record);
}

function checkService(emit: Emit, inventory: Inventory, service: K8sObject): void {
  const spec = record(service.spec as ServiceSpec | undefined);
  const selector = record(spec.selector);
  if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) return;
  const namespace = namespaceOf(service);
  const selected = inventory.podTemplatesIn(namespace).filter((template) => mapSelects(selector, template.metadata.labels));
  if (selected.length === 0) {
    emit(
      'ref/service-selects-nothing',
      service,
      'spec.selector',
      `selector ${formatLabels(selector)} matches no pod template in namespace ${namespace ?? '(none)'}`,
      `set spec.selector to the labels of the pods it routes to; ${workloadsIn(inventory, namespace)}`,
    );
    return;
  }
  const podPorts = selected.flatMap((template) => containersOf(template, ['containers']).flatMap((ref) => list(ref.container.ports).map(record)));
  servicePorts(service).forEach((port, i) => {
    const target = port.targetPort ?? port.port;
    if (target === undefined || podPorts.some((p) => portMatches(p, target))) return;
    emit(
      'ref/service-target-port',
      service,
      `spec.ports[${i}].${port.targetPort !== undefined ? 'targetPort' : 'port'}`,
      `target port ${target} is not a containerPort of the selected pods (${describePorts(podPorts)})`,
      `set spec.ports[${i}].targetPort to one of the containers' ports by name or number, or declare the port on the container`,
    );
  });
}

/** Checks that Service `name` exists in `namespace` and has `port` (number or name); `path` points at the reference. */
function checkServiceBackend(
  emit: Emit,
  inventory: Inventory,
  rule: RuleId,
  object: K8sObject,
  backend: { namespace: string | undefined; name: string | undefined; port: PortRef | undefined; path: string; portPath: string },
): void {
  const name = backend.name ?? '';
  const service = inventory.find('Service', backend.namespace, name);
  if (!service) {
    if (inventory.isExternal('Service', backend.namespace, name)) return;
    emit(rule, object, backend.path, `Service ${name} is not rendered in namespace ${backend.namespace ?? '(none)'}`,
      `point the backend at a rendered Service, ${externalHint('Service', backend.namespace, name)}`);
    return;
  }
  const ports = servicePorts(service);
  const port = backend.port;
  if (port === undefined || ports.some((p) => (typeof port === 'number' ? p.port === port : p.name === port))) return;
  const known = ports.map((p) => (p.name ? `${p.port}/${p.name}` : `${p.port}`)).join(', ') || 'none';
  emit(rule, object, backend.portPath, `Service ${name} has no port ${port} (ports: ${known})`, `use one of the Service's ports: ${known}`);
}

interface IngressBackend {
  readonly service?: { readonly name?: string; readonly port?: { readonly number?: number; readonly name?: string } };
}

interface IngressSpec {
  readonly defaultBackend?: IngressBackend;
  readonly rules?: readonly { readonly host?: string; readonly http?: { readonly paths?: readonly { readonly backend?: IngressBackend }[] } }[];
  readonly tls?: readonly { readonly hosts?: readonly string[]; readonly secretName?: string }[];
}

function checkIngress(emit: Emit, inventory: Inventory, ingress: K8sObject): void {
  const spec = record(ingress.spec as IngressSpec | undefined);
  const namespace = namespaceOf(ingress);
  const backends: { backend: IngressBackend; path: string }[] = [];
  if (spec.defaultBackend) backends.push({ backend: spec.defaultBackend, path: 'spec.defaultBackend' });
  list(spec.rules).forEach((rule, i) =>
    list(record(record(rule).http).paths).forEach((p, j) => backends.push({ backend: record(record(p).backend), path: `spec.rules[${i}].http.paths[${j}].backend` })),
  );
  for (const { backend, path } of backends) {
    const service = record(backend).service;
    if (!service) continue;
    const port = record(service.port);
    checkServiceBackend(emit, inventory, 'ref/ingress-backend', ingress, {
      namespace,
      name: str(service.name),
      port: port.number ?? port.name,
      path: `${path}.service.name`,
      portPath: `${path}.service.port.${port.number !== undefined ? 'number' : 'name'}`,
    });
  }
  const annotations = record(ingress.metadata?.annotations);
  const issuedByCertManager = CERT_MANAGER_ISSUER_ANNOTATIONS.some((key) => str(annotations[key]) !== undefined);
  list(spec.tls).forEach((tls, i) => {
    const secretName = str(record(tls).secretName);
    if (secretName === undefined || issuedByCertManager || inventory.secretExists(namespace, secretName)) return;
    emit(
      'ref/missing-secret',
      ingress,
      `spec.tls[${i}].secretName`,
      `TLS Secret ${secretName} is not rendered in namespace ${namespace ?? '(none)'} and no cert-manager issuer annotation creates it`,
      `annotate the Ingress with cert-manager.io/cluster-issuer, render a cert-manager Certificate with spec.secretName: ${secretName}, ${externalHint('Secret', namespace, secretName)}`,
    );
  });
}

interface HttpRouteSpec {
  readonly rules?: readonly {
    readonly backendRefs?: readonly { readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string; readonly port?: number }[];
  }[];
}

function checkHttpRoute(emit: Emit, inventory: Inventory, route: K8sObject): void {
  list(record(route.spec as HttpRouteSpec | undefined).rules).forEach((rule, i) =>
    list(record(rule).backendRefs).forEach((ref, j) => {
      const { group, kind, name, namespace, port } = record(ref);
      if ((group ?? '') !== '' || (kind ?? 'Service') !== 'Service') return;
      const path = `spec.rules[${i}].backendRefs[${j}]`;
      checkServiceBackend(emit, inventory, 'ref/httproute-backend', route, {
        namespace: str(namespace) ?? namespaceOf(route),
        name: str(name),
        port,
        path: `${path}.name`,
        portPath: `${path}.port`,
      });
    }),
  );
}

function checkPdb(emit: Emit, inventory: Inventory, pdb: K8sObject): void {
  const selector = record(pdb.spec as { selector?: LabelSelector } | undefined).selector;
  const namespace = namespaceOf(pdb);
  if (selector !== undefined && inventory.podTemplatesIn(namespace).some((template) => labelSelectorSelects(record(selector), template.metadata.labels))) return;
  emit(
    'ref/pdb-selects-nothing',
    pdb,
    'spec.selector',
    `spec.selector (${formatLabels(record(selector).matchLabels)}) selects no pod template in namespace ${namespace ?? '(none)'}`,
    `set spec.selector.matchLabels to the labels of the workload it protects; ${workloadsIn(inventory, namespace)}`,
  );
}

interface ServiceMonitorSpec {
  readonly selector?: LabelSelector;
  readonly namespaceSelector?: { readonly any?: boolean; readonly matchNames?: readonly string[] };
  readonly endpoints?: readonly { readonly port?: string }[];
}

function checkServiceMonitor(emit: Emit, inventory: Inventory, monitor: K8sObject): void {
  const spec = record(monitor.spec as ServiceMonitorSpec | undefined);
  const namespaceSelector = record(spec.namespaceSelector);
  const wanted = namespaceSelector.any === true
    ? inventory.renderedNamespaces()
    : strings(namespaceSelector.matchNames).length > 0 ? strings(namespaceSelector.matchNames) : [namespaceOf(monitor) ?? ''];
  const namespaces = wanted.filter((namespace) => inventory.rendersInNamespace(namespace));
  if (namespaces.length === 0) return; // the monitored namespaces are not ours
  const services = inventory.ofKind('', 'Service').filter((service) => namespaces.includes(namespaceOf(service) ?? ''));
  const selected = services.filter((service) => labelSelectorSelects(record(spec.selector), service.metadata?.labels));
  if (selected.length === 0) {
    emit(
      'ref/servicemonitor-selects-nothing',
      monitor,
      'spec.selector',
      `spec.selector (${formatLabels(record(spec.selector).matchLabels)}) matches no Service in ${namespaces.join(', ')}`,
      `set spec.selector.matchLabels to the labels of the Service to scrape (Services: ${services.map((s) => `${nameOf(s)} (${formatLabels(s.metadata?.labels)})`).join('; ') || 'none'})`,
    );
    return;
  }
  const portNames = selected.flatMap((service) => servicePorts(service).flatMap((port) => str(port.name) ?? []));
  list(spec.endpoints).forEach((endpoint, i) => {
    const port = str(record(endpoint).port);
    if (port === undefined || portNames.includes(port)) return;
    emit(
      'ref/servicemonitor-selects-nothing',
      monitor,
      `spec.endpoints[${i}].port`,
      `endpoint port "${port}" is not a named port of the selected Services (${portNames.join(', ') || 'no named ports'})`,
      `set spec.endpoints[${i}].port to the name of a Service port, and name that port on the Service`,
    );
  });
}

interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
}

interface NetworkPolicySpec {
  readonly ingress?: readonly { readonly from?: readonly NetworkPolicyPeer[] }[];
  readonly egress?: readonly { readonly to?: readonly NetworkPolicyPeer[] }[];
}

/**
 * The namespaces a peer's namespaceSelector names exactly: the policy's own when absent, or the
 * values of `kubernetes.io/metadata.name`. Undefined when it selects by other labels, which
 * namespaces outside this chart may carry too.
 */
function exactNamespaces(peer: NetworkPolicyPeer, own: string | undefined): string[] | undefined {
  if (peer.namespaceSelector === undefined) return own !== undefined ? [own] : undefined;
  const selector = record(peer.namespaceSelector);
  const labels = Object.entries(record(selector.matchLabels));
  const expressions = list(selector.matchExpressions);
  if (labels.length === 1 && labels[0][0] === NAMESPACE_NAME_LABEL && expressions.length === 0) return [labels[0][1]];
  if (labels.length === 0 && expressions.length === 1 && expressions[0].key === NAMESPACE_NAME_LABEL && expressions[0].operator === 'In') {
    return strings(expressions[0].values);
  }
  return undefined;
}

function checkNetworkPolicy(emit: Emit, inventory: Inventory, policy: K8sObject): void {
  const spec = record(policy.spec as NetworkPolicySpec | undefined);
  const peers = [
    ...list(spec.ingress).flatMap((rule, i) => list(record(rule).from).map((peer, j) => ({ peer: record(peer), path: `spec.ingress[${i}].from[${j}]` }))),
    ...list(spec.egress).flatMap((rule, i) => list(record(rule).to).map((peer, j) => ({ peer: record(peer), path: `spec.egress[${i}].to[${j}]` }))),
  ];
  for (const { peer, path } of peers) {
    if (peer.podSelector === undefined || isEmptySelector(record(peer.podSelector))) continue;
    const namespaces = exactNamespaces(peer, namespaceOf(policy))?.filter((namespace) => inventory.rendersInNamespace(namespace));
    if (namespaces === undefined || namespaces.length === 0) continue; // peers outside this chart are external
    const matches = namespaces.some((namespace) =>
      inventory.podTemplatesIn(namespace).some((template) => labelSelectorSelects(record(peer.podSelector), template.metadata.labels)),
    );
    if (matches) continue;
    emit(
      'ref/netpol-peer-selects-nothing',
      policy,
      `${path}.podSelector`,
      `podSelector (${formatLabels(record(peer.podSelector).matchLabels)}) matches no pod template in ${namespaces.join(', ')}`,
      `select the labels of a rendered workload (${namespaces.map((namespace) => workloadsIn(inventory, namespace)).join('; ')}), or remove the peer`,
    );
  }
}

// ---- Gateway API: the same reference rules as for an Ingress (parent, backends, certificates), plus
// ReferenceGrants for every cross-namespace reference, and one owner per host on one edge. ----

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

interface GatewayListener {
  readonly name?: string;
  readonly hostname?: string;
  readonly protocol?: string;
  readonly tls?: { readonly certificateRefs?: readonly { readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string }[] };
  readonly allowedRoutes?: { readonly namespaces?: { readonly from?: string; readonly selector?: LabelSelector } };
}

interface ParentRef { readonly group?: string; readonly kind?: string; readonly name?: string; readonly namespace?: string; readonly sectionName?: string }

interface GrantSide { readonly group?: string; readonly kind?: string; readonly namespace?: string; readonly name?: string }

function checkGatewayApiRoute(emit: Emit, inventory: Inventory, route: K8sObject): void {
  checkHttpRoute(emit, inventory, route);
  checkHttpRouteParents(emit, inventory, route);
  checkHttpRouteGrants(emit, inventory, route);
}

/** Whether a ReferenceGrant in `namespace` lets `from` (kind in namespace) refer to `to` (kind, name). */
function granted(inventory: Inventory, namespace: string, from: { kind: string; namespace: string }, to: { group: string; kind: string; name: string }): boolean {
  return inventory.ofKind(GATEWAY_API_GROUP, 'ReferenceGrant').some((grant) => {
    if (namespaceOf(grant) !== namespace) return false;
    const spec = record(grant.spec as { from?: readonly GrantSide[]; to?: readonly GrantSide[] } | undefined);
    return list(spec.from).some((f) => f.group === GATEWAY_API_GROUP && f.kind === from.kind && f.namespace === from.namespace)
      && list(spec.to).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === to.name));
  });
}

/** The labels a namespace selector sees: the rendered Namespace's labels plus the automatic name label. */
function namespaceLabels(inventory: Inventory, namespace: string): StringMap {
  return { ...record(inventory.namespaceObject(namespace)?.metadata?.labels), [NAMESPACE_NAME_LABEL]: namespace };
}

function listenerAdmits(inventory: Inventory, listener: GatewayListener, gatewayNamespace: string, routeNamespace: string): boolean {
  const namespaces = record(record(listener.allowedRoutes).namespaces);
  const from = namespaces.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Selector') return labelSelectorSelects(record(namespaces.selector), namespaceLabels(inventory, routeNamespace));
  return gatewayNamespace === routeNamespace;
}

function hostnameMatches(listenerHost: string | undefined, routeHost: string): boolean {
  if (listenerHost === undefined) return true;
  if (listenerHost.startsWith('*.')) return routeHost.endsWith(listenerHost.slice(1)) || routeHost === listenerHost;
  return listenerHost === routeHost || (routeHost.startsWith('*.') && listenerHost.endsWith(routeHost.slice(1)));
}

/** Each parentRef names a Gateway we render (or declare), a listener it has, which admits the route's namespace and hosts. */
function checkHttpRouteParents(emit: Emit, inventory: Inventory, route: K8sObject): void {
  const routeNamespace = namespaceOf(route) ?? '';
  const spec = record(route.spec as { parentRefs?: readonly ParentRef[]; hostnames?: readonly string[] } | undefined);
  list(spec.parentRefs).forEach((ref, i) => {
    if ((ref.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (ref.kind ?? 'Gateway') !== 'Gateway') return;
    const name = ref.name ?? '';
    const namespace = ref.namespace ?? routeNamespace;
    const path = `spec.parentRefs[${i}]`;
    const gateway = inventory.find('Gateway', namespace, name);
    if (!gateway) {
      if (inventory.isExternal('Gateway', namespace, name)) return;
      const known = inventory.ofKind(GATEWAY_API_GROUP, 'Gateway').map((g) => `${namespaceOf(g)}/${nameOf(g)}`).join(', ') || 'none';
      emit('ref/httproute-parent', route, `${path}.name`, `parent Gateway ${namespace}/${name} is not rendered (Gateways: ${known})`,
        `attach the route to a rendered Gateway, ${externalHint('Gateway', namespace, name)}`);
      return;
    }
    const listeners = list(record(gateway.spec as { listeners?: readonly GatewayListener[] } | undefined).listeners);
    const chosen = ref.sectionName === undefined ? listeners : listeners.filter((l) => l.name === ref.sectionName);
    if (chosen.length === 0) {
      emit('ref/httproute-parent', route, `${path}.sectionName`,
        `Gateway ${namespace}/${name} has no listener ${ref.sectionName} (listeners: ${listeners.map((l) => l.name).join(', ') || 'none'})`,
        'set sectionName to one of the Gateway\'s listener names');
      return;
    }
    const admitting = chosen.filter((l) => listenerAdmits(inventory, l, namespace, routeNamespace));
    if (admitting.length === 0) {
      emit('ref/httproute-parent', route, path,
        `listener ${chosen.map((l) => l.name).join(', ')} of Gateway ${namespace}/${name} does not admit routes from namespace ${routeNamespace}`,
        `allow namespace ${routeNamespace} in the listener's allowedRoutes.namespaces (Same, Selector or All)`);
      return;
    }
    list(spec.hostnames).forEach((host, j) => {
      if (admitting.some((l) => hostnameMatches(l.hostname, host))) return;
      emit('ref/httproute-parent', route, `spec.hostnames[${j}]`,
        `host ${host} matches no hostname of listener ${admitting.map((l) => `${l.name} (${l.hostname ?? '*'})`).join(', ')}, so the route serves nothing for it`,
        'attach the route to the listener of that host, or add a listener for it');
    });
  });
}

/** A backendRef into another namespace needs a ReferenceGrant there (Gateway API's cross-namespace rule). */
function checkHttpRouteGrants(emit: Emit, inventory: Inventory, route: K8sObject): void {
  const routeNamespace = namespaceOf(route) ?? '';
  list(record(route.spec as HttpRouteSpec | undefined).rules).forEach((rule, i) =>
    list(record(rule).backendRefs).forEach((ref, j) => {
      const { group, kind, name, namespace } = record(ref);
      if ((group ?? '') !== '' || (kind ?? 'Service') !== 'Service' || namespace === undefined || namespace === routeNamespace) return;
      if (granted(inventory, namespace, { kind: 'HTTPRoute', namespace: routeNamespace }, { group: '', kind: 'Service', name: name ?? '' })) return;
      emit('ref/reference-grant', route, `spec.rules[${i}].backendRefs[${j}].namespace`,
        `backend Service ${namespace}/${name} is in another namespace and no ReferenceGrant in ${namespace} allows HTTPRoutes from ${routeNamespace}`,
        `render a ReferenceGrant in ${namespace} from HTTPRoute in ${routeNamespace} to Service ${name}, or route to a Service in ${routeNamespace}`);
    }),
  );
}

/** Whether an Ingress in `namespace` with a cert-manager issuer annotation lists `secretName` (cert-manager's ingress-shim issues it). */
function issuedByIngressShim(inventory: Inventory, namespace: string, secretName: string): boolean {
  return inventory.ofKind('networking.k8s.io', 'Ingress').some((ingress) => namespaceOf(ingress) === namespace
    && CERT_MANAGER_ISSUER_ANNOTATIONS.some((key) => str(record(ingress.metadata?.annotations)[key]) !== undefined)
    && list(record(ingress.spec as IngressSpec | undefined).tls).some((tls) => record(tls).secretName === secretName));
}

/** Every listener certificate resolves (as for an Ingress's TLS), across namespaces only with a ReferenceGrant. */
function checkGatewayListeners(emit: Emit, inventory: Inventory, gateway: K8sObject): void {
  const gatewayNamespace = namespaceOf(gateway) ?? '';
  list(record(gateway.spec as { listeners?: readonly GatewayListener[] } | undefined).listeners).forEach((listener, i) =>
    list(record(listener.tls).certificateRefs).forEach((ref, k) => {
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Secret') !== 'Secret') return;
      const name = ref.name ?? '';
      const namespace = ref.namespace ?? gatewayNamespace;
      const path = `spec.listeners[${i}].tls.certificateRefs[${k}]`;
      if (!inventory.secretExists(namespace, name) && !issuedByIngressShim(inventory, namespace, name)) {
        emit('ref/missing-secret', gateway, `${path}.name`,
          `listener ${listener.name} serves Secret ${namespace}/${name}, which is not rendered, issued by a Certificate, or issued for an Ingress by cert-manager`,
          `render a cert-manager Certificate with spec.secretName: ${name} in ${namespace}, ${externalHint('Secret', namespace, name)}`);
      }
      if (namespace !== gatewayNamespace && !granted(inventory, namespace, { kind: 'Gateway', namespace: gatewayNamespace }, { group: '', kind: 'Secret', name })) {
        emit('ref/reference-grant', gateway, `${path}.namespace`,
          `listener ${listener.name} uses Secret ${namespace}/${name} and no ReferenceGrant in ${namespace} allows Gateways from ${gatewayNamespace}`,
          `render a ReferenceGrant in ${namespace} from Gateway in ${gatewayNamespace} to Secret ${name}, or keep the Secret next to the Gateway`);
      }
    }),
  );
}

/**
 * One owner per host on one edge: two Ingresses of one class, or two HTTPRoutes on one Gateway listener, naming the
 * same host fight over it (the controller merges or picks one silently). An Ingress and an HTTPRoute for the same
 * host are two edges side by side (the migration window), not a conflict.
 */
function checkHostsServedTwice(emit: Emit, objects: readonly K8sObject[]): void {
  const owners = new Map<string, string>();
  const claim = (key: string, object: K8sObject, path: string, host: string, edge: string) => {
    const owner = `${object.kind} ${namespaceOf(object)}/${nameOf(object)}`;
    const first = owners.get(key);
    if (first === undefined) {
      owners.set(key, owner);
      return;
    }
    if (first === owner) return;
    emit('ref/host-served-twice', object, path, `host ${host} is already served by ${first} on ${edge}`,
      'serve each host from one object per edge: move these paths into the first one, or use another host');
  };
  for (const object of objects) {
    if (isKind(object, 'networking.k8s.io', 'Ingress')) {
      const spec = record(object.spec as (IngressSpec & { ingressClassName?: string }) | undefined);
      const ingressClass = spec.ingressClassName ?? str(record(object.metadata?.annotations)['kubernetes.io/ingress.class']) ?? '(default)';
      list(spec.rules).forEach((rule, i) => {
        const host = record(rule).host;
        if (host !== undefined) claim(`ingress|${ingressClass}|${host}`, object, `spec.rules[${i}].host`, host, `IngressClass ${ingressClass}`);
      });
    } else if (isKind(object, GATEWAY_API_GROUP, 'HTTPRoute')) {
      const spec = record(object.spec as { parentRefs?: readonly ParentRef[]; hostnames?: readonly string[] } | undefined);
      for (const ref of list(spec.parentRefs)) {
        const listener = `${ref.namespace ?? namespaceOf(object)}/${ref.name}/${ref.sectionName ?? '*'}`;
        list(spec.hostnames).forEach((host, j) => claim(`route|${listener}|${host}`, object, `spec.hostnames[${j}]`, host, `Gateway listener ${listener}`));
      }
    }
  }
}

import { ExporterName } from './exporters';

/** What the alerts and dashboards know about one workload, read from the rendered objects. */
export interface ObservedWorkload {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly namespace: string;
  readonly name: string;
  /** PromQL regex matching the workload's pod names (Deployment: `<name>-<rs hash>-<pod hash>`, StatefulSet: `<name>-<ordinal>`). */
  readonly podRegex: string;
  /** The HPA scaling it (KEDA's is `keda-hpa-<ScaledObject>`). */
  readonly hpa?: { readonly name: string; readonly maxReplicas: number };
  /** PromQL regex matching its PersistentVolumeClaims (StatefulSet claim templates: `<template>-<name>-<ordinal>`). */
  readonly pvcRegex?: string;
  /** Exporters scraped from it by a ServiceMonitor, with the Services they are scraped through. */
  readonly exporters: readonly { readonly exporter: ExporterName; readonly services: readonly string[] }[];
}

/** The observability model of one platform × environment. */
export interface ObservabilityModel {
  readonly platform: string;
  readonly environment: string;
  readonly workloads: readonly ObservedWorkload[];
  /** cert-manager Certificates (explicit, or made by ingress-shim from an annotated Ingress's TLS secret). */
  readonly certificates: readonly { readonly namespace: string; readonly name: string }[];
  /** Ingresses of class nginx (request rate and errors come from the ingress-nginx controller). */
  readonly nginxIngresses: readonly { readonly namespace: string; readonly name: string }[];
}

/** Reads the model from a platform's rendered objects (pure). */
export function observabilityModel(platform: string, environment: string, objects: readonly any[]): ObservabilityModel {
  const services = objects.filter((o) => o.kind === 'Service' && o.apiVersion === 'v1');
  const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
  const scaled = new Map<string, { name: string; maxReplicas: number }>();
  for (const o of objects) {
    const ref = o.spec?.scaleTargetRef;
    if (o.kind === 'HorizontalPodAutoscaler' && ref) scaled.set(`${ref.kind}/${o.metadata.namespace}/${ref.name}`, { name: o.metadata.name, maxReplicas: o.spec.maxReplicas });
    if (o.kind === 'ScaledObject' && ref) {
      scaled.set(`${ref.kind ?? 'Deployment'}/${o.metadata.namespace}/${ref.name}`, { name: `keda-hpa-${o.metadata.name}`, maxReplicas: o.spec.maxReplicaCount ?? 100 });
    }
  }
  const workloads: ObservedWorkload[] = objects
    .filter((o) => (o.kind === 'Deployment' || o.kind === 'StatefulSet') && o.apiVersion === 'apps/v1')
    .map((o) => {
      const namespace: string = o.metadata.namespace;
      const name: string = o.metadata.name;
      const podLabels: Record<string, string> = o.spec?.template?.metadata?.labels ?? {};
      const containers: any[] = o.spec?.template?.spec?.containers ?? [];
      // Services that select this workload's pods, and the ServiceMonitors that scrape them.
      const mine = services.filter((s) => s.metadata.namespace === namespace && s.spec?.selector
        && Object.entries(s.spec.selector).every(([k, v]) => podLabels[k] === v));
      const exporters = new Map<ExporterName, Set<string>>();
      for (const m of monitors) {
        const ns: string[] = m.spec?.namespaceSelector?.matchNames ?? [m.metadata.namespace];
        const sel: Record<string, string> = m.spec?.selector?.matchLabels ?? {};
        for (const s of mine.filter((x) => ns.includes(x.metadata.namespace) && Object.entries(sel).every(([k, v]) => x.metadata.labels?.[k] === v))) {
          const ports = (m.spec?.endpoints ?? []).map((e: any) => e.port);
          for (const exporter of exportersOf(containers, s, ports)) {
            exporters.set(exporter, (exporters.get(exporter) ?? new Set()).add(s.metadata.name));
          }
        }
      }
      const templates: string[] = (o.spec?.volumeClaimTemplates ?? []).map((t: any) => t.metadata?.name).filter(Boolean);
      return {
        kind: o.kind,
        namespace,
        name,
        podRegex: o.kind === 'StatefulSet' ? `${escape(name)}-[0-9]+` : `${escape(name)}-[a-z0-9]+-[a-z0-9]+`,
        hpa: scaled.get(`${o.kind}/${namespace}/${name}`),
        pvcRegex: templates.length > 0 ? `(${templates.map(escape).join('|')})-${escape(name)}-[0-9]+` : undefined,
        exporters: [...exporters.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([exporter, s]) => ({ exporter, services: [...s].sort() })),
      };
    })
    .sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));

  const certificates = new Map<string, { namespace: string; name: string }>();
  const nginxIngresses: { namespace: string; name: string }[] = [];
  for (const o of objects) {
    if (o.kind === 'Certificate' && o.apiVersion?.startsWith('cert-manager.io/')) certificates.set(`${o.metadata.namespace}/${o.metadata.name}`, { namespace: o.metadata.namespace, name: o.metadata.name });
    if (o.kind === 'Ingress') {
      const annotations = o.metadata?.annotations ?? {};
      // cert-manager's ingress-shim names the Certificate after the TLS secret.
      if (annotations['cert-manager.io/cluster-issuer'] || annotations['cert-manager.io/issuer']) {
        for (const tls of o.spec?.tls ?? []) if (tls.secretName) certificates.set(`${o.metadata.namespace}/${tls.secretName}`, { namespace: o.metadata.namespace, name: tls.secretName });
      }
      if (o.spec?.ingressClassName === 'nginx') nginxIngresses.push({ namespace: o.metadata.namespace, name: o.metadata.name });
    }
  }
  return {
    platform,
    environment,
    workloads,
    certificates: [...certificates.values()].sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`)),
    nginxIngresses: nginxIngresses.sort((a, b) => cmp(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`)),
  };
}

/** Which known exporter a scraped Service port belongs to, by the image of the container serving it. */
function exportersOf(containers: readonly any[], service: any, monitoredPorts: readonly string[]): ExporterName[] {
  const found = new Set<ExporterName>();
  for (const port of service.spec?.ports ?? []) {
    if (!monitoredPorts.includes(port.name)) continue;
    const target = port.targetPort ?? port.port;
    const container = containers.find((c) => (c.ports ?? []).some((p: any) => p.name === target || p.containerPort === target));
    const image: string = container?.image ?? '';
    if (/postgres-exporter|postgres_exporter/.test(image)) found.add('postgres-exporter');
    else if (/(^|\/)rabbitmq:/.test(image)) found.add('rabbitmq');
    else if (/vllm/.test(image)) found.add('vllm');
  }
  return [...found];
}

/** Kubernetes names are `[a-z0-9.-]`; a dot is the only regex character, and a backslash would need PromQL escaping. */
function escape(s: string): string {
  return s.replace(/\./g, '[.]');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

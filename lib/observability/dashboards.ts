import { ObservabilityModel, ObservedWorkload } from './model';

/** Label Grafana's dashboard sidecar watches (kube-prometheus-stack values: grafana.sidecar.dashboards.label/labelValue). */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

/** One Grafana panel with its PromQL targets. */
export interface Panel {
  readonly type: 'timeseries';
  readonly title: string;
  /** The workload (`namespace/name`) or `edge` the panel belongs to; the tests check its metrics against it. */
  readonly description: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource: { readonly type: 'prometheus'; readonly uid: '${datasource}' };
  readonly fieldConfig: { readonly defaults: { readonly unit: string }; readonly overrides: readonly never[] };
  readonly targets: readonly { readonly refId: string; readonly expr: string; readonly legendFormat: string }[];
}

interface RowPanel {
  readonly type: 'row';
  readonly title: string;
  readonly collapsed: false;
  readonly gridPos: { readonly h: 1; readonly w: 24; readonly x: 0; readonly y: number };
  readonly panels: readonly never[];
}

/** A Grafana dashboard (schemaVersion 39, Grafana 11/12), as the sidecar loads it. */
export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly timezone: 'utc';
  readonly schemaVersion: 39;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: { readonly list: readonly object[] };
  readonly panels: readonly (Panel | RowPanel)[];
}

type PanelDraft = Pick<Panel, 'title' | 'targets'> & { unit: string };

/** The dashboard of one platform × environment: a row per workload, and an edge row for its nginx Ingresses. */
export function dashboardOf(model: ObservabilityModel): Dashboard {
  const panels: (Panel | RowPanel)[] = [];
  let y = 0;
  const row = (title: string, description: string, drafts: PanelDraft[]) => {
    panels.push({ type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    drafts.forEach((d, i) => {
      panels.push({
        type: 'timeseries',
        title: d.title,
        description,
        gridPos: { h: 8, w: 6, x: (i % 4) * 6, y: y + Math.floor(i / 4) * 8 },
        datasource: { type: 'prometheus', uid: '${datasource}' },
        fieldConfig: { defaults: { unit: d.unit }, overrides: [] },
        targets: d.targets,
      });
    });
    y += Math.ceil(drafts.length / 4) * 8;
  };
  for (const w of model.workloads) row(`${w.kind} ${w.namespace}/${w.name}`, `${w.namespace}/${w.name}`, workloadPanels(w));
  if (model.nginxIngresses.length > 0) {
    const sel = `namespace=~"${[...new Set(model.nginxIngresses.map((i) => i.namespace))].join('|')}", ingress=~"${[...new Set(model.nginxIngresses.map((i) => i.name))].join('|')}"`;
    row('Edge (ingress-nginx)', 'edge', [
      { title: 'Requests per second by Ingress', unit: 'reqps', targets: [{ refId: 'A', expr: `sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{${sel}}[5m]))`, legendFormat: '{{namespace}}/{{ingress}}' }] },
      { title: '5xx ratio by Ingress', unit: 'percentunit', targets: [{ refId: 'A', expr: `sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{${sel}, status=~"5.."}[5m])) / sum by (namespace, ingress) (rate(nginx_ingress_controller_requests{${sel}}[5m]))`, legendFormat: '{{namespace}}/{{ingress}}' }] },
    ]);
  }
  return {
    uid: `${model.platform}-${model.environment}`.slice(0, 40),
    title: `${model.platform} ${model.environment}`,
    tags: [model.platform, model.environment, 'generated'],
    timezone: 'utc',
    schemaVersion: 39,
    time: { from: 'now-6h', to: 'now' },
    templating: { list: [{ name: 'datasource', type: 'datasource', query: 'prometheus', label: 'Prometheus' }] },
    panels,
  };
}

function workloadPanels(w: ObservedWorkload): PanelDraft[] {
  const pods = `namespace="${w.namespace}", pod=~"${w.podRegex}"`;
  const containers = `${pods}, container!="", container!="POD"`;
  const replicas = w.kind === 'Deployment'
    ? `kube_deployment_status_replicas_available{namespace="${w.namespace}", deployment="${w.name}"}`
    : `kube_statefulset_status_replicas_ready{namespace="${w.namespace}", statefulset="${w.name}"}`;
  const drafts: PanelDraft[] = [
    { title: 'Ready replicas', unit: 'short', targets: [{ refId: 'A', expr: replicas, legendFormat: 'ready' }] },
    {
      title: 'CPU (cores) vs requests and limits', unit: 'short', targets: [
        { refId: 'A', expr: `sum by (pod) (rate(container_cpu_usage_seconds_total{${containers}}[5m]))`, legendFormat: '{{pod}}' },
        { refId: 'B', expr: `sum by (pod) (kube_pod_container_resource_requests{${pods}, resource="cpu"})`, legendFormat: 'request {{pod}}' },
        { refId: 'C', expr: `sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="cpu"})`, legendFormat: 'limit {{pod}}' },
      ],
    },
    {
      title: 'Memory vs requests and limits', unit: 'bytes', targets: [
        { refId: 'A', expr: `sum by (pod) (container_memory_working_set_bytes{${containers}})`, legendFormat: '{{pod}}' },
        { refId: 'B', expr: `sum by (pod) (kube_pod_container_resource_requests{${pods}, resource="memory"})`, legendFormat: 'request {{pod}}' },
        { refId: 'C', expr: `sum by (pod) (kube_pod_container_resource_limits{${pods}, resource="memory"})`, legendFormat: 'limit {{pod}}' },
      ],
    },
    { title: 'Container restarts (1h)', unit: 'short', targets: [{ refId: 'A', expr: `sum by (pod) (increase(kube_pod_container_status_restarts_total{${pods}}[1h]))`, legendFormat: '{{pod}}' }] },
  ];
  // Per Service, then the largest: a pod scraped through two Services must not count twice (see alerts.ts).
  for (const { exporter, services } of w.exporters) {
    const sel = `namespace="${w.namespace}", service=~"${services.join('|')}"`;
    if (exporter === 'postgres-exporter') {
      drafts.push({
        title: 'PostgreSQL connections vs max_connections', unit: 'short', targets: [
          { refId: 'A', expr: `max (sum by (service) (pg_stat_database_numbackends{${sel}}))`, legendFormat: 'connections' },
          { refId: 'B', expr: `max (pg_settings_max_connections{${sel}})`, legendFormat: 'max_connections' },
        ],
      });
    } else if (exporter === 'rabbitmq') {
      drafts.push({
        title: 'RabbitMQ messages ready and unacknowledged', unit: 'short', targets: [
          { refId: 'A', expr: `max (sum by (service) (rabbitmq_queue_messages_ready{${sel}}))`, legendFormat: 'ready' },
          { refId: 'B', expr: `max (sum by (service) (rabbitmq_queue_messages_unacked{${sel}}))`, legendFormat: 'unacked' },
        ],
      });
    } else if (exporter === 'vllm') {
      drafts.push({
        title: 'vLLM requests running and waiting', unit: 'short', targets: [
          { refId: 'A', expr: `max (sum by (service) (vllm:num_requests_running{${sel}}))`, legendFormat: 'running' },
          { refId: 'B', expr: `max (sum by (service) (vllm:num_requests_waiting{${sel}}))`, legendFormat: 'waiting' },
        ],
      });
      drafts.push({
        title: 'vLLM time to first token (p50, p95)', unit: 's', targets: [
          { refId: 'A', expr: `max (histogram_quantile(0.5, sum by (service, le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[5m]))))`, legendFormat: 'p50' },
          { refId: 'B', expr: `max (histogram_quantile(0.95, sum by (service, le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[5m]))))`, legendFormat: 'p95' },
        ],
      });
    }
  }
  return drafts;
}

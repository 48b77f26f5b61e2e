import { ApiObject } from 'cdk8s';
import { PlatformChart } from '../core/platform-chart';
import { alertsOf, prometheusRuleSpec } from './alerts';
import { DASHBOARD_LABEL, dashboardOf } from './dashboards';
import { EXPORTERS } from './exporters';
import { observabilityModel } from './model';

export * from './alerts';
export * from './dashboards';
export * from './exporters';
export * from './model';

/** Kinds {@link observabilityModel} reads, plus Namespace to place the rule and dashboard. */
const MODEL_KINDS = new Set(['Deployment', 'StatefulSet', 'Service', 'ServiceMonitor', 'HorizontalPodAutoscaler', 'ScaledObject', 'Ingress', 'Certificate', 'Namespace']);

export interface ObservabilityOptions {
  /** URL of `docs/runbooks` in the repository, linked from every alert's `runbook_url`. */
  readonly runbookBaseUrl: string;
}

/**
 * Adds a platform chart's alerts (a PrometheusRule) and its Grafana dashboard (a ConfigMap for the sidecar), both
 * generated from the objects the chart already renders. Call once, after the chart is built.
 */
export function addObservability(chart: PlatformChart, options: ObservabilityOptions): { rule: ApiObject; dashboard: ApiObject } {
  // Only the kinds the model reads: resolving the whole chart a second time would cost a third of the synth.
  const objects = chart.node.findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject && MODEL_KINDS.has(c.kind))
    .map((o) => o.toJson());
  const model = observabilityModel(chart.platform, chart.environment, objects);
  const namespaces = new Set(objects.map((o) => o.metadata?.namespace).filter(Boolean));
  // The chart's own namespace when it has objects there, else the first namespace it renders into.
  const namespace = namespaces.has(chart.defaultNamespace) ? chart.defaultNamespace : [...namespaces].sort()[0];
  const specs = alertsOf(model, options.runbookBaseUrl);
  const exporters = [...new Set(specs.flatMap((s) => s.exporters))].sort().map((e) => `${e} ${EXPORTERS[e].version}`).join(', ');
  const name = `${chart.platform}-${chart.environment}`;
  // A plain ApiObject: the imported class wants each `expr` wrapped as IntOrString; the gate checks the CRD schema.
  const rule = new ApiObject(chart, 'observability-alerts', {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `${name}-alerts`, namespace, annotations: { 'observability.platform/exporters': exporters } },
    spec: prometheusRuleSpec(model, specs),
  });
  const dashboard = new ApiObject(chart, 'observability-dashboard', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-dashboard`, namespace, labels: { ...DASHBOARD_LABEL } },
    data: { [`${name}.json`]: `${JSON.stringify(dashboardOf(model), null, 2)}\n` },
  });
  return { rule, dashboard };
}

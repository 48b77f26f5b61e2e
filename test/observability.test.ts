import * as fs from 'fs';
import * as path from 'path';
import { parser } from '@prometheus-io/lezer-promql';
import { App } from 'cdk8s';
import { buildApp, PLATFORMS } from '../charts';
import { RUNBOOK_BASE_URL } from '../charts/observability';
import { PlatformChart } from '../lib';
import { alertsOf, dashboardOf, prometheusRuleSpec, EXPORTERS, ExporterName, observabilityModel, RUNBOOKS } from '../lib/observability';

/** Parses PromQL with Prometheus's own Lezer grammar; returns the metric names it selects, or throws on a syntax error. */
function metricsOf(expr: string): string[] {
  const tree = parser.parse(expr);
  const metrics: string[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      // A metric name is the Identifier directly under a VectorSelector.
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') metrics.push(expr.slice(node.from, node.to));
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors.join(', ')} in: ${expr}`);
  return metrics;
}

const ALWAYS: ExporterName[] = ['kube-state-metrics', 'kubelet'];
const allowed = (exporters: readonly ExporterName[]) => new Set(exporters.flatMap((e) => EXPORTERS[e].metrics));

describe('the PromQL checker', () => {
  test('finds metric names, including vLLM\'s colon names, and rejects a broken expression', () => {
    expect(metricsOf('histogram_quantile(0.95, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="x"}[5m]))) > 2'))
      .toEqual(['vllm:time_to_first_token_seconds_bucket']);
    expect(metricsOf('a{x="1"} / on (x) b')).toEqual(['a', 'b']);
    expect(() => metricsOf('sum(rate(foo[5m])')).toThrow(/PromQL syntax error/);
  });
});

const app = new App();
buildApp(app);
const charts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart).filter((c) => c.platform !== 'argocd' && c.platform !== 'addons');
const OWN = new Set(['PrometheusRule', 'ConfigMap']);

describe.each(charts.map((c) => [`${c.platform}/${c.environment}`, c] as const))('%s', (_name, chart) => {
  const objects = chart.toJson();
  const model = observabilityModel(chart.platform, chart.environment, objects.filter((o) => !(OWN.has(o.kind) && o.metadata.name.startsWith(`${chart.platform}-${chart.environment}-`))));
  const rules = objects.filter((o) => o.kind === 'PrometheusRule');
  const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
  const alerts = rules.flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));
  const exportersOf = (workload: string | undefined) => model.workloads.find((w) => `${w.namespace}/${w.name}` === workload)?.exporters.map((e) => e.exporter) ?? [];

  test('one PrometheusRule and one dashboard ConfigMap, equal to what the model generates', () => {
    expect(rules).toHaveLength(1);
    expect(dashboards).toHaveLength(1);
    expect(rules[0].spec).toEqual(prometheusRuleSpec(model, alertsOf(model, RUNBOOK_BASE_URL)));
  });

  test('every alert parses, names only metrics its target exports, and has severity, description and an existing runbook', () => {
    for (const a of alerts) {
      const exporters = a.labels.certificate ? ['cert-manager' as const] : [...ALWAYS, ...exportersOf(a.labels.workload)];
      const ok = allowed(exporters);
      for (const m of metricsOf(a.expr)) expect([a.alert, a.labels.workload, m, ok.has(m)]).toEqual([a.alert, a.labels.workload, m, true]);
      expect(['warning', 'critical']).toContain(a.labels.severity);
      expect(a.annotations.description.length).toBeGreaterThan(20);
      const runbook = a.annotations.runbook_url.slice(RUNBOOK_BASE_URL.length + 1);
      expect(fs.existsSync(path.join(__dirname, '..', 'docs', 'runbooks', runbook))).toBe(true);
    }
  });

  test('generic alerts cover every workload, HPA, claim template and cert-manager certificate', () => {
    const has = (alert: string, label: string, value: string) => alerts.some((a) => a.alert === alert && a.labels[label] === value);
    for (const o of objects) {
      const id = `${o.metadata.namespace}/${o.metadata.name}`;
      if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
        expect([id, has('PodNotReady', 'workload', id), has('PodRestartLoop', 'workload', id)]).toEqual([id, true, true]);
        if (o.spec.volumeClaimTemplates?.length) expect([id, has('PersistentVolumeAlmostFull', 'workload', id)]).toEqual([id, true]);
      }
      if (o.kind === 'HorizontalPodAutoscaler') {
        const target = `${o.metadata.namespace}/${o.spec.scaleTargetRef.name}`;
        const alert = alerts.find((a) => a.alert === 'HpaAtMaxReplicas' && a.labels.workload === target);
        expect(alert?.expr).toContain(`horizontalpodautoscaler="${o.metadata.name}"`);
      }
      if (o.kind === 'Ingress' && o.metadata.annotations?.['cert-manager.io/cluster-issuer']) {
        for (const tls of o.spec.tls ?? []) expect(has('CertificateExpiringSoon', 'certificate', `${o.metadata.namespace}/${tls.secretName}`)).toBe(true);
      }
    }
  });

  test('the dashboard parses, has a row per workload, and every panel queries a metric its workload exports', () => {
    const dashboard = JSON.parse(Object.values(dashboards[0].data)[0] as string);
    expect(dashboard).toEqual(JSON.parse(JSON.stringify(dashboardOf(model))));
    const rows = dashboard.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title);
    for (const w of model.workloads) expect(rows).toContain(`${w.kind} ${w.namespace}/${w.name}`);
    const panels = dashboard.panels.filter((p: any) => p.type !== 'row');
    for (const w of model.workloads) {
      const titles = panels.filter((p: any) => p.description === `${w.namespace}/${w.name}`).map((p: any) => p.title);
      expect(titles).toEqual(expect.arrayContaining(['Ready replicas', 'CPU (cores) vs requests and limits', 'Memory vs requests and limits', 'Container restarts (1h)']));
    }
    for (const p of panels) {
      const ok = allowed(p.description === 'edge' ? ['ingress-nginx'] : [...ALWAYS, ...exportersOf(p.description)]);
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets) for (const m of metricsOf(t.expr)) expect([p.title, p.description, m, ok.has(m)]).toEqual([p.title, p.description, m, true]);
    }
  });
});

describe('construct-specific alerts where the construct exports metrics today', () => {
  const rulesOf = (platform: string, env: string) => charts.find((c) => c.platform === platform && c.environment === env)!
    .toJson().filter((o) => o.kind === 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));

  test('PostgreSQL with postgres_exporter (expense-tracker): down and connections near max_connections, on the exporter\'s Service', () => {
    const rules = rulesOf('expense-tracker', 'production');
    const down = rules.find((r) => r.alert === 'PostgresDown');
    expect(down.labels.severity).toBe('critical');
    expect(down.expr).toMatch(/pg_up\{namespace="expense-tracker", service=~"[a-z-]+"\}\) == 0/);
    expect(rules.find((r) => r.alert === 'PostgresConnectionsNearMax').expr).toContain('pg_settings_max_connections');
  });

  test('RabbitMQ backlog and vLLM queue depth and time to first token (aiaas production)', () => {
    const names = rulesOf('aiaas', 'production').map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(['RabbitmqQueueBacklog', 'VllmQueueDepth', 'VllmSlowTimeToFirstToken']));
    // vLLM is rendered once, in production (charts/aiaas/config.ts); the other environments have no vLLM rules.
    expect(rulesOf('aiaas', 'staging').map((r) => r.alert)).not.toContain('VllmQueueDepth');
  });

  test('no construct rule without an exporter: aroti\'s in-cluster PostgreSQL, Redis, Keycloak and Temporal have none today', () => {
    const names = new Set(rulesOf('aroti', 'production').map((r) => r.alert));
    for (const n of ['PostgresDown', 'RedisMemoryNearMax', 'KeycloakLoginFailures', 'TemporalFrontendErrors']) expect(names.has(n)).toBe(false);
  });

  test('every runbook the alerts may link exists', () => {
    for (const id of RUNBOOKS) expect(fs.existsSync(path.join(__dirname, '..', 'docs', 'runbooks', `${id}.md`))).toBe(true);
  });

  test('every platform is wrapped', () => {
    expect(PLATFORMS.filter((p) => p.name !== 'argocd').length).toBe(5);
  });
});

import { ExporterName } from './exporters';
import { ObservabilityModel, ObservedWorkload } from './model';

/** Thresholds of the generic alerts. */
export const ALERT_THRESHOLDS = {
  /** A pod not Ready this long pages. */
  podNotReadyFor: '10m',
  /** Restarts within 15 minutes that count as a loop. */
  restartsIn15m: 3,
  /** An HPA at its maximum this long means the workload needs more room. */
  hpaAtMaxFor: '15m',
  /** Fraction of a volume in use. */
  pvcUsedRatio: 0.85,
  /** Days before a certificate expires (cert-manager renews at 30 days left by default). */
  certificateDays: 14,
  /** Fraction of PostgreSQL's max_connections in use. */
  postgresConnectionsRatio: 0.8,
  /** Ready messages waiting in RabbitMQ. */
  rabbitmqReadyMessages: 1000,
  /** Requests waiting in vLLM's queue. */
  vllmWaitingRequests: 10,
  /** 95th percentile time to first token, seconds. */
  vllmTtftP95Seconds: 2,
} as const;

/** Runbooks in docs/runbooks/ (`<id>.md`); an alert links the one named like its runbook id. */
export const RUNBOOKS = [
  'pod-not-ready', 'restart-loop', 'hpa-at-max', 'pvc-almost-full', 'certificate-expiring',
  'postgres-down', 'postgres-connections', 'rabbitmq-backlog', 'vllm-queue', 'vllm-ttft',
] as const;
export type RunbookId = typeof RUNBOOKS[number];

/** One alerting rule, as rendered in a PrometheusRule group. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** A rule with what the tests need: the exporters whose metrics it may name. */
export interface AlertSpec {
  readonly group: 'workloads' | 'certificates' | 'constructs';
  readonly rule: AlertRule;
  readonly exporters: readonly ExporterName[];
}

/** Builds every alert of one platform × environment from its model (pure, deterministic order). */
export function alertsOf(model: ObservabilityModel, runbookBaseUrl: string): AlertSpec[] {
  const specs: AlertSpec[] = [];
  const base = { platform: model.platform, environment: model.environment };
  const add = (group: AlertSpec['group'], exporters: ExporterName[], alert: string, runbook: RunbookId, severity: 'warning' | 'critical',
    forDuration: string, expr: string, labels: Record<string, string>, summary: string, description: string) => {
    specs.push({
      group,
      exporters,
      rule: {
        alert,
        expr,
        for: forDuration,
        labels: { severity, ...base, ...labels },
        annotations: { summary, description, runbook_url: `${runbookBaseUrl}/${runbook}.md` },
      },
    });
  };
  for (const w of model.workloads) {
    const sel = `namespace="${w.namespace}", pod=~"${w.podRegex}"`;
    const labels = { workload: `${w.namespace}/${w.name}` };
    add('workloads', ['kube-state-metrics'], 'PodNotReady', 'pod-not-ready', 'warning', ALERT_THRESHOLDS.podNotReadyFor,
      `sum by (namespace, pod) (kube_pod_status_ready{${sel}, condition="false"}) > 0`, labels,
      `A pod of ${w.kind} ${w.namespace}/${w.name} is not Ready`,
      `Pod {{ $labels.pod }} of ${w.kind} ${w.namespace}/${w.name} (${model.platform} ${model.environment}) has not been Ready for ${ALERT_THRESHOLDS.podNotReadyFor}.`);
    add('workloads', ['kube-state-metrics'], 'PodRestartLoop', 'restart-loop', 'warning', '5m',
      `sum by (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${sel}}[15m])) > ${ALERT_THRESHOLDS.restartsIn15m}`, labels,
      `A container of ${w.namespace}/${w.name} is restarting in a loop`,
      `Container {{ $labels.container }} in pod {{ $labels.pod }} restarted more than ${ALERT_THRESHOLDS.restartsIn15m} times in 15 minutes.`);
    if (w.hpa) {
      const hpa = `namespace="${w.namespace}", horizontalpodautoscaler="${w.hpa.name}"`;
      add('workloads', ['kube-state-metrics'], 'HpaAtMaxReplicas', 'hpa-at-max', 'warning', ALERT_THRESHOLDS.hpaAtMaxFor,
        `kube_horizontalpodautoscaler_status_current_replicas{${hpa}} >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{${hpa}}`,
        labels, `${w.namespace}/${w.name} is at its maximum of ${w.hpa.maxReplicas} replicas`,
        `HPA ${w.namespace}/${w.hpa.name} has held ${w.kind} ${w.name} at maxReplicas (${w.hpa.maxReplicas}) for ${ALERT_THRESHOLDS.hpaAtMaxFor}: load exceeds what it may scale to.`);
    }
    if (w.pvcRegex) {
      const pvc = `namespace="${w.namespace}", persistentvolumeclaim=~"${w.pvcRegex}"`;
      add('workloads', ['kubelet'], 'PersistentVolumeAlmostFull', 'pvc-almost-full', 'warning', '5m',
        `max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes{${pvc}}) / max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_capacity_bytes{${pvc}}) > ${ALERT_THRESHOLDS.pvcUsedRatio}`,
        labels, `A volume of ${w.namespace}/${w.name} is over ${ALERT_THRESHOLDS.pvcUsedRatio * 100} % full`,
        `PersistentVolumeClaim {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full.`);
    }
    specs.push(...constructAlerts(w, add));
  }
  for (const c of model.certificates) {
    add('certificates', ['cert-manager'], 'CertificateExpiringSoon', 'certificate-expiring', 'warning', '1h',
      `min by (namespace, name) (certmanager_certificate_expiration_timestamp_seconds{namespace="${c.namespace}", name="${c.name}"}) - time() < ${ALERT_THRESHOLDS.certificateDays} * 24 * 3600`,
      { certificate: `${c.namespace}/${c.name}` }, `Certificate ${c.namespace}/${c.name} expires within ${ALERT_THRESHOLDS.certificateDays} days`,
      `cert-manager has not renewed Certificate ${c.namespace}/${c.name}; it expires in {{ $value | humanizeDuration }}.`);
  }
  return specs;
}

type Add = (group: AlertSpec['group'], exporters: ExporterName[], alert: string, runbook: RunbookId, severity: 'warning' | 'critical',
  forDuration: string, expr: string, labels: Record<string, string>, summary: string, description: string) => void;

/** Rules that need a construct's own exporter; a workload without one gets none (`[]`: they are added through `add`). */
function constructAlerts(w: ObservedWorkload, add: Add): AlertSpec[] {
  // Sums are taken per Service and then the largest: a ServiceMonitor that selects two Services of one pod (as
  // RabbitMQ's does, with its headless Service) scrapes every pod twice, and a plain sum would double.
  const labels = { workload: `${w.namespace}/${w.name}` };
  for (const { exporter, services } of w.exporters) {
    const sel = `namespace="${w.namespace}", service=~"${services.join('|')}"`;
    if (exporter === 'postgres-exporter') {
      add('constructs', [exporter], 'PostgresDown', 'postgres-down', 'critical', '2m', `max by (namespace) (pg_up{${sel}}) == 0`, labels,
        `PostgreSQL ${w.namespace}/${w.name} is down`, `postgres_exporter cannot connect to PostgreSQL in ${w.namespace}/${w.name}.`);
      add('constructs', [exporter], 'PostgresConnectionsNearMax', 'postgres-connections', 'warning', '10m',
        `max by (namespace) (sum by (namespace, service) (pg_stat_database_numbackends{${sel}})) / max by (namespace) (pg_settings_max_connections{${sel}}) > ${ALERT_THRESHOLDS.postgresConnectionsRatio}`,
        labels, `PostgreSQL ${w.namespace}/${w.name} is near max_connections`,
        `{{ $value | humanizePercentage }} of max_connections are in use in ${w.namespace}/${w.name}.`);
    } else if (exporter === 'rabbitmq') {
      add('constructs', [exporter], 'RabbitmqQueueBacklog', 'rabbitmq-backlog', 'warning', '15m',
        `max by (namespace) (sum by (namespace, service) (rabbitmq_queue_messages_ready{${sel}})) > ${ALERT_THRESHOLDS.rabbitmqReadyMessages}`, labels,
        `RabbitMQ ${w.namespace}/${w.name} has a backlog`, `{{ $value }} messages are waiting for a consumer in ${w.namespace}/${w.name}.`);
    } else if (exporter === 'vllm') {
      add('constructs', [exporter], 'VllmQueueDepth', 'vllm-queue', 'warning', '5m',
        `max by (namespace) (vllm:num_requests_waiting{${sel}}) > ${ALERT_THRESHOLDS.vllmWaitingRequests}`, labels,
        `vLLM ${w.namespace}/${w.name} is queueing requests`, `{{ $value }} requests are waiting for a GPU slot in ${w.namespace}/${w.name}.`);
      add('constructs', [exporter], 'VllmSlowTimeToFirstToken', 'vllm-ttft', 'warning', '10m',
        `max by (namespace) (histogram_quantile(0.95, sum by (namespace, service, le) (rate(vllm:time_to_first_token_seconds_bucket{${sel}}[5m])))) > ${ALERT_THRESHOLDS.vllmTtftP95Seconds}`, labels,
        `vLLM ${w.namespace}/${w.name} is slow to answer`, `95th percentile time to first token is {{ $value | humanizeDuration }} in ${w.namespace}/${w.name}.`);
    }
  }
  return [];
}

/** The PrometheusRule spec: one group per kind of rule, in a fixed order, empty groups left out. */
export function prometheusRuleSpec(model: ObservabilityModel, specs: readonly AlertSpec[]): { groups: { name: string; rules: AlertRule[] }[] } {
  const order: AlertSpec['group'][] = ['workloads', 'certificates', 'constructs'];
  return {
    groups: order
      .map((g) => ({ name: `${model.platform}-${model.environment}.${g}`, rules: specs.filter((s) => s.group === g).map((s) => s.rule) }))
      .filter((g) => g.rules.length > 0),
  };
}

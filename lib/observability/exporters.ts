/**
 * The metrics the alerts and dashboards may query, per exporter, with the version they were checked against.
 * A rule or panel naming a metric not listed for its workload fails the tests (test/observability.test.ts).
 *
 * - kube-state-metrics v2.20.0 (chart 8.4.0, a dependency of kube-prometheus-stack 88.5.3:
 *   prometheus-community/helm-charts charts/kube-prometheus-stack/Chart.yaml @ kube-prometheus-stack-88.5.3)
 * - kubelet and cAdvisor (Kubernetes 1.28, scraped by kube-prometheus-stack's kubelet ServiceMonitor)
 * - cert-manager v1.21.1 (cert-manager/cert-manager pkg/metrics/certificates.go @ v1.21.1)
 * - postgres_exporter v0.16.0 (prometheus-community/postgres_exporter cmd/postgres_exporter/postgres_exporter.go
 *   `pg_up`, pg_setting.go `pg_settings_*`, collector/pg_stat_database.go `pg_stat_database_numbackends` @ v0.16.0)
 * - rabbitmq_prometheus in RabbitMQ 3.13.7 (rabbitmq/rabbitmq-server deps/rabbitmq_prometheus/metrics.md @ v3.13.7,
 *   aggregated metrics on port 15692)
 * - vLLM v0.6.4.post1 (vllm-project/vllm vllm/engine/metrics.py @ v0.6.4.post1)
 * - ingress-nginx controller v1.15.1 (kubernetes/ingress-nginx internal/ingress/metric/collectors/controller.go
 *   @ controller-v1.15.1, `nginx_ingress_controller_requests` with `ingress`, `namespace` and `status` labels)
 */
export type ExporterName =
  | 'kube-state-metrics' | 'kubelet' | 'cert-manager' | 'postgres-exporter' | 'rabbitmq' | 'vllm' | 'ingress-nginx';

export const EXPORTERS: Readonly<Record<ExporterName, { readonly version: string; readonly metrics: readonly string[] }>> = {
  'kube-state-metrics': {
    version: 'v2.20.0',
    metrics: [
      'kube_pod_status_ready', 'kube_pod_container_status_restarts_total', 'kube_horizontalpodautoscaler_status_current_replicas',
      'kube_horizontalpodautoscaler_spec_max_replicas', 'kube_deployment_status_replicas_available', 'kube_deployment_spec_replicas',
      'kube_statefulset_status_replicas_ready', 'kube_statefulset_replicas', 'kube_pod_container_resource_requests',
      'kube_pod_container_resource_limits',
    ],
  },
  'kubelet': {
    version: 'Kubernetes 1.28',
    metrics: ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'kubelet_volume_stats_used_bytes', 'kubelet_volume_stats_capacity_bytes'],
  },
  'cert-manager': { version: 'v1.21.1', metrics: ['certmanager_certificate_expiration_timestamp_seconds'] },
  'postgres-exporter': { version: 'v0.16.0', metrics: ['pg_up', 'pg_stat_database_numbackends', 'pg_settings_max_connections'] },
  'rabbitmq': { version: '3.13.7', metrics: ['rabbitmq_queue_messages_ready', 'rabbitmq_queue_messages_unacked'] },
  'vllm': { version: 'v0.6.4.post1', metrics: ['vllm:num_requests_waiting', 'vllm:num_requests_running', 'vllm:time_to_first_token_seconds_bucket'] },
  'ingress-nginx': { version: 'v1.15.1', metrics: ['nginx_ingress_controller_requests'] },
};

/** PromQL functions and keywords that look like identifiers but are not metrics. */
export function exporterOfMetric(metric: string): ExporterName | undefined {
  return (Object.keys(EXPORTERS) as ExporterName[]).find((e) => EXPORTERS[e].metrics.includes(metric));
}

import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { ChartWriter, replaceDirectory, writeDirectory } from './chart-writer';
import { fastStringify } from './fast-yaml';
import { ExternalReference, PlatformChart } from '../core/platform-chart';
import { platformsMarkdown, TOPOLOGY_FILE, topologyMarkdown } from '../topology';
import { checkDuplicateKeys, formatFindings, Finding, validateAcrossSets, validateObjects } from '../validation';

/** One rendered file of a chart. */
export interface RenderedFile {
  /** File name inside `dist/<platform>/<environment>/`. */
  readonly fileName: string;
  /** The object it holds. */
  readonly object: any;
  /** The YAML text, byte for byte what is written. */
  readonly text: string;
}

/** A chart rendered and validated, before it is written. */
export interface RenderedChart {
  readonly platform: string;
  readonly environment: string;
  /** `<platform>/<environment>`, relative to the output directory. */
  readonly directory: string;
  /** The chart's default namespace. */
  readonly defaultNamespace: string;
  /** The objects in the chart's own order (`Chart.toJson()`); `files` holds them sorted for writing. */
  readonly objects: readonly any[];
  readonly files: readonly RenderedFile[];
  /** Findings that fail the synth. */
  readonly findings: readonly Finding[];
  /** Findings covered by a named exemption (reported, not fatal). */
  readonly exempted: readonly Finding[];
  /** Objects the chart refers to but does not render (the cross-chart checks read them too). */
  readonly externalReferences: readonly ExternalReference[];
}

// Apply order for readers and for `kubectl apply -k`: namespaces and cluster-scoped things first, workloads last.
const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'ClusterIssuer', 'ClusterSecretStore', 'AppProject', 'ResourceQuota', 'LimitRange',
  'NetworkPolicy', 'ServiceAccount', 'Role', 'RoleBinding', 'SealedSecret', 'SecretStore', 'ExternalSecret', 'Secret', 'ConfigMap',
  'PersistentVolumeClaim', 'Service', 'BackendConfig', 'ManagedCertificate', 'Certificate', 'Issuer',
  'StatefulSet', 'Deployment', 'Job', 'CronJob', 'HorizontalPodAutoscaler', 'ScaledObject', 'PodDisruptionBudget',
  'Ingress', 'Gateway', 'HTTPRoute', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Application',
];

/** Renders one chart to YAML files and runs the validation gate on them. Pure: writes nothing. */
export function renderChart(chart: PlatformChart): RenderedChart {
  const ctx = { platform: chart.platform, environment: chart.environment };
  const objects = chart.toJson();
  const files: RenderedFile[] = objects
    .map((object) => ({ fileName: fileNameOf(object), object, text: toYaml(object) }))
    .sort((a, b) => compareObjects(a.object, b.object));
  // The gate reports duplicate objects (schema/duplicate-object); duplicate YAML keys can only be seen in the text.
  const findings: Finding[] = files.flatMap((file) => checkDuplicateKeys(file.text, ctx, file.fileName));
  const report = validateObjects(objects, ctx, { externalReferences: chart.externalReferences, capacityBudgets: chart.capacityBudgets });
  return {
    platform: chart.platform,
    environment: chart.environment,
    directory: path.join(chart.platform, chart.environment),
    defaultNamespace: chart.defaultNamespace,
    objects,
    files,
    findings: [...findings, ...report.findings],
    exempted: report.exempted,
    externalReferences: chart.externalReferences,
  };
}

/** The `kustomization.yaml` listing a chart's files, so `kubectl kustomize` and Argo CD read the same set. */
export function kustomization(files: readonly RenderedFile[]): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => f.fileName),
  });
}

/** Thrown when the validation gate finds problems; the message lists every finding. */
export class ValidationFailedError extends Error {
  constructor(readonly charts: readonly RenderedChart[]) {
    const count = charts.reduce((n, c) => n + c.findings.length, 0);
    const details = charts.filter((c) => c.findings.length > 0)
      .map((c) => formatFindings({ findings: [...c.findings], exempted: [] })).join('\n');
    super(`validation gate: ${count} finding(s); nothing was written.\n${details}`);
    this.name = 'ValidationFailedError';
  }
}

export interface SynthesizeOptions {
  /** Output directory. */
  readonly outdir: string;
  /** A full run: afterwards the output directory holds this run's charts and nothing else, so platforms and environments that were removed disappear too. @default false */
  readonly clean?: boolean;
  /** Rewrite this index of every platform's TOPOLOGY.md (docs/platforms.md); only on a clean (full, unfiltered) run. @default - not written */
  readonly platformsDoc?: string;
}

/**
 * Renders and validates every PlatformChart of `app`, then writes `outdir/<platform>/<environment>/` with a
 * kustomization each. Nothing is written when any chart has a finding. Directories of the rendered charts are
 * replaced whole, so the files of deleted resources disappear; a directory that already holds exactly the chart's
 * bytes is left as it is.
 */
export function synthesize(app: App, options: SynthesizeOptions): RenderedChart[] {
  const platformCharts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart);
  // Each chart that passes its own checks is written (to a temporary directory) while the next one renders.
  const writer = new ChartWriter(platformCharts.length);
  let charts: RenderedChart[];
  try {
    charts = platformCharts.map((chart) => {
      const rendered = renderChart(chart);
      if (rendered.findings.length === 0) writer.write(path.join(options.outdir, rendered.directory), chartFiles(rendered));
      return rendered;
    });
    addCrossChartFindings(charts);
  } catch (error) {
    writer.discard();
    throw error;
  }
  if (charts.some((c) => c.findings.length > 0)) {
    writer.discard();
    throw new ValidationFailedError(charts);
  }
  // A directory already holding exactly these bytes is left alone: most runs change one chart or none.
  writer.commit();
  if (options.clean) removeUnrendered(options.outdir, charts);
  if (options.clean && options.platformsDoc) {
    fs.mkdirSync(path.dirname(options.platformsDoc), { recursive: true });
    fs.writeFileSync(options.platformsDoc, platformsMarkdown(charts));
  }
  return charts;
}

/**
 * Adds the findings about conflicts between charts that Argo CD sends to one cluster (rules `cluster/*`) to the
 * chart each is about. Only charts a rendered Argo CD Application names are checked: a filtered run checks less.
 */
export function addCrossChartFindings(charts: RenderedChart[]): void {
  const sets = charts.map((c) => ({
    platform: c.platform, environment: c.environment, objects: c.files.map((f) => f.object), externalReferences: c.externalReferences,
  }));
  const findings = validateAcrossSets(sets);
  charts.forEach((chart, i) => {
    const own = findings.filter((f) => f.platform === chart.platform && f.environment === chart.environment);
    if (own.length > 0) charts[i] = { ...chart, findings: [...chart.findings, ...own] };
  });
}

/** Every file of a chart's directory, by name: the manifests, `kustomization.yaml` and TOPOLOGY.md. */
function chartFiles(chart: RenderedChart): Map<string, string> {
  const files = new Map(chart.files.map((f) => [f.fileName, f.text]));
  files.set('kustomization.yaml', kustomization(chart.files));
  // A picture of the rendered objects for reviewers; not a resource, so kustomization.yaml does not list it.
  files.set(TOPOLOGY_FILE, topologyMarkdown(chart));
  return files;
}

/**
 * A full run's cleanup: removes from `outdir` everything that is not the directory of a rendered chart (platforms
 * and environments that were removed, stray files, leftovers of an interrupted write), so the output holds this
 * run's charts and nothing else, without rewriting the charts that did not change.
 */
function removeUnrendered(outdir: string, charts: readonly RenderedChart[]): void {
  const environments = new Map<string, Set<string>>();
  for (const c of charts) environments.set(c.platform, (environments.get(c.platform) ?? new Set()).add(c.environment));
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(outdir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const kept = environments.get(entry.name);
    const at = path.join(outdir, entry.name);
    if (!kept || !entry.isDirectory()) {
      fs.rmSync(at, { recursive: true, force: true });
      continue;
    }
    for (const sub of fs.readdirSync(at)) if (!kept.has(sub)) fs.rmSync(path.join(at, sub), { recursive: true, force: true });
  }
}

/**
 * Writes one chart's directory, `outdir/<platform>/<environment>/`, whole: the files go into a temporary sibling
 * directory that then replaces the old one by rename, so a reader (Argo CD, `kubectl apply -k`, the watcher's
 * next diff) never sees half a chart, and the files of deleted resources disappear. `files` are the chart's files
 * (`chartFiles`), when the caller has them already.
 */
export function writeChart(outdir: string, chart: RenderedChart, files: ReadonlyMap<string, string> = chartFiles(chart)): void {
  const dir = path.join(outdir, chart.directory);
  const tmp = `${dir}.tmp-${process.pid}`;
  writeDirectory(tmp, files);
  replaceDirectory(dir, tmp);
}

/**
 * YAML with no line folding and no anchors: the same bytes on every machine. Written with YAML 1.1 quoting
 * because kubectl and Argo CD read manifests with a YAML 1.1 parser (sigs.k8s.io/yaml): an unquoted `on`,
 * `yes` or `n` would arrive as a boolean. Quoted strings mean the same to 1.2 readers.
 */
export function toYaml(object: unknown): string {
  // The same bytes as the library's stringify, written directly when the object is plain JSON (lib/render/fast-yaml.ts).
  return fastStringify(object, YAML_OPTIONS) ?? stringify(object, YAML_OPTIONS);
}

const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false, indent: 2, version: '1.1' } as const;

/** `<kind>-<namespace>-<name>.yaml` (namespace left out for cluster-scoped objects), lower case. */
export function fileNameOf(object: any): string {
  const ns = object.metadata?.namespace;
  return `${[object.kind, ns, object.metadata?.name].filter(Boolean).join('-')}.yaml`.toLowerCase();
}

function compareObjects(a: any, b: any): number {
  const rank = (o: any) => { const i = KIND_ORDER.indexOf(o.kind); return i < 0 ? KIND_ORDER.length : i; };
  return rank(a) - rank(b) || cmp(a.kind, b.kind) || cmp(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '') || cmp(a.metadata?.name ?? '', b.metadata?.name ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { PlatformChart, PlatformChartProps } from '../lib';

/** A PlatformChart in a fresh App, for construct unit tests. */
export function testChart(props: Partial<PlatformChartProps> = {}): PlatformChart {
  return new PlatformChart(new App(), 'test', { platform: 'demo', environment: 'test', namespace: 'demo', ...props });
}

/** The objects of a chart as plain JSON, as they are written to dist/. */
export function objectsOf(chart: PlatformChart): any[] {
  return chart.toJson();
}

/** The one object of `kind` named `name` (and in `namespace`, if given); fails the test if there is not exactly one. */
export function findObject(objects: readonly any[], kind: string, name: string, namespace?: string): any {
  const matches = objects.filter((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
  if (matches.length !== 1) {
    const have = objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`).join(', ');
    throw new Error(`expected exactly one ${kind} ${namespace ? `${namespace}/` : ''}${name}, found ${matches.length}; objects: ${have}`);
  }
  return matches[0];
}

/** All objects of one kind. */
export function objectsOfKind(objects: readonly any[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** The first container of a workload object. */
export function mainContainer(workload: any): any {
  const spec = workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template.spec : workload.spec.template.spec;
  return spec.containers[0];
}

/** Every file under `dir` whose name ends with `suffix`, as absolute paths, depth first. */
export function filesUnder(dir: string, suffix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full, suffix) : e.name.endsWith(suffix) ? [full] : [];
  });
}

/** Every file under `dir`, by path relative to it, with its text. */
export function tree(dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')]));
}

/** ClusterIssuers the objects name: Ingress annotations (ingress-shim) and Certificate issuerRefs. */
export function clusterIssuersNamed(objects: readonly any[]): string[] {
  const names = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'Ingress' && o.metadata.annotations?.['cert-manager.io/cluster-issuer']) names.add(o.metadata.annotations['cert-manager.io/cluster-issuer']);
    if (o.kind === 'Certificate' && o.spec.issuerRef.kind === 'ClusterIssuer') names.add(o.spec.issuerRef.name);
  }
  return [...names].sort();
}

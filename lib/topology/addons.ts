/**
 * The add-ons picture of an Argo CD environment: per destination cluster, the Helm add-ons the root installs (chart,
 * version, sync wave) and the platforms deployed there, from the Application objects. Empty for other charts.
 */

/** A destination cluster with its add-on and platform Applications. */
export interface ClusterPicture {
  readonly cluster: string;
  readonly addOns: readonly { readonly name: string; readonly chart: string; readonly version: string; readonly wave: number; readonly namespace: string }[];
  readonly platforms: readonly { readonly name: string; readonly wave: number }[];
}

const WAVE = 'argocd.argoproj.io/sync-wave';

/** Groups the Applications of `objects` by destination cluster (add-ons: a Helm `chart` source). Sorted. */
export function clusterPictures(objects: readonly any[]): ClusterPicture[] {
  const byCluster = new Map<string, { addOns: ClusterPicture['addOns'][number][]; platforms: ClusterPicture['platforms'][number][] }>();
  for (const o of objects) {
    if (o?.kind !== 'Application' || !o.apiVersion?.startsWith('argoproj.io/')) continue;
    const destination = o.spec?.destination ?? {};
    const cluster: string = destination.name ?? destination.server ?? '';
    const wave = Number(o.metadata?.annotations?.[WAVE] ?? 0);
    const entry = byCluster.get(cluster) ?? { addOns: [], platforms: [] };
    byCluster.set(cluster, entry);
    if (o.spec?.source?.chart) {
      entry.addOns.push({ name: o.metadata.name, chart: o.spec.source.chart, version: o.spec.source.targetRevision, wave, namespace: destination.namespace ?? '' });
    } else if (String(o.spec?.project ?? '').startsWith('addons-')) {
      // The add-ons layer's own cluster-level objects (dist/addons/<cluster>/): drawn as an add-on, by path.
      entry.addOns.push({ name: o.metadata.name, chart: o.spec.source?.path ?? '', version: o.spec.source?.targetRevision ?? '', wave, namespace: destination.namespace ?? '' });
    } else {
      entry.platforms.push({ name: o.metadata.name, wave });
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byCluster.entries()]
    .filter(([, e]) => e.addOns.length > 0)
    .sort(([a], [b]) => cmp(a, b))
    .map(([cluster, e]) => ({
      cluster,
      addOns: e.addOns.sort((a, b) => a.wave - b.wave || cmp(a.name, b.name)),
      platforms: e.platforms.sort((a, b) => a.wave - b.wave || cmp(a.name, b.name)),
    }));
}

/** Mermaid `flowchart LR`: per cluster a box with its add-ons (by wave) feeding the platforms that need them. */
export function addOnsMermaid(pictures: readonly ClusterPicture[]): string {
  const id = (s: string) => `a_${s.replace(/[^A-Za-z0-9]/g, '_')}`;
  const lines = ['flowchart LR'];
  for (const p of pictures) {
    lines.push(`  subgraph ${id(`cluster_${p.cluster}`)}["cluster ${p.cluster}"]`);
    for (const a of p.addOns) lines.push(`    ${id(a.name)}[["${a.chart} ${a.version}<br/>wave ${a.wave}"]]`);
    for (const pl of p.platforms) lines.push(`    ${id(pl.name)}("${pl.name}<br/>wave ${pl.wave}")`);
    lines.push('  end');
    // Each platform waits for the add-ons of its cluster (earlier waves).
    for (const pl of p.platforms) for (const a of p.addOns) lines.push(`  ${id(a.name)} -.-> ${id(pl.name)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The "Cluster add-ons" section of TOPOLOGY.md, or nothing when the chart installs no add-ons. */
export function addOnsMarkdown(objects: readonly any[]): string[] {
  const pictures = clusterPictures(objects);
  if (pictures.length === 0) return [];
  const out = ['## Cluster add-ons', '',
    'Helm add-ons this root installs per destination cluster, derived from what its platforms render (lib/addons); '
    + 'dotted arrows: a platform syncs after the add-ons of its cluster (lower waves first).', '',
    '```mermaid', addOnsMermaid(pictures).trimEnd(), '```', '',
    '| Cluster | Add-on | Chart | Version | Namespace | Wave |', '| --- | --- | --- | --- | --- | ---: |'];
  for (const p of pictures) for (const a of p.addOns) out.push(`| ${p.cluster} | ${a.name} | ${a.chart} | ${a.version} | ${a.namespace} | ${a.wave} |`);
  out.push('');
  return out;
}

import { App } from 'cdk8s';
import { PlatformChart } from '../lib';

/** A platform and how to build its chart for one environment. */
export interface PlatformDefinition<E extends string = string> {
  /** Platform name, the first level under `dist/`. */
  readonly name: string;
  /** Environments, each rendered into `dist/<name>/<environment>/`. */
  readonly environments: readonly E[];
  /** Builds the chart of one environment inside `app`. */
  build(app: App, environment: E): PlatformChart;
}

/** What one platform × environment renders, as the layers that read other platforms need it. */
export interface PlatformObjects {
  /** The chart's default namespace. */
  readonly defaultNamespace: string;
  /** Its objects as plain JSON, in the chart's order (`Chart.toJson()`). */
  readonly objects: readonly any[];
}

/** Looks up a platform × environment rendered before this App was built; undefined when it was not. */
export type RenderedObjectsLookup = (platform: string, environment: string) => PlatformObjects | undefined;

const provided = new WeakMap<App, RenderedObjectsLookup>();
const scratchBuilds = new WeakMap<App, Map<string, PlatformObjects>>();

/**
 * Hands `app` the objects of platforms it will not build itself: the watcher (lib/render/watch.ts) re-renders only
 * the platforms an edit affects, and the Argo CD platform reads the others from its last render instead of
 * building every one of them again. The caller vouches that their sources did not change.
 */
export function provideRenderedObjects(app: App, lookup: RenderedObjectsLookup): void {
  provided.set(app, lookup);
}

/**
 * The objects of one platform × environment, for the layers that read other platforms (Argo CD projects, the
 * add-ons layer): the chart already built in `app` (sealed, so resolved once for every reader), else what was
 * provided with {@link provideRenderedObjects}, else a build in a scratch App (a filtered run), once per `app`.
 */
export function platformObjects(definition: PlatformDefinition<any>, environment: string, app: App): PlatformObjects {
  // The App's direct children, not `app.charts`: that getter sorts the whole construct tree by dependencies on every call.
  const mine = (a: App) => a.node.children.filter((c): c is PlatformChart => c instanceof PlatformChart)
    .filter((c) => c.platform === definition.name && c.environment === environment);
  const built = mine(app);
  if (built.length > 0) return { defaultNamespace: built[0].defaultNamespace, objects: built.flatMap((c) => c.toJson()) };
  const earlier = provided.get(app)?.(definition.name, environment);
  if (earlier) return earlier;
  const cache = scratchBuilds.get(app) ?? new Map<string, PlatformObjects>();
  scratchBuilds.set(app, cache);
  const key = `${definition.name}/${environment}`;
  let hit = cache.get(key);
  if (!hit) {
    const scratch = new App();
    definition.build(scratch, environment);
    const charts = mine(scratch);
    hit = { defaultNamespace: charts[0].defaultNamespace, objects: charts.flatMap((c) => c.toJson()) };
    cache.set(key, hit);
  }
  return hit;
}

import { App } from 'cdk8s';
import { aiaas } from './aiaas';
import { argocdPlatform } from './argocd';
import { aroti } from './aroti';
import { aurontek } from './aurontek';
import { connectors } from './connectors';
import { expenseTracker } from './expense-tracker';
import { withObservability } from './observability';
import { PlatformChart } from '../lib/core/platform-chart';
import { PlatformDefinition } from './platform';

export { PlatformDefinition, PlatformObjects, platformObjects, provideRenderedObjects, RenderedObjectsLookup } from './platform';

/** Every platform the app renders, in output order. Register a new platform here. */
export const PLATFORMS: readonly PlatformDefinition<any>[] = [
  // Each platform ships its alerts and dashboard, generated from what it renders (charts/observability.ts).
  ...[aiaas, aroti, aurontek, connectors, expenseTracker].map(withObservability),
  // Keep last: it reads every platform above (lazily) to render their Argo CD projects and Applications.
  argocdPlatform(() => PLATFORMS),
];

/** Selects platforms and environments; empty means all. */
export interface AppFilter {
  readonly platforms?: readonly string[];
  readonly environments?: readonly string[];
}

/** A `--platform`/`--env` filter names nothing that exists. */
export class UnknownFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownFilterError';
  }
}

/** Builds the charts of every selected platform × environment into `app`. */
export function buildApp(app: App, filter: AppFilter = {}): void {
  const unknown = (filter.platforms ?? []).filter((p) => !PLATFORMS.some((d) => d.name === p));
  if (unknown.length > 0) {
    throw new UnknownFilterError(`unknown platform(s): ${unknown.join(', ')}; known: ${PLATFORMS.map((p) => p.name).join(', ')}`);
  }
  const environments = new Set(PLATFORMS.flatMap((p) => p.environments));
  const unknownEnvironments = (filter.environments ?? []).filter((e) => !environments.has(e));
  if (unknownEnvironments.length > 0) {
    throw new UnknownFilterError(`unknown environment(s): ${unknownEnvironments.join(', ')}; known: ${[...environments].join(', ')}`);
  }
  for (const platform of PLATFORMS) {
    if (filter.platforms?.length && !filter.platforms.includes(platform.name)) continue;
    for (const environment of platform.environments) {
      if (filter.environments?.length && !filter.environments.includes(environment)) continue;
      platform.build(app, environment);
      // Complete now: later readers (the Argo CD platform, the add-ons layer, the render) share one resolve.
      for (const chart of app.node.children.filter((c): c is PlatformChart => c instanceof PlatformChart)) chart.seal();
    }
  }
}

import { App } from 'cdk8s';
import { addObservability } from '../lib/observability';
import { ENVIRONMENTS } from './argocd/config';
import { PlatformDefinition } from './platform';

/** `docs/runbooks` on the default branch of the repository Argo CD reads (charts/argocd/config.ts). */
export const RUNBOOK_BASE_URL = `${ENVIRONMENTS.production.repoUrl.replace(/\.git$/, '')}/blob/main/docs/runbooks`;

/**
 * A platform whose every chart also ships its alerts and dashboard (lib/observability), generated from what the
 * chart renders, so a new platform cannot forget them.
 */
export function withObservability<E extends string>(definition: PlatformDefinition<E>): PlatformDefinition<E> {
  return {
    name: definition.name,
    get environments() {
      return definition.environments;
    },
    build(app: App, environment: E) {
      const chart = definition.build(app, environment);
      addObservability(chart, { runbookBaseUrl: RUNBOOK_BASE_URL });
      return chart;
    },
  };
}

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

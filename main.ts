import * as path from 'path';
import { App } from 'cdk8s';
import { buildApp, PLATFORMS, UnknownFilterError } from './charts';
import { PropValidationError } from './lib/core/errors';
import { RenderedChart, synthesize, ValidationFailedError } from './lib/render/synth';
import { PLATFORMS_DOC } from './lib/topology';
import { enableSchemaResults } from './lib/validation';

// The watcher (lib/render/watch.ts) evaluates a bundle of this file and renders through these.
export { App } from 'cdk8s';
export { buildApp, PLATFORMS, provideRenderedObjects } from './charts';
export { PlatformChart } from './lib/core/platform-chart';
export { addCrossChartFindings, renderChart, synthesize, ValidationFailedError, writeChart } from './lib/render/synth';
export { enableSchemaResults } from './lib/validation';

/** The command line flags, with what they take, for the error that lists them. */
export const FLAGS: Readonly<Record<string, string>> = {
  '--platform': '--platform a,b (or --platform=a,b): only these platforms',
  '--env': '--env x,y (or --env=x,y): only these environments',
  '--watch': '--watch: re-render the platforms an edit affects, on every save (npm run synth -- --watch)',
};

/** A command line that names something unknown or leaves a value out. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What the command line asks for. */
export interface SynthArgs {
  /** Only these platforms; undefined means all. */
  readonly platforms?: string[];
  /** Only these environments; undefined means all. */
  readonly environments?: string[];
  /** Whether `--watch` was given. */
  readonly watch: boolean;
}

/**
 * Reads `--platform a,b`, `--platform=a,b`, `--env x,y`, `--env=x,y` and `--watch`. Anything else, a flag
 * without its value or a flag given twice is a UsageError listing the known flags: a mistyped flag must not
 * silently render everything.
 */
export function parseArgs(argv: readonly string[]): SynthArgs {
  const values: Record<string, string[] | undefined> = {};
  let watch = false;
  const usage = (message: string) => new UsageError(`${message}; known flags: ${Object.values(FLAGS).join('; ')}`);
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const eq = token.indexOf('=');
    const flag = token.startsWith('--') && eq > 0 ? token.slice(0, eq) : token;
    if (flag === '--watch' && eq < 0) {
      watch = true;
      continue;
    }
    if (flag !== '--platform' && flag !== '--env') {
      throw usage(`unknown ${token.startsWith('-') ? 'flag' : 'argument'} "${token}"`);
    }
    let value: string | undefined;
    if (eq > 0) {
      value = token.slice(eq + 1);
    } else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) {
      value = argv[++i];
    }
    const list = (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    if (list.length === 0) throw usage(`${flag} needs a value`);
    if (values[flag]) throw usage(`${flag} is given twice (list several names in one)`);
    values[flag] = list;
  }
  return { platforms: values['--platform'], environments: values['--env'], watch };
}

/**
 * Fails when a platform named with `--platform` lacks an environment named with `--env`: the run would render
 * nothing for that pair and still succeed. (Names that exist nowhere are reported by buildApp.)
 */
export function checkSelection(args: SynthArgs): void {
  if (!args.platforms || !args.environments) return;
  const everywhere = new Set(PLATFORMS.flatMap((p) => p.environments));
  for (const name of args.platforms) {
    const platform = PLATFORMS.find((p) => p.name === name);
    const missing = args.environments.filter((e) => everywhere.has(e) && platform && !platform.environments.includes(e));
    if (platform && missing.length > 0) {
      throw new UnknownFilterError(`platform ${name} has no environment ${missing.join(', ')}; its environments: ${platform.environments.join(', ')}`);
    }
  }
}

/** One line per exempted finding and the gate summary, as every synth prints them. */
export function gateSummary(charts: readonly RenderedChart[], outdir: string): string[] {
  const objects = charts.reduce((n, c) => n + c.files.length, 0);
  const exempted = charts.flatMap((c) => c.exempted);
  return [
    ...exempted.map((f) => `exempted [${f.rule}] ${f.platform}/${f.environment} ${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}: ${f.exemption}`),
    `synthesized ${charts.length} chart(s), ${objects} object(s) into ${outdir}/; validation gate passed (${exempted.length} exempted finding(s))`,
  ];
}

/** The one-line message of an error users cause (bad flag, bad prop, gate finding), or undefined for a bug. */
export function userErrorMessage(error: unknown): string | undefined {
  if (error instanceof ValidationFailedError) return error.message;
  // Prop errors name the construct path, prop, value and rule, and the filters name what is known: the stack
  // adds nothing for users. Anything else is a bug here, so its stack is kept.
  if (error instanceof PropValidationError || error instanceof UnknownFilterError || error instanceof UsageError) return `synth failed: ${error.message}`;
  return undefined;
}

/**
 * Synthesizes every platform × environment into `dist/<platform>/<environment>/` (or `$CDK8S_OUTDIR`, as
 * `cdk8s synth` sets it), after the validation gate passes. Narrow the run with `--platform a,b` and `--env x,y`.
 * Returns the exit code. `npm run synth` runs this through scripts/synth.js (a cached bundle, same output).
 */
export function main(argv: readonly string[]): number {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  const app = new App({ outdir });
  // Objects that passed their schema in an earlier run, by content, are not validated again (keys in the file).
  enableSchemaResults();
  try {
    const args = parseArgs(argv);
    if (args.watch) throw new UsageError('--watch is run by scripts/synth.js: npm run synth -- --watch');
    const { platforms, environments } = args;
    checkSelection(args);
    buildApp(app, { platforms, environments });
    const full = !platforms && !environments;
    // docs/platforms.md describes the real dist/; runs into another directory (benchmarks, tests) leave it alone.
    const intoDist = path.resolve(outdir) === path.resolve(__dirname, 'dist');
    const charts = synthesize(app, { outdir, clean: full, platformsDoc: full && intoDist ? path.join(__dirname, PLATFORMS_DOC) : undefined });
    for (const line of gateSummary(charts, outdir)) console.log(line);
    return 0;
  } catch (error) {
    const message = userErrorMessage(error);
    if (message === undefined) throw error;
    console.error(message);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

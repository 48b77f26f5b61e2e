import * as path from 'path';
import { App } from 'cdk8s';
import { buildApp, UnknownFilterError } from './charts';
import { PropValidationError } from './lib/errors';
import { synthesize, ValidationFailedError } from './lib/synth';
import { PLATFORMS_DOC } from './lib/topology';

/**
 * Synthesizes every platform × environment into `dist/<platform>/<environment>/` (or `$CDK8S_OUTDIR`, as
 * `cdk8s synth` sets it), after the validation gate passes. Narrow the run with `--platform a,b` and `--env x,y`.
 */
function main(argv: readonly string[]): number {
  const arg = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 && argv[i + 1] ? argv[i + 1].split(',').filter(Boolean) : undefined;
  };
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  const app = new App({ outdir });
  try {
    const platforms = arg('--platform');
    const environments = arg('--env');
    buildApp(app, { platforms, environments });
    const full = !platforms && !environments;
    // docs/platforms.md describes the real dist/; runs into another directory (benchmarks, tests) leave it alone.
    const intoDist = path.resolve(outdir) === path.resolve(__dirname, 'dist');
    const charts = synthesize(app, { outdir, clean: full, platformsDoc: full && intoDist ? path.join(__dirname, PLATFORMS_DOC) : undefined });
    const objects = charts.reduce((n, c) => n + c.files.length, 0);
    const exempted = charts.flatMap((c) => c.exempted);
    for (const f of exempted) {
      console.log(`exempted [${f.rule}] ${f.platform}/${f.environment} ${f.kind} ${f.namespace ? `${f.namespace}/` : ''}${f.name}: ${f.exemption}`);
    }
    console.log(`synthesized ${charts.length} chart(s), ${objects} object(s) into ${outdir}/; validation gate passed (${exempted.length} exempted finding(s))`);
    return 0;
  } catch (error) {
    if (error instanceof ValidationFailedError) {
      console.error(error.message);
      return 1;
    }
    // Prop errors name the construct path, prop, value and rule, and the filters name what is known: the stack
    // adds nothing for users. Anything else is a bug here, so its stack is kept.
    if (error instanceof PropValidationError || error instanceof UnknownFilterError) {
      console.error(`synth failed: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));

import * as fc from 'fast-check';
import { ExistingSecret, NamespaceBaseline, PlatformChart, Postgres, Redis, Workload } from '../../lib';
import { namespaceBaseline, postgres, redis, workload, WorkloadCase } from '../reliability/arbitraries';
import { describeFindings, freshChart, gateFindings } from '../reliability/helpers';
import { ApiServer } from './apiserver';
import { checkObjects, describeFailure, Discovery, RenderedObject } from './check';

/**
 * Gate soundness: charts generated from the constructs' props (the reliability suite's arbitraries) that the
 * validation gate passes must also be accepted by the real API server, without warnings. A case the gate rejects
 * proves nothing here and is skipped. One server serves every case; each case starts from no Namespaces.
 *
 * `CLUSTER_SOUNDNESS_RUNS=<n>` changes the number of cases per property; `FC_SEED` replays a failure.
 */

const RUNS = Number(process.env.CLUSTER_SOUNDNESS_RUNS ?? 20);

/** Declares what a generated workload references, as a platform would. */
function surroundings(chart: PlatformChart, c: WorkloadCase): void {
  new NamespaceBaseline(chart, `ns-${c.props.namespace}`, { name: c.props.namespace });
  for (const s of c.secrets) new ExistingSecret(chart, `secret-${s}`, { name: s, namespace: c.props.namespace, managedBy: 'generated case' });
  for (const cm of c.configMaps) chart.addExternalReference({ kind: 'ConfigMap', namespace: c.props.namespace, name: cm, reason: 'generated case' });
}

/** Builds the chart; undefined when the gate rejects it (the property only speaks about charts the gate passes). */
function passedByGate(build: (chart: PlatformChart) => void): RenderedObject[] | undefined {
  const chart = freshChart('app', 'soundness');
  build(chart);
  if (gateFindings(chart).length > 0) return undefined;
  return chart.toJson().map((object: any) => ({ file: `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, text: JSON.stringify(object), object }));
}

const CASES: ReadonlyArray<{ name: string; arbitrary: fc.Arbitrary<(chart: PlatformChart) => void>}> = [
  {
    name: 'Workload',
    arbitrary: workload(fc.constantFrom('app', 'team-a')).map((c) => (chart: PlatformChart) => {
      surroundings(chart, c);
      new Workload(chart, 'w', c.props);
    }),
  },
  {
    name: 'NamespaceBaseline',
    arbitrary: namespaceBaseline.map((props) => (chart: PlatformChart) => { new NamespaceBaseline(chart, 'ns', props); }),
  },
  {
    name: 'Postgres',
    arbitrary: postgres.map((props) => (chart: PlatformChart) => {
      new NamespaceBaseline(chart, 'ns', { name: props.namespace });
      const refs = [props.credentials.password, ...(typeof props.credentials.username === 'string' ? [] : [props.credentials.username]),
        ...(props.databases ?? []).flatMap((d) => (d.ownerPassword ? [d.ownerPassword] : []))];
      for (const name of [...new Set(refs.map((r) => r.secretName))]) new ExistingSecret(chart, `s-${name}`, { name, namespace: props.namespace, managedBy: 'generated case' });
      new Postgres(chart, 'pg', props);
    }),
  },
  {
    name: 'Redis',
    arbitrary: redis.map((props) => (chart: PlatformChart) => {
      new NamespaceBaseline(chart, 'ns', { name: props.namespace });
      new ExistingSecret(chart, 'pw', { name: props.password.secretName, namespace: props.namespace, managedBy: 'generated case' });
      new Redis(chart, 'redis', props);
    }),
  },
];

/** Runs every property; returns one problem per property that found a chart the gate passes and the server refuses. */
export async function runSoundness(server: ApiServer, discovery: Discovery): Promise<string[]> {
  const problems: string[] = [];
  for (const c of CASES) {
    let checked = 0;
    let skipped = 0;
    const started = Date.now();
    const result = await fc.check(fc.asyncProperty(c.arbitrary, async (build) => {
      const objects = passedByGate(build);
      if (!objects) {
        skipped++;
        return true;
      }
      checked++;
      const { failures } = await checkObjects(server, discovery, objects, { platform: 'soundness', environment: c.name });
      if (failures.length > 0) throw new Error(`the gate passed it, the API server did not:\n${failures.map(describeFailure).join('\n')}`);
      return true;
    }), { numRuns: RUNS, ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}) });
    if (result.failed) {
      const counterexample = result.counterexample?.[0];
      let objects = '';
      if (counterexample) {
        const chart = freshChart('app', 'soundness');
        counterexample(chart);
        objects = describeFindings(gateFindings(chart)) || chart.toJson().map((o: any) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ');
      }
      problems.push(`gate soundness (${c.name}): seed ${result.seed}, path ${result.counterexample ? result.counterexamplePath : '-'}: `
        + `${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}\n  objects: ${objects}`);
    }
    console.log(`  ${result.failed ? 'FAIL' : 'ok  '} gate soundness ${c.name}: ${checked} generated chart(s) the gate passed, applied; ${skipped} the gate refused (${Date.now() - started} ms)`);
  }
  return problems;
}

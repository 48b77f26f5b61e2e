import * as fs from 'fs';
import * as path from 'path';
import { skipTier } from '../tiers/skip';
import { ApiServer, startApiServer } from './apiserver';
import { checkObjects, ClusterFailure, describeFailure, Discovery, installCrds, readRendered, RenderedObject } from './check';

/**
 * `npm run test:cluster`: every rendered platform × environment in dist/ against a real kube-apiserver 1.28
 * (server-side apply, dryRun=All, fieldValidation=Strict, Pod Security admission), then planted faults that must be
 * caught, then the gate-soundness property (generated charts the gate passes must be accepted too).
 *
 * Needs KUBEBUILDER_ASSETS (a directory with `etcd` and `kube-apiserver`, e.g. from `setup-envtest use 1.28.x -p path`)
 * and a rendered dist/ (`npm run synth`). Options: `--no-soundness`, `--platform <name>`; `CLUSTER_SOUNDNESS_RUNS=<n>`.
 */

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const CRDS = path.join(ROOT, 'vendor/crds');

export const HOW_TO_GET_ASSETS = [
  'Install the envtest binaries and point KUBEBUILDER_ASSETS at them:',
  '  go install sigs.k8s.io/controller-runtime/tools/setup-envtest@latest',
  '  export KUBEBUILDER_ASSETS="$(setup-envtest use 1.28.x -p path)"',
  'then run `npm run test:cluster`.',
];

/** The directory of the envtest binaries, or exits through skipTier. */
function assetsOrSkip(): string {
  const assets = process.env.KUBEBUILDER_ASSETS;
  if (!assets) skipTier('cluster tier (kube-apiserver)', ['KUBEBUILDER_ASSETS'], HOW_TO_GET_ASSETS);
  const missing = ['etcd', 'kube-apiserver'].filter((b) => {
    try {
      fs.accessSync(path.join(assets, b), fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) skipTier('cluster tier (kube-apiserver)', missing.map((b) => `${assets}/${b}`), HOW_TO_GET_ASSETS);
  return path.resolve(assets);
}

/** dist/<platform>/<env>/ directories that hold a rendered environment, sorted. */
export function renderedEnvironments(only?: string): Array<{ platform: string; environment: string; dir: string }> {
  if (!fs.existsSync(DIST)) throw new Error('dist/ does not exist: run `npm run synth` first');
  const out: Array<{ platform: string; environment: string; dir: string }> = [];
  for (const platform of fs.readdirSync(DIST).sort()) {
    if (only && platform !== only) continue;
    const pdir = path.join(DIST, platform);
    if (!fs.statSync(pdir).isDirectory()) continue;
    for (const environment of fs.readdirSync(pdir).sort()) {
      const dir = path.join(pdir, environment);
      if (fs.existsSync(path.join(dir, 'kustomization.yaml'))) out.push({ platform, environment, dir });
    }
  }
  if (out.length === 0) throw new Error(`no rendered environments under dist/${only ? `${only}/` : ''}: run \`npm run synth\` first`);
  return out;
}

/** A fault planted into a copy of a rendered Deployment, and what the server's answer must say. */
interface PlantedFault {
  readonly name: string;
  plant(deployment: any): void;
  readonly expect: RegExp;
}

export const PLANTED_FAULTS: readonly PlantedFault[] = [
  {
    name: 'volumeMount of an undeclared volume',
    plant: (d) => d.spec.template.spec.containers[0].volumeMounts = [
      ...(d.spec.template.spec.containers[0].volumeMounts ?? []), { name: 'planted-undeclared', mountPath: '/planted' }],
    expect: /rejected \(HTTP 422\).*volumeMounts\[\d+\]\.name: Not found: "planted-undeclared"/,
  },
  {
    name: 'runAsUser: 0 (Pod Security "restricted")',
    plant: (d) => d.spec.template.spec.containers[0].securityContext = { ...d.spec.template.spec.containers[0].securityContext, runAsUser: 0 },
    expect: /warning: .*violate PodSecurity "restricted:.*runAsUser=0/,
  },
  {
    name: 'unknown field (fieldValidation=Strict)',
    plant: (d) => d.spec.template.spec.containers[0].imagePullPolcy = 'IfNotPresent',
    // Server-side apply refuses it while building the typed patch (HTTP 500), before strict validation would.
    expect: /rejected \(HTTP 500\).*\.imagePullPolcy: field not declared in schema/,
  },
];

/** A rendered Deployment in a Namespace that enforces "restricted", with the objects it needs first. */
function plantingGround(envs: ReturnType<typeof renderedEnvironments>): { namespace: RenderedObject; deployment: RenderedObject } {
  for (const env of envs) {
    const objects = readRendered(env.dir);
    for (const d of objects.filter((o) => o.object.kind === 'Deployment')) {
      const ns = objects.find((o) => o.object.kind === 'Namespace' && o.object.metadata.name === d.object.metadata.namespace
        && o.object.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted');
      if (ns) return { namespace: ns, deployment: d };
    }
  }
  throw new Error('no rendered Deployment in a "restricted" Namespace to plant faults into');
}

/** Plants each fault into a copy of a rendered Deployment and requires the tier to report it. Returns problems. */
export async function runPlantedFaults(server: ApiServer, discovery: Discovery, envs: ReturnType<typeof renderedEnvironments>): Promise<string[]> {
  const problems: string[] = [];
  const { namespace, deployment } = plantingGround(envs);
  for (const fault of PLANTED_FAULTS) {
    const object = structuredClone(deployment.object);
    fault.plant(object);
    const file = deployment.file;
    const planted: RenderedObject = { file, text: JSON.stringify(object), object };
    const { failures } = await checkObjects(server, discovery, [namespace, planted], { platform: 'planted', environment: 'fault' });
    const hit = failures.find((f) => f.file === file && fault.expect.test(f.message));
    if (hit) {
      console.log(`  caught planted fault "${fault.name}": ${describeFailure(hit)}`);
    } else {
      problems.push(`planted fault "${fault.name}" was NOT reported as ${fault.expect}; the tier said: ${failures.map(describeFailure).join(' | ') || 'nothing'}`);
    }
  }
  return problems;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const only = args.includes('--platform') ? args[args.indexOf('--platform') + 1] : undefined;
  const assets = assetsOrSkip();
  const envs = renderedEnvironments(only);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const server = await startApiServer(assets);
  const failures: ClusterFailure[] = [];
  const problems: string[] = [];
  try {
    const version = await server.request('GET', '/version');
    console.log(`cluster tier: kube-apiserver ${version.body.gitVersion} on ${server.url} ready after ${elapsed()}`);
    const discovery = new Discovery(server);
    const crds = await installCrds(server, discovery, CRDS);
    console.log(`  ${crds} vendored CRDs Established (${elapsed()})`);

    for (const env of envs) {
      const objects = readRendered(env.dir);
      const result = await checkObjects(server, discovery, objects, env);
      failures.push(...result.failures);
      const mark = result.failures.length === 0 ? 'ok  ' : 'FAIL';
      console.log(`  ${mark} ${env.platform}/${env.environment}: ${result.applied}/${objects.length} objects applied, ${result.failures.length} problem(s)`);
    }
    console.log(`  rendered environments checked (${elapsed()})`);

    problems.push(...await runPlantedFaults(server, discovery, envs));
    if (!args.includes('--no-soundness')) {
      // Loaded only here: it pulls in every construct and fast-check, which a skipped run does not need.
      const { runSoundness } = await import('./soundness');
      problems.push(...await runSoundness(server, discovery));
    }
  } finally {
    await server.stop();
  }
  for (const f of failures) console.error(`FAIL ${describeFailure(f)}`);
  for (const p of problems) console.error(`FAIL ${p}`);
  const ok = failures.length === 0 && problems.length === 0;
  console.log(`cluster tier ${ok ? 'passed' : 'FAILED'}: ${envs.length} environments, ${failures.length} rejection(s)/warning(s), `
    + `${problems.length} other problem(s) in ${elapsed()} (servers stopped)`);
  return ok ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`cluster tier FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

import { App } from 'cdk8s';
import * as fc from 'fast-check';
import { PLATFORMS } from '../../charts';
import { PlatformChart, PropValidationError } from '../../lib';
import { renderChart } from '../../lib/render/synth';
import { Finding } from '../../lib/validation';

/**
 * Shared settings and helpers of the reliability suite.
 *
 * `FC_SEED` replays a failing run (fast-check prints the seed and path of every counterexample);
 * `FC_NUM_RUNS` overrides the number of generated cases of every property, e.g. `FC_NUM_RUNS=2000` for a long soak.
 */
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : undefined;
const numRunsOverride = process.env.FC_NUM_RUNS !== undefined ? Number(process.env.FC_NUM_RUNS) : undefined;
fc.configureGlobal({
  ...(seed !== undefined && Number.isFinite(seed) ? { seed } : {}),
  ...(numRunsOverride !== undefined && numRunsOverride > 0 ? { numRuns: numRunsOverride } : {}),
});

/** Cases per property: `FC_NUM_RUNS` when set, otherwise `defaultRuns`. */
export function runs(defaultRuns: number): number {
  return numRunsOverride !== undefined && numRunsOverride > 0 ? numRunsOverride : defaultRuns;
}

/** A PlatformChart in a fresh App. */
export function freshChart(namespace = 'app', platform = 'prop'): PlatformChart {
  return new PlatformChart(new App(), 'c', { platform, environment: 'test', namespace });
}

/** Gate findings of a chart, rendered exactly as `synth` renders it. */
export function gateFindings(chart: PlatformChart): readonly Finding[] {
  return renderChart(chart).findings;
}

/** One line per finding, for failure messages. */
export function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `[${f.rule}] ${f.kind} ${f.namespace ?? ''}/${f.name} ${f.path}: ${f.message}`).join('\n');
}

/**
 * Runs `build` and returns the PropValidationError it throws. Any other outcome fails with a message saying what
 * escaped: no error at all, or an exception of another kind (a TypeError, a cdk8s internal error).
 */
export function propErrorOf(build: () => unknown): PropValidationError {
  try {
    build();
  } catch (error) {
    if (error instanceof PropValidationError) return error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`expected a PropValidationError, but another exception escaped: ${what}`);
  }
  throw new Error('expected a PropValidationError, but the props were accepted');
}

/** A platform chart of one environment. */
export interface PlatformCase {
  readonly platform: string;
  readonly environment: string;
  build(): PlatformChart;
}

/** Every platform × environment in `PLATFORMS` at run time, so platforms added later are covered automatically. */
export function platformCases(): PlatformCase[] {
  return PLATFORMS.flatMap((p) => p.environments.map((environment) => ({
    platform: p.name,
    environment,
    build: () => p.build(new App(), environment),
  })));
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** Kinds whose names must be DNS-1123 labels (the rest need DNS-1123 subdomains). */
const LABEL_NAMED_KINDS = new Set(['Namespace', 'Service']);
/** StatefulSet pods carry `controller-revision-hash: <name>-<10 chars>`, a label value of at most 63 characters. */
const MAX_STATEFULSET_NAME = 52;

/**
 * Syntax rules the API server enforces but the schema-based gate cannot (names, label syntax, container, volume and
 * port names, unique Service ports). Returns one line per problem.
 */
export function apiServerSyntaxIssues(objects: readonly any[]): string[] {
  const issues: string[] = [];
  const at = (o: any) => `${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
  const checkLabels = (o: any, labels: Record<string, string> | undefined, where: string) => {
    for (const [key, value] of Object.entries(labels ?? {})) {
      const [prefix, name] = key.includes('/') ? key.split('/', 2) : [undefined, key];
      if ((prefix !== undefined && !DNS1123_SUBDOMAIN.test(prefix)) || name.length > 63 || !LABEL_NAME.test(name)) {
        issues.push(`${at(o)}: ${where} label key ${JSON.stringify(key)} is not a valid label name`);
      }
      if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
        issues.push(`${at(o)}: ${where} label ${key}=${JSON.stringify(value)} is not a valid label value`);
      }
    }
  };
  for (const o of objects) {
    const name: string = o.metadata?.name ?? '';
    const labelNamed = LABEL_NAMED_KINDS.has(o.kind);
    const validName = labelNamed ? name.length <= 63 && DNS1123_LABEL.test(name) : name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
    if (!validName) issues.push(`${at(o)}: metadata.name is not a DNS-1123 ${labelNamed ? 'label' : 'subdomain'}`);
    if (o.kind === 'StatefulSet' && name.length > MAX_STATEFULSET_NAME) {
      issues.push(`${at(o)}: a StatefulSet name over ${MAX_STATEFULSET_NAME} characters makes its pods' controller-revision-hash label too long`);
    }
    checkLabels(o, o.metadata?.labels, 'metadata');
    const template = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    if (template) {
      checkLabels(o, template.metadata?.labels, 'pod template');
      const spec = template.spec ?? {};
      for (const v of spec.volumes ?? []) {
        if (!(v.name.length <= 63 && DNS1123_LABEL.test(v.name))) issues.push(`${at(o)}: volume name ${JSON.stringify(v.name)} is not a DNS-1123 label`);
      }
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        if (!(c.name.length <= 63 && DNS1123_LABEL.test(c.name))) issues.push(`${at(o)}: container name ${JSON.stringify(c.name)} is not a DNS-1123 label`);
        for (const p of c.ports ?? []) {
          if (p.name !== undefined && !isPortName(p.name)) issues.push(`${at(o)}: container ${c.name} port name ${JSON.stringify(p.name)} is not an IANA service name`);
        }
        const paths = (c.volumeMounts ?? []).map((m: any) => m.mountPath);
        if (new Set(paths).size !== paths.length) issues.push(`${at(o)}: container ${c.name} mounts two volumes at one path`);
      }
    }
    if (o.kind === 'Service') {
      const ports = (o.spec?.ports ?? []).map((p: any) => `${p.protocol ?? 'TCP'}/${p.port}`);
      if (new Set(ports).size !== ports.length) issues.push(`${at(o)}: two Service ports share a port number and protocol (${ports.join(', ')})`);
      for (const p of o.spec?.ports ?? []) {
        if (p.name !== undefined && !isPortName(p.name)) issues.push(`${at(o)}: Service port name ${JSON.stringify(p.name)} is not an IANA service name`);
      }
    }
  }
  return issues;
}

/** IANA_SVC_NAME as the API server checks it: at most 15 characters, a letter, no leading/trailing or double "-". */
function isPortName(value: string): boolean {
  return value.length >= 1 && value.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) && /[a-z]/.test(value) && !value.includes('--');
}

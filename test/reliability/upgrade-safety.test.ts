import * as fs from 'fs';
import * as path from 'path';
import { platformCases } from './helpers';

/**
 * Upgrade safety: the identity (kind/namespace/name) of every rendered object and the selectors of workloads,
 * Services, PDBs, NetworkPolicies and HPAs are pinned in __pinned__/identities.json.
 *
 * - A renamed object is a different object to Argo CD: with pruning it deletes the old one and creates the new one
 *   (a Deployment's pods all restart at once, a StatefulSet's PVCs are orphaned, a Service's clients break meanwhile).
 * - `spec.selector` of a Deployment/StatefulSet is immutable: a change makes the sync fail until the object is deleted
 *   by hand; a changed Service/PDB/NetworkPolicy selector silently stops matching the running pods during a rollout.
 *
 * Change the pin deliberately, after checking the migration: `UPDATE_PINS=1 npx jest test/reliability/upgrade-safety.test.ts`
 */

const PIN_FILE = path.join(__dirname, '__pinned__', 'identities.json');
const UPDATE = process.env.UPDATE_PINS === '1';
const UPDATE_HINT = 'If the change is intended, update the pin deliberately: UPDATE_PINS=1 npx jest test/reliability/upgrade-safety.test.ts';

interface Identities {
  /** Sorted `kind/namespace/name` (namespace empty for cluster-scoped objects). */
  readonly resources: string[];
  /** `kind/namespace/name` → what it selects. */
  readonly selectors: Record<string, unknown>;
}

function idOf(o: any): string {
  return `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
}

/** What an object selects, for the kinds whose selector decides which pods it owns, routes to, protects or scales. */
function selectorOf(o: any): unknown {
  switch (o.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'PodDisruptionBudget':
      return o.spec?.selector ?? null;
    case 'Service':
      return o.spec?.selector ?? null;
    case 'NetworkPolicy':
      return o.spec?.podSelector ?? null;
    case 'HorizontalPodAutoscaler':
      return o.spec?.scaleTargetRef ?? null;
    default:
      return undefined;
  }
}

/** JSON with object keys sorted, so the pin file is stable and diffs stay small. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as any)[k])]));
  return value;
}

function identitiesOf(objects: readonly any[]): Identities {
  const resources = objects.map(idOf).sort();
  const selectors: Record<string, unknown> = {};
  for (const id of resources) {
    const o = objects.find((x) => idOf(x) === id);
    const selector = selectorOf(o);
    if (selector !== undefined) selectors[id] = sortKeys(selector);
  }
  return { resources, selectors };
}

const current = new Map(platformCases().map((c) => [`${c.platform}/${c.environment}`, identitiesOf(c.build().toJson())]));
const pinned: Record<string, Identities> = fs.existsSync(PIN_FILE) ? JSON.parse(fs.readFileSync(PIN_FILE, 'utf8')) : {};

if (UPDATE) {
  const out = Object.fromEntries([...current.keys()].sort().map((k) => [k, current.get(k)]));
  fs.mkdirSync(path.dirname(PIN_FILE), { recursive: true });
  fs.writeFileSync(PIN_FILE, `${JSON.stringify(out, null, 2)}\n`);
}

describe('resource identities and selectors are pinned', () => {
  const keys = [...new Set([...current.keys(), ...(UPDATE ? [] : Object.keys(pinned))])].sort();

  test.each(keys)('%s', (key) => {
    const now = current.get(key);
    const pin = UPDATE ? now : pinned[key];
    if (!now) throw new Error(`${key} is pinned but no longer rendered: every object of it would be pruned by Argo CD.\n${UPDATE_HINT}`);
    if (!pin) throw new Error(`${key} is rendered but not pinned yet (a new platform or environment).\n${UPDATE_HINT}`);

    const problems: string[] = [];
    const removed = pin.resources.filter((r) => !now.resources.includes(r));
    const added = now.resources.filter((r) => !pin.resources.includes(r));
    if (removed.length > 0) {
      problems.push(`objects no longer rendered (a rename or removal: Argo CD deletes them and creates any new ones, so pods restart at once, StatefulSet claims are orphaned and clients of a Service break in between):\n  - ${removed.join('\n  - ')}`);
    }
    if (added.length > 0) problems.push(`objects not in the pin (new, or the new name of a renamed object):\n  + ${added.join('\n  + ')}`);
    for (const [id, selector] of Object.entries(pin.selectors)) {
      if (!(id in now.selectors)) continue;
      if (JSON.stringify(now.selectors[id]) !== JSON.stringify(selector)) {
        problems.push(`${id}: selector changed from ${JSON.stringify(selector)} to ${JSON.stringify(now.selectors[id])} ` +
          '(a Deployment/StatefulSet selector is immutable, so the sync fails until the object is deleted by hand; a Service, PDB, NetworkPolicy or HPA then stops matching the running pods during the rollout)');
      }
    }
    if (problems.length > 0) throw new Error(`${key}: upgrade-unsafe change against test/reliability/__pinned__/identities.json\n${problems.join('\n')}\n${UPDATE_HINT}`);
  });
});

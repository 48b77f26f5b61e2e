/**
 * Rules `cluster/*`: conflicts between rendered sets that Argo CD sends to the same cluster. One set alone cannot
 * see them: two platforms each rendering `ClusterIssuer letsencrypt-prod` pass their own gate, then two
 * Applications fight over one object.
 *
 * Where a set goes is read from the rendered Argo CD Applications themselves (`spec.source.path` is the set's
 * `<platform>/<environment>` directory on the dist branch, `spec.destination` the cluster), so the check needs no
 * other configuration, and a set no rendered Application names (a filtered synth) is left out.
 */
import { toFinding } from './findings';
import { groupOf, isKind, K8sObject, list, nameOf, namespaceOf, record, str } from './k8s';
import { RuleId } from './rules';
import { ExternalReference, Finding } from './types';

/** One rendered set (a platform in an environment), as the cross-chart rules see it. */
export interface RenderedSet {
  readonly platform: string;
  readonly environment: string;
  /** The objects, as rendered. */
  readonly objects: readonly K8sObject[];
  /** Objects the set declares as existing outside it (a ClusterIssuer the cluster's setup renders). @default - none */
  readonly externalReferences?: readonly ExternalReference[];
}

/** Argo CD names the cluster it runs in `in-cluster`, at this server. */
const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** The cluster an Application deploys to, as one string (`name` and `server` of the in-cluster destination agree). */
function clusterOf(application: K8sObject): string | undefined {
  const destination = record(record(application.spec as { destination?: { name?: string; server?: string } }).destination);
  const name = str(destination.name);
  const server = str(destination.server)?.replace(/\/+$/, '');
  if (name === 'in-cluster' || server === IN_CLUSTER_SERVER) return 'in-cluster';
  return name ?? server;
}

/** `<platform>/<environment>` → cluster, from every Argo CD Application in `sets`. */
export function destinationsOf(sets: readonly RenderedSet[]): Map<string, string> {
  const destinations = new Map<string, string>();
  for (const set of sets) {
    for (const object of set.objects) {
      if (!isKind(object, 'argoproj.io', 'Application')) continue;
      const source = record(record(object.spec as { source?: { path?: string } }).source);
      const path = str(source.path)?.replace(/^\.\//, '').replace(/\/+$/, '');
      const cluster = clusterOf(object);
      if (path !== undefined && cluster !== undefined) destinations.set(path, cluster);
    }
  }
  return destinations;
}

/** The cluster of the set at `dir` (`<platform>/<environment>`): an Application's path is `dir` or ends in `/dir`. */
function destinationOf(destinations: ReadonlyMap<string, string>, dir: string): string | undefined {
  const exact = destinations.get(dir);
  if (exact !== undefined) return exact;
  const nested = [...destinations.keys()].filter((path) => path.endsWith(`/${dir}`)).sort();
  return nested.length > 0 ? destinations.get(nested[0]) : undefined;
}

const where = (set: RenderedSet) => `${set.platform}/${set.environment}`;
const identity = (object: K8sObject) => `${object.kind} ${namespaceOf(object) !== undefined ? `${namespaceOf(object)}/` : ''}${nameOf(object)}`;

interface Emit {
  (set: RenderedSet, rule: RuleId, object: K8sObject, path: string, message: string, fix: string): void;
}

/**
 * Checks every cluster that receives two or more of `sets`, and the ClusterIssuers each set names. Returns findings
 * in the context of the set that holds the object; a conflict is reported once, on the later set, naming the other.
 */
export function validateAcrossSets(sets: readonly RenderedSet[]): Finding[] {
  const destinations = destinationsOf(sets);
  const byCluster = new Map<string, RenderedSet[]>();
  for (const set of sets) {
    const cluster = destinationOf(destinations, where(set));
    if (cluster === undefined) continue;
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), set]);
  }
  const findings: Finding[] = [];
  const emit: Emit = (set, rule, object, path, message, fix) => findings.push(toFinding({ rule, object, path, message, fix }, set));
  for (const [cluster, members] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    checkOneOwner(emit, cluster, members);
    checkHosts(emit, cluster, members);
    checkCertificateSecrets(emit, cluster, members);
    checkClusterIssuers(emit, cluster, members);
  }
  return findings;
}

/** Two sets on one cluster rendering the same group, kind, namespace and name: two Applications own one object. */
function checkOneOwner(emit: Emit, cluster: string, members: readonly RenderedSet[]): void {
  const owners = new Map<string, RenderedSet>();
  for (const set of members) {
    const seen = new Set<string>();
    for (const object of set.objects) {
      const key = `${groupOf(object.apiVersion)}/${object.kind}/${namespaceOf(object) ?? ''}/${nameOf(object)}`;
      if (seen.has(key)) continue; // a duplicate inside one set is schema/duplicate-object
      seen.add(key);
      const owner = owners.get(key);
      if (owner === undefined) owners.set(key, set);
      else {
        emit(set, 'cluster/one-owner', object, 'metadata.name',
          `${identity(object)} is also rendered by ${where(owner)}; Argo CD sends both to cluster ${cluster}, where two Applications would fight over it`,
          `render it in one of ${where(owner)} and ${where(set)} only, and declare it with addExternalReference in the other`);
      }
    }
  }
}

/** Host names an object routes: Ingress rules and TLS hosts, HTTPRoute hostnames. */
function hostsOf(object: K8sObject): string[] {
  const spec = record(object.spec as Record<string, any>);
  if (isKind(object, 'networking.k8s.io', 'Ingress')) {
    return [...new Set(list<any>(spec.rules).map((rule) => str(record(rule).host)).filter((h): h is string => h !== undefined))];
  }
  if (isKind(object, 'gateway.networking.k8s.io', 'HTTPRoute')) return [...new Set(list<unknown>(spec.hostnames).map(str).filter((h): h is string => h !== undefined))];
  return [];
}

/** The same host in two sets on one cluster: the ingress controller (or the Gateway) serves one of them at random. */
function checkHosts(emit: Emit, cluster: string, members: readonly RenderedSet[]): void {
  const routed = new Map<string, { set: RenderedSet; object: K8sObject }>();
  for (const set of members) {
    for (const object of set.objects) {
      for (const host of hostsOf(object)) {
        const first = routed.get(host);
        if (first === undefined) routed.set(host, { set, object });
        else if (first.set !== set) {
          emit(set, 'cluster/host-conflict', object, object.kind === 'HTTPRoute' ? 'spec.hostnames' : 'spec.rules',
            `host ${host} is also routed by ${identity(first.object)} of ${where(first.set)} on cluster ${cluster}`,
            `route ${host} from one platform only, or give one of them another host name`);
        }
      }
    }
  }
}

/**
 * Two cert-manager Certificates writing one Secret overwrite each other's key pair on every renewal. An Ingress with
 * a cert-manager issuer annotation makes a Certificate for each TLS secretName (cert-manager's ingress-shim).
 */
function checkCertificateSecrets(emit: Emit, cluster: string, members: readonly RenderedSet[]): void {
  const writers = new Map<string, { set: RenderedSet; object: K8sObject }>();
  for (const set of members) {
    for (const object of set.objects) {
      for (const { secret, path } of certificateSecretsOf(object)) {
        const key = `${namespaceOf(object) ?? ''}/${secret}`;
        const first = writers.get(key);
        if (first === undefined) writers.set(key, { set, object });
        else if (first.object !== object) {
          emit(set, 'cluster/certificate-secret', object, path,
            `Secret ${key} is also written by ${identity(first.object)} of ${where(first.set)} on cluster ${cluster}`,
            'give each certificate a Secret of its own (spec.secretName, or the Ingress spec.tls[].secretName)');
        }
      }
    }
  }
}

function certificateSecretsOf(object: K8sObject): { secret: string; path: string }[] {
  const spec = record(object.spec as Record<string, any>);
  if (isKind(object, 'cert-manager.io', 'Certificate')) {
    const secret = str(spec.secretName);
    return secret !== undefined ? [{ secret, path: 'spec.secretName' }] : [];
  }
  if (isKind(object, 'networking.k8s.io', 'Ingress') && issuerAnnotation(object) !== undefined) {
    return list<any>(spec.tls).flatMap((tls, i) => {
      const secret = str(record(tls).secretName);
      return secret !== undefined ? [{ secret, path: `spec.tls[${i}].secretName` }] : [];
    });
  }
  return [];
}

function issuerAnnotation(object: K8sObject): string | undefined {
  const annotations = record(record(object.metadata).annotations as Record<string, unknown> | undefined);
  return str(annotations['cert-manager.io/cluster-issuer']) ?? str(annotations['cert-manager.io/issuer']);
}

/** ClusterIssuers an object names: the Ingress annotation, or a Certificate's `issuerRef` of kind ClusterIssuer. */
function clusterIssuersOf(object: K8sObject): { issuer: string; path: string }[] {
  if (isKind(object, 'networking.k8s.io', 'Ingress')) {
    const annotations = record(record(object.metadata).annotations as Record<string, unknown> | undefined);
    const issuer = str(annotations['cert-manager.io/cluster-issuer']);
    return issuer !== undefined ? [{ issuer, path: 'metadata.annotations.cert-manager.io/cluster-issuer' }] : [];
  }
  if (isKind(object, 'cert-manager.io', 'Certificate')) {
    const ref = record(record(object.spec as { issuerRef?: { name?: string; kind?: string } }).issuerRef);
    return str(ref.kind) === 'ClusterIssuer' && str(ref.name) !== undefined ? [{ issuer: ref.name!, path: 'spec.issuerRef.name' }] : [];
  }
  return [];
}

/**
 * Every ClusterIssuer named on a cluster must be rendered there by one of the sets Argo CD sends to it, or declared
 * external (made by the cluster's own setup) by the set that names it. Two renderers are `cluster/one-owner`.
 */
function checkClusterIssuers(emit: Emit, cluster: string, members: readonly RenderedSet[]): void {
  const rendered = new Map<string, RenderedSet>();
  for (const set of members) {
    for (const object of set.objects) {
      const name = nameOf(object);
      if (isKind(object, 'cert-manager.io', 'ClusterIssuer') && name !== undefined && !rendered.has(name)) rendered.set(name, set);
    }
  }
  for (const set of members) {
    const external = new Set(list(set.externalReferences).filter((r) => r.kind === 'ClusterIssuer').map((r) => r.name));
    for (const object of set.objects) {
      for (const { issuer, path } of clusterIssuersOf(object)) {
        if (rendered.has(issuer) || external.has(issuer)) continue;
        const others = [...rendered.keys()].sort();
        emit(set, 'cluster/missing-cluster-issuer', object, path,
          `names ClusterIssuer ${issuer}, which no Application renders on cluster ${cluster} (${others.length > 0 ? `it has ${others.join(', ')}` : 'it has none'})`,
          `render ClusterIssuer ${issuer} in exactly one platform Argo CD sends to cluster ${cluster}, or declare it with addExternalReference({ kind: 'ClusterIssuer', name: '${issuer}', reason }) if the cluster's setup makes it`);
      }
    }
  }
}

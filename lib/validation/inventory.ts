/** An index of the rendered objects (and the declared external ones) for the cross-object checks. */
import {
  isKind, K8sObject, list, nameOf, namespaceOf, podTemplateOf, PodTemplate, record, str,
} from './k8s';
import { ExternalReference } from './types';

/** Namespaces every cluster has. */
const BUILT_IN_NAMESPACES: ReadonlySet<string> = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

/** An HPA or a KEDA ScaledObject, with its replica bounds and defaults resolved. */
export interface Autoscaler {
  readonly object: K8sObject;
  readonly targetKind: string;
  readonly targetName: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

interface ScaleTargetSpec {
  readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string };
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly minReplicaCount?: number;
  readonly maxReplicaCount?: number;
}

/** Index key; parts may be anything a malformed object holds (the schema check reports those), so never coerce implicitly. */
function key(kind: unknown, namespace: unknown, name: unknown): string {
  const part = (v: unknown) => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v) ?? '');
  return `${part(kind)}|${part(namespace)}|${part(name)}`;
}

function autoscalerOf(object: K8sObject): Autoscaler | undefined {
  const spec = record(object.spec as ScaleTargetSpec | undefined);
  const target = record(spec.scaleTargetRef);
  if (isKind(object, 'autoscaling', 'HorizontalPodAutoscaler')) {
    return { object, targetKind: str(target.kind) ?? '', targetName: str(target.name) ?? '', minReplicas: spec.minReplicas ?? 1, maxReplicas: spec.maxReplicas ?? 1 };
  }
  if (isKind(object, 'keda.sh', 'ScaledObject')) {
    // KEDA defaults: scaleTargetRef.kind Deployment, minReplicaCount 0, maxReplicaCount 100.
    return {
      object,
      targetKind: str(target.kind) ?? 'Deployment',
      targetName: str(target.name) ?? '',
      minReplicas: spec.minReplicaCount ?? 0,
      maxReplicas: spec.maxReplicaCount ?? 100,
    };
  }
  return undefined;
}

/** The Secret names an object provides in its namespace (a Secret, or what creates one). */
function secretsProvidedBy(object: K8sObject): (string | undefined)[] {
  const spec = record(object.spec as Record<string, unknown> | undefined);
  if (isKind(object, '', 'Secret')) return [nameOf(object)];
  if (isKind(object, 'bitnami.com', 'SealedSecret')) {
    return [str(record(record(spec.template as { metadata?: { name?: string } }).metadata).name) ?? nameOf(object)];
  }
  if (isKind(object, 'external-secrets.io', 'ExternalSecret')) return [str(record(spec.target as { name?: string }).name) ?? nameOf(object)];
  if (isKind(object, 'cert-manager.io', 'Certificate')) return [str(spec.secretName)];
  return [];
}

/** The rendered objects, indexed by kind, namespace and name, plus what they imply. */
export class Inventory {
  /** Pod templates of all workloads, in object order. */
  public readonly podTemplates: readonly PodTemplate[];
  /** Autoscalers in object order. */
  public readonly autoscalers: readonly Autoscaler[];
  private readonly objects = new Map<string, K8sObject>();
  private readonly external = new Set<string>();
  private readonly secrets = new Set<string>();
  private readonly namespaceObjects = new Map<string, K8sObject>();
  /** Namespaces that hold at least one rendered object, or are rendered themselves. */
  private readonly usedNamespaces = new Set<string>();

  constructor(objects: readonly K8sObject[], externalReferences: readonly ExternalReference[]) {
    for (const object of objects) {
      const name = nameOf(object);
      const namespace = namespaceOf(object);
      if (name !== undefined) this.objects.set(key(object.kind ?? '', namespace, name), object);
      // A ReferenceGrant sits in the namespace of what it shares (another team's Service or Secret); placing one
      // there does not make that namespace ours, so its pods stay external to the peer checks.
      if (namespace !== undefined && !isKind(object, 'gateway.networking.k8s.io', 'ReferenceGrant')) this.usedNamespaces.add(namespace);
      if (isKind(object, '', 'Namespace') && name !== undefined) {
        this.namespaceObjects.set(name, object);
        this.usedNamespaces.add(name);
      }
      for (const secret of secretsProvidedBy(object)) if (secret !== undefined) this.secrets.add(key('Secret', namespace, secret));
    }
    for (const reference of externalReferences) this.external.add(key(reference.kind, reference.namespace, reference.name));
    this.podTemplates = objects.flatMap((object) => podTemplateOf(object) ?? []);
    this.autoscalers = objects.flatMap((object) => autoscalerOf(object) ?? []);
  }

  /** The rendered object of `kind` named `name` in `namespace`. */
  public find(kind: string, namespace: string | undefined, name: string): K8sObject | undefined {
    return this.objects.get(key(kind, namespace, name));
  }

  /** Whether an object of `kind` named `name` in `namespace` is rendered or declared external. */
  public exists(kind: string, namespace: string | undefined, name: string): boolean {
    return this.objects.has(key(kind, namespace, name)) || this.isExternal(kind, namespace, name);
  }

  /** Whether an object is declared external. */
  public isExternal(kind: string, namespace: string | undefined, name: string): boolean {
    return this.external.has(key(kind, namespace, name));
  }

  /** Whether a Secret is rendered, created by a rendered SealedSecret/ExternalSecret/Certificate, or external. */
  public secretExists(namespace: string | undefined, name: string): boolean {
    return this.secrets.has(key('Secret', namespace, name)) || this.isExternal('Secret', namespace, name);
  }

  /** Whether a namespace is rendered, declared external, or built into every cluster. */
  public namespaceExists(name: string): boolean {
    return this.namespaceObjects.has(name) || this.isExternal('Namespace', undefined, name) || BUILT_IN_NAMESPACES.has(name);
  }

  /** The rendered Namespace object of `name`. */
  public namespaceObject(name: string): K8sObject | undefined {
    return this.namespaceObjects.get(name);
  }

  /** Whether we render anything in (or as) namespace `name`; peers elsewhere are external. */
  public rendersInNamespace(name: string): boolean {
    return this.usedNamespaces.has(name);
  }

  /** Namespaces we render anything in, sorted. */
  public renderedNamespaces(): string[] {
    return [...this.usedNamespaces].sort();
  }

  /** The pod templates in `namespace`. */
  public podTemplatesIn(namespace: string | undefined): PodTemplate[] {
    return this.podTemplates.filter((template) => template.namespace === namespace);
  }

  /** The autoscaler that targets `workload`, if any. */
  public autoscalerOf(workload: K8sObject): Autoscaler | undefined {
    return this.autoscalers.find(
      (autoscaler) =>
        autoscaler.targetKind === workload.kind && autoscaler.targetName === nameOf(workload) && namespaceOf(autoscaler.object) === namespaceOf(workload),
    );
  }

  /** The objects of `kind` in API `group`, in object order. */
  public ofKind(group: string, kind: string): K8sObject[] {
    return [...this.objects.values()].filter((object) => isKind(object, group, kind));
  }

  /** Prefixes `<template>-<statefulset>-` of the claims that StatefulSets in `namespace` create (then the ordinal). */
  public statefulSetClaimPrefixes(namespace: string | undefined): string[] {
    return this.ofKind('apps', 'StatefulSet')
      .filter((object) => namespaceOf(object) === namespace)
      .flatMap((object) => {
        const templates = list(record(object.spec as { volumeClaimTemplates?: readonly { metadata?: { name?: string } }[] }).volumeClaimTemplates);
        return templates.flatMap((template) => {
          const claim = str(record(template.metadata).name);
          return claim !== undefined ? [`${claim}-${nameOf(object)}-`] : [];
        });
      });
  }
}

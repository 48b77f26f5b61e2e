/** Which rendered set is being validated; printed with every finding. */
export interface ValidationContext {
  /** Platform name, e.g. `connectors`. */
  readonly platform: string;
  /** Environment name, e.g. `prod`. */
  readonly environment: string;
}

/**
 * An object that exists in the cluster but is not rendered by us (a pre-existing Secret, the
 * ingress-nginx namespace). References to it are satisfied.
 */
export interface ExternalReference {
  /** Kind, e.g. `Secret` or `Namespace`. */
  readonly kind: string;
  /** Namespace of a namespaced object; omit for cluster-scoped objects (e.g. a Namespace). */
  readonly namespace?: string;
  /** Object name. */
  readonly name: string;
  /** Why it exists outside of this rendered set (who creates it). */
  readonly reason: string;
}

/**
 * The memory a namespace may use. The sum of the memory requests, and the sum of the memory limits,
 * of all pod templates in the namespace must each fit: replicas × containers (init containers count
 * as the maximum of any one of them, per pod, as Kubernetes does), with an autoscaler's maximum
 * replicas when one targets the workload.
 */
export interface CapacityBudget {
  /** The namespace the budget applies to. */
  readonly namespace: string;
  /** The budget in bytes. */
  readonly memoryBytes: number;
  /** Where the budget comes from, e.g. `GPU node pool: 2 × 64 GiB, minus system reserved`. */
  readonly description: string;
}

/** Optional knowledge about the cluster beyond the rendered objects. */
export interface ValidateOptions {
  /** Objects that exist but are not rendered. @default - none */
  readonly externalReferences?: readonly ExternalReference[];
  /** Memory budgets per namespace. @default - no budget checks */
  readonly capacityBudgets?: readonly CapacityBudget[];
}

/** One problem found in one object. */
export interface Finding {
  /** Rule id, a key of `RULES`, e.g. `pss/privileged`. */
  readonly rule: string;
  /** Platform from the validation context. */
  readonly platform: string;
  /** Environment from the validation context. */
  readonly environment: string;
  /** Kind of the object the finding is about. */
  readonly kind: string;
  /** Namespace of the object, if namespaced. */
  readonly namespace?: string;
  /** Name of the object. */
  readonly name: string;
  /** Field path in the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  /** What is wrong, with the offending value. */
  readonly message: string;
  /** How to fix it, concretely. */
  readonly fix: string;
  /** The reason given by the exemption annotation, if the finding is exempted. */
  readonly exemption?: string;
}

/** The result of a validation run. */
export interface ValidationReport {
  /** Findings that are not exempted: any of them fails the synth. */
  readonly findings: Finding[];
  /** Findings exempted by an annotation on the object, with the reason; reported, not failing. */
  readonly exempted: Finding[];
}

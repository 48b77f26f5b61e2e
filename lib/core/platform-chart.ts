import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { check } from './errors';
import { checkDnsLabel } from './names';
import { CapacityBudget, ExternalReference } from '../validation/types';

// The gate's own types: what a chart declares is exactly what the gate checks against.
export type { CapacityBudget, ExternalReference } from '../validation/types';

export interface PlatformChartProps {
  /** Platform name; becomes `app.kubernetes.io/part-of` and the first level under `dist/`. */
  readonly platform: string;
  /** Environment name, e.g. `staging`; the second level under `dist/`. */
  readonly environment: string;
  /** Namespace used by constructs that are not given one. */
  readonly namespace: string;
  /** Labels added to every object of the chart. @default - `app.kubernetes.io/part-of` and `app.kubernetes.io/managed-by` */
  readonly labels?: Record<string, string>;
}

/**
 * One platform in one environment: the unit that is synthesized into `dist/<platform>/<environment>/`,
 * validated as a whole, and synced by one Argo CD Application.
 */
export class PlatformChart extends Chart {
  /** Returns the PlatformChart a construct belongs to, with a clear error if it is used outside one. */
  public static of(scope: IConstruct): PlatformChart {
    let current: IConstruct | undefined = scope;
    while (current) {
      if (current instanceof PlatformChart) return current as PlatformChart;
      current = current.node.scope;
    }
    throw new Error(`${scope.node.path}: this construct must be created inside a PlatformChart (lib/core/platform-chart.ts)`);
  }

  public readonly platform: string;
  public readonly environment: string;
  /** Default namespace of the chart's constructs. */
  public readonly defaultNamespace: string;
  private readonly externals: ExternalReference[] = [];
  private readonly budgets: CapacityBudget[] = [];
  private sealedObjects?: any[];
  private isSealed = false;

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    // cdk8s would otherwise set this namespace on cluster-scoped objects too; constructs set it explicitly.
    super(scope, id, {
      disableResourceNameHashes: true,
      labels: { 'app.kubernetes.io/part-of': props.platform, 'app.kubernetes.io/managed-by': 'cdk8s', ...props.labels },
    });
    checkDnsLabel(this, 'platform', props.platform);
    checkDnsLabel(this, 'environment', props.environment);
    checkDnsLabel(this, 'namespace', props.namespace);
    this.platform = props.platform;
    this.environment = props.environment;
    this.defaultNamespace = props.namespace;
  }

  /** Declares an object that the chart's objects refer to but that lives outside this chart. */
  public addExternalReference(reference: ExternalReference): void {
    check(this, reference.reason.trim().length > 0, 'reference.reason', reference.reason, 'an external reference must say why it is not rendered here');
    const key = (r: ExternalReference) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
    if (!this.externals.some((r) => key(r) === key(reference))) this.externals.push(reference);
  }

  /** Declares a memory budget for one namespace, enforced by the validation gate. */
  public addCapacityBudget(budget: CapacityBudget): void {
    check(this, budget.memoryBytes > 0, 'budget.memoryBytes', budget.memoryBytes, 'must be a positive number of bytes');
    this.budgets.push(budget);
  }

  /**
   * Marks the chart complete: no construct can be added any more, and {@link toJson} resolves the objects once and
   * returns that same (frozen) list to every later reader. A full synth reads each chart three times (the Argo CD
   * platform's facts, the add-ons layer, the render itself); resolving is the costliest step of the synth, so
   * `buildApp` seals each platform's charts as soon as its build returns. Changing an object of a sealed chart
   * (an annotation, a patch) is a bug: test/synth.test.ts compares every sealed chart with a fresh resolve.
   */
  public seal(): void {
    if (this.isSealed) return;
    this.node.lock();
    this.isSealed = true;
  }

  /** Whether {@link seal} was called. */
  public get sealed(): boolean {
    return this.isSealed;
  }

  /** The chart's objects as plain JSON; resolved once and frozen once the chart is sealed. */
  public override toJson(): any[] {
    if (!this.isSealed) return super.toJson();
    this.sealedObjects ??= deepFreeze(super.toJson());
    return this.sealedObjects;
  }

  /** Objects referred to but not rendered. */
  public get externalReferences(): readonly ExternalReference[] {
    return [...this.externals];
  }

  /** Declared namespace memory budgets. */
  public get capacityBudgets(): readonly CapacityBudget[] {
    return [...this.budgets];
  }
}

/** Freezes plain JSON in place: a reader that tries to change a shared object fails at once (strict mode). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

import { IConstruct, Node } from 'constructs';

/**
 * Thrown when a construct is given props it cannot render safely.
 *
 * The message names the construct path, the prop, the offending value and the rule,
 * so the user can fix the chart without reading a stack trace from inside cdk8s.
 */
export class PropValidationError extends Error {
  constructor(
    readonly constructPath: string,
    readonly prop: string,
    readonly value: unknown,
    readonly rule: string,
  ) {
    super(`${constructPath}: invalid ${prop} (${formatValue(value)}): ${rule}`);
    this.name = 'PropValidationError';
  }
}

/** Throws a {@link PropValidationError} for `scope` unless `condition` holds. */
export function check(scope: IConstruct, condition: boolean, prop: string, value: unknown, rule: string): asserts condition {
  if (!condition) {
    throw new PropValidationError(scope.node.path, prop, value, rule);
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Two constructs with one id in one scope (`new NamespaceBaseline(chart, 'keycloak')` beside
 * `new Keycloak(chart, 'keycloak')`). The constructs library throws a bare Error without naming the first construct;
 * this names both, in the one-line style of prop errors (`<path>: invalid id ("keycloak"): …`).
 */
export class ConstructIdCollisionError extends PropValidationError {
  constructor(scopePath: string, id: string, readonly existingType: string, readonly newType: string) {
    const path = scopePath === '' ? id : `${scopePath}/${id}`;
    super(path, 'id', id, `is already the id of a ${existingType} in ${scopePath === '' ? 'the app' : scopePath}; give this ${newType} another id (ids must be unique within their scope)`);
  }
}

// The constructs library adds every construct to its scope through Node.addChild, the only place a collision is
// seen; wrap it once (per loaded copy of the library) so the error names both constructs.
const WRAPPED = Symbol.for('platform-manifests/construct-id-collision');
const nodePrototype = Node.prototype as unknown as Record<PropertyKey, unknown> & {
  addChild(this: Node, child: IConstruct, childName: string): void;
};
if (!nodePrototype[WRAPPED]) {
  const addChild = nodePrototype.addChild;
  nodePrototype.addChild = function addChildNamingBoth(this: Node, child: IConstruct, childName: string): void {
    const existing = this.tryFindChild(childName);
    if (existing !== undefined) throw new ConstructIdCollisionError(this.path, childName, existing.constructor.name, child.constructor.name);
    addChild.call(this, child, childName);
  };
  nodePrototype[WRAPPED] = true;
}

import { IConstruct } from 'constructs';

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

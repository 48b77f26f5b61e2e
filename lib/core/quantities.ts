import { IConstruct } from 'constructs';
import { check } from './errors';
import { parseQuantity as parseKubernetesQuantity } from '../validation/quantity';

/**
 * Parses a Kubernetes resource quantity ("500m", "1.5", "512Mi", "1G") into a number of base units; undefined if
 * it does not parse. The gate's grammar: a value accepted here is one the gate accepts in the output.
 */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number' && value < 0) return undefined;
  return parseKubernetesQuantity(value);
}

/** Parses a CPU quantity or throws a prop error naming it. */
export function checkCpu(scope: IConstruct, prop: string, value: string): number {
  const parsed = parseQuantity(value);
  check(scope, parsed !== undefined && parsed > 0, prop, value, 'must be a positive CPU quantity such as "250m" or "1"');
  return parsed;
}

/** Parses a memory/storage quantity or throws a prop error naming it. */
export function checkMemory(scope: IConstruct, prop: string, value: string): number {
  const parsed = parseQuantity(value);
  check(scope, parsed !== undefined && parsed >= 1024 * 1024, prop, value,
    'must be a byte quantity of at least 1Mi, such as "256Mi" or "1Gi"');
  return parsed;
}

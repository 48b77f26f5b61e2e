import { IConstruct } from 'constructs';
import { check } from './errors';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;

/** Parses a Kubernetes resource quantity ("500m", "1.5", "512Mi", "1G") into a number of base units; undefined if it does not parse. */
export function parseQuantity(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = QUANTITY.exec(String(value).trim());
  if (!match || match[1] === '.' || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(match[1])) return undefined;
  const num = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return num * BINARY[suffix];
  // Scale decimals through the exponent notation: `9m * 1e-3` rounds above `0.009`, so equal values in different units compared unequal.
  if (suffix in DECIMAL) return Number(`${match[1]}e${Math.round(Math.log10(DECIMAL[suffix]))}`);
  if (/^[eE]/.test(suffix)) return Number(`${match[1]}e${Number(suffix.slice(1))}`);
  return undefined;
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

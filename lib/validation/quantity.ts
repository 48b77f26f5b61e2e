/** Kubernetes resource quantities ("250m", "512Mi", "1G", "1e3"). */

const SUFFIXES: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};
const DECIMAL_EXPONENTS: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?[0-9]+))?$/;

/** The value of a quantity in base units (cores, bytes), or undefined if it is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, number, suffix, exponent] = match;
  if (exponent !== undefined) return Number(`${number}e${Number(exponent)}`);
  // Scale decimal suffixes through the exponent notation: `9m` as 9 * 1e-3 rounds above `0.009`, a false "limit below request".
  const decimal = DECIMAL_EXPONENTS[suffix ?? ''];
  return decimal !== undefined ? Number(`${number}e${decimal}`) : Number(number) * SUFFIXES[suffix!];
}

/** Bytes in binary units for messages: `1.5Gi`, `512Mi`. */
export function formatBytes(bytes: number): string {
  const units = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'];
  for (const unit of units) {
    const size = SUFFIXES[unit];
    if (Math.abs(bytes) >= size) return `${Number((bytes / size).toFixed(2))}${unit}`;
  }
  return `${bytes}`;
}

/** "Did you mean" suggestions for misspelt names. */

/** Case-insensitive Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution);
    }
    previous = current;
  }
  return previous[b.length];
}

/** The closest name to `wanted` among `names`, if it is close enough to be a typo (a quarter of the length, at least 2 edits). */
export function closest(wanted: string, names: readonly string[]): string | undefined {
  const best = names.map((name) => ({ name, d: distance(wanted, name) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(wanted.length / 4)) ? best.name : undefined;
}

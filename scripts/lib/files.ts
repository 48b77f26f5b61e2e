import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Lists the regular files below `dir` as sorted, `/`-separated paths relative to `dir`.
 * Returns an empty list when `dir` does not exist.
 */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) files.push(child);
    }
  };
  walk('');
  return files.sort();
}

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';

/**
 * Where parsed vendored YAML is cached as JSON. Parsing the large CRDs (Argo CD's Application alone is
 * ~1 MB of YAML) costs ~0.6 s per process; JSON.parse of the same data ~10 ms. The cache is keyed by the
 * SHA-256 of the YAML text, so an edited CRD can never be served stale, and it only changes speed, not output.
 */
const CACHE_DIR = process.env.PLATFORM_VALIDATION_CACHE_DIR
  ?? path.join(__dirname, '..', '..', 'node_modules', '.cache', 'platform-validation');

/** Reads a cache entry, or undefined when it is missing or unreadable. */
export function readCache(fileName: string): string | undefined {
  try {
    return fs.readFileSync(path.join(CACHE_DIR, fileName), 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads a binary cache entry, or undefined when it is missing or unreadable. */
export function readCacheBytes(fileName: string): Buffer | undefined {
  try {
    return fs.readFileSync(path.join(CACHE_DIR, fileName));
  } catch {
    return undefined;
  }
}

/** Writes a cache entry atomically (parallel Jest workers never read half a file); failures only cost speed. */
export function writeCache(fileName: string, content: string | Uint8Array): void {
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = path.join(CACHE_DIR, `.${process.pid}-${fileName}-${os.hostname()}.tmp`);
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, path.join(CACHE_DIR, fileName));
  } catch {
    // A read-only checkout still validates, only slower.
  }
}

/** SHA-256 of the given parts, hex. */
export function contentHash(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** Parses a YAML file, through the JSON cache when it holds this exact text. Never fails because of the cache. */
export function parseYamlFileCached(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const cacheFile = `${contentHash(text)}.json`;
  const cached = readCache(cacheFile);
  if (cached !== undefined) {
    try {
      return JSON.parse(cached);
    } catch {
      // A corrupt entry is rewritten below.
    }
  }
  const parsed = parseYaml(text);
  writeCache(cacheFile, JSON.stringify(parsed));
  return parsed;
}

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

/** Parses a YAML file, through the JSON cache when it holds this exact text. Never fails because of the cache. */
export function parseYamlFileCached(file: string): unknown {
  const text = fs.readFileSync(file, 'utf8');
  const cacheFile = path.join(CACHE_DIR, `${createHash('sha256').update(text).digest('hex')}.json`);
  try {
    return JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
  } catch {
    // Not cached yet (or unreadable): parse and try to cache.
  }
  const parsed = parseYaml(text);
  try {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename: parallel Jest workers never read a half-written file.
    const tmp = path.join(CACHE_DIR, `.${process.pid}-${path.basename(cacheFile)}-${os.hostname()}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(parsed));
    fs.renameSync(tmp, cacheFile);
  } catch {
    // A read-only checkout still validates, only slower.
  }
  return parsed;
}

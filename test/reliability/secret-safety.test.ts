import * as fs from 'fs';
import * as path from 'path';
import { ExistingSecret, NamespaceBaseline, Postgres, Redis, Workload } from '../../lib';
import { renderChart, RenderedChart } from '../../lib/render/synth';
import { describeFindings, freshChart, platformCases, propErrorOf } from './helpers';

/**
 * Secrets never appear as values: platform configs hold references (Secret names and keys, SealedSecret
 * ciphertext), every secret-looking environment variable comes from a secretKeyRef, no plaintext Secret object is
 * rendered, and every mounted or referenced Secret is rendered (SealedSecret, ExternalSecret, Certificate) or declared.
 */

const REPO = path.resolve(__dirname, '..', '..');
/** Environment variable names that hold a secret value (word-wise, so KEYCLOAK_URL is not a "KEY"). */
const SECRET_ENV_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|KEY|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|COOKIE)(_|$)/i;
/** Names that hold a path to a mounted secret file, not the secret. */
const SECRET_PATH_NAME = /_(FILE|PATH|DIR)$/i;
/** Names that hold a Secret's name or key, or an endpoint URL (Airbyte's `*_SECRET_NAME`, `*_SECRET_KEY`, `*_TOKEN_ENDPOINT`): checked by value. */
const SECRET_REFERENCE_NAME = /_SECRET_(NAME|KEY)$|_ENDPOINT$/i;
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod', 'ReplicaSet']);

function podSpecOf(o: any): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** Names of Secrets a chart makes exist: SealedSecret, ExternalSecret targets, cert-manager Certificates, or declared external. */
function providedSecrets(chart: RenderedChart, externals: readonly { kind: string; namespace?: string; name: string }[]): Set<string> {
  const provided = new Set<string>();
  for (const { object: o } of chart.files) {
    const ns = o.metadata?.namespace;
    if (o.kind === 'SealedSecret') provided.add(`${ns}/${o.spec?.template?.metadata?.name ?? o.metadata.name}`);
    if (o.kind === 'ExternalSecret') provided.add(`${ns}/${o.spec?.target?.name ?? o.metadata.name}`);
    if (o.kind === 'Certificate') provided.add(`${ns}/${o.spec.secretName}`);
    if (o.kind === 'Secret' && o.apiVersion === 'v1') provided.add(`${ns}/${o.metadata.name}`);
  }
  for (const e of externals) if (e.kind === 'Secret') provided.add(`${e.namespace}/${e.name}`);
  return provided;
}

describe.each(platformCases().map((c) => [`${c.platform}/${c.environment}`, c] as const))('%s', (_label, platformCase) => {
  const chart = platformCase.build();
  const rendered = renderChart(chart);
  const objects = rendered.files.map((f) => f.object);
  const pods = objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => ({ o, spec: podSpecOf(o) })).filter((p) => p.spec);

  test('every secret-looking env var comes from a secretKeyRef (or is a path to a mounted file, or a reference to a Secret)', () => {
    const provided = providedSecrets(rendered, chart.externalReferences);
    // Keys a pod reads with a secretKeyRef, or an ExternalSecret declares: what a `*_SECRET_KEY` variable may name.
    const secretKeys = new Set<string>(objects.filter((o) => o.kind === 'ExternalSecret').flatMap((o) => (o.spec.data ?? []).map((d: any) => d.secretKey)));
    for (const { spec } of pods) {
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) secretKeys.add(e.valueFrom.secretKeyRef.key);
    }
    const valueOf = (ns: string, e: any): string | undefined => {
      if (typeof e.value === 'string') return e.value;
      const ref = e.valueFrom?.configMapKeyRef;
      return ref ? objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === ns && o.metadata.name === ref.name)?.data?.[ref.key] : undefined;
    };
    const isReference = (ns: string, name: string, value: string | undefined): boolean => {
      if (value === undefined) return false;
      if (/_SECRET_NAME$/i.test(name)) return provided.has(`${ns}/${value}`);
      if (/_SECRET_KEY$/i.test(name)) return secretKeys.has(value);
      return /^https?:\/\/[a-z0-9.-]+(:\d+)?(\/[-\w./]*)?$/.test(value); // an endpoint without credentials or query
    };
    const offenders: string[] = [];
    for (const { o, spec } of pods) {
      const ns = o.metadata.namespace;
      const secretVolumes = new Set((spec.volumes ?? []).filter((v: any) => v.secret).map((v: any) => v.name));
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const e of c.env ?? []) {
          if (!SECRET_ENV_NAME.test(e.name)) continue;
          if (e.valueFrom?.secretKeyRef) continue;
          if (SECRET_PATH_NAME.test(e.name) && typeof e.value === 'string' && e.value.startsWith('/')) continue;
          // A path into a Secret mounted in this container (GOOGLE_APPLICATION_CREDENTIALS=/secrets/…/gcp.json).
          if (typeof e.value === 'string' && (c.volumeMounts ?? []).some((m: any) => secretVolumes.has(m.name) && e.value.startsWith(`${m.mountPath}/`))) continue;
          if (SECRET_REFERENCE_NAME.test(e.name) && isReference(ns, e.name, valueOf(ns, e))) continue;
          offenders.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name} container ${c.name}: ${e.name} = ${e.value !== undefined ? '<literal>' : JSON.stringify(e.valueFrom)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('no rendered Secret carries data or stringData', () => {
    const plaintext = objects.filter((o) => o.kind === 'Secret' && o.apiVersion === 'v1' && (o.data !== undefined || o.stringData !== undefined));
    expect(plaintext.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
  });

  test('every Secret a pod uses is rendered (SealedSecret, ExternalSecret, Certificate) or declared external', () => {
    const provided = providedSecrets(rendered, chart.externalReferences);
    const missing: string[] = [];
    for (const { o, spec } of pods) {
      const ns = o.metadata.namespace;
      const need = (name: string | undefined, where: string, optional?: boolean) => {
        if (name && !optional && !provided.has(`${ns}/${name}`)) missing.push(`${o.kind} ${ns}/${o.metadata.name} ${where}: Secret ${name}`);
      };
      for (const v of spec.volumes ?? []) {
        if (v.secret) need(v.secret.secretName, `volume ${v.name}`, v.secret.optional);
        for (const s of v.projected?.sources ?? []) if (s.secret) need(s.secret.name, `projected volume ${v.name}`, s.secret.optional);
      }
      for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) need(e.valueFrom.secretKeyRef.name, `container ${c.name} env ${e.name}`, e.valueFrom.secretKeyRef.optional);
        for (const f of c.envFrom ?? []) if (f.secretRef) need(f.secretRef.name, `container ${c.name} envFrom`, f.secretRef.optional);
      }
      for (const s of spec.imagePullSecrets ?? []) need(s.name, 'imagePullSecrets');
    }
    expect(missing).toEqual([]);
  });
});

describe('platform configs hold references, not secret values', () => {
  /** A Secret name or key, a Secret Manager id, or sealed ciphertext: anything but a password-like literal. */
  const REFERENCE = /^[-._a-zA-Z0-9/]{1,253}$/;
  /** `kubeseal --raw` output: long base64. */
  const SEALED = /^[A-Za-z0-9+/=]{64,}$/;
  const SECRET_FIELD = /(password|passwd|secret|token|credential|apikey|api_key|privatekey|cookie)/i;

  function leaves(value: unknown, at: string, out: [string, string][], seen: Set<unknown>): void {
    if (typeof value === 'string') out.push([at, value]);
    else if (value && typeof value === 'object' && !seen.has(value)) {
      seen.add(value);
      for (const [k, v] of Object.entries(value)) leaves(v, `${at}.${k}`, out, seen);
    }
  }

  const configs = fs.readdirSync(path.join(REPO, 'charts'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(REPO, 'charts', d.name, 'config.ts')))
    .map((d) => d.name).sort();

  test.each(configs)('charts/%s/config.ts', (dir) => {
    const mod = require(path.join(REPO, 'charts', dir, 'config.ts'));
    const found: [string, string][] = [];
    leaves(mod, dir, found, new Set());
    // Judged by the field's own name: `secrets.managedBy` is prose, `secrets.redis.password` must be a reference.
    const suspicious = found.filter(([at, v]) => SECRET_FIELD.test(at.split('.').pop()!) && !REFERENCE.test(v) && !SEALED.test(v));
    expect(suspicious.map(([at]) => `${at} holds a value that is not a reference`)).toEqual([]);
  });
});

describe('planted markers: secret references stay references', () => {
  const KEY_MARKERS = ['MARKER-SECRET-1', 'MARKER-SECRET-2', 'MARKER-SECRET-3', 'MARKER-SECRET-4'];
  const NAME_MARKERS = ['marker-secret-1', 'marker-secret-2', 'marker-secret-3', 'marker-secret-4'];
  /** Where a Secret's name or key may appear: reference fields, volume plumbing, and file paths that point at mounted keys. */
  const REFERENCE_PATHS = [
    /\.secretKeyRef\.(name|key)$/,
    /\.secret\.(secretName|items\[\d+\]\.(key|path))$/,
    /\.volumes\[\d+\]\.name$/,
    /\.volumeMounts\[\d+\]\.(name|mountPath)$/,
    /\.env\[\d+\]\.value$/, // only file paths, checked below
    /^ConfigMap .*\.data\./, // init scripts read mounted key files by path
  ];

  function occurrences(value: unknown, at: string, out: [string, string][]): void {
    if (typeof value === 'string') {
      if (/marker-secret/i.test(value)) out.push([at, value]);
    } else if (Array.isArray(value)) value.forEach((v, i) => occurrences(v, `${at}[${i}]`, out));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) occurrences(v, `${at}.${k}`, out);
  }

  test('names and keys planted in Workload, Postgres and Redis appear only as references; the gate finds nothing', () => {
    const chart = freshChart('app');
    new NamespaceBaseline(chart, 'ns', { name: 'app' });
    NAME_MARKERS.forEach((name, i) => new ExistingSecret(chart, `s${i}`, { name, managedBy: 'test' }));
    const app = new Workload(chart, 'api', {
      image: 'ghcr.io/example/api:1.0.0',
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
      ports: [{ name: 'http', port: 8080 }],
      readiness: { tcp: {} },
      liveness: { tcp: {} },
      env: {
        DB_PASSWORD: { secretKeyRef: { secretName: NAME_MARKERS[0], key: KEY_MARKERS[0] } },
        API_TOKEN: { secretKeyRef: { secretName: NAME_MARKERS[1], key: KEY_MARKERS[1] } },
        SIGNING_KEY_FILE: `/etc/keys/${KEY_MARKERS[1]}`,
      },
      secretFiles: [{ secretName: NAME_MARKERS[1], mountPath: '/etc/keys', items: [{ key: KEY_MARKERS[1], path: KEY_MARKERS[1] }] }],
    });
    const pg = new Postgres(chart, 'db', {
      credentials: { username: { secretName: NAME_MARKERS[2], key: KEY_MARKERS[2] }, password: { secretName: NAME_MARKERS[2], key: `${KEY_MARKERS[2]}-pw` } },
      databases: [{ name: 'app', owner: 'app_owner', ownerPassword: { secretName: NAME_MARKERS[3], key: KEY_MARKERS[3] } }],
      exporter: { serviceMonitorLabels: { release: 'prometheus' } },
    });
    const redis = new Redis(chart, 'cache', { password: { secretName: NAME_MARKERS[3], key: `${KEY_MARKERS[3]}-redis` } });
    pg.allowConnectionFrom(app);
    redis.allowConnectionFrom(app);

    const result = renderChart(chart);
    expect(describeFindings(result.findings)).toBe('');
    const found: [string, string][] = [];
    for (const { object } of result.files) occurrences(object, `${object.kind} ${object.metadata.name}`, found);
    expect(found.length).toBeGreaterThan(0);
    const elsewhere = found.filter(([at, value]) => !REFERENCE_PATHS.some((re) => re.test(at))
      || (/\.env\[\d+\]\.value$/.test(at) && !value.startsWith('/')));
    expect(elsewhere).toEqual([]);
    // No env var carries a marker as a literal value, other than the path of a mounted file.
    const envValues = found.filter(([at]) => /\.env\[\d+\]\.value$/.test(at)).map(([, v]) => v);
    expect(envValues.every((v) => v.startsWith('/'))).toBe(true);
  });

  test.each(['DB_PASSWORD', 'API_TOKEN', 'CLIENT_SECRET', 'AWS_CREDENTIALS', 'STRIPE_API_KEY', 'PRIVATE_KEY'])(
    'a literal value under %s is rejected, and the error does not repeat it', (name) => {
      const marker = 'MARKER-SECRET-VALUE-42';
      const error = propErrorOf(() => new Workload(freshChart(), 'api', {
        image: 'ghcr.io/example/api:1.0.0',
        resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
        readiness: { exec: { command: ['true'] } },
        liveness: { exec: { command: ['true'] } },
        env: { [name]: marker },
      }));
      expect(error.message).toBe(`c/api: invalid env.${name} ("<redacted>"): looks like a secret given as a literal; reference it with { secretKeyRef: { secretName, key } } or mount it with secretFiles`);
      expect(error.message).not.toContain(marker);
      expect(JSON.stringify(error.value)).not.toContain(marker);
    },
  );

  test('no marker, private key or credential URL in dist/ or in any committed snapshot', () => {
    const files: string[] = [];
    const walk = (dir: string, pick: (f: string) => boolean) => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) { if (e.name !== 'node_modules') walk(p, pick); } else if (pick(p)) files.push(p);
      }
    };
    walk(path.join(REPO, 'dist'), () => true);
    walk(path.join(REPO, 'test'), (f) => f.endsWith('.snap') && f.includes(`${path.sep}__snapshots__${path.sep}`));
    const leaks: string[] = [];
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (/MARKER-SECRET/i.test(text)) leaks.push(`${path.relative(REPO, f)}: planted marker`);
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) leaks.push(`${path.relative(REPO, f)}: PEM private key`);
      const url = /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"']+:[^/\s@"'$]+@/i.exec(text);
      if (url) leaks.push(`${path.relative(REPO, f)}: URL with credentials (${url[0].replace(/:[^:@]+@$/, ':<redacted>@')})`);
    }
    expect(leaks).toEqual([]);
  });
});

describe('secrets found by their value at construction, under any name and in args', () => {
  const props = {
    image: 'ghcr.io/example/api:1.0.0',
    resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
    readiness: { exec: { command: ['true'] } },
    liveness: { exec: { command: ['true'] } },
  };
  const t = (unit: string, n: number) => unit.repeat(n);

  test.each([
    ['STRIPE_KEY', `sk_live_${t('4eC39H', 4)}`, 'a Stripe secret key'],
    ['UPSTREAM', `AKIA${t('Z7', 8)}`, 'an AWS access key id'],
    ['CACHE_URL', 'redis://:hunter2@redis:6379/0', 'a URL with a password'],
    ['TLS', '-----BEGIN EC PRIVATE KEY-----\nMHcC…', 'a PEM private key'],
    ['UPSTREAM_HEADER', `Authorization: Bearer ${t('aB3dE5', 4)}`, 'an Authorization header value'],
    ['GITHUB_PAT', `ghp_${t('a1B2c3', 6)}`, 'a GitHub token'],
  ])('env %s is rejected as %s, without repeating the value', (name, value, what) => {
    const error = propErrorOf(() => new Workload(freshChart(), 'api', { ...props, env: { [name]: value } }));
    expect(error.message).toBe(`c/api: invalid env.${name} ("<redacted>"): looks like a secret given as a literal (${what}); reference it with { secretKeyRef: { secretName, key } } or mount it with secretFiles`);
    expect(error.message).not.toContain(value);
  });

  test('an argument with a password is rejected; $(VAR) of a secretKeyRef env var passes', () => {
    const error = propErrorOf(() => new Workload(freshChart(), 'api', { ...props, args: ['--listen=:8080', '--db-password=hunter2'] }));
    expect(error.message).toBe('c/api: invalid args[1] ("<redacted>"): holds a literal under the secret-looking name --db-password; pass it through an env var from a Secret ("$(VAR)") or mount it with secretFiles');
    expect(() => new Workload(freshChart(), 'api', {
      ...props, args: ['--db-password=$(DB_PASSWORD)'], env: { DB_PASSWORD: { secretKeyRef: { secretName: 'db', key: 'password' } }, KC_DB_PASSWORD: '${KC_DB_PASSWORD}' },
    })).not.toThrow();
  });
});

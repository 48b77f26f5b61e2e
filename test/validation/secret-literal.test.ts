import { validateObjects } from '../../lib/validation';
import { findSecretInArgument, findSecretLiteral, findSecretValue, SECRET_PATTERNS } from '../../lib/validation/secret-literal';
import { apiContainer, baseline, baselineOptions, CTX, find, Obj } from './fixtures';

/**
 * One row per pattern of SECRET_PATTERNS: values it must find (true positives) and look-alikes it must leave alone
 * (false positives). Tokens are assembled from pieces so this file does not itself look like a leak.
 */
const r = (unit: string, n: number) => unit.repeat(n);
const CASES: Record<string, { readonly found: readonly string[]; readonly passes: readonly string[] }> = {
  'credential-url': {
    found: ['postgres://app:s3cret@db:5432/app', 'redis://:hunter2hunter2@redis:6379/0', 'amqps://user:pw@broker.example.com/vhost', 'see https://u:p@h.example.com/x'],
    passes: ['postgres://app@db:5432/app', 'postgres://app:$(DB_PASSWORD)@db:5432/app', 'redis://:${REDIS_PASSWORD}@redis:6379', 'http://api:8080/health', 'mailto:ops@example.com'],
  },
  'private-key': {
    found: ['-----BEGIN PRIVATE KEY-----\nMIIE…', '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN OPENSSH PRIVATE KEY-----', '-----BEGIN PGP PRIVATE KEY BLOCK-----'],
    passes: ['-----BEGIN CERTIFICATE-----\nMIIC…', '-----BEGIN PUBLIC KEY-----', '/etc/tls/private-key.pem'],
  },
  'jwt': {
    found: [`eyJ${r('hbGciOi', 2)}.eyJ${r('zdWIiOi', 3)}.${r('SflKxwRJ', 3)}`],
    passes: ['eyJhbGciOi', 'a.b.c', 'config.yaml.tmpl'],
  },
  'authorization-header': {
    found: [`Authorization: Bearer ${r('aB3dE5', 4)}`, `Basic ${r('dXNlcjpwYXNz', 2)}==`, `token ${r('Zx9Yq8', 3)}`],
    passes: ['Authorization: Bearer $(API_TOKEN)', 'Bearer ${TOKEN}', 'basic auth is disabled', 'Bearer short'],
  },
  'aws-access-key': {
    found: [`AKIA${r('Z7', 8)}`, `key=ASIA${r('Q3', 8)}`],
    passes: [`AKIA${r('Z7', 7)}`, `akia${r('z7', 8)}`, 'arn:aws:iam::123456789012:role/app'],
  },
  'github-token': {
    found: [`ghp_${r('a1B2c3', 6)}`, `ghs_${r('Zz09', 9)}`, `github_pat_${r('A1b2_', 16)}xx`],
    passes: [`ghp_${r('a1B2c3', 5)}`, 'github.com/acme/repo', 'ghcr.io/acme/api:1.0.0'],
  },
  'gitlab-token': {
    found: [`glpat-${r('x1Y2z3', 4)}`, `gldt-${r('Ab12', 6)}`],
    passes: ['glpat-short', 'registry.gitlab.com/acme/api:1.0.0'],
  },
  'slack-token': {
    found: [`xoxb-${r('1234', 3)}-${r('abcd', 4)}`, `https://hooks.slack.com/services/T0000/B0000/${r('XyZ1', 6)}`],
    passes: ['xoxb-', 'https://slack.com/api/chat.postMessage'],
  },
  'stripe-key': {
    found: [`sk_live_${r('4eC39H', 4)}`, `rk_test_${r('51Hz', 5)}`, `STRIPE=sk_prod_${r('aB9', 5)}`],
    passes: ['pk_live_public_key_is_fine', 'sk_live_', 'desk_live_chat'],
  },
  'google-api-key': {
    found: [`AIza${r('Sy', 1)}${r('A1b2C3d4E5', 3)}${r('z', 3)}`],
    passes: ['AIzaShort', 'https://maps.googleapis.com/maps/api/js'],
  },
  'npm-token': {
    found: [`npm_${r('aB3', 12)}`],
    passes: ['npm_config_cache', `npm_${r('aB3', 11)}`],
  },
  'anthropic-key': {
    found: [`sk-ant-api03-${r('Ab1_', 12)}`, `sk-ant-admin01-${r('Zz9-', 10)}`],
    passes: ['sk-ant-', 'sk-antelope'],
  },
  'openai-key': {
    found: [`sk-proj-${r('Ab1', 10)}`, `sk-${r('a1', 10)}T3BlbkFJ${r('b2', 10)}`],
    passes: ['sk-proj-', 'sk-learn', 'task-project-runner'],
  },
  'huggingface-token': {
    found: [`hf_${r('AbCdEfGhIj', 3)}Klmn`],
    passes: ['hf_transfer', `hf_${r('AbCdEfGhIj', 3)}`, 'HF_HOME=/var/cache/hf'],
  },
};

describe('every value pattern has true and false positives', () => {
  test('the table covers every pattern', () => {
    expect(Object.keys(CASES).sort()).toEqual(SECRET_PATTERNS.map((p) => p.id).sort());
  });

  describe.each(SECRET_PATTERNS.map((p) => [p.id, p] as const))('%s', (id) => {
    test.each(CASES[id].found.map((v) => [v]))('finds %s', (value) => {
      expect(findSecretValue(value)?.id).toBe(id);
    });
    test.each(CASES[id].passes.map((v) => [v]))('passes %s', (value) => {
      expect(findSecretValue(value)).toBeUndefined();
    });
  });
});

describe('by name', () => {
  test.each([
    ['STRIPE_KEY', `sk_live_${r('4eC39H', 4)}`, 'stripe-key'],
    ['SOME_SETTING', `AKIA${r('Z7', 8)}`, 'aws-access-key'],
    ['REDIS_URL', 'redis://:password@redis:6379', 'credential-url'],
    ['GITHUB_PAT', `ghp_${r('a1B2c3', 6)}`, 'github-token'],
    ['DB_PASSWORD', 'hunter2', 'secret-name'],
    ['CLIENT_SECRET', 'x', 'secret-name'],
    ['SIGNING_KEY', 'q8Zr2LmX0vT5nW7kB1yH', 'high-entropy'],
    ['GIT_PAT', 'Zx81kQm02Lpa7Vn3Ry56', 'high-entropy'],
    ['BASIC_AUTH', 'dXNlcjpwYXNzd29yZDEy', 'high-entropy'],
    ['KC_DB_PWD', 'a9F3kL0pQ7zX2mN5vB8c', 'high-entropy'],
    ['AWS_SECRET_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'secret-name'],
    ['API_SECRET_KEY', 'q8Zr2LmX0vT5nW7kB1yH', 'secret-name'],
    ['TOKEN_ENDPOINT', 'https://svc:hunter2@auth.example.com/token', 'credential-url'],
  ])('%s=<value> is a secret literal (%s)', (name, value, id) => {
    expect(findSecretLiteral(name, value)?.id).toBe(id);
  });

  test.each([
    ['KC_DB_PASSWORD', '${KC_DB_PASSWORD}'],
    ['DB_PASSWORD', '$(POSTGRES_PASSWORD)'],
    ['GOOGLE_APPLICATION_CREDENTIALS', '/var/secrets/google/key.json'],
    ['DB_PASSWORD_FILE', 'secrets/db-password'],
    ['API_KEY_PATH', '/etc/keys/api'],
    ['KEYCLOAK_URL', 'http://keycloak.keycloak.svc.cluster.local:8080'],
    ['AUTH_URL', 'https://auth.aroti.com/realms/aroti'],
    ['SIGNING_KEY_ID', 'primary'],
    ['CACHE_KEY_PREFIX', 'aiaas-dev-2024-cache'],
    ['PAT_SCOPE', 'read_repository'],
    ['CONFIG_CHECKSUM', 'a3f1c9e07b5d4e2f8a6c1b3d5e7f9a0b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f7'],
    ['INIT_SCRIPT', 'psql -c "ALTER ROLE app PASSWORD \'$(cat /run/secrets/pw)\'"\n'],
    ['SECRET_NAME', ''],
    // Airbyte names the Secret and the key its components read (charts/connectors): names, not values.
    ['DATAPLANE_CLIENT_ID_SECRET_NAME', 'airbyte-auth-secrets'],
    ['DATAPLANE_CLIENT_ID_SECRET_KEY', 'dataplane-client-id'],
    ['CONTROL_PLANE_TOKEN_ENDPOINT', 'http://airbyte-server-svc:8001/api/v1/dataplanes/token'],
  ])('%s=%s is not', (name, value) => {
    expect(findSecretLiteral(name, value)).toBeUndefined();
  });
});

describe('command line arguments', () => {
  test.each([
    ['--db-password=hunter2', 'secret-name'],
    ['--api-key=q8Zr2LmX0vT5nW7kB1yH', 'secret-name'],
    [`--header=Authorization: Bearer ${r('aB3dE5', 4)}`, 'authorization-header'],
    ['redis://:hunter2@redis:6379', 'credential-url'],
    [`hf_${r('AbCdEfGhIj', 3)}Klmn`, 'huggingface-token'],
  ])('%s is a secret literal (%s)', (arg, id) => {
    expect(findSecretInArgument(arg)?.id).toBe(id);
  });

  test.each(['--password-file=/run/secrets/pw', '--db-password=$(DB_PASSWORD)', '--disable-log-requests', '--model=mistralai/Mistral-7B-Instruct-v0.3', '--port=8000', 'redis-server', '/etc/redis/redis.conf'])(
    '%s is not', (arg) => {
      expect(findSecretInArgument(arg)).toBeUndefined();
    },
  );
});

describe('the gate finds secret literals by value in env, args, ConfigMap data and annotations', () => {
  const STRIPE = `sk_live_${r('4eC39H', 4)}`;

  function findingsAfter(mutate: (objects: Obj[]) => void): string[] {
    const objects = baseline();
    mutate(objects);
    return validateObjects(objects, CTX, baselineOptions()).findings.map((f) => `${f.rule} ${f.kind} ${f.path}: ${f.message}`);
  }

  test('the baseline has none', () => {
    expect(findingsAfter(() => undefined)).toEqual([]);
  });

  test.each([
    ['an env var with an innocent name', (o: Obj[]) => apiContainer(o).env.push({ name: 'PAYMENTS', value: STRIPE }),
      'practice/secret-literal-env Deployment spec.template.spec.containers[0].env[3].value: container "api" sets PAYMENTS to a Stripe secret key'],
    ['an argument', (o: Obj[]) => (apiContainer(o).args = ['--listen=:8080', `--token=ghp_${r('a1B2c3', 6)}`]),
      'practice/secret-literal Deployment spec.template.spec.containers[0].args[1]: container "api" passes a GitHub token in args[1]'],
    ['a ConfigMap value', (o: Obj[]) => (find(o, 'ConfigMap', 'api-config').data['app.ini'] = '[db]\nurl = postgres://app:hunter2@db/app\n'),
      'practice/secret-literal ConfigMap data["app.ini"]: ConfigMap key app.ini holds a URL with a password'],
    ['an annotation', (o: Obj[]) => (find(o, 'Service', 'api').metadata.annotations = { 'example.com/auth': `Bearer ${r('aB3dE5', 4)}` }),
      'practice/secret-literal Service metadata.annotations["example.com/auth"]: annotation example.com/auth holds an Authorization header value'],
    ['a pod template annotation', (o: Obj[]) => (find(o, 'Deployment', 'api').spec.template.metadata.annotations = { key: `AKIA${r('Z7', 8)}` }),
      'practice/secret-literal Deployment spec.template.metadata.annotations["key"]: annotation key holds an AWS access key id'],
  ])('%s', (_what, mutate, expected) => {
    expect(findingsAfter(mutate)).toEqual([expected]);
  });

  test('placeholders and references pass', () => {
    expect(findingsAfter((o) => {
      apiContainer(o).args = ['--db-url=postgres://app:$(DB_PASSWORD)@db/app', '--password-file=/run/secrets/pw'];
      find(o, 'ConfigMap', 'api-config').data['keycloak.conf'] = 'db-password=${KC_DB_PASSWORD}\n';
      find(o, 'ConfigMap', 'api-config').data.DB_PASSWORD_FILE = '/run/secrets/db/password';
    })).toEqual([]);
  });
});

import { checkDuplicateKeys, Finding, validateObjects } from '../../lib/validation';
import { apiContainer, baseline, baselineOptions, CTX, deployment, find, Obj } from './fixtures';

/** Schema findings only, as [rule, path, message]. */
function schemaFindings(objects: readonly Obj[]): [string, string, string][] {
  return validateObjects(objects, CTX, baselineOptions())
    .findings.filter((f: Finding) => f.rule.startsWith('schema/'))
    .map((f) => [f.rule, f.path, f.message]);
}

const certificate = (): Obj => find(baseline(), 'Certificate', 'api-tls');

describe('Kubernetes schemas (strict)', () => {
  test('an unknown field is rejected, with a suggestion', () => {
    const objects = baseline();
    apiContainer(objects).imagePullPolcy = 'Always';
    const [finding] = validateObjects(objects, CTX, baselineOptions()).findings;
    expect(finding).toMatchObject({
      rule: 'schema/unknown-field',
      path: 'spec.template.spec.containers[0].imagePullPolcy',
      fix: 'rename it to imagePullPolicy if that is what you meant, else remove it',
    });
  });

  test('a wrong type is rejected: replicas "2"', () => {
    const objects = [deployment()];
    objects[0].spec.replicas = '2';
    expect(schemaFindings(objects)).toEqual([['schema/wrong-type', 'spec.replicas', 'must be integer, got "2"']]);
  });

  test('a missing required field is rejected: a container without a name', () => {
    const objects = [deployment()];
    delete objects[0].spec.template.spec.containers[0].name;
    expect(schemaFindings(objects)).toEqual([['schema/missing-field', 'spec.template.spec.containers[0].name', 'required field "name" is missing']]);
  });

  test('an unknown apiVersion/kind is rejected', () => {
    expect(schemaFindings([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } }])).toEqual([
      ['schema/unknown-kind', 'apiVersion', 'no schema for apiVersion example.com/v1 kind Widget in Kubernetes 1.28 or the CRDs under vendor/crds'],
    ]);
  });

  test('a removed apiVersion of a known kind suggests the served one', () => {
    const pdb = { ...find(baseline(), 'PodDisruptionBudget', 'api'), apiVersion: 'policy/v1beta1' };
    const [finding] = validateObjects([pdb], CTX).findings.filter((f) => f.rule === 'schema/unknown-kind');
    expect(finding.fix).toBe('use a served apiVersion for PodDisruptionBudget: policy/v1');
  });

  test('IntOrString accepts a number and a name, and rejects anything else', () => {
    const objects = baseline();
    const service = find(objects, 'Service', 'api');
    service.spec.ports.push({ name: 'admin', port: 81, targetPort: 8080 });
    expect(schemaFindings(objects)).toEqual([]);
    service.spec.ports[1].targetPort = true;
    expect(schemaFindings(objects)).toEqual([['schema/wrong-type', 'spec.ports[1].targetPort', 'true must match exactly one schema in oneOf (string or integer)']]);
  });

  test('a quantity must be a Kubernetes quantity (MB is not a suffix)', () => {
    const objects = baseline();
    apiContainer(objects).resources.requests.memory = '512MB';
    expect(schemaFindings(objects)).toEqual([
      ['schema/wrong-type', 'spec.template.spec.containers[0].resources.requests.memory', '"512MB" is not a Kubernetes quantity'],
    ]);
  });

  test('annotation keys are quoted in paths', () => {
    const objects = baseline();
    find(objects, 'Ingress', 'api').metadata.annotations['cert-manager.io/cluster-issuer'] = 42;
    expect(schemaFindings(objects)).toEqual([
      ['schema/wrong-type', 'metadata.annotations["cert-manager.io/cluster-issuer"]', 'must be string, got 42'],
    ]);
  });

  test('an object without apiVersion is reported, not looked up', () => {
    expect(schemaFindings([{ kind: 'ConfigMap', metadata: { name: 'x', namespace: 'shop' } }])).toEqual([
      ['schema/missing-field', 'apiVersion', 'required field "apiVersion" is missing'],
    ]);
  });
});

describe('CRD schemas', () => {
  test('an unknown field in a cert-manager Certificate is rejected', () => {
    const cert = certificate();
    cert.spec.secretname = 'api-tls';
    expect(schemaFindings([cert])).toEqual([['schema/unknown-field', 'spec.secretname', 'unknown field "secretname" in spec']]);
  });

  test('CRD metadata is validated as ObjectMeta', () => {
    const cert = certificate();
    cert.metadata.label = { app: 'api' };
    cert.metadata.annotations = { owner: ['shop'] };
    expect(schemaFindings([cert])).toEqual([
      ['schema/unknown-field', 'metadata.label', 'unknown field "label" in metadata'],
      ['schema/wrong-type', 'metadata.annotations.owner', 'must be string, got ["shop"]'],
    ]);
  });

  test('fields under x-kubernetes-preserve-unknown-fields stay open', () => {
    const app = find(baseline(), 'Application', 'shop-staging');
    app.spec.source = { repoURL: 'https://charts.example.com', chart: 'redis', targetRevision: '19.0.0', helm: { valuesObject: { any: { shape: [1] } } } };
    expect(schemaFindings([app])).toEqual([]);
  });

  test('the external-secrets v1beta1 schema is used for v1beta1 objects', () => {
    const secret = find(baseline(), 'ExternalSecret', 'api-keys');
    secret.spec.target.creationPolicy = 'Sometimes';
    expect(schemaFindings([secret])).toEqual([
      ['schema/wrong-type', 'spec.target.creationPolicy', '"Sometimes" is not an allowed value'],
    ]);
  });

  const prometheusRule = (strategy: string): Obj => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: `api-${strategy.toLowerCase() || 'default'}`, namespace: 'shop' },
    spec: {
      groups: [{ name: 'api', partial_response_strategy: strategy, rules: [{ alert: 'ApiDown', expr: 'up{job="api"} == 0', for: '5m' }] }],
    },
  });

  test('PrometheusRule validates despite the Go-only pattern ^(?i)(abort|warn)?$, case-insensitively', () => {
    for (const strategy of ['warn', 'WARN', 'Abort', '']) expect(schemaFindings([prometheusRule(strategy)])).toEqual([]);
    expect(schemaFindings([prometheusRule('retry')])).toEqual([
      ['schema/wrong-type', 'spec.groups[0].partial_response_strategy', '"retry" does not match the pattern ^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$'],
    ]);
  });
});

describe('duplicate YAML keys', () => {
  test('a repeated key is a finding with its path, file and line', () => {
    const text = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: api',
      '  namespace: shop',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: api',
      '          image: ghcr.io/acme/api:1.4.2',
      '          image: ghcr.io/acme/api:latest',
      '',
    ].join('\n');
    expect(checkDuplicateKeys(text, CTX, 'deployment-shop-api.yaml')).toEqual([
      {
        rule: 'schema/duplicate-key',
        platform: 'shop-platform',
        environment: 'staging',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'api',
        path: 'spec.template.spec.containers[0].image',
        message: 'key "image" appears twice in the same mapping in deployment-shop-api.yaml (line 12)',
        fix: 'remove one of the two spec.template.spec.containers[0].image keys in deployment-shop-api.yaml; YAML readers disagree on which one wins',
      },
    ]);
  });

  test('each document of a stream is checked', () => {
    const text = 'kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata:\n  name: b\n  name: c\n';
    expect(checkDuplicateKeys(text, CTX, 'two.yaml').map((f) => [f.kind, f.path])).toEqual([['B', 'metadata.name']]);
  });

  test('clean YAML has no findings', () => {
    expect(checkDuplicateKeys('a: 1\nb: {c: 2}\n', CTX, 'x.yaml')).toEqual([]);
  });
});

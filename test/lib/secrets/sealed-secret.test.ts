import { createHash } from 'crypto';
import { looksLikeSealedCiphertext, SealedSecret, SealedSecretProps, Workload } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

/** A value shaped like `kubeseal --raw` output (4096-bit key): structurally valid, decrypts to nothing. */
function fakeCiphertext(seed: string, rsaBytes = 512): string {
  const body: Buffer[] = [];
  for (let i = 0; body.reduce((n, b) => n + b.length, 0) < rsaBytes + 48; i++) body.push(createHash('sha256').update(`${seed}/${i}`).digest());
  const header = Buffer.alloc(2);
  header.writeUInt16BE(rsaBytes, 0);
  return Buffer.concat([header, ...body]).subarray(0, 2 + rsaBytes + 48).toString('base64');
}

describe('SealedSecret', () => {
  test('minimal props: SealedSecret with template name/namespace, strict scope, keyRef', () => {
    const chart = testChart();
    const secret = new SealedSecret(chart, 'db-credentials', { encryptedData: { password: fakeCiphertext('p'), username: fakeCiphertext('u') } });
    const objects = objectsOf(chart);
    const sealed = findObject(objects, 'SealedSecret', 'db-credentials', 'demo');
    expect(sealed.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(sealed.metadata.annotations).toBeUndefined();
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['password', 'username']);
    expect(sealed.spec.encryptedData.password).toBe(fakeCiphertext('p'));
    expect(sealed.spec.template).toEqual({ metadata: { name: 'db-credentials', namespace: 'demo' }, type: 'Opaque' });
    expect(secret.secretName).toBe('db-credentials');
    expect(secret.secretNamespace).toBe('demo');
    expect(secret.keyRef('password')).toEqual({ secretName: 'db-credentials', key: 'password' });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<SealedSecretProps> = {
      name: 'tls-cert',
      namespace: 'edge',
      encryptedData: { 'tls.key': fakeCiphertext('k', 256), 'tls.crt': fakeCiphertext('c', 384) },
      scope: 'namespace-wide',
      type: 'kubernetes.io/tls',
      labels: { team: 'platform', app: 'edge' },
      immutable: true,
    };
    new SealedSecret(chart, 'TlsCert', props);
    const sealed = findObject(objectsOf(chart), 'SealedSecret', 'tls-cert', 'edge');
    expect(sealed.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
    expect(sealed.spec.template).toEqual({
      metadata: { name: 'tls-cert', namespace: 'edge', labels: { app: 'edge', team: 'platform' }, annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' } },
      type: 'kubernetes.io/tls',
      immutable: true,
    });
    expect(Object.keys(sealed.spec.encryptedData)).toEqual(['tls.crt', 'tls.key']);
  });

  test('a workload can mount it as files', () => {
    const chart = testChart();
    const secret = new SealedSecret(chart, 'api-token', { encryptedData: { token: fakeCiphertext('t') } });
    new Workload(chart, 'api', {
      image: 'example/api:1.0.0',
      resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
      ports: [{ name: 'http', port: 8080 }],
      readiness: { http: { path: '/ready' } },
      liveness: { http: { path: '/live' } },
      secretFiles: [{ secretName: secret.secretName, mountPath: '/var/run/secrets/api' }],
    });
    const pod = findObject(objectsOf(chart), 'Deployment', 'api').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'secret-api-token', secret: { secretName: 'api-token', defaultMode: 0o440 } });
  });

  test('looksLikeSealedCiphertext accepts kubeseal-shaped values only', () => {
    expect(looksLikeSealedCiphertext(fakeCiphertext('x'))).toBe(true);
    expect(looksLikeSealedCiphertext(Buffer.from('hunter2').toString('base64'))).toBe(false);
    expect(looksLikeSealedCiphertext('not base64!')).toBe(false);
    expect(looksLikeSealedCiphertext(fakeCiphertext('x').slice(0, 400))).toBe(false);
    expect(looksLikeSealedCiphertext('')).toBe(false);
  });

  test('fails if a value is plaintext, without echoing it', () => {
    const chart = testChart();
    expect(() => new SealedSecret(chart, 's', { encryptedData: { password: 'correct-horse-battery' } }))
      .toThrow(/^test\/s: invalid encryptedData\["password"\] \("<redacted>"\): must be sealed-secrets ciphertext as printed by `kubeseal --raw`/);
    expect(() => new SealedSecret(chart, 's2', { encryptedData: { password: 'correct-horse-battery' } })).not.toThrow(/correct-horse/);
  });

  test('fails if the value is base64 of a short plaintext', () => {
    expect(() => new SealedSecret(testChart(), 's', { encryptedData: { password: Buffer.from('secret-value').toString('base64') } }))
      .toThrow(/invalid encryptedData\["password"\] \("<redacted>"\): must be sealed-secrets ciphertext/);
  });

  test('fails if there is no key', () => {
    expect(() => new SealedSecret(testChart(), 's', { encryptedData: {} })).toThrow(/invalid encryptedData \(\[\]\): must hold at least one key/);
  });

  test('fails if a key is not a Secret key', () => {
    expect(() => new SealedSecret(testChart(), 's', { encryptedData: { 'bad key': fakeCiphertext('a') } }))
      .toThrow(/invalid encryptedData \("bad key"\): keys must consist of letters, digits/);
  });

  test('fails if the name is not a DNS subdomain', () => {
    expect(() => new SealedSecret(testChart(), 'Bad_Name', { encryptedData: { a: fakeCiphertext('a') } })).toThrow(/invalid name \("Bad_Name"\): must be a DNS-1123 subdomain/);
  });

  test('fails if keyRef names a key that was not sealed', () => {
    const secret = new SealedSecret(testChart(), 's', { encryptedData: { password: fakeCiphertext('a') } });
    expect(() => secret.keyRef('username')).toThrow(/invalid key \("username"\): must be one of the sealed keys \(password\)/);
  });
});

import {
  ExternalSecret, ExternalSecretProps, GcpSecretStore, GcpSecretStoreProps, Workload, googleServiceAccountEmail,
} from '../../../lib';
import { findObject, mainContainer, objectsOf, testChart } from '../../util';

describe('ExternalSecret', () => {
  test('minimal props: a v1beta1 ExternalSecret whose Secret has the same name, consumed through keyRef', () => {
    const chart = testChart();
    const secret = new ExternalSecret(chart, 'db', {
      store: { name: 'gcp', kind: 'ClusterSecretStore' },
      data: [{ secretKey: 'PASSWORD', remoteKey: 'db-password' }],
    });
    new Workload(chart, 'api', {
      image: 'ghcr.io/example/api:1.0.0',
      resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
      ports: [{ name: 'http', port: 8080 }],
      readiness: { http: { path: '/' } },
      liveness: { http: { path: '/' } },
      env: { DB_PASSWORD: { secretKeyRef: secret.keyRef('PASSWORD') } },
    });
    const objects = objectsOf(chart);
    const rendered = findObject(objects, 'ExternalSecret', 'db', 'demo');
    expect(rendered.apiVersion).toBe('external-secrets.io/v1beta1');
    expect(rendered.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'gcp', kind: 'ClusterSecretStore' },
      target: { name: 'db', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'PASSWORD', remoteRef: { key: 'db-password' } }],
    });
    expect(secret.secretName).toBe('db');
    expect(secret.secretNamespace).toBe('demo');
    expect(mainContainer(findObject(objects, 'Deployment', 'api')).env).toEqual([
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'PASSWORD' } } },
    ]);
  });

  test('all props; data sorted by key', () => {
    const chart = testChart();
    const props: Required<ExternalSecretProps> = {
      name: 'app-credentials',
      namespace: 'demo',
      store: { name: 'gcp', kind: 'SecretStore', namespace: 'demo' },
      data: [
        { secretKey: 'token', remoteKey: 'app', property: 'token', version: '3' },
        { secretKey: 'api-key', remoteKey: 'app', property: 'apiKey' },
      ],
      refreshInterval: '15m',
      creationPolicy: 'Merge',
      deletionPolicy: 'Delete',
    };
    const secret = new ExternalSecret(chart, 'creds', props);
    const rendered = findObject(objectsOf(chart), 'ExternalSecret', 'app-credentials', 'demo');
    expect(rendered.spec.data).toEqual([
      { secretKey: 'api-key', remoteRef: { key: 'app', property: 'apiKey' } },
      { secretKey: 'token', remoteRef: { key: 'app', property: 'token', version: '3' } },
    ]);
    expect(rendered.spec.refreshInterval).toBe('15m');
    expect(rendered.spec.target).toEqual({ name: 'app-credentials', creationPolicy: 'Merge', deletionPolicy: 'Delete' });
    expect(secret.keys).toEqual(['api-key', 'token']);
    expect(secret.keyRef('token')).toEqual({ secretName: 'app-credentials', key: 'token' });
  });

  describe('fails if', () => {
    const store = { name: 'gcp' };
    test('keyRef names an undeclared key', () => {
      const secret = new ExternalSecret(testChart(), 'db', { store, data: [{ secretKey: 'PASSWORD', remoteKey: 'pw' }] });
      expect(() => secret.keyRef('PASSWROD')).toThrow(/test\/db: invalid key \("PASSWROD"\): must be one of the declared keys \(PASSWORD\)/);
    });
    test('no key is declared', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store, data: [] })).toThrow(/invalid data \(\[\]\): must list at least one key/);
    });
    test('a key is declared twice', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store, data: [{ secretKey: 'a', remoteKey: 'x' }, { secretKey: 'a', remoteKey: 'y' }] }))
        .toThrow(/invalid data\[\].secretKey \("a"\): must be unique/);
    });
    test('a key is not a valid Secret key', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store, data: [{ secretKey: 'my key', remoteKey: 'x' }] }))
        .toThrow(/invalid data\[0\].secretKey \("my key"\): must be a valid Secret key/);
    });
    test('a remote key is empty', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store, data: [{ secretKey: 'a', remoteKey: ' ' }] }))
        .toThrow(/invalid data\[0\].remoteKey \(" "\): must name the remote secret/);
    });
    test('the refresh interval is not a Go duration', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store, refreshInterval: '1 hour', data: [{ secretKey: 'a', remoteKey: 'x' }] }))
        .toThrow(/invalid refreshInterval \("1 hour"\): must be a Go duration/);
    });
    test('a SecretStore of another namespace is referenced', () => {
      expect(() => new ExternalSecret(testChart(), 'db', { store: { name: 'gcp', namespace: 'other' }, data: [{ secretKey: 'a', remoteKey: 'x' }] }))
        .toThrow(/invalid store.namespace \("other"\): a SecretStore serves only its own namespace \(demo\)/);
    });
  });
});

describe('GcpSecretStore', () => {
  const minimal: GcpSecretStoreProps = {
    projectId: 'example-project',
    googleServiceAccount: googleServiceAccountEmail('eso-reader', 'example-project'),
    clusterName: 'main',
    clusterLocation: 'europe-west6',
  };

  test('minimal props: Secret Manager through Workload Identity, no key file', () => {
    const chart = testChart();
    const store = new GcpSecretStore(chart, 'gcp', minimal);
    const objects = objectsOf(chart);
    const rendered = findObject(objects, 'SecretStore', 'gcp', 'demo');
    expect(rendered.apiVersion).toBe('external-secrets.io/v1beta1');
    expect(rendered.spec.provider.gcpsm).toEqual({
      projectID: 'example-project',
      auth: { workloadIdentity: { clusterName: 'main', clusterLocation: 'europe-west6', clusterProjectID: 'example-project', serviceAccountRef: { name: 'gcp' } } },
    });
    const sa = findObject(objects, 'ServiceAccount', 'gcp', 'demo');
    expect(sa.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'eso-reader@example-project.iam.gserviceaccount.com' });
    expect(store.ref).toEqual({ name: 'gcp', kind: 'SecretStore', namespace: 'demo' });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<GcpSecretStoreProps> = {
      ...minimal, name: 'secret-manager', namespace: 'demo', clusterProjectId: 'cluster-project', serviceAccountName: 'eso',
    };
    new GcpSecretStore(chart, 'gcp', props);
    const objects = objectsOf(chart);
    expect(findObject(objects, 'SecretStore', 'secret-manager').spec.provider.gcpsm.auth.workloadIdentity)
      .toEqual({ clusterName: 'main', clusterLocation: 'europe-west6', clusterProjectID: 'cluster-project', serviceAccountRef: { name: 'eso' } });
    expect(findObject(objects, 'ServiceAccount', 'eso').automountServiceAccountToken).toBe(false);
  });

  describe('fails if', () => {
    test('the Google service account is not an e-mail of one', () => {
      expect(() => new GcpSecretStore(testChart(), 'gcp', { ...minimal, googleServiceAccount: 'eso-reader' }))
        .toThrow(/invalid googleServiceAccount \("eso-reader"\): must be a Google service account e-mail/);
    });
    test('the project id is invalid', () => {
      expect(() => new GcpSecretStore(testChart(), 'gcp', { ...minimal, projectId: 'Example' }))
        .toThrow(/invalid projectId \("Example"\): must be a GCP project id/);
    });
    test('the cluster location is not a region or zone', () => {
      expect(() => new GcpSecretStore(testChart(), 'gcp', { ...minimal, clusterLocation: 'zurich' }))
        .toThrow(/invalid clusterLocation \("zurich"\): must be a GCP region or zone/);
    });
  });
});

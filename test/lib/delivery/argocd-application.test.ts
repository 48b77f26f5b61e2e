import { Duration } from 'cdk8s';
import { ARGOCD_RESOURCES_FINALIZER, ArgoCdApplication, ArgoCdApplicationProps } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, objectsOf, testChart } from '../../util';

const REPO = 'https://github.com/example-org/platform-manifests.git';
const base: ArgoCdApplicationProps = { project: 'shop-staging', repoUrl: REPO, path: 'shop/staging', cluster: { name: 'staging' } };

describe('ArgoCdApplication', () => {
  test('minimal props: dist branch, automated prune + self-heal, prune last, retry with backoff, resources finalizer', () => {
    const chart = testChart();
    const app = new ArgoCdApplication(chart, 'shop', base);
    const o = findObject(objectsOf(chart), 'Application', 'shop', 'argocd');
    expect(app.name).toBe('shop');
    expect(o.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(o.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
    expect(o.spec.project).toBe('shop-staging');
    expect(o.spec.source).toEqual({ repoURL: REPO, targetRevision: 'dist', path: 'shop/staging' });
    expect(o.spec.destination).toEqual({ name: 'staging' });
    expect(o.spec.ignoreDifferences).toBeUndefined();
    expect(o.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: true },
      syncOptions: ['CreateNamespace=false', 'PruneLast=true'],
      retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '180s' } },
    });
  });

  test('all props', () => {
    const chart = testChart();
    chart.addExternalReference({ kind: 'Namespace', name: 'gitops', reason: 'Argo CD installation' });
    const props: Required<ArgoCdApplicationProps> = {
      name: 'shop-production',
      namespace: 'gitops',
      project: 'shop-production',
      repoUrl: 'git@github.com:example-org/platform-manifests.git',
      targetRevision: 'release-1',
      path: 'shop/production',
      cluster: { server: 'https://10.0.0.1:6443' },
      destinationNamespace: 'shop',
      automatedSync: true,
      selfHeal: false,
      createNamespace: true,
      serverSideApply: true,
      pruneLast: false,
      ignoreDifferences: [{ group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'api', jsonPointers: ['/spec/replicas'] }],
      cascadeDelete: false,
      retryLimit: 0,
      retryBackoff: Duration.seconds(5),
      retryBackoffFactor: 3,
      retryMaxBackoff: Duration.minutes(10),
    };
    const app = new ArgoCdApplication(chart, 'shop', props);
    const o = findObject(objectsOf(chart), 'Application', 'shop-production', 'gitops');
    expect(app.resource.name).toBe('shop-production');
    expect(o.metadata.finalizers).toBeUndefined();
    expect(o.spec.source).toEqual({ repoURL: props.repoUrl, targetRevision: 'release-1', path: 'shop/production' });
    expect(o.spec.destination).toEqual({ server: 'https://10.0.0.1:6443', namespace: 'shop' });
    expect(o.spec.ignoreDifferences).toEqual(props.ignoreDifferences);
    expect(o.spec.syncPolicy).toEqual({
      automated: { prune: true, selfHeal: false },
      syncOptions: ['CreateNamespace=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true'],
      retry: { limit: 0, backoff: { duration: '5s', factor: 3, maxDuration: '600s' } },
    });
    // The vendored Application CRD schema accepts every field the construct renders.
    expect(renderChart(chart).findings).toEqual([]);
  });

  test('automatedSync: false renders no automated block: a person syncs', () => {
    const chart = testChart();
    new ArgoCdApplication(chart, 'shop', { ...base, automatedSync: false });
    expect(findObject(objectsOf(chart), 'Application', 'shop', 'argocd').spec.syncPolicy.automated).toBeUndefined();
  });

  describe('fails if', () => {
    test('selfHeal is set on a manual sync', () => expect(() => new ArgoCdApplication(testChart(), 'shop', { ...base, automatedSync: false, selfHeal: true }))
      .toThrow(/test\/shop: invalid selfHeal \(true\): self-heal is part of automated sync: set automatedSync: true or leave selfHeal out/));
    const build = (p: Partial<ArgoCdApplicationProps>) => () => new ArgoCdApplication(testChart(), 'shop', { ...base, ...p });
    test('both server and name are set', () => expect(build({ cluster: { server: 'https://k8s', name: 'staging' } }))
      .toThrow(/test\/shop: invalid cluster \(\{"server":"https:\/\/k8s","name":"staging"\}\): set exactly one of "server"/));
    test('neither server nor name is set', () => expect(build({ cluster: {} })).toThrow(/invalid cluster \(\{\}\): set exactly one of "server"/));
    test('the server is not https', () => expect(build({ cluster: { server: 'http://k8s' } }))
      .toThrow(/invalid cluster.server \("http:\/\/k8s"\): must be an https:\/\/ URL of the cluster API server/));
    test('the repo URL is a wildcard', () => expect(build({ repoUrl: '*' })).toThrow(/invalid repoUrl \("\*"\): must be a Git URL/));
    test('the path is absolute', () => expect(build({ path: '/shop/staging' })).toThrow(/invalid path \("\/shop\/staging"\): must be a relative directory/));
    test('the path climbs out', () => expect(build({ path: 'shop/../x' })).toThrow(/invalid path \("shop\/..\/x"\): must be a relative directory/));
    test('the project is not a DNS label', () => expect(build({ project: 'Shop' })).toThrow(/invalid project \("Shop"\): must be a DNS-1123 label/));
    test('createNamespace without a namespace', () => expect(build({ createNamespace: true }))
      .toThrow(/invalid createNamespace \(true\): CreateNamespace needs a destinationNamespace to create/));
    test('the retry limit is negative', () => expect(build({ retryLimit: -1 })).toThrow(/invalid retryLimit \(-1\): must be a non-negative integer/));
    test('the backoff factor is fractional', () => expect(build({ retryBackoffFactor: 1.5 })).toThrow(/invalid retryBackoffFactor \(1.5\): must be an integer of at least 1/));
    test('the max backoff is shorter than the backoff', () => expect(build({ retryBackoff: Duration.minutes(5), retryMaxBackoff: Duration.minutes(1) }))
      .toThrow(/invalid retryMaxBackoff \("60s"\): must not be shorter than retryBackoff \(300s\)/));
    test('an ignoreDifferences entry names no field', () => expect(build({ ignoreDifferences: [{ kind: 'Deployment' }] }))
      .toThrow(/invalid ignoreDifferences\[0\] \(\{"kind":"Deployment"\}\): must name the fields to ignore/));
  });
});

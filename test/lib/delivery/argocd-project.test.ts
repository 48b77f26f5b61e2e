import { ArgoCdProject, ArgoCdProjectProps } from '../../../lib';
import { renderChart } from '../../../lib/render/synth';
import { findObject, objectsOf, testChart } from '../../util';

const REPO = 'https://github.com/example-org/platform-manifests.git';
const base: ArgoCdProjectProps = {
  sourceRepos: [REPO],
  cluster: { name: 'staging' },
  namespaces: ['shop'],
  namespaceResources: [{ group: 'apps', kind: 'Deployment' }],
};

describe('ArgoCdProject', () => {
  test('minimal props: one repo, named namespaces, no cluster-scoped kinds', () => {
    const chart = testChart();
    const project = new ArgoCdProject(chart, 'shop-staging', base);
    const o = findObject(objectsOf(chart), 'AppProject', 'shop-staging', 'argocd');
    expect(project.name).toBe('shop-staging');
    expect(o.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(o.spec).toEqual({
      sourceRepos: [REPO],
      destinations: [{ name: 'staging', namespace: 'shop' }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deployment' }],
    });
  });

  test('all props: lists are sorted', () => {
    const chart = testChart();
    chart.addExternalReference({ kind: 'Namespace', name: 'gitops', reason: 'Argo CD installation' });
    const props: Required<ArgoCdProjectProps> = {
      name: 'shop-production',
      namespace: 'gitops',
      description: 'the shop',
      sourceRepos: ['ssh://git@example.com/b.git', REPO],
      cluster: { server: 'https://kubernetes.default.svc' },
      namespaces: ['shop', 'database'],
      clusterResources: [{ group: 'cert-manager.io', kind: 'ClusterIssuer' }, { group: '', kind: 'Namespace' }],
      namespaceResources: [{ group: 'apps', kind: 'StatefulSet' }, { group: '', kind: 'Service' }, { group: 'apps', kind: 'Deployment' }],
    };
    const project = new ArgoCdProject(chart, 'shop', props);
    const o = findObject(objectsOf(chart), 'AppProject', 'shop-production', 'gitops');
    expect(project.resource.name).toBe('shop-production');
    expect(o.spec).toEqual({
      description: 'the shop',
      sourceRepos: [REPO, 'ssh://git@example.com/b.git'],
      destinations: [
        { server: 'https://kubernetes.default.svc', namespace: 'database' },
        { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      ],
      clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }, { group: 'cert-manager.io', kind: 'ClusterIssuer' }],
      namespaceResourceWhitelist: [{ group: '', kind: 'Service' }, { group: 'apps', kind: 'Deployment' }, { group: 'apps', kind: 'StatefulSet' }],
    });
    // The vendored AppProject CRD schema accepts every field the construct renders.
    expect(renderChart(chart).findings).toEqual([]);
  });

  describe('fails if', () => {
    const build = (p: Partial<ArgoCdProjectProps>) => () => new ArgoCdProject(testChart(), 'shop', { ...base, ...p });
    test('no source repo', () => expect(build({ sourceRepos: [] })).toThrow(/test\/shop: invalid sourceRepos \(\[\]\): must name at least one Git repository/));
    test('a wildcard source repo', () => expect(build({ sourceRepos: ['*'] })).toThrow(/invalid sourceRepos\[0\] \("\*"\): must be a Git URL/));
    test('a repo twice', () => expect(build({ sourceRepos: [REPO, REPO] })).toThrow(/invalid sourceRepos \(".*"\): must be unique/));
    test('no namespace', () => expect(build({ namespaces: [] })).toThrow(/invalid namespaces \(\[\]\): must name at least one namespace/));
    test('a wildcard namespace', () => expect(build({ namespaces: ['shop-*'] })).toThrow(/invalid namespaces\[0\] \("shop-\*"\): must be a DNS-1123 label/));
    test('a namespace twice', () => expect(build({ namespaces: ['shop', 'shop'] })).toThrow(/invalid namespaces \("shop"\): must be unique/));
    test('the cluster names neither server nor name', () => expect(build({ cluster: {} })).toThrow(/invalid cluster \(\{\}\): set exactly one of "server"/));
    test('a wildcard kind', () => expect(build({ clusterResources: [{ group: '*', kind: 'Namespace' }] }))
      .toThrow(/invalid clusterResources\[0\].group \("\*"\): must be an API group such as "apps"/));
    test('a wildcard namespaced kind', () => expect(build({ namespaceResources: [{ group: 'apps', kind: '*' }] }))
      .toThrow(/invalid namespaceResources\[0\].kind \("\*"\): must be a kind such as "Deployment" \(no wildcards\)/));
    test('a kind twice', () => expect(build({ namespaceResources: [{ group: 'apps', kind: 'Deployment' }, { group: 'apps', kind: 'Deployment' }] }))
      .toThrow(/invalid namespaceResources \("apps\/Deployment"\): must be unique/));
  });
});

import { GKE_NODE_DNS_RESOLVERS, NamespaceBaseline, NamespaceBaselineProps, Peer } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

describe('NamespaceBaseline', () => {
  test('minimal props: restricted PSA labels, default deny and DNS egress', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'shop');
    const objects = objectsOf(chart);
    const ns = findObject(objects, 'Namespace', 'shop');
    expect(ns.metadata.namespace).toBeUndefined();
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(findObject(objects, 'NetworkPolicy', 'default-deny', 'shop').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = findObject(objects, 'NetworkPolicy', 'allow-dns-egress', 'shop');
    expect(dns.spec.egress[0].ports).toEqual([{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }]);
    expect(dns.spec.egress[0].to[0].podSelector.matchLabels).toEqual({ 'k8s-app': 'kube-dns' });
  });

  test('the Namespace survives deleting its Argo CD Application and removal from Git (Delete=false, Prune=false)', () => {
    const chart = testChart();
    new NamespaceBaseline(chart, 'shop', { annotations: { owner: 'shop' } });
    expect(findObject(objectsOf(chart), 'Namespace', 'shop').metadata.annotations).toEqual({
      'owner': 'shop', 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false',
    });
  });

  test('all props', () => {
    const chart = testChart();
    const props: Required<NamespaceBaselineProps> = {
      name: 'gpu', podSecurity: 'baseline', podSecurityReason: 'example', labels: { team: 'ml' }, annotations: { owner: 'ml' },
      dnsPeer: Peer.namespace('kube-system', { 'k8s-app': 'coredns' }),
      nodeDnsResolvers: GKE_NODE_DNS_RESOLVERS,
      resourceQuota: { 'requests.cpu': '8', 'limits.memory': '32Gi' },
      limitRange: { defaultCpuRequest: '100m', defaultMemoryRequest: '128Mi', defaultMemoryLimit: '256Mi', maxMemoryLimit: '8Gi' },
      createNamespace: true,
    };
    new NamespaceBaseline(chart, 'x', props);
    const objects = objectsOf(chart);
    expect(findObject(objects, 'Namespace', 'gpu').metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'baseline', team: 'ml' });
    expect(findObject(objects, 'NetworkPolicy', 'allow-dns-egress', 'gpu').spec.egress[0].to).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'coredns' } } },
      { ipBlock: { cidr: '169.254.20.10/32' } },
      { ipBlock: { cidr: '169.254.169.254/32' } },
    ]);
    expect(findObject(objects, 'ResourceQuota', 'quota', 'gpu').spec.hard).toEqual({ 'limits.memory': '32Gi', 'requests.cpu': '8' });
    expect(findObject(objects, 'LimitRange', 'container-defaults', 'gpu').spec.limits[0].max).toEqual({ memory: '8Gi' });
  });

  describe('fails if', () => {
    test('a weaker level has no reason', () => expect(() => new NamespaceBaseline(testChart(), 'x', { podSecurity: 'privileged' }))
      .toThrow(/invalid podSecurityReason \(undefined\): a Pod Security level weaker than "restricted" \("privileged"\) needs a reason/));
    test('the name is not a DNS label', () => expect(() => new NamespaceBaseline(testChart(), 'Bad_Name')).toThrow(/invalid name \("Bad_Name"\)/));
    test('a node DNS resolver is not a CIDR', () => expect(() => new NamespaceBaseline(testChart(), 'x', { nodeDnsResolvers: ['169.254.20.10'] }))
      .toThrow(/invalid nodeDnsResolvers \("169.254.20.10"\): must be IPv4 CIDRs/));
    test('a quota key is unknown', () => expect(() => new NamespaceBaseline(testChart(), 'x', { resourceQuota: { cpu: '1' } }))
      .toThrow(/invalid resourceQuota \("cpu"\): keys must be/));
    test('the default limit is below the default request', () => expect(() => new NamespaceBaseline(testChart(), 'x', {
      limitRange: { defaultCpuRequest: '1', defaultMemoryRequest: '1Gi', defaultMemoryLimit: '512Mi' },
    })).toThrow(/invalid limitRange.defaultMemoryLimit \("512Mi"\): must not be below defaultMemoryRequest/));
  });
});

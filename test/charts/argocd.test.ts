import { ApiObject, App } from 'cdk8s';
import { ARGOCD_PLATFORM, ArgoCdEnvironment, argocdPlatform, factsOf } from '../../charts/argocd';
import { buildApp, PLATFORMS } from '../../charts';
import { PlatformDefinition } from '../../charts/platform';
import { ARGOCD_RESOURCES_FINALIZER, parseQuantity, PlatformChart } from '../../lib';
import { renderChart } from '../../lib/render/synth';
import { findObject, objectsOfKind } from '../util';

const REPO = 'https://git.example.com/platform-manifests.git';

/** A platform made of raw objects, so the Argo CD logic is tested apart from the real platforms. */
function fixture(name: string, environments: readonly string[], namespace: string, objects: (env: string) => any[]): PlatformDefinition<string> {
  return {
    name,
    environments,
    build(app: App, environment: string) {
      const chart = new PlatformChart(app, `${name}-${environment}`, { platform: name, environment, namespace });
      objects(environment).forEach((o, i) => new ApiObject(chart, `o${i}`, o));
      return chart;
    },
  };
}

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const hpa = (namespace: string, target: string) => ({
  apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: target, namespace },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target }, minReplicas: 2, maxReplicas: 4 },
});

// shop renders its namespaces and a ClusterIssuer, and leaves replicas to its HPA.
const shop = fixture('shop', ['staging', 'production'], 'shop', () => [
  ns('shop'), ns('shop-data'),
  { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'letsencrypt' }, spec: { selfSigned: {} } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: {} },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: {} },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'shop-data' }, spec: { replicas: 1 } },
  hpa('shop', 'api'),
]);
// lab deploys into a namespace it does not render, ships a CRD, and keeps replicas on an HPA target.
const lab = fixture('lab', ['development', 'staging'], 'lab', () => [
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' }, spec: {} },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'lab' }, spec: { replicas: 3 } },
  hpa('lab', 'worker'),
]);

const AUTO = { automated: true, reason: 'fixture' };
const MANUAL = { automated: false, reason: 'fixture' };
const cfg = (cluster: ArgoCdEnvironment['cluster'], sync: ArgoCdEnvironment['sync'], more: Partial<ArgoCdEnvironment> = {}): ArgoCdEnvironment => ({
  repoUrl: REPO, targetRevision: 'dist', argocdNamespace: 'argocd', argocdCluster: { server: 'https://kubernetes.default.svc' }, cluster, sync, rootSync: AUTO, ...more,
});
const FIXTURE_CONFIG: Record<string, ArgoCdEnvironment> = {
  development: cfg({ server: 'https://kubernetes.default.svc' }, AUTO),
  staging: cfg({ name: 'staging' }, AUTO),
  // lab is not in production: shop gets a policy of its own there, the default stays manual.
  production: cfg({ name: 'production' }, MANUAL, { platformSync: { shop: { automated: true, selfHeal: false, reason: 'fixture document' } } }),
};

describe('argocd chart (fixture platforms)', () => {
  const registry: PlatformDefinition<any>[] = [];
  const argocd = argocdPlatform(() => registry, FIXTURE_CONFIG);
  registry.push(shop, lab, argocd);
  const build = (env: string) => {
    const chart = argocd.build(new App(), env);
    return { chart, objects: chart.toJson() };
  };

  test('its environments are the union of the platforms\' environments, in apply order', () => {
    expect(argocd.environments).toEqual(['development', 'staging', 'production']);
  });

  test('a platform appears only in the environments it has', () => {
    // Add-on Applications (project addons-<cluster>) are tested in test/addons.test.ts.
    const apps = (env: string) => objectsOfKind(build(env).objects, 'Application').filter((a) => !a.spec.project.startsWith('addons-')).map((a) => a.metadata.name).sort();
    expect(apps('development')).toEqual(['lab-development', 'root-development']);
    expect(apps('staging')).toEqual(['lab-staging', 'root-staging', 'shop-staging']);
    expect(apps('production')).toEqual(['root-production', 'shop-production']);
  });

  test('root app-of-apps syncs argocd/<environment> on the dist branch into the argocd namespace, without cascading deletes', () => {
    const root = findObject(build('staging').objects, 'Application', 'root-staging', 'argocd');
    expect(root.spec.source).toEqual({ repoURL: REPO, targetRevision: 'dist', path: 'argocd/staging' });
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(root.spec.project).toBe('argocd-staging');
    expect(root.metadata.finalizers).toBeUndefined();
    const project = findObject(build('staging').objects, 'AppProject', 'argocd-staging', 'argocd');
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([{ group: 'argoproj.io', kind: 'AppProject' }, { group: 'argoproj.io', kind: 'Application' }]);
  });

  test('the project allows the repo, the platform\'s namespaces on the environment\'s cluster, and the kinds it renders', () => {
    const project = findObject(build('production').objects, 'AppProject', 'shop-production', 'argocd');
    expect(project.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '-1' });
    expect(project.spec.sourceRepos).toEqual([REPO]);
    expect(project.spec.destinations).toEqual([{ name: 'production', namespace: 'shop' }, { name: 'production', namespace: 'shop-data' }]);
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }, { group: 'cert-manager.io', kind: 'ClusterIssuer' }]);
    expect(project.spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'Service' }, { group: 'apps', kind: 'Deployment' }, { group: 'apps', kind: 'StatefulSet' },
      { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
    ]);
  });

  test('a child app syncs <platform>/<environment> of the dist branch, with the resources finalizer', () => {
    const app = findObject(build('staging').objects, 'Application', 'shop-staging', 'argocd');
    expect(app.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
    expect(app.spec.project).toBe('shop-staging');
    expect(app.spec.source).toEqual({ repoURL: REPO, targetRevision: 'dist', path: 'shop/staging' });
    expect(app.spec.destination).toEqual({ name: 'staging', namespace: 'shop' });
  });

  test('a platform\'s own sync policy wins over the environment\'s; the root follows rootSync', () => {
    expect(findObject(build('production').objects, 'Application', 'shop-production').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: false });
    expect(findObject(build('production').objects, 'Application', 'root-production').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(findObject(build('staging').objects, 'Application', 'shop-staging').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(findObject(build('staging').objects, 'Application', 'root-staging').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  test('the environment default applies to platforms without a policy of their own', () => {
    const manual = argocdPlatform(() => [shop], { production: cfg({ name: 'production' }, MANUAL) });
    expect(findObject(manual.build(new App(), 'production').toJson(), 'Application', 'shop-production').spec.syncPolicy.automated).toBeUndefined();
  });

  test('fails if platformSync names a platform the environment does not have', () => {
    const typo = argocdPlatform(() => [shop], { production: cfg({ name: 'production' }, MANUAL, { platformSync: { shopp: AUTO } }) });
    expect(() => typo.build(new App(), 'production')).toThrow(/argocd\/production: invalid platformSync \("shopp"\): names no platform of this environment; known: shop/);
  });

  test('fails if a manual policy sets selfHeal, or a policy gives no reason', () => {
    const heal = argocdPlatform(() => [shop], { production: cfg({ name: 'production' }, { automated: false, selfHeal: true, reason: 'x' }) });
    expect(() => heal.build(new App(), 'production')).toThrow(/invalid sync.selfHeal \(true\): self-heal is part of automated sync/);
    const silent = argocdPlatform(() => [shop], { production: cfg({ name: 'production' }, { automated: false, reason: ' ' }) });
    expect(() => silent.build(new App(), 'production')).toThrow(/invalid sync.reason \(" "\): say where the policy comes from/);
  });

  test('rendered namespaces, no CRDs and no replica conflicts: CreateNamespace=false, PruneLast, no ignoreDifferences', () => {
    const app = findObject(build('staging').objects, 'Application', 'shop-staging');
    expect(app.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false', 'PruneLast=true']);
    expect(app.spec.ignoreDifferences).toBeUndefined();
  });

  test('an unrendered namespace, a CRD and replicas on an HPA target: CreateNamespace, ServerSideApply and ignored replicas', () => {
    const app = findObject(build('development').objects, 'Application', 'lab-development');
    expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'lab' });
    expect(app.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true']);
    expect(app.spec.ignoreDifferences).toEqual([{ group: 'apps', kind: 'Deployment', namespace: 'lab', name: 'worker', jsonPointers: ['/spec/replicas'] }]);
    const project = findObject(build('development').objects, 'AppProject', 'lab-development');
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }]);
  });

  test('an object larger than the last-applied annotation allows turns on ServerSideApply', () => {
    const big = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboards', namespace: 'x' }, data: { d: 'x'.repeat(200 * 1024) } };
    expect(factsOf('p', 'e', 'x', [big]).serverSideApply).toBe(true);
    expect(factsOf('p', 'e', 'x', [{ ...big, data: { d: 'x' } }]).serverSideApply).toBe(false);
  });

  test('the gate passes on every environment', () => {
    for (const env of argocd.environments) expect(renderChart(build(env).chart).findings).toEqual([]);
  });

  test('fails if an environment has no Argo CD config', () => {
    const withTest = argocdPlatform(() => [fixture('qa', ['test'], 'qa', () => [ns('qa')])], FIXTURE_CONFIG);
    expect(() => withTest.build(new App(), 'test'))
      .toThrow(/argocd\/test: invalid environment \("test"\): a platform uses this environment but charts\/argocd\/config.ts has no entry for it; known: development, staging, production/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The real registry: every platform, built once.

const argocdDefinition = PLATFORMS.find((p) => p.name === ARGOCD_PLATFORM)!;
const others = PLATFORMS.filter((p) => p.name !== ARGOCD_PLATFORM);
const app = new App();
buildApp(app);
const charts = app.charts.filter((c): c is PlatformChart => c instanceof PlatformChart);
const platformCharts = charts.filter((c) => c.platform !== ARGOCD_PLATFORM);
const objectsOfPlatform = (platform: string, env: string) =>
  platformCharts.filter((c) => c.platform === platform && c.environment === env).flatMap((c) => c.toJson());
const argocdChart = (env: string) => charts.find((c) => c.platform === ARGOCD_PLATFORM && c.environment === env)!;

const ANN_WAVE = 'argocd.argoproj.io/sync-wave';
const ANN_HOOK = 'argocd.argoproj.io/hook';
const ANN_HOOK_DELETE = 'argocd.argoproj.io/hook-delete-policy';

describe('argocd platform in the registry', () => {
  test('is registered last, so it is rendered after the platforms it describes', () => {
    expect(PLATFORMS[PLATFORMS.length - 1].name).toBe(ARGOCD_PLATFORM);
  });

  test('its environments are exactly the union of the other platforms\' environments', () => {
    expect([...argocdDefinition.environments].sort()).toEqual([...new Set(others.flatMap((p) => [...p.environments]))].sort());
  });

  describe.each([...argocdDefinition.environments])('%s', (env) => {
    const chart = argocdChart(env);
    const objects = chart.toJson();
    const here = others.filter((p) => p.environments.includes(env));

    test('root app-of-apps points at argocd/<environment> on the dist branch, in namespace argocd', () => {
      const root = findObject(objects, 'Application', `root-${env}`, 'argocd');
      expect(root.spec.source.path).toBe(`argocd/${env}`);
      expect(root.spec.source.targetRevision).toBe('dist');
    });

    test('one Application and one AppProject per platform that has this environment, and no others', () => {
      // Add-on Applications and projects (addons-<cluster>) are tested in test/addons.test.ts.
      expect(objectsOfKind(objects, 'Application').filter((a) => !a.spec.project.startsWith('addons-')).map((a) => a.metadata.name).sort())
        .toEqual([`root-${env}`, ...here.map((p) => `${p.name}-${env}`)].sort());
      expect(objectsOfKind(objects, 'AppProject').filter((a) => !a.metadata.name.startsWith('addons-')).map((a) => a.metadata.name).sort())
        .toEqual([`argocd-${env}`, ...here.map((p) => `${p.name}-${env}`)].sort());
    });

    test.each(here.map((p) => p.name))('%s: Application, project destinations and whitelists follow what it renders', (platform) => {
      const rendered = objectsOfPlatform(platform, env);
      const application = findObject(objects, 'Application', `${platform}-${env}`, 'argocd');
      const project = findObject(objects, 'AppProject', `${platform}-${env}`, 'argocd');
      expect(application.spec.source.targetRevision).toBe('dist');
      expect(application.spec.source.path).toBe(`${platform}/${env}`);
      expect(application.spec.project).toBe(project.metadata.name);
      expect(application.metadata.finalizers).toEqual([ARGOCD_RESOURCES_FINALIZER]);
      if (env !== 'production') expect(application.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(application.spec.syncPolicy.syncOptions).toContain('PruneLast=true');

      const namespaces = new Set<string>(rendered.flatMap((o) => [o.metadata.namespace, o.kind === 'Namespace' ? o.metadata.name : undefined]).filter(Boolean));
      expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([...namespaces].sort());
      const group = (o: any) => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');
      const key = (gk: any) => `${gk.group}/${gk.kind}`;
      const clusterScoped = new Set(rendered.filter((o) => !o.metadata.namespace).map((o) => `${group(o)}/${o.kind}`));
      expect(project.spec.clusterResourceWhitelist.map(key).sort()).toEqual([...clusterScoped].sort());
      const namespaced = new Set(rendered.filter((o) => o.metadata.namespace).map((o) => `${group(o)}/${o.kind}`));
      expect(project.spec.namespaceResourceWhitelist.map(key).sort()).toEqual([...namespaced].sort());
      if (rendered.some((o) => o.kind === 'Namespace' && o.metadata.name === application.spec.destination.namespace)) {
        expect(application.spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
      }
      // The Workload leaves spec.replicas to its HPA (asserted across platforms below), so nothing is ignored.
      expect(application.spec.ignoreDifferences).toBeUndefined();
      expect(application.spec.syncPolicy.syncOptions).not.toContain('RespectIgnoreDifferences=true');
    });

    test('the root syncs automatically with self-heal, so AppProjects follow what the platforms render', () => {
      expect(findObject(objects, 'Application', `root-${env}`, 'argocd').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    });

    test('passes the validation gate', () => {
      expect(renderChart(chart).findings).toEqual([]);
    });

    test('snapshot', () => {
      expect(objects).toMatchSnapshot();
    });
  });
});

describe('production sync policy follows each platform document', () => {
  const production = argocdChart('production').toJson();
  const automated = (platform: string) => findObject(production, 'Application', `${platform}-production`, 'argocd').spec.syncPolicy.automated;

  test('aroti (aroti.md: auto-sync and self-healing enabled): automatic with self-heal', () => {
    expect(automated('aroti')).toEqual({ prune: true, selfHeal: true });
  });
  test('expense-tracker (expense-tracker-eks.md: auto-sync enabled, nothing about self-heal): automatic, no self-heal', () => {
    expect(automated('expense-tracker')).toEqual({ prune: true, selfHeal: false });
  });
  test('aiaas (aiaas-lke.md: manual for production): by hand', () => {
    expect(automated('aiaas')).toBeUndefined();
  });
  test('connectors and aurontek (documents silent): by hand', () => {
    expect(automated('connectors')).toBeUndefined();
    expect(automated('aurontek')).toBeUndefined();
  });
  test('staging stays automatic with self-heal for every platform', () => {
    const staging = argocdChart('staging').toJson();
    for (const a of objectsOfKind(staging, 'Application')) expect(a.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });
});

describe('capacity budgets match the cluster Argo CD sends the platform to', () => {
  test.each([...argocdDefinition.environments])('%s: a budgeted namespace on a cluster shared with another platform is held to its budget by a ResourceQuota', (env) => {
    const applications = objectsOfKind(argocdChart(env).toJson(), 'Application').filter((a) => !a.metadata.name.startsWith('root-'));
    // Platforms with an Application of this environment (the add-ons layer's charts are per cluster, not per environment).
    const clusterOf = (platform: string) => {
      const d = applications.find((a) => a.metadata.name === `${platform}-${env}`)?.spec.destination;
      return d === undefined ? undefined : d.name ?? d.server;
    };
    const deployed = platformCharts.filter((c) => c.environment === env && clusterOf(c.platform) !== undefined);
    for (const chart of deployed.filter((c) => c.capacityBudgets.length > 0)) {
      const sharedWith = deployed.filter((c) => c.platform !== chart.platform && clusterOf(c.platform) === clusterOf(chart.platform));
      if (sharedWith.length === 0) continue;
      const objects = chart.toJson();
      for (const budget of chart.capacityBudgets) {
        const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === budget.namespace);
        expect({ platform: chart.platform, namespace: budget.namespace, quota: quota !== undefined }).toEqual({ platform: chart.platform, namespace: budget.namespace, quota: true });
        for (const key of ['requests.memory', 'limits.memory']) {
          expect(parseQuantity(quota.spec.hard[key])).toBeLessThanOrEqual(budget.memoryBytes);
        }
      }
    }
  });

  test('aurontek production shares the production cluster with aroti (the case the quota is for)', () => {
    const destination = (name: string) => findObject(argocdChart('production').toJson(), 'Application', name, 'argocd').spec.destination.name;
    expect(destination('aurontek-production')).toBe(destination('aroti-production'));
  });
});

describe('every platform, as Argo CD syncs it', () => {
  const all = platformCharts.map((c) => ({ where: `${c.platform}/${c.environment}`, objects: c.toJson() }));

  test('there are platforms to check', () => {
    expect(all.length).toBeGreaterThan(0);
  });

  test('no HPA- or KEDA-scaled Deployment/StatefulSet renders spec.replicas (Argo CD and the autoscaler would fight)', () => {
    const offenders: string[] = [];
    for (const { where, objects } of all) {
      for (const scaler of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject')) {
        const ref = scaler.spec.scaleTargetRef;
        const target = objects.find((o) => o.kind === (ref.kind ?? 'Deployment') && o.metadata.name === ref.name && o.metadata.namespace === scaler.metadata.namespace);
        expect(target).toBeDefined();
        if (target.spec.replicas !== undefined) offenders.push(`${where} ${target.kind} ${target.metadata.namespace}/${target.metadata.name}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('deleting an Application deletes no data: every Namespace and PersistentVolumeClaim carries Delete=false and Prune=false', () => {
    const offenders: string[] = [];
    let checked = 0;
    for (const { where, objects } of all) {
      for (const o of objects.filter((x) => x.kind === 'Namespace' || x.kind === 'PersistentVolumeClaim')) {
        checked++;
        const options = String(o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').split(',');
        if (!options.includes('Delete=false') || !options.includes('Prune=false')) offenders.push(`${where} ${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`);
      }
    }
    expect(checked).toBeGreaterThan(0);
    expect(offenders).toEqual([]);
  });

  test('no Job or CronJob jobTemplate sets ttlSecondsAfterFinished (Argo CD would re-create the Job in a loop)', () => {
    const offenders = all.flatMap(({ where, objects }) => objects
      .filter((o) => (o.kind === 'Job' && o.spec.ttlSecondsAfterFinished !== undefined) || (o.kind === 'CronJob' && o.spec.jobTemplate.spec.ttlSecondsAfterFinished !== undefined))
      .map((o) => `${where} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`));
    expect(offenders).toEqual([]);
  });

  test('every hook Job is deleted before it is re-created and once it succeeds', () => {
    const offenders = all.flatMap(({ where, objects }) => objects
      .filter((o) => o.kind === 'Job' && o.metadata.annotations?.[ANN_HOOK] !== undefined)
      .filter((o) => {
        const policies = new Set(String(o.metadata.annotations[ANN_HOOK_DELETE] ?? '').split(',').map((s) => s.trim()));
        return !(policies.has('BeforeHookCreation') && policies.has('HookSucceeded'));
      })
      .map((o) => `${where} Job ${o.metadata.namespace}/${o.metadata.name}: ${o.metadata.annotations[ANN_HOOK_DELETE]}`));
    expect(offenders).toEqual([]);
  });

  test('migration and schema Jobs are PreSync (or Sync) hooks; other Jobs are hooks or replaced, as a Job\'s template is immutable', () => {
    const offenders = all.flatMap(({ where, objects }) => objects
      .filter((o) => o.kind === 'Job')
      .filter((o) => {
        const hook = o.metadata.annotations?.[ANN_HOOK];
        const replaced = String(o.metadata.annotations?.['argocd.argoproj.io/sync-options'] ?? '').includes('Replace=true');
        if (/migrat|schema/.test(o.metadata.name)) return !(hook === 'PreSync' || hook === 'Sync');
        return hook === undefined && !replaced;
      })
      .map((o) => `${where} Job ${o.metadata.namespace}/${o.metadata.name}`));
    expect(offenders).toEqual([]);
  });

  test('where a platform uses sync waves, a Namespace is in a wave no later than anything in it', () => {
    const wave = (o: any) => Number(o.metadata.annotations?.[ANN_WAVE] ?? 0);
    const offenders: string[] = [];
    for (const { where, objects } of all) {
      for (const namespace of objects.filter((o) => o.kind === 'Namespace')) {
        for (const o of objects.filter((x) => x.metadata.namespace === namespace.metadata.name && x.metadata.annotations?.[ANN_HOOK] === undefined)) {
          if (wave(o) < wave(namespace)) offenders.push(`${where} ${o.kind} ${o.metadata.namespace}/${o.metadata.name} (wave ${wave(o)} < namespace wave ${wave(namespace)})`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

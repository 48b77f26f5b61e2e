import { ApiObject } from 'cdk8s';
import { addSyncOptions, KEEP_DATA_SYNC_OPTIONS, keepData, setSyncWave, SYNC_OPTIONS_ANNOTATION, Workload } from '../../../lib';
import { findObject, objectsOf, testChart } from '../../util';

const job = (chart: ReturnType<typeof testChart>, annotations?: Record<string, string>) => new ApiObject(chart, 'job', {
  apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'demo', annotations },
});

describe('sync options', () => {
  test('keepData: Delete=false and Prune=false', () => {
    const chart = testChart();
    keepData(job(chart));
    expect(KEEP_DATA_SYNC_OPTIONS).toEqual(['Delete=false', 'Prune=false']);
    expect(findObject(objectsOf(chart), 'Job', 'migrate', 'demo').metadata.annotations).toEqual({ [SYNC_OPTIONS_ANNOTATION]: 'Delete=false,Prune=false' });
  });

  test('addSyncOptions keeps the options an object has, and adds each option once', () => {
    const chart = testChart();
    const o = job(chart, { [SYNC_OPTIONS_ANNOTATION]: 'Replace=true, Prune=false' });
    keepData(o);
    keepData(o);
    addSyncOptions(o, ['Force=true']);
    expect(findObject(objectsOf(chart), 'Job', 'migrate', 'demo').metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe('Replace=true,Prune=false,Delete=false,Force=true');
  });

  test('a Workload\'s own PersistentVolumeClaim (Deployment with a volume) keeps its data', () => {
    const chart = testChart();
    new Workload(chart, 'db', {
      image: 'ghcr.io/acme/db:1.0.0', resources: { cpuRequest: '100m', memoryRequest: '128Mi', memoryLimit: '256Mi' },
      ports: [{ name: 'db', port: 5432 }], readiness: { tcp: { port: 'db' } }, liveness: { tcp: { port: 'db' } },
      replicas: 1, persistentVolumes: [{ name: 'data', mountPath: '/data', size: '1Gi' }],
    });
    expect(findObject(objectsOf(chart), 'PersistentVolumeClaim', 'db-data', 'demo').metadata.annotations?.[SYNC_OPTIONS_ANNOTATION]).toBe('Delete=false,Prune=false');
  });

  test('fails on a malformed option', () => {
    expect(() => addSyncOptions(job(testChart()), ['Delete = false'])).toThrow(/invalid syncOptions \("Delete = false"\): must be an option such as "Delete=false"/);
  });

  test('setSyncWave leaves the sync options alone', () => {
    const chart = testChart();
    const o = job(chart);
    keepData(o);
    setSyncWave(chart, 2);
    expect(findObject(objectsOf(chart), 'Job', 'migrate', 'demo').metadata.annotations).toEqual({
      [SYNC_OPTIONS_ANNOTATION]: 'Delete=false,Prune=false', 'argocd.argoproj.io/sync-wave': '2',
    });
  });
});

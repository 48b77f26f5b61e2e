import * as fc from 'fast-check';
import {
  Autoscaler, AutoscalerProps, DisruptionBudget, DisruptionBudgetProps, ExistingSecret, NamespaceBaseline, NamespaceBaselineProps,
  NGINX_INGRESS_CONTROLLER, Peer, PlatformChart, Postgres, PostgresProps, PROMETHEUS, Redis, RedisProps, VllmDeployment, Workload, WorkloadProps,
} from '../../lib';
import {
  allowedDisruptions, autoscaling, disruptionBudget, dnsLabel, image, namespaceBaseline, ports, postgres, redis, resources, workload, WorkloadCase,
} from './arbitraries';
import { apiServerSyntaxIssues, describeFindings, freshChart, gateFindings, propErrorOf, runs } from './helpers';

/**
 * Property-based tests: random VALID props must render with zero validation-gate findings (and pass the
 * API-server syntax rules the gate does not check); random INVALID props (one rule broken at a time) must fail
 * with a PropValidationError naming the broken prop, never with another kind of exception.
 *
 * Replay a failure with `FC_SEED=<seed> npx jest test/reliability/properties.test.ts`; fast-check prints the seed
 * and the shrunk counterexample. `FC_NUM_RUNS=<n>` changes the number of cases of every property.
 */

// Valid cases render through the gate (~10–20 ms each); invalid cases only construct (~1 ms each).
// 100 valid cases per property and run (200 until 2026-12): every run draws a new seed, so each CI run adds cases
// nobody ran before, a failure prints the seed and path that replay it (FC_SEED), and the nightly soak
// (.github/workflows/property-soak.yml) runs every property with FC_NUM_RUNS=2000.
const VALID_RUNS = runs(100);
const INVALID_RUNS = runs(300);

function expectClean(chart: PlatformChart): any[] {
  // The case is fully built: sealed, the gate and the checks below share one resolve of its objects.
  chart.seal();
  const findings = gateFindings(chart);
  if (findings.length > 0) throw new Error(`validation gate findings:\n${describeFindings(findings)}`);
  const objects = chart.toJson();
  const issues = apiServerSyntaxIssues(objects);
  if (issues.length > 0) throw new Error(`API server would reject:\n${issues.join('\n')}`);
  return objects;
}

/** Declares what a generated workload references, as a platform would: baseline, existing Secrets, external ConfigMaps. */
function declareSurroundings(chart: PlatformChart, c: WorkloadCase, baselines: Set<string>): void {
  const ns = c.props.namespace;
  if (!baselines.has(ns)) {
    new NamespaceBaseline(chart, `ns-${ns}`, { name: ns });
    baselines.add(ns);
  }
  for (const s of c.secrets) {
    if (!chart.node.tryFindChild(`secret-${ns}-${s}`)) new ExistingSecret(chart, `secret-${ns}-${s}`, { name: s, namespace: ns, managedBy: 'generated case' });
  }
  for (const cm of c.configMaps) chart.addExternalReference({ kind: 'ConfigMap', namespace: ns, name: cm, reason: 'generated case' });
}

const find = (objects: any[], kind: string, name: string, namespace: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);

describe('valid props render with zero gate findings', () => {
  test('Workload', () => {
    fc.assert(fc.property(workload(fc.constantFrom('app', 'team-a')), (c) => {
      const chart = freshChart(c.props.namespace);
      declareSurroundings(chart, c, new Set());
      const w = new Workload(chart, 'w', c.props);
      const objects = expectClean(chart);

      const resource = find(objects, c.props.kind!, c.props.name, c.props.namespace);
      expect(resource).toBeDefined();
      // An HPA owns the replica count: spec.replicas is left out so Argo CD and the HPA do not fight.
      expect(resource.spec.replicas).toBe(c.props.autoscaling ? undefined : c.props.replicas);
      const hpa = find(objects, 'HorizontalPodAutoscaler', c.props.name, c.props.namespace);
      expect(hpa?.spec.minReplicas).toBe(c.props.autoscaling?.minReplicas);
      expect(hpa?.spec.maxReplicas).toBe(c.props.autoscaling?.maxReplicas);
      const pdb = find(objects, 'PodDisruptionBudget', c.props.name, c.props.namespace);
      const maxPods = Math.max(w.minReplicas, c.props.autoscaling?.maxReplicas ?? 0);
      expect(pdb !== undefined).toBe(maxPods > 1 && c.props.disruptionBudget !== false);
      if (pdb) {
        expect(allowedDisruptions(w.minReplicas, { minAvailable: pdb.spec.minAvailable, maxUnavailable: pdb.spec.maxUnavailable })).toBeGreaterThan(0);
        expect(pdb.spec.selector.matchLabels).toEqual(resource.spec.selector.matchLabels);
      }
      // Secrets stay references: every secretKeyRef env var renders as valueFrom, never as a value.
      const container = resource.spec.template.spec.containers[0];
      for (const [name, value] of Object.entries(c.props.env ?? {})) {
        const rendered = container.env.find((e: any) => e.name === name);
        if (typeof value === 'object' && 'secretKeyRef' in value) {
          expect(rendered).toEqual({ name, valueFrom: { secretKeyRef: { name: value.secretKeyRef.secretName, key: value.secretKeyRef.key } } });
        }
      }
      expect(resource.spec.selector.matchLabels).toEqual(w.selectorLabels);
    }), { numRuns: VALID_RUNS });
  });

  test('Autoscaler (through Workload.autoscaling, every behaviour field)', () => {
    fc.assert(fc.property(dnsLabel(2, 20), fc.constantFrom<'Deployment' | 'StatefulSet'>('Deployment', 'StatefulSet'), autoscaling, (name, kind, scaling) => {
      const chart = freshChart();
      new NamespaceBaseline(chart, 'ns', { name: 'app' });
      new Workload(chart, 'w', {
        name, kind, image: 'ghcr.io/example/api:1.0.0', resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
        ports: [{ name: 'http', port: 8080 }], readiness: { tcp: {} }, liveness: { tcp: {} }, autoscaling: scaling,
      });
      const hpa = find(expectClean(chart), 'HorizontalPodAutoscaler', name, 'app');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind, name });
      expect(hpa.spec.metrics.map((m: any) => m.resource.name)).toEqual((scaling.scaleOnMemory ?? true) ? ['cpu', 'memory'] : ['cpu']);
      expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(scaling.scaleDownStabilizationSeconds ?? 300);
    }), { numRuns: VALID_RUNS });
  });

  test('DisruptionBudget (through Workload.disruptionBudget, for replicas and HPA minimums)', () => {
    const arb = fc.record({ replicas: fc.integer({ min: 2, max: 5 }), hpaMax: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }) })
      .chain(({ replicas, hpaMax }) => fc.record({
        replicas: fc.constant(replicas),
        scaling: fc.constant(hpaMax !== undefined ? { minReplicas: replicas, maxReplicas: replicas + hpaMax + 1 } : undefined),
        budget: disruptionBudget(replicas),
      }));
    fc.assert(fc.property(arb, ({ replicas, scaling, budget }) => {
      const chart = freshChart();
      new NamespaceBaseline(chart, 'ns', { name: 'app' });
      new Workload(chart, 'w', {
        name: 'api', image: 'ghcr.io/example/api:1.0.0', resources: { cpuRequest: '100m', memoryRequest: '64Mi', memoryLimit: '128Mi' },
        ports: [{ name: 'http', port: 8080 }], readiness: { tcp: {} }, liveness: { tcp: {} }, replicas, autoscaling: scaling, disruptionBudget: budget,
      });
      const pdb = find(expectClean(chart), 'PodDisruptionBudget', 'api', 'app');
      expect({ minAvailable: pdb.spec.minAvailable, maxUnavailable: pdb.spec.maxUnavailable })
        .toEqual({ minAvailable: budget.minAvailable, maxUnavailable: budget.minAvailable === undefined ? budget.maxUnavailable ?? 1 : undefined });
      expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }), { numRuns: VALID_RUNS });
  });

  test('NamespaceBaseline', () => {
    fc.assert(fc.property(namespaceBaseline, (props) => {
      const chart = freshChart(props.name);
      if (props.createNamespace === false) chart.addExternalReference({ kind: 'Namespace', name: props.name, reason: 'generated case: owned by another team' });
      new NamespaceBaseline(chart, 'ns', props);
      const objects = expectClean(chart);
      expect(find(objects, 'NetworkPolicy', 'default-deny', props.name).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const ns = objects.find((o) => o.kind === 'Namespace');
      expect(ns !== undefined).toBe(props.createNamespace ?? true);
      if (ns) expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe(props.podSecurity ?? 'restricted');
    }), { numRuns: VALID_RUNS });
  });

  test('network connections between workloads across namespaces (connectTo, allowFrom, allowTo)', () => {
    const arb = fc.record({
      namespaces: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 }),
      names: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{1,8}$/), { minLength: 2, maxLength: 4 }),
    }).chain(({ namespaces, names }) => fc.record({
      workloads: fc.tuple(...names.map((name) => fc.record({
        name: fc.constant(name),
        namespace: fc.constantFrom(...namespaces),
        kind: fc.constantFrom<'Deployment' | 'StatefulSet'>('Deployment', 'StatefulSet'),
        // The first port is always exposed, so every workload can be connected to.
        ports: ports.map((ps) => ps.map((p, i) => ({ name: p.name, port: p.port, protocol: p.protocol, expose: i === 0 ? true : p.expose }))),
      }))),
      connections: fc.array(fc.record({
        from: fc.nat(names.length - 1), to: fc.nat(names.length - 1), someOnly: fc.boolean(),
      }), { maxLength: 6 }),
      inbound: fc.array(fc.record({ to: fc.nat(names.length - 1), peer: fc.constantFrom('namespace', 'prometheus', 'nginx', 'cidr') }), { maxLength: 3 }),
      outbound: fc.array(fc.record({
        from: fc.nat(names.length - 1), cidr: fc.constantFrom('10.20.0.0/16', '0.0.0.0/0', '192.168.1.10/32'),
        ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 3 }),
      }), { maxLength: 3 }),
    }));
    fc.assert(fc.property(arb, ({ workloads: specs, connections, inbound, outbound }) => {
      const chart = freshChart(specs[0].namespace);
      for (const ns of [...new Set(specs.map((s) => s.namespace))]) new NamespaceBaseline(chart, `ns-${ns}`, { name: ns });
      const workloads = specs.map((s) => new Workload(chart, `w-${s.name}`, {
        name: s.name, namespace: s.namespace, kind: s.kind, image: 'ghcr.io/example/app:1.0.0',
        resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
        ports: s.ports, readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } },
      }));
      const expected: { from: Workload; to: Workload; ports: number[] }[] = [];
      for (const c of connections) {
        const target = workloads[c.to];
        const names = c.someOnly ? [target.ports[target.ports.length - 1].name] : undefined;
        workloads[c.from].connectTo(target, names);
        const chosen = names ? target.ports.filter((p) => names.includes(p.name)) : target.ports.filter((p) => p.expose ?? true);
        expected.push({ from: workloads[c.from], to: target, ports: chosen.map((p) => p.port) });
      }
      for (const i of inbound) {
        const other = specs.find((s) => s.namespace !== workloads[i.to].namespace)?.namespace ?? 'elsewhere';
        const peer = i.peer === 'namespace' ? Peer.namespace(other) : i.peer === 'prometheus' ? PROMETHEUS : i.peer === 'nginx' ? NGINX_INGRESS_CONTROLLER : Peer.ipBlock('203.0.113.0/24');
        workloads[i.to].allowFrom(peer);
      }
      for (const o of outbound) workloads[o.from].allowTo(Peer.ipBlock(o.cidr), o.ports.map((port) => ({ port })));

      const objects = expectClean(chart);
      for (const e of expected) {
        const egress = find(objects, 'NetworkPolicy', e.from.name, e.from.namespace).spec.egress;
        const ingress = find(objects, 'NetworkPolicy', e.to.name, e.to.namespace).spec.ingress;
        const sameNs = e.from.namespace === e.to.namespace;
        const peerOf = (w: Workload) => ({
          ...(sameNs ? {} : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': w.namespace } } }),
          podSelector: { matchLabels: w.selectorLabels },
        });
        const out = egress.find((r: any) => JSON.stringify(r.to) === JSON.stringify([peerOf(e.to)]));
        const inn = ingress.find((r: any) => JSON.stringify(r.from) === JSON.stringify([peerOf(e.from)]));
        expect(out).toBeDefined();
        expect(inn).toBeDefined();
        for (const port of e.ports) {
          expect(out.ports.map((p: any) => p.port)).toContain(port);
          expect(inn.ports.map((p: any) => p.port)).toContain(port);
        }
      }
    }), { numRuns: VALID_RUNS });
  });

  test('Postgres with a client in another namespace', () => {
    fc.assert(fc.property(postgres, (props) => {
      const chart = freshChart(props.namespace);
      new NamespaceBaseline(chart, 'db-ns', { name: props.namespace });
      new NamespaceBaseline(chart, 'client-ns', { name: 'clients' });
      const refs = [props.credentials.password, ...(typeof props.credentials.username === 'string' ? [] : [props.credentials.username]),
        ...(props.databases ?? []).flatMap((d) => (d.ownerPassword ? [d.ownerPassword] : []))];
      for (const ns of [props.namespace, 'clients']) {
        for (const name of [...new Set(refs.map((r) => r.secretName))]) new ExistingSecret(chart, `s-${ns}-${name}`, { name, namespace: ns, managedBy: 'generated case' });
      }
      const pg = new Postgres(chart, 'pg', props);
      const client = new Workload(chart, 'client', {
        namespace: 'clients', image: 'ghcr.io/example/app:1.0.0', resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
        ports: [{ name: 'http', port: 8080 }], readiness: { tcp: {} }, liveness: { tcp: {} }, env: pg.connectionEnv({ database: pg.databaseName }),
      });
      pg.allowConnectionFrom(client);
      const objects = expectClean(chart);
      const sts = find(objects, 'StatefulSet', props.name, props.namespace);
      expect(sts.spec.replicas).toBe(1);
      const env = sts.spec.template.spec.containers[0].env;
      expect(env.find((e: any) => e.name === 'POSTGRES_PASSWORD')).toBeUndefined();
      const clientEnv = find(objects, 'Deployment', 'client', 'clients').spec.template.spec.containers[0].env;
      expect(clientEnv.find((e: any) => e.name === 'DB_PASSWORD').valueFrom.secretKeyRef).toBeDefined();
    }), { numRuns: VALID_RUNS });
  });

  test('Redis with a client', () => {
    fc.assert(fc.property(redis, (props) => {
      const chart = freshChart(props.namespace);
      new NamespaceBaseline(chart, 'ns', { name: props.namespace });
      new ExistingSecret(chart, 'pw', { name: props.password.secretName, namespace: props.namespace, managedBy: 'generated case' });
      const r = new Redis(chart, 'redis', props);
      const client = new Workload(chart, 'client', {
        name: `${props.name}-client`, namespace: props.namespace, image: 'ghcr.io/example/app:1.0.0',
        resources: { cpuRequest: '50m', memoryRequest: '64Mi', memoryLimit: '64Mi' },
        ports: [{ name: 'http', port: 8080 }], readiness: { tcp: {} }, liveness: { tcp: {} }, env: r.connectionEnv(),
      });
      r.allowConnectionFrom(client);
      const objects = expectClean(chart);
      const conf: string = find(objects, 'ConfigMap', `${props.name}-config`, props.namespace).data['redis.conf'];
      expect(conf).toContain(`maxmemory ${r.maxmemoryBytes}\n`);
      expect(conf).not.toMatch(/requirepass/);
    }), { numRuns: VALID_RUNS });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Invalid props: one rule broken at a time.
// ---------------------------------------------------------------------------------------------------------------

/** An invalid case: the props, and the prop the error must name. */
interface Broken<P> {
  readonly rule: string;
  readonly prop: RegExp;
  readonly props: P;
}

function untagged(img: string): string {
  const at = img.indexOf('@');
  const noDigest = at >= 0 ? img.slice(0, at) : img;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

const badDnsLabel = fc.oneof(
  fc.stringMatching(/^[a-z]{1,8}[A-Z_.][a-z]{1,8}$/),
  fc.stringMatching(/^-[a-z]{1,8}$/),
  fc.stringMatching(/^[a-z]{1,8}-$/),
  fc.integer({ min: 64, max: 80 }).map((n) => 'x'.repeat(n)),
  fc.constant(''),
);
const literalSecret = fc.stringMatching(/^[A-Za-z0-9]{1,20}$/);
const longPortName = fc.stringMatching(/^[a-z]{16,20}$/);
const junkQuantity = fc.oneof(fc.constantFrom('lots', '1.2.3', '12MB', 'Mi', '1 Gi', '0', '', '.', '1e', 'NaN', '-1Gi', '--1'), fc.stringMatching(/^[a-z]{1,5}$/));

/** Mutations of a valid workload that break exactly one rule. */
function brokenWorkload(c: WorkloadCase): fc.Arbitrary<Broken<WorkloadProps>> {
  const p = c.props;
  const ps = p.ports ?? [];
  const noPvs = { ...p, persistentVolumes: undefined };
  const unusedPort = fc.integer({ min: 1, max: 65535 }).filter((n) => !ps.some((q) => q.port === n));
  const freshPortName = fc.constantFrom('zz-a', 'zz-b', 'zz-c').filter((n) => !ps.some((q) => q.name === n));
  const idx = fc.nat(ps.length - 1);
  const replicated = Math.max(2, p.replicas ?? 2);
  const b = <P>(rule: string, prop: RegExp, arb: fc.Arbitrary<P>) => arb.map((props) => ({ rule, prop, props }));
  return fc.oneof(
    b('untagged image', /^image$/, fc.constant({ ...p, image: untagged(p.image) })),
    b('latest image', /^image$/, fc.constant({ ...p, image: `${untagged(p.image)}:latest` })),
    b('port out of range', /^ports\[\d+\]\.port$/, fc.tuple(idx, fc.oneof(fc.integer({ min: -100000, max: 0 }), fc.integer({ min: 65536, max: 10 ** 7 }), fc.constant(80.5)))
      .map(([i, port]) => ({ ...p, ports: ps.map((q, j) => (j === i ? { ...q, port } : q)) }))),
    b('servicePort out of range', /^ports\[\d+\]\.servicePort$/, fc.tuple(idx, fc.oneof(fc.integer({ min: -1000, max: 0 }), fc.integer({ min: 65536, max: 10 ** 6 })))
      .map(([i, servicePort]) => ({ ...p, ports: ps.map((q, j) => (j === i ? { ...q, servicePort } : q)) }))),
    b('port reused', /^ports\[\]\.port$/, fc.tuple(idx, freshPortName).map(([i, name]) => ({ ...p, ports: [...ps, { name, port: ps[i].port }] }))),
    b('port name reused', /^ports\[\]\.name$/, fc.tuple(idx, unusedPort).map(([i, port]) => ({ ...p, ports: [...ps, { name: ps[i].name, port, expose: false }] }))),
    b('bad port name', /^ports\[\d+\]\.name$/, fc.tuple(idx, fc.oneof(fc.constantFrom('HTTP', 'http--x', '8080', 'a-very-long-port-name', '-http', 'http-', ''), longPortName))
      .map(([i, name]) => ({ ...p, ports: ps.map((q, j) => (j === i ? { ...q, name } : q)) }))),
    b('memory limit below request', /^resources\.memoryLimit$/, fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }))
      .map(([limit, extra]) => ({ ...p, resources: { cpuRequest: '100m', memoryRequest: `${limit + extra}Mi`, memoryLimit: `${limit}Mi` } }))),
    b('CPU limit below request', /^resources\.cpuLimit$/, fc.tuple(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }))
      .map(([limit, extra]) => ({ ...p, resources: { ...p.resources, cpuRequest: `${limit + extra}m`, cpuLimit: `${limit}m` } }))),
    fc.tuple(fc.constantFrom('cpuRequest', 'memoryRequest', 'memoryLimit') as fc.Arbitrary<'cpuRequest' | 'memoryRequest' | 'memoryLimit'>, junkQuantity)
      .map(([field, value]) => ({ rule: `unparsable ${field}`, prop: new RegExp(`^resources\\.${field}$`), props: { ...p, resources: { ...p.resources, [field]: value } } as WorkloadProps })),
    b('probe on an undeclared port', /^(readiness|liveness)\.port$/, fc.oneof(
      unusedPort.map((port) => ({ ...p, readiness: { tcp: { port } } })),
      freshPortName.map((port) => ({ ...p, liveness: { http: { path: '/', port } } })),
      unusedPort.map((port) => ({ ...p, readiness: { grpc: { port } } })),
    )),
    b('invalid name', /^name$/, badDnsLabel.map((name) => ({ ...p, name }))),
    b('invalid namespace', /^namespace$/, badDnsLabel.map((namespace) => ({ ...p, namespace }))),
    b('invalid Service name', /^service\.name$/, badDnsLabel.filter((n) => n !== '').map((name) => ({ ...p, service: { name } }))),
    b('HPA minReplicas not below maxReplicas', /^(minReplicas|maxReplicas)$/, fc.tuple(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 10 }))
      .map(([min, less]) => ({ ...noPvs, autoscaling: { minReplicas: min, maxReplicas: Math.max(0, min - less) } }))),
    b('HPA minReplicas below 1', /^minReplicas$/, fc.integer({ min: -5, max: 0 }).map((min) => ({ ...noPvs, autoscaling: { minReplicas: min, maxReplicas: 3 } }))),
    b('PDB blocks every eviction', /^(minAvailable|maxUnavailable)$/, fc.oneof(
      fc.integer({ min: 0, max: 5 }).map((k) => ({ minAvailable: replicated + k })),
      fc.constantFrom({ minAvailable: '100%' }, { maxUnavailable: 0 }, { maxUnavailable: '0%' }),
    ).map((budget) => ({ ...noPvs, replicas: replicated, autoscaling: undefined, disruptionBudget: budget }))),
    b('PDB value that does not parse', /^(minAvailable|maxUnavailable)$/, fc.oneof(
      fc.constantFrom<string | number>('abc', '150%', '-1', '1.5', '50 %', -1, 1.5).map((v) => ({ minAvailable: v })),
      fc.constantFrom<string | number>('abc', '101%', -2, 0.5).map((v) => ({ maxUnavailable: v })),
    ).map((budget) => ({ ...noPvs, replicas: 3, autoscaling: undefined, disruptionBudget: budget }))),
    b('secret-looking literal env value', /^env\./, fc.tuple(fc.constantFrom('DB_PASSWORD', 'API_KEY', 'GITHUB_TOKEN', 'CLIENT_SECRET', 'AWS_CREDENTIALS'), literalSecret)
      .map(([name, value]) => ({ ...p, env: { ...p.env, [name]: value } }))),
    b('credentials in a URL', /^env\./, fc.constant({ ...p, env: { ...p.env, UPSTREAM_URL: 'postgres://app:s3cr3t@db:5432/app' } })),
    b('invalid env name', /^env$/, fc.constantFrom('1ABC', 'A B', 'A=B', '').map((name) => ({ ...p, env: { ...p.env, [name]: 'x' } }))),
    b('replicas not a non-negative integer', /^replicas$/, fc.oneof(fc.integer({ min: -10, max: -1 }), fc.constant(1.5), fc.constant(Number.NaN)).map((replicas) => ({ ...p, replicas }))),
    b('root user', /^runAsUser$/, fc.constantFrom(0, -1, 1.5).map((runAsUser) => ({ ...p, runAsUser }))),
    b('relative writable directory', /^writableDirectories$/, fc.constantFrom('tmp', 'var/cache', '/', '').map((dir) => ({ ...p, writableDirectories: [dir] }))),
    b('sidecar named like the main container', /^container names$/, fc.constant({
      ...p, sidecars: [{ name: p.containerName ?? p.name!, image: 'ghcr.io/example/proxy:1.0.0', resources: p.resources, readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } } }],
    })),
    b('ReadWriteOnce volume on a replicated Deployment', /^persistentVolumes$/, fc.integer({ min: 2, max: 5 }).map((replicas) => ({
      ...p, kind: 'Deployment' as const, replicas, autoscaling: undefined, disruptionBudget: undefined, persistentVolumes: [{ name: 'data', mountPath: '/data/x', size: '1Gi' }],
    }))),
    b('HPA on a StatefulSet with volumes', /^autoscaling$/, fc.constant({
      ...p, name: p.name!.slice(0, 52), kind: 'StatefulSet' as const, autoscaling: { minReplicas: 1, maxReplicas: 3 }, disruptionBudget: undefined, persistentVolumes: [{ name: 'data', mountPath: '/data/x', size: '1Gi' }],
    })),
  );
}

function expectNamedError(chart: PlatformChart, broken: Broken<unknown>, build: () => unknown): void {
  const error = propErrorOf(build);
  if (!broken.prop.test(error.prop)) {
    throw new Error(`broke "${broken.rule}", expected an error naming ${broken.prop}, got: ${error.message}`);
  }
  expect(error.message.startsWith(`${error.constructPath}: invalid ${error.prop} (`)).toBe(true);
  expect(error.constructPath.startsWith(chart.node.path)).toBe(true);
}

describe('invalid props fail with a PropValidationError naming the prop, never another exception', () => {
  test('Workload', () => {
    fc.assert(fc.property(workload().chain(brokenWorkload), (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new Workload(chart, 'w', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('a secret-looking literal is redacted from the error message', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9]{6,20}$/), (value) => {
      const chart = freshChart();
      const error = propErrorOf(() => new Workload(chart, 'w', {
        image: 'ghcr.io/example/api:1.0.0', resources: { cpuRequest: '10m', memoryRequest: '8Mi', memoryLimit: '8Mi' },
        readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } }, env: { DB_PASSWORD: value },
      }));
      expect(error.message).not.toContain(value);
      expect(error.message).toContain('<redacted>');
    }), { numRuns: INVALID_RUNS });
  });

  test('Autoscaler', () => {
    const valid: AutoscalerProps = { namespace: 'app', target: { kind: 'Deployment', name: 'api' }, minReplicas: 2, maxReplicas: 5 };
    const arb: fc.Arbitrary<Broken<AutoscalerProps>> = fc.oneof(
      fc.oneof(fc.integer({ min: -5, max: 0 }), fc.constant(1.5)).map((minReplicas) => ({ rule: 'min < 1', prop: /^minReplicas$/, props: { ...valid, minReplicas, maxReplicas: 10 } })),
      fc.integer({ min: -3, max: 2 }).map((maxReplicas) => ({ rule: 'max <= min', prop: /^maxReplicas$/, props: { ...valid, maxReplicas } })),
      fc.tuple(fc.constantFrom('cpuUtilizationPercent', 'memoryUtilizationPercent'), fc.oneof(fc.integer({ min: -50, max: 0 }), fc.integer({ min: 101, max: 1000 }), fc.constant(50.5)))
        .map(([field, v]) => ({ rule: `bad ${field}`, prop: new RegExp(`^${field}$`), props: { ...valid, [field]: v } })),
      fc.tuple(fc.constantFrom('scaleUpStabilizationSeconds', 'scaleDownStabilizationSeconds'), fc.oneof(fc.integer({ min: -100, max: -1 }), fc.integer({ min: 3601, max: 100000 })))
        .map(([field, v]) => ({ rule: `bad ${field}`, prop: new RegExp(`^${field}$`), props: { ...valid, [field]: v } })),
      fc.tuple(fc.constantFrom('scaleUpPercentPerMinute', 'scaleUpPodsPerMinute', 'scaleDownPercentPerMinute'), fc.oneof(fc.integer({ min: -100, max: 0 }), fc.constant(2.5)))
        .map(([field, v]) => ({ rule: `bad ${field}`, prop: new RegExp(`^${field}$`), props: { ...valid, [field]: v } })),
      fc.integer({ min: 101, max: 1000 }).map((v) => ({ rule: 'scale-down above 100%', prop: /^scaleDownPercentPerMinute$/, props: { ...valid, scaleDownPercentPerMinute: v } })),
      fc.constantFrom('Api', 'api_1', '-api', 'a..b').map((name) => ({ rule: 'bad name', prop: /^name$/, props: { ...valid, name } })),
    );
    fc.assert(fc.property(arb, (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new Autoscaler(chart, 'hpa', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('DisruptionBudget', () => {
    const arb: fc.Arbitrary<Broken<DisruptionBudgetProps>> = fc.integer({ min: 1, max: 6 }).chain((minReplicas) => {
      const valid: DisruptionBudgetProps = { name: 'api', namespace: 'app', selector: { app: 'api' }, minReplicas };
      return fc.oneof(
        fc.integer({ min: minReplicas, max: minReplicas + 5 }).map((minAvailable) => ({ rule: 'minAvailable >= replicas', prop: /^minAvailable$/, props: { ...valid, minAvailable } })),
        fc.integer({ min: 0, max: 100 }).filter((pct) => minReplicas - Math.ceil((minReplicas * pct) / 100) <= 0)
          .map((pct) => ({ rule: 'minAvailable percentage blocks', prop: /^minAvailable$/, props: { ...valid, minAvailable: `${pct}%` } })),
        fc.constantFrom<number | string>(0, '0%').map((maxUnavailable) => ({ rule: 'maxUnavailable 0', prop: /^maxUnavailable$/, props: { ...valid, maxUnavailable } })),
        fc.constantFrom<number | string>('x', '200%', '%', -1, 0.5, '1.5%').map((v) => ({ rule: 'does not parse', prop: /^(minAvailable|maxUnavailable)$/, props: { ...valid, maxUnavailable: v } })),
        fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 3 })).map(([minAvailable, maxUnavailable]) => ({ rule: 'both set', prop: /^minAvailable$/, props: { ...valid, minAvailable, maxUnavailable } })),
        badDnsLabel.filter((n) => n.length <= 63 && !/^[a-z0-9.-]+$/.test(n) || n === '').map((name) => ({ rule: 'bad name', prop: /^name$/, props: { ...valid, name } })),
      );
    });
    fc.assert(fc.property(arb, (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new DisruptionBudget(chart, 'pdb', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('NamespaceBaseline', () => {
    const arb: fc.Arbitrary<Broken<NamespaceBaselineProps>> = fc.oneof(
      badDnsLabel.map((name) => ({ rule: 'bad name', prop: /^name$/, props: { name } })),
      fc.constantFrom<'baseline' | 'privileged'>('baseline', 'privileged').chain((podSecurity) => fc.constantFrom(undefined, '', '   ')
        .map((podSecurityReason) => ({ rule: 'weaker level without reason', prop: /^podSecurityReason$/, props: { name: 'ns', podSecurity, podSecurityReason } }))),
      fc.constantFrom('cpu', 'requests.gpu', 'limits', 'foo/bar').map((key) => ({ rule: 'bad quota key', prop: /^resourceQuota$/, props: { name: 'ns', resourceQuota: { [key]: '1' } } })),
      fc.tuple(fc.constantFrom('requests.cpu', 'limits.memory', 'requests.storage'), junkQuantity)
        .map(([key, value]) => ({ rule: 'bad quota quantity', prop: /^resourceQuota\[/, props: { name: 'ns', resourceQuota: { [key]: value } } })),
      fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([lim, extra]) => ({
        rule: 'default limit below request', prop: /^limitRange\.defaultMemoryLimit$/,
        props: { name: 'ns', limitRange: { defaultCpuRequest: '100m', defaultMemoryRequest: `${lim + extra}Mi`, defaultMemoryLimit: `${lim}Mi` } },
      })),
      fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 })).map(([max, extra]) => ({
        rule: 'max below default limit', prop: /^limitRange\.maxMemoryLimit$/,
        props: { name: 'ns', limitRange: { defaultCpuRequest: '100m', defaultMemoryRequest: '1Mi', defaultMemoryLimit: `${max + extra}Mi`, maxMemoryLimit: `${max}Mi` } },
      })),
      junkQuantity.map((v) => ({ rule: 'bad default CPU', prop: /^limitRange\.defaultCpuRequest$/, props: { name: 'ns', limitRange: { defaultCpuRequest: v, defaultMemoryRequest: '1Mi', defaultMemoryLimit: '2Mi' } } })),
    );
    fc.assert(fc.property(arb, (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new NamespaceBaseline(chart, 'ns', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('network connections', () => {
    const arb = fc.record({ portNames: fc.uniqueArray(fc.constantFrom('http', 'grpc', 'admin'), { minLength: 1, maxLength: 3 }), wrong: fc.constantFrom('metrics', 'HTTP', 'nope') });
    fc.assert(fc.property(arb, fc.nat(2), ({ portNames, wrong }, which) => {
      const chart = freshChart();
      const mk = (id: string, exposed: boolean) => new Workload(chart, id, {
        image: 'ghcr.io/example/app:1.0.0', resources: { cpuRequest: '10m', memoryRequest: '8Mi', memoryLimit: '8Mi' },
        ports: portNames.map((name, i) => ({ name, port: 8000 + i, expose: exposed })), readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } },
      });
      const a = mk('a', true);
      const b = mk('b', which !== 1);
      const broken: Broken<null> = which === 0 ? { rule: 'unknown port name', prop: /^port$/, props: null }
        : which === 1 ? { rule: 'no exposed port', prop: /^ports$/, props: null } : { rule: 'egress without ports', prop: /^ports$/, props: null };
      expectNamedError(chart, broken, () => (which === 0 ? a.connectTo(b, [wrong]) : which === 1 ? a.connectTo(b) : a.allowTo(Peer.internet(), [])));
    }), { numRuns: INVALID_RUNS });
  });

  test('Postgres', () => {
    const valid: PostgresProps = { credentials: { username: 'postgres', password: { secretName: 'pg', key: 'password' } } };
    const pw = { secretName: 'pg-owners', key: 'owner' };
    const arb: fc.Arbitrary<Broken<PostgresProps>> = fc.oneof(
      fc.oneof(fc.constantFrom('App', '1db', 'my-db', 'x'.repeat(64), ''), fc.stringMatching(/^[a-z]{1,5}[A-Z-][a-z]{0,5}$/))
        .map((name) => ({ rule: 'bad database name', prop: /^databases\[0\]\.name$/, props: { ...valid, databases: [{ name }] } })),
      fc.constantFrom('app', 'db_2').map((name) => ({ rule: 'duplicate database', prop: /^databases$/, props: { ...valid, databases: [{ name }, { name }] } })),
      fc.constant({ rule: 'owner without password', prop: /^databases\[0\]\.ownerPassword$/, props: { ...valid, databases: [{ name: 'app', owner: 'app' }] } }),
      fc.constant({ rule: 'password without owner', prop: /^databases\[0\]\.ownerPassword$/, props: { ...valid, databases: [{ name: 'app', ownerPassword: pw }] } }),
      fc.constant({ rule: 'owner is the superuser', prop: /^databases\[0\]\.owner$/, props: { ...valid, databases: [{ name: 'app', owner: 'postgres', ownerPassword: pw }] } }),
      fc.constant({
        rule: 'one owner, two passwords', prop: /^databases\[1\]\.ownerPassword$/,
        props: { ...valid, databases: [{ name: 'a', owner: 'o', ownerPassword: pw }, { name: 'b', owner: 'o', ownerPassword: { ...pw, key: 'other' } }] },
      }),
      fc.constantFrom('Max-Conn', '1x', 'a b').map((key) => ({ rule: 'bad setting name', prop: /^settings\[/, props: { ...valid, settings: { [key]: '1' } } })),
      fc.constant({ rule: 'multi-line setting', prop: /^settings\[/, props: { ...valid, settings: { work_mem: '4MB\nssl = off' } } }),
      junkQuantity.map((storageSize) => ({ rule: 'bad storage size', prop: /^storageSize$/, props: { ...valid, storageSize } })),
      fc.constantFrom('pass word', 'key/with/slash', '').map((key) => ({ rule: 'bad secret key', prop: /^credentials\.password\.key$/, props: { ...valid, credentials: { username: 'postgres', password: { secretName: 'pg', key } } } })),
      fc.constantFrom('Bad_Name', '-pg', '').map((secretName) => ({ rule: 'bad secret name', prop: /^credentials\.password\.secretName$/, props: { ...valid, credentials: { username: 'postgres', password: { secretName, key: 'k' } } } })),
      fc.constantFrom('30', '1d', 'soon').map((interval) => ({ rule: 'bad exporter interval', prop: /^exporter\.interval$/, props: { ...valid, exporter: { interval } } })),
      badDnsLabel.map((name) => ({ rule: 'bad name', prop: /^name$/, props: { ...valid, name } })),
    );
    fc.assert(fc.property(arb, (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new Postgres(chart, 'pg', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('Redis', () => {
    const valid: RedisProps = { password: { secretName: 'redis', key: 'password' } };
    const arb: fc.Arbitrary<Broken<RedisProps>> = fc.oneof(
      fc.integer({ min: 2, max: 4096 }).chain((maxMi) => fc.integer({ min: 1, max: Math.ceil(maxMi * 1.25) - 1 }).map((limit) => ({
        rule: 'maxmemory without headroom', prop: /^maxmemory$/,
        props: { ...valid, maxmemory: `${maxMi}Mi`, resources: { cpuRequest: '10m', memoryRequest: `${limit}Mi`, memoryLimit: `${limit}Mi` } },
      }))),
      junkQuantity.map((maxmemory) => ({ rule: 'maxmemory does not parse', prop: /^maxmemory$/, props: { ...valid, maxmemory } })),
      fc.constantFrom('lru', 'ALLKEYS-LRU', '').map((policy) => ({ rule: 'unknown eviction policy', prop: /^maxmemoryPolicy$/, props: { ...valid, maxmemoryPolicy: policy as RedisProps['maxmemoryPolicy'] } })),
      junkQuantity.map((size) => ({ rule: 'bad persistence size', prop: /^persistence\.size$/, props: { ...valid, persistence: { size } } })),
      fc.constantFrom('a b', 'x/y').map((key) => ({ rule: 'bad secret key', prop: /^password\.key$/, props: { password: { secretName: 'redis', key } } })),
      badDnsLabel.map((name) => ({ rule: 'bad name', prop: /^name$/, props: { ...valid, name } })),
    );
    fc.assert(fc.property(arb, (broken) => {
      const chart = freshChart();
      expectNamedError(chart, broken, () => new Redis(chart, 'redis', broken.props));
    }), { numRuns: INVALID_RUNS });
  });

  test('VllmDeployment tensor parallel size above the GPUs of a replica', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), (gpusPerReplica, over) => {
      const chart = freshChart();
      const broken: Broken<null> = { rule: 'tensorParallelSize > gpus', prop: /^tensorParallelSize$/, props: null };
      expectNamedError(chart, broken, () => new VllmDeployment(chart, 'llm', { model: 'org/model', gpusPerReplica, tensorParallelSize: gpusPerReplica + over }));
    }), { numRuns: INVALID_RUNS });
  });
});

// Keeps the shared arbitraries honest: every generated image and resource set is accepted on its own.
test('generated images and resources are accepted by the construct', () => {
  fc.assert(fc.property(image, resources, (img, res) => {
    const chart = freshChart();
    new Workload(chart, 'w', { image: img, resources: res, readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } } });
  }), { numRuns: INVALID_RUNS });
});

// Found by the Workload property: equal quantities in different units compared unequal (9 * 1e-3 > 0.009), so the
// construct refused, and the gate flagged, a limit equal to its request.
test.each([['9m', '0.009', '16061Mi', '16841.179136M'], ['36m', '0.036', '249Mi', '261.095424M']])(
  'a limit equal to its request in other units is accepted (cpu %s/%s, memory %s/%s)', (cpuRequest, cpuLimit, memoryRequest, memoryLimit) => {
    const chart = freshChart();
    new NamespaceBaseline(chart, 'ns', { name: 'app' });
    new Workload(chart, 'w', {
      image: 'ghcr.io/example/api:1.0.0', resources: { cpuRequest, cpuLimit, memoryRequest, memoryLimit },
      readiness: { exec: { command: ['true'] } }, liveness: { exec: { command: ['true'] } },
    });
    expectClean(chart);
  },
);

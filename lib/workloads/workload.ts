import { createHash } from 'crypto';
import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { Autoscaler, AutoscalingOptions } from './autoscaling';
import {
  ContainerPort, ContainerProps, NamedContainerProps, imageVersion, renderEnv, renderProbe, renderResources,
  restrictedContainerSecurityContext, validateContainer, WritableDirectory,
} from '../core/container';
import { DisruptionBudget, DisruptionBudgetOptions } from './disruption-budget';
import { check } from '../core/errors';
import { exemptionAnnotations } from '../core/exemptions';
import { isRuleId } from '../validation/rules';
import { componentLabels, selectorLabels } from '../core/labels';
import { checkDnsLabel, checkUnique, clusterServiceHost } from '../core/names';
import { IHttpBackend } from '../core/http-backend';
import { INetworkPeer, NetworkPort, podPeer } from '../core/network-peer';
import { PlatformChart } from '../core/platform-chart';
import { checkMemory } from '../core/quantities';
import { keepData } from '../core/sync-wave';
import { WorkloadNetworkPolicy } from '../networking/workload-network-policy';

/** Label on a StatefulSet's headless Service; ServiceMonitors select Services without it, so each pod is scraped once. */
export const HEADLESS_SERVICE_LABEL = 'platform/headless-service';

/** A volume claimed for the workload: per pod for a StatefulSet, one shared claim for a Deployment. */
export interface PersistentVolume {
  /** Volume name (DNS-1123 label). */
  readonly name: string;
  /** Mount path in the main container. */
  readonly mountPath: string;
  /** Requested size, e.g. "20Gi". */
  readonly size: string;
  /** StorageClass. @default - the cluster default */
  readonly storageClassName?: string;
  /** Access mode. @default 'ReadWriteOnce' */
  readonly accessMode?: 'ReadWriteOnce' | 'ReadWriteMany' | 'ReadWriteOncePod';
  /** Sub-path inside the volume, e.g. to keep `lost+found` out of a data directory. @default - the volume root */
  readonly subPath?: string;
}

/** How the workload's Service is rendered. */
export interface ServiceOptions {
  /** Service name. @default - the workload name */
  readonly name?: string;
  /** Annotations, e.g. for cloud load balancers. @default - none */
  readonly annotations?: Record<string, string>;
}

export interface WorkloadProps extends ContainerProps {
  /** Name of the workload, its Service, ServiceAccount and selector (DNS-1123 label). @default - the construct id */
  readonly name?: string;
  /** Namespace. @default - the chart's namespace */
  readonly namespace?: string;
  /** Deployment for stateless services, StatefulSet for stable identity and per-pod volumes. @default 'Deployment' */
  readonly kind?: 'Deployment' | 'StatefulSet';
  /** Role within the platform (`app.kubernetes.io/component`). @default - none */
  readonly component?: string;
  /** Fixed replica count; ignored in favour of the HPA when `autoscaling` is set. @default 2 */
  readonly replicas?: number;
  /** An HPA that owns the replica count; `spec.replicas` is then left out. @default - fixed replicas */
  readonly autoscaling?: AutoscalingOptions;
  /** PodDisruptionBudget, rendered when the workload runs more than one pod; `false` opts out. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetOptions | false;
  /** Spread over zones as well as nodes when there is more than one replica. @default true */
  readonly spreadAcrossZones?: boolean;
  /** Pod user ID (non-zero). Match the image's non-root user. @default 10001 */
  readonly runAsUser?: number;
  /** Pod group ID. @default - same as runAsUser */
  readonly runAsGroup?: number;
  /** Group owning mounted volumes. @default - same as runAsGroup */
  readonly fsGroup?: number;
  /** Annotations on the ServiceAccount: GKE Workload Identity (`iam.gke.io/gcp-service-account`) or EKS IRSA (`eks.amazonaws.com/role-arn`). @default - none */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /** Containers run to completion before the main one. @default - none */
  readonly initContainers?: readonly NamedContainerProps[];
  /** Containers beside the main one (exporters, proxies). @default - none */
  readonly sidecars?: readonly NamedContainerProps[];
  /** Persistent volumes, mounted in the main container. @default - none */
  readonly persistentVolumes?: readonly PersistentVolume[];
  /** Extra pod volumes (escape hatch), mounted with `volumeMounts`. @default - none */
  readonly volumes?: readonly k8s.Volume[];
  /** Render a Service for the exposed ports; `false` for none. @default - a ClusterIP Service when a port is exposed */
  readonly service?: ServiceOptions | false;
  /** Node selector, e.g. for a GPU pool. @default - none */
  readonly nodeSelector?: Record<string, string>;
  /** Tolerations, e.g. for a tainted GPU pool. @default - none */
  readonly tolerations?: readonly k8s.Toleration[];
  /** Deployment update strategy. @default - 'Recreate' when a ReadWriteOnce volume is mounted, else 'RollingUpdate' */
  readonly strategy?: 'RollingUpdate' | 'Recreate';
  /**
   * StatefulSet pod management: `Parallel` creates and deletes every pod at once (for members that wait for their
   * peers before they are ready, or that need no order); `OrderedReady` one at a time. Rolling updates go one pod
   * at a time either way. StatefulSet only. @default 'OrderedReady'
   */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /** Seconds between SIGTERM and SIGKILL. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Extra pod annotations. @default - none */
  readonly podAnnotations?: Record<string, string>;
  /** Main container name. @default - the workload name */
  readonly containerName?: string;
  /** Keep the root filesystem read-only. Setting false needs an exemption for `practice/read-only-root-filesystem`. @default true */
  readonly readOnlyRootFilesystem?: boolean;
  /** Named exemptions from validation-gate rules, rule id → reason. Rendered as annotations so reviewers see them. @default - none */
  readonly exemptions?: Record<string, string>;
}

/**
 * A Deployment or StatefulSet that is secure and highly available by default: Pod Security "restricted",
 * read-only root filesystem with `emptyDir`s where it writes, its own ServiceAccount without a token,
 * pinned image, requests and a memory limit, probes, spread over nodes and zones, a PDB, and a NetworkPolicy
 * whose allow rules come from declared connections.
 */
export class Workload extends Construct implements INetworkPeer, IHttpBackend {
  public readonly name: string;
  public readonly namespace: string;
  public readonly kind: 'Deployment' | 'StatefulSet';
  /** Labels selecting this workload's pods (immutable once deployed). */
  public readonly selectorLabels: Record<string, string>;
  /** All ports of the main container. */
  public readonly ports: readonly ContainerPort[];
  /** The Deployment or StatefulSet (escape hatch). */
  public readonly resource: ApiObject;
  public readonly serviceAccount: ApiObject;
  /** The client Service, if any. */
  public readonly service?: ApiObject;
  /** The headless Service of a StatefulSet. */
  public readonly headlessService?: ApiObject;
  public readonly networkPolicy: WorkloadNetworkPolicy;
  public readonly autoscaler?: Autoscaler;
  public readonly disruptionBudget?: DisruptionBudget;
  /** ConfigMaps rendered from `configFiles`. */
  public readonly configMaps: ApiObject[] = [];
  /** PVCs of a Deployment's persistent volumes. */
  public readonly persistentVolumeClaims: ApiObject[] = [];
  /** The fewest pods the workload runs (HPA minimum or fixed replicas). */
  public readonly minReplicas: number;
  public readonly peerName: string;
  public readonly peerNamespace: string;
  private readonly checksumSources: (() => unknown)[] = [];

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id);
    const chart = PlatformChart.of(this);
    this.name = props.name ?? id;
    this.namespace = props.namespace ?? chart.defaultNamespace;
    this.kind = props.kind ?? 'Deployment';
    checkDnsLabel(this, 'name', this.name);
    checkDnsLabel(this, 'namespace', this.namespace);
    check(this, this.kind !== 'StatefulSet' || this.name.length <= 52, 'name', this.name,
      'a StatefulSet name may have at most 52 characters: its pods carry the label controller-revision-hash=<name>-<10-character hash>, limited to 63');
    if (props.service) checkDnsLabel(this, 'service.name', props.service.name ?? this.name);
    this.peerName = `${this.namespace}/${this.name}`;
    this.peerNamespace = this.namespace;

    validateContainer(this, '', props);
    (props.initContainers ?? []).forEach((c, i) => validateContainer(this, `initContainers[${i}].`, c));
    (props.sidecars ?? []).forEach((c, i) => validateContainer(this, `sidecars[${i}].`, c));
    const containerName = props.containerName ?? this.name;
    const allNames = [containerName, ...(props.initContainers ?? []).map((c) => c.name), ...(props.sidecars ?? []).map((c) => c.name)];
    allNames.forEach((n) => checkDnsLabel(this, 'container name', n));
    checkUnique(this, 'container names', allNames);
    const exemptions = props.exemptions ?? {};
    for (const [rule, reason] of Object.entries(exemptions)) {
      check(this, reason.trim().length > 0, `exemptions["${rule}"]`, reason, 'an exemption needs a reason');
      check(this, isRuleId(rule), 'exemptions', rule, 'must name a rule of the validation gate (see lib/validation/README.md)');
    }
    const longRunning = [props, ...(props.sidecars ?? [])];
    for (const c of longRunning) {
      check(this, (c.readiness !== undefined && c.liveness !== undefined) || 'practice/probes' in exemptions, 'readiness/liveness', undefined,
        'a long-running container needs readiness and liveness probes; add them or exempt "practice/probes" with a reason');
    }
    const readOnlyRoot = props.readOnlyRootFilesystem ?? true;
    check(this, readOnlyRoot || 'practice/read-only-root-filesystem' in exemptions, 'readOnlyRootFilesystem', false,
      'a writable root filesystem needs an exemption for "practice/read-only-root-filesystem" with a reason; prefer writableDirectories');
    const runAsUser = props.runAsUser ?? 10001;
    check(this, Number.isInteger(runAsUser) && runAsUser > 0, 'runAsUser', runAsUser, 'must be a non-zero user ID (Pod Security "restricted")');
    const runAsGroup = props.runAsGroup ?? runAsUser;
    check(this, Number.isInteger(runAsGroup) && runAsGroup > 0, 'runAsGroup', runAsGroup, 'must be a non-zero group ID');

    const replicas = props.replicas ?? 2;
    check(this, Number.isInteger(replicas) && replicas >= 0, 'replicas', replicas, 'must be a non-negative integer');
    check(this, !(props.autoscaling && props.kind === 'StatefulSet' && (props.persistentVolumes ?? []).length > 0), 'autoscaling', props.autoscaling,
      'an HPA on a StatefulSet with per-pod volumes leaves orphaned claims when it scales down; scale it by hand');
    this.minReplicas = props.autoscaling ? props.autoscaling.minReplicas : replicas;
    this.ports = props.ports ?? [];

    const pvs = props.persistentVolumes ?? [];
    pvs.forEach((pv, i) => {
      checkDnsLabel(this, `persistentVolumes[${i}].name`, pv.name);
      checkMemory(this, `persistentVolumes[${i}].size`, pv.size);
    });
    const hasRwoVolume = pvs.some((pv) => (pv.accessMode ?? 'ReadWriteOnce') !== 'ReadWriteMany');
    // The HPA maximum counts too: scaled-up pods on other nodes would wait forever for the claim.
    const mostPods = Math.max(this.minReplicas, props.autoscaling?.maxReplicas ?? 0);
    check(this, !(this.kind === 'Deployment' && hasRwoVolume && mostPods > 1), 'persistentVolumes', pvs.map((p) => p.name),
      'a ReadWriteOnce volume can be mounted by one node only; use replicas: 1, a ReadWriteMany volume, or kind: "StatefulSet"');
    const strategy = props.strategy ?? (hasRwoVolume ? 'Recreate' : 'RollingUpdate');
    check(this, !(hasRwoVolume && this.kind === 'Deployment' && strategy === 'RollingUpdate'), 'strategy', strategy,
      'a RollingUpdate with a ReadWriteOnce volume deadlocks: the new pod waits for the volume the old pod holds; use "Recreate"');

    this.selectorLabels = selectorLabels(this.name, chart.platform);
    const labels = componentLabels({ name: this.name, platform: chart.platform, component: props.component, version: imageVersion(props.image) });
    const podLabels = { ...labels, ...this.selectorLabels };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, namespace: this.namespace, labels, annotations: sortedOrUndefined(props.serviceAccountAnnotations) },
      automountServiceAccountToken: false,
    });

    // Pod volumes, collected from every container and de-duplicated by name.
    const volumes = new Map<string, k8s.Volume>();
    for (const v of props.volumes ?? []) volumes.set(v.name, v);
    const renderContainer = (c: ContainerProps, name: string, isMain: boolean): k8s.Container => {
      const mounts: k8s.VolumeMount[] = [];
      const writable = c.writableDirectories ?? ['/tmp'];
      for (const dir of writable) {
        const d: WritableDirectory = typeof dir === 'string' ? { path: dir } : dir;
        const volumeName = volumeNameForPath(d.path);
        volumes.set(volumeName, {
          name: volumeName,
          emptyDir: { sizeLimit: k8s.Quantity.fromString(d.sizeLimit ?? '256Mi'), ...(d.medium ? { medium: d.medium } : {}) },
        });
        mounts.push({ name: volumeName, mountPath: d.path });
      }
      for (const sf of c.secretFiles ?? []) {
        // A Secret name may hold dots; a volume name is a DNS-1123 label.
        const volumeName = `secret-${sf.secretName.replace(/\./g, '-')}`.slice(0, 63).replace(/-+$/, '');
        volumes.set(volumeName, {
          name: volumeName,
          secret: { secretName: sf.secretName, defaultMode: 0o440, ...(sf.items ? { items: sf.items.map((it) => ({ key: it.key, path: it.path })) } : {}) },
        });
        mounts.push({ name: volumeName, mountPath: sf.mountPath, readOnly: true });
      }
      for (const cf of c.configFiles ?? []) {
        const cmName = `${this.name}-${cf.name}`;
        checkDnsLabel(this, 'configFiles.name', cmName);
        if (!this.configMaps.some((cm) => cm.name === cmName)) {
          const data = Object.fromEntries(Object.keys(cf.files).sort().map((k) => [k, cf.files[k]]));
          this.configMaps.push(new k8s.KubeConfigMap(this, `ConfigMap-${cf.name}`, { metadata: { name: cmName, namespace: this.namespace, labels }, data }));
          this.checksumSources.push(() => data);
        }
        const volumeName = `config-${cf.name}`.slice(0, 63);
        volumes.set(volumeName, { name: volumeName, configMap: { name: cmName, defaultMode: 0o444 } });
        mounts.push({ name: volumeName, mountPath: cf.mountPath, readOnly: true });
      }
      if (isMain) {
        for (const pv of pvs) mounts.push({ name: pv.name, mountPath: pv.mountPath, ...(pv.subPath ? { subPath: pv.subPath } : {}) });
      }
      for (const m of c.volumeMounts ?? []) mounts.push({ ...m });
      checkUnique(this, `${name}: volume mount paths`, mounts.map((m) => m.mountPath));
      const ports = c.ports ?? [];
      return {
        name,
        image: c.image,
        imagePullPolicy: 'IfNotPresent',
        ...(c.command ? { command: [...c.command] } : {}),
        ...(c.args ? { args: [...c.args] } : {}),
        ...(c.workingDir ? { workingDir: c.workingDir } : {}),
        env: renderEnv(c.env),
        ports: ports.length > 0 ? ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol ?? 'TCP' })) : undefined,
        resources: renderResources(c.resources),
        readinessProbe: c.readiness ? renderProbe(c.readiness, ports) : undefined,
        livenessProbe: c.liveness ? renderProbe(c.liveness, ports) : undefined,
        startupProbe: c.startup ? renderProbe(c.startup, ports) : undefined,
        securityContext: restrictedContainerSecurityContext(c.runAsUser, readOnlyRoot),
        volumeMounts: mounts.length > 0 ? mounts.sort((a, b) => a.mountPath.localeCompare(b.mountPath, 'en')) : undefined,
        terminationMessagePolicy: 'FallbackToLogsOnError',
      };
    };
    const mainContainer = renderContainer(props, containerName, true);
    const initContainers = (props.initContainers ?? []).map((c) => renderContainer(c, c.name, false));
    const sidecars = (props.sidecars ?? []).map((c) => renderContainer(c, c.name, false));

    if (this.kind === 'Deployment') {
      pvs.forEach((pv) => {
        const claimName = `${this.name}-${pv.name}`;
        const claim = new k8s.KubePersistentVolumeClaim(this, `Claim-${pv.name}`, {
          metadata: { name: claimName, namespace: this.namespace, labels },
          spec: claimSpec(pv),
        });
        // Argo CD must not delete the data with the Application (a StatefulSet's claims are not Argo CD's to delete).
        keepData(claim);
        this.persistentVolumeClaims.push(claim);
        volumes.set(pv.name, { name: pv.name, persistentVolumeClaim: { claimName } });
      });
    }

    // The API server refuses a mount of a volume the pod does not declare; say so here, naming the prop.
    const declaredVolumes = [...volumes.keys(), ...(this.kind === 'StatefulSet' ? pvs.map((pv) => pv.name) : [])].sort();
    const mountingContainers: [string, ContainerProps][] = [['', props], ...(props.initContainers ?? []).map((c, i): [string, ContainerProps] => [`initContainers[${i}].`, c]),
      ...(props.sidecars ?? []).map((c, i): [string, ContainerProps] => [`sidecars[${i}].`, c])];
    for (const [prefix, c] of mountingContainers) {
      (c.volumeMounts ?? []).forEach((m, i) => check(this, declaredVolumes.includes(m.name), `${prefix}volumeMounts[${i}].name`, m.name,
        `must name a volume of the pod (${declaredVolumes.join(', ')}); declare it in volumes or persistentVolumes`));
    }

    const spread = this.minReplicas > 1 || (props.autoscaling?.maxReplicas ?? 0) > 1;
    const topologySpreadConstraints: k8s.TopologySpreadConstraint[] | undefined = spread ? [
      // Honor: nodes whose taints the pod does not tolerate (a GPU pool) are no domain; with the default (Ignore)
      // they count as empty domains and cap the replicas that can schedule (Kubernetes 1.28 docs,
      // concepts/scheduling-eviction/topology-spread-constraints, "nodeTaintsPolicy"; beta and on by default since 1.26).
      {
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule', nodeTaintsPolicy: 'Honor',
        labelSelector: { matchLabels: { ...this.selectorLabels } },
      },
      ...((props.spreadAcrossZones ?? true)
        ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { ...this.selectorLabels } } }]
        : []),
    ] : undefined;

    const podSpec: k8s.PodSpec = {
      serviceAccountName: this.name,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser,
        runAsGroup,
        fsGroup: props.fsGroup ?? runAsGroup,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      },
      initContainers: initContainers.length > 0 ? initContainers : undefined,
      containers: [mainContainer, ...sidecars],
      volumes: volumes.size > 0 ? [...volumes.values()].sort((a, b) => a.name.localeCompare(b.name, 'en')) : undefined,
      nodeSelector: sortedOrUndefined(props.nodeSelector),
      tolerations: props.tolerations && props.tolerations.length > 0 ? [...props.tolerations] : undefined,
      topologySpreadConstraints,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
    };
    const template: k8s.PodTemplateSpec = {
      metadata: {
        labels: podLabels,
        annotations: Lazy.any({ produce: () => this.podAnnotations(props.podAnnotations) }) as unknown as Record<string, string>,
      },
      spec: podSpec,
    };
    const metadata = { name: this.name, namespace: this.namespace, labels, annotations: sortedOrUndefined(exemptionAnnotations(exemptions)) };
    const replicasField = props.autoscaling ? {} : { replicas };

    const serviceName = props.service === false ? undefined : props.service?.name ?? this.name;
    const exposed = this.ports.filter((p) => p.expose ?? true);
    if (this.kind === 'StatefulSet') {
      const headlessName = `${this.name}-headless`;
      this.headlessService = new k8s.KubeService(this, 'HeadlessService', {
        // Marked so a ServiceMonitor can leave it out: it selects the same pods as the client Service.
        metadata: { name: headlessName, namespace: this.namespace, labels: { ...labels, [HEADLESS_SERVICE_LABEL]: 'true' } },
        spec: {
          clusterIp: 'None',
          publishNotReadyAddresses: true,
          selector: { ...this.selectorLabels },
          ports: this.ports.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP' })),
        },
      });
      this.resource = new k8s.KubeStatefulSet(this, 'Resource', {
        metadata,
        spec: {
          ...replicasField,
          serviceName: headlessName,
          selector: { matchLabels: { ...this.selectorLabels } },
          podManagementPolicy: props.podManagementPolicy ?? 'OrderedReady',
          updateStrategy: { type: 'RollingUpdate' },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
          template,
          volumeClaimTemplates: pvs.length > 0 ? pvs.map((pv) => ({ metadata: { name: pv.name, labels: { ...this.selectorLabels } }, spec: claimSpec(pv) })) : undefined,
        },
      });
    } else {
      this.resource = new k8s.KubeDeployment(this, 'Resource', {
        metadata,
        spec: {
          ...replicasField,
          revisionHistoryLimit: 5,
          selector: { matchLabels: { ...this.selectorLabels } },
          strategy: strategy === 'Recreate'
            ? { type: 'Recreate' }
            : { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template,
        },
      });
    }

    if (serviceName && exposed.length > 0) {
      this.service = new k8s.KubeService(this, 'Service', {
        metadata: { name: serviceName, namespace: this.namespace, labels, annotations: sortedOrUndefined(props.service ? props.service.annotations : undefined) },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.selectorLabels },
          ports: exposed.map((p) => ({ name: p.name, port: p.servicePort ?? p.port, targetPort: k8s.IntOrString.fromString(p.name), protocol: p.protocol ?? 'TCP' })),
        },
      });
    }

    this.networkPolicy = new WorkloadNetworkPolicy(this, 'NetworkPolicy', { name: this.name, namespace: this.namespace, podLabels: this.selectorLabels });

    if (props.autoscaling) {
      this.autoscaler = new Autoscaler(this, 'Autoscaler', { ...props.autoscaling, namespace: this.namespace, target: { kind: this.kind, name: this.name } });
    }
    const maxPods = Math.max(this.minReplicas, props.autoscaling?.maxReplicas ?? 0);
    check(this, props.disruptionBudget !== false || this.minReplicas < 2 || 'practice/high-availability' in exemptions, 'disruptionBudget', false,
      `a workload with ${this.minReplicas} replicas needs a PodDisruptionBudget; keep the default or exempt "practice/high-availability" with a reason`);
    if (props.disruptionBudget !== false && maxPods > 1 && this.minReplicas >= 1) {
      this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', {
        ...(props.disruptionBudget ?? {}),
        name: this.name,
        namespace: this.namespace,
        selector: this.selectorLabels,
        minReplicas: this.minReplicas,
      });
    }
  }

  /** The Service name other workloads use, or an error if the workload has none. */
  public get serviceName(): string {
    check(this, this.service !== undefined, 'service', undefined, 'this workload has no Service (no exposed ports, or service: false)');
    return this.service.name;
  }

  /** `<service>.<namespace>.svc.cluster.local`. */
  public get serviceHost(): string {
    return clusterServiceHost(this.serviceName, this.namespace);
  }

  /** A port of the main container by name, or the first one. */
  public port(name?: string): ContainerPort {
    const port = name === undefined ? this.ports[0] : this.ports.find((p) => p.name === name);
    check(this, port !== undefined, 'port', name, `must name one of the workload's ports (${this.ports.map((p) => p.name).join(', ') || 'none'})`);
    return port;
  }

  public resolveHttpPort(portName?: string): { name: string; servicePort: number; podPort: number } {
    const port = portName === undefined ? this.ports.find((p) => p.expose ?? true) : this.port(portName);
    check(this, port !== undefined && (port.expose ?? true) && this.service !== undefined, 'port', portName,
      `must name a port the workload's Service exposes (${this.ports.filter((p) => p.expose ?? true).map((p) => p.name).join(', ') || 'none'})`);
    return { name: port.name, servicePort: port.servicePort ?? port.port, podPort: port.port };
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return podPeer(fromNamespace, this.namespace, this.selectorLabels);
  }

  /**
   * Declares that this workload calls `target`: an egress rule here and, for a Workload target, the matching
   * ingress rule there (across namespaces too). Ports default to the target's exposed ports.
   */
  public connectTo(target: Workload | IConnectable, portNames?: readonly string[]): void {
    const ports = target.connectionPorts(portNames);
    this.networkPolicy.addEgress(target, ports);
    target.acceptConnection(this, ports);
  }

  /** Allows traffic into the pods from a peer that is not a Workload (ingress controller, Prometheus, load balancer ranges). */
  public allowFrom(peer: INetworkPeer, portNames?: readonly string[]): void {
    this.networkPolicy.addIngress(peer, this.connectionPorts(portNames));
  }

  /** Allows traffic out of the pods to a peer that is not a Workload (an external database, an API on the internet). */
  public allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void {
    check(this, ports.length > 0, 'ports', ports, 'egress to an external peer must name its ports');
    this.networkPolicy.addEgress(peer, ports);
  }

  /** @internal see IConnectable */
  public connectionPorts(portNames?: readonly string[]): NetworkPort[] {
    const chosen = portNames ? portNames.map((n) => this.port(n)) : this.ports.filter((p) => p.expose ?? true);
    check(this, chosen.length > 0, 'ports', portNames, 'the workload exposes no port to connect to');
    return chosen.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
  }

  /** @internal see IConnectable */
  public acceptConnection(from: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.networkPolicy.addIngress(from, ports);
  }

  /** Rolls the pods when `source()` changes, e.g. a ConfigMap rendered elsewhere that the pods read. */
  public addChecksumSource(source: () => unknown): void {
    this.checksumSources.push(source);
  }

  private podAnnotations(extra: Record<string, string> | undefined): Record<string, string> | undefined {
    const annotations: Record<string, string> = { ...extra };
    if (this.checksumSources.length > 0) {
      const digest = createHash('sha256').update(JSON.stringify(this.checksumSources.map((s) => s()))).digest('hex');
      annotations['checksum/config'] = digest;
    }
    return sortedOrUndefined(annotations);
  }
}

/** Something `connectTo` can target: it says which ports to open and records the ingress side. */
export interface IConnectable extends INetworkPeer {
  /** Ports a connection opens (pod ports). */
  connectionPorts(portNames?: readonly string[]): NetworkPort[];
  /** Records the ingress side of a connection. */
  acceptConnection(from: INetworkPeer, ports: readonly NetworkPort[]): void;
}

function claimSpec(pv: PersistentVolume): k8s.PersistentVolumeClaimSpec {
  return {
    accessModes: [pv.accessMode ?? 'ReadWriteOnce'],
    ...(pv.storageClassName ? { storageClassName: pv.storageClassName } : {}),
    resources: { requests: { storage: k8s.Quantity.fromString(pv.size) } },
  };
}

/** `/var/cache/nginx` → `writable-var-cache-nginx`. */
function volumeNameForPath(path: string): string {
  return `writable-${path.replace(/^\/+|\/+$/g, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`.slice(0, 63).replace(/-+$/, '');
}

function sortedOrUndefined(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  return Object.fromEntries(Object.keys(map).sort().map((k) => [k, map[k]]));
}

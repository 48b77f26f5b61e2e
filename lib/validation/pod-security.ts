/**
 * Rules `pss/*`: the Pod Security Standards, "restricted" profile (which includes "baseline"), as
 * defined for Kubernetes 1.28, on every pod spec, for containers, init containers and ephemeral
 * containers, with the pod-level securityContext fallbacks the standard allows.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/ (v1.28)
 */
import { Issue } from './findings';
import { containerLabel, containersOf, ContainerRef, keySegment, list, PodTemplate, record, str, strings } from './k8s';
import { RuleId } from './rules';

const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set([
  'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret',
]);
const SAFE_SYSCTLS: ReadonlySet<string> = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports',
]);
const SELINUX_TYPES: ReadonlySet<string> = new Set(['container_t', 'container_init_t', 'container_kvm_t']);
const SECCOMP_TYPES: ReadonlySet<string> = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';
/** The Workload construct sets all of these; fixes say so. */
const BY_DEFAULT = '(the Workload construct does this by default)';

/** Checks one pod template against the restricted profile. */
export function checkPodSecurity(template: PodTemplate): Issue[] {
  const issues: Issue[] = [];
  const issue = (rule: RuleId, path: string, message: string, fix: string): void => {
    issues.push({ rule, object: template.workload, path, message, fix });
  };
  const { spec, specPath } = template;
  const pod = record(spec.securityContext);
  const podContext = `${specPath}.securityContext`;
  const containers = containersOf(template);
  // Since v1.25 the restricted capability, privilege escalation and seccomp checks skip Windows pods.
  const linux = str(record(spec.os).name) !== 'windows';

  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[field] === true) {
      issue('pss/host-namespaces', `${specPath}.${field}`, `${field} shares the node's namespace with the pod`, `remove ${specPath}.${field} (or set it to false)`);
    }
  }
  if (record(pod.windowsOptions).hostProcess === true) {
    issue('pss/host-process', `${podContext}.windowsOptions.hostProcess`, 'the pod runs as a Windows HostProcess', `remove ${podContext}.windowsOptions.hostProcess`);
  }
  checkSeLinux(issue, record(pod.seLinuxOptions), `${podContext}.seLinuxOptions`, 'the pod');
  list(pod.sysctls).forEach((sysctl, i) => {
    const name = str(record(sysctl).name) ?? '';
    if (!SAFE_SYSCTLS.has(name)) {
      issue('pss/sysctls', `${podContext}.sysctls[${i}].name`, `sysctl ${name} is not in the safe set`, `remove it; allowed: ${[...SAFE_SYSCTLS].join(', ')}`);
    }
  });
  list(spec.volumes).forEach((volume, i) => {
    for (const source of Object.keys(record(volume)).filter((k) => k !== 'name' && !RESTRICTED_VOLUME_TYPES.has(k))) {
      issue(
        'pss/volume-types',
        `${specPath}.volumes[${i}].${source}`,
        `volume "${volume.name ?? '?'}" is of type ${source}`,
        `use one of ${[...RESTRICTED_VOLUME_TYPES].join(', ')} (for scratch space an emptyDir, for data a persistentVolumeClaim)`,
      );
    }
  });
  for (const [key, value] of Object.entries(record(template.metadata.annotations))) {
    if (key.startsWith(APPARMOR_PREFIX) && value !== 'runtime/default' && !String(value).startsWith('localhost/')) {
      issue(
        'pss/apparmor',
        `${template.metadataPath}.annotations${keySegment(key)}`,
        `AppArmor profile "${value}" is not allowed`,
        'set it to runtime/default (or localhost/<profile>), or remove the annotation',
      );
    }
  }

  const podSeccomp = str(record(pod.seccompProfile).type);
  if (linux && podSeccomp !== undefined && !SECCOMP_TYPES.has(podSeccomp)) {
    issue('pss/seccomp', `${podContext}.seccompProfile.type`, `seccomp profile ${podSeccomp} is not allowed`, `set ${podContext}.seccompProfile.type: RuntimeDefault ${BY_DEFAULT}`);
  }
  if (pod.runAsNonRoot === false) {
    issue('pss/run-as-non-root', `${podContext}.runAsNonRoot`, 'the pod allows running as root', `set ${podContext}.runAsNonRoot: true ${BY_DEFAULT}`);
  }
  if (pod.runAsUser === 0) {
    issue('pss/run-as-user', `${podContext}.runAsUser`, 'the pod runs as UID 0 (root)', `set ${podContext}.runAsUser to a non-zero UID, e.g. 10001 ${BY_DEFAULT}`);
  }

  for (const ref of containers) checkContainer(issue, ref, { podContext, podRunAsNonRoot: pod.runAsNonRoot === true, podSeccomp, linux });
  return issues;
}

type Report = (rule: RuleId, path: string, message: string, fix: string) => void;

function checkSeLinux(issue: Report, options: { type?: string; user?: string; role?: string }, path: string, who: string): void {
  const type = str(options.type);
  if (type !== undefined && !SELINUX_TYPES.has(type)) {
    issue('pss/selinux', `${path}.type`, `${who} uses SELinux type ${type}`, `remove ${path}.type or use one of ${[...SELINUX_TYPES].join(', ')}`);
  }
  for (const field of ['user', 'role'] as const) {
    if (str(options[field]) !== undefined) {
      issue('pss/selinux', `${path}.${field}`, `${who} sets a custom SELinux ${field}`, `remove ${path}.${field}`);
    }
  }
}

interface PodFallbacks {
  readonly podContext: string;
  readonly podRunAsNonRoot: boolean;
  readonly podSeccomp: string | undefined;
  readonly linux: boolean;
}

function checkContainer(issue: Report, ref: ContainerRef, pod: PodFallbacks): void {
  const context = record(ref.container.securityContext);
  const at = `${ref.path}.securityContext`;
  const who = containerLabel(ref);

  if (context.privileged === true) issue('pss/privileged', `${at}.privileged`, `${who} runs privileged`, `remove ${at}.privileged (or set it to false)`);
  if (record(context.windowsOptions).hostProcess === true) {
    issue('pss/host-process', `${at}.windowsOptions.hostProcess`, `${who} runs as a Windows HostProcess`, `remove ${at}.windowsOptions.hostProcess`);
  }
  checkSeLinux(issue, record(context.seLinuxOptions), `${at}.seLinuxOptions`, who);
  const procMount = str(context.procMount);
  if (procMount !== undefined && procMount !== 'Default') {
    issue('pss/proc-mount', `${at}.procMount`, `${who} uses procMount ${procMount}`, `remove ${at}.procMount (or set it to Default)`);
  }
  list(ref.container.ports).forEach((port, i) => {
    const hostPort = record(port).hostPort;
    if (hostPort !== undefined && hostPort !== 0) {
      issue('pss/host-ports', `${ref.path}.ports[${i}].hostPort`, `${who} binds host port ${hostPort}`, `remove ${ref.path}.ports[${i}].hostPort; expose the port through a Service`);
    }
  });

  if (context.runAsNonRoot === false) {
    issue('pss/run-as-non-root', `${at}.runAsNonRoot`, `${who} allows running as root`, `set ${at}.runAsNonRoot: true ${BY_DEFAULT}`);
  } else if (context.runAsNonRoot === undefined && !pod.podRunAsNonRoot) {
    issue(
      'pss/run-as-non-root',
      `${at}.runAsNonRoot`,
      `neither ${who} nor the pod sets runAsNonRoot: true`,
      `set ${pod.podContext}.runAsNonRoot: true (or ${at}.runAsNonRoot: true) ${BY_DEFAULT}`,
    );
  }
  if (context.runAsUser === 0) issue('pss/run-as-user', `${at}.runAsUser`, `${who} runs as UID 0 (root)`, `set ${at}.runAsUser to a non-zero UID, e.g. 10001`);
  if (!pod.linux) return;

  if (context.allowPrivilegeEscalation !== false) {
    issue(
      'pss/privilege-escalation',
      `${at}.allowPrivilegeEscalation`,
      `${who} does not set allowPrivilegeEscalation: false`,
      `set ${at}.allowPrivilegeEscalation: false ${BY_DEFAULT}`,
    );
  }
  const capabilities = record(context.capabilities);
  strings(capabilities.add).forEach((capability, i) => {
    if (capability !== 'NET_BIND_SERVICE') {
      issue('pss/capabilities-add', `${at}.capabilities.add[${i}]`, `${who} adds capability ${capability}`, `remove it; only NET_BIND_SERVICE may be added`);
    }
  });
  if (!strings(capabilities.drop).includes('ALL')) {
    issue('pss/capabilities-drop-all', `${at}.capabilities.drop`, `${who} does not drop ALL capabilities`, `set ${at}.capabilities.drop: [ALL] ${BY_DEFAULT}`);
  }
  const seccomp = str(record(context.seccompProfile).type);
  if (seccomp !== undefined && !SECCOMP_TYPES.has(seccomp)) {
    issue('pss/seccomp', `${at}.seccompProfile.type`, `${who} uses seccomp profile ${seccomp}`, `set ${at}.seccompProfile.type: RuntimeDefault, or remove it to inherit the pod's`);
  } else if (seccomp === undefined && pod.podSeccomp === undefined) {
    issue(
      'pss/seccomp',
      `${at}.seccompProfile.type`,
      `neither ${who} nor the pod sets a seccomp profile`,
      `set ${pod.podContext}.seccompProfile.type: RuntimeDefault ${BY_DEFAULT}`,
    );
  }
}

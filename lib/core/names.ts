import { IConstruct } from 'constructs';
import { check } from './errors';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const WILDCARD_HOST = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const IANA_SVC_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** Checks a DNS-1123 label (Service, Namespace and most object names): lower case, digits, '-', at most 63 characters. */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string): void {
  check(scope, typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value), prop, value,
    'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters');
}

/** Checks a DNS-1123 subdomain (ConfigMap, Secret, PVC names): labels joined by '.', at most 253 characters. */
export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string): void {
  check(scope, typeof value === 'string' && value.length <= 253 && DNS1123_SUBDOMAIN.test(value), prop, value,
    'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", at most 253 characters');
}

/** Checks an Ingress/TLS host name: a fully qualified DNS name, optionally with a leading "*." wildcard. */
export function checkHostname(scope: IConstruct, prop: string, value: string): void {
  check(scope, typeof value === 'string' && value.length <= 253 && value.includes('.') &&
    (DNS1123_SUBDOMAIN.test(value) || WILDCARD_HOST.test(value)), prop, value,
  'must be a fully qualified lower-case DNS host name such as "api.example.com" (a leading "*." wildcard is allowed)');
}

/** Checks a container/service port name (IANA_SVC_NAME): at most 15 characters, at least one letter. */
export function checkPortName(scope: IConstruct, prop: string, value: string): void {
  // The API server also refuses "--" (IsValidPortName), which the pattern alone lets through.
  check(scope, typeof value === 'string' && value.length <= 15 && IANA_SVC_NAME.test(value) && !value.includes('--'), prop, value,
    'must be an IANA service name: at most 15 lower-case letters, digits and "-" (no "--"), with at least one letter');
}

/** Checks a TCP/UDP port number. */
export function checkPort(scope: IConstruct, prop: string, value: number): void {
  check(scope, Number.isInteger(value) && value >= 1 && value <= 65535, prop, value, 'must be an integer port between 1 and 65535');
}

/** Checks an environment variable name as the API server accepts it. */
export function checkEnvName(scope: IConstruct, prop: string, value: string): void {
  check(scope, ENV_NAME.test(value), prop, value, 'must be a C_IDENTIFIER-like name: letters, digits, "_", "-" and ".", not starting with a digit');
}

/**
 * Checks a ConfigMap or Secret key as the API server does for env references and data (IsConfigMapKey): letters,
 * digits, "-", "_" and ".", at most 253 characters, not "." or ".." and not starting with "..".
 */
export function checkConfigMapKey(scope: IConstruct, prop: string, value: string): void {
  check(scope, typeof value === 'string' && value.length <= 253 && /^[-._a-zA-Z0-9]+$/.test(value) && value !== '.' && !value.startsWith('..'), prop, value,
    'must be a ConfigMap/Secret key: letters, digits, "-", "_" and ".", at most 253 characters, not "." and not starting with ".."');
}

/** Throws naming the first duplicate in `values`. */
export function checkUnique(scope: IConstruct, prop: string, values: readonly (string | number)[]): void {
  const seen = new Set<string | number>();
  for (const v of values) {
    check(scope, !seen.has(v), prop, v, 'must be unique; this value is used more than once');
    seen.add(v);
  }
}

/**
 * The in-cluster DNS name of a Service, `<service>.<namespace>.svc.cluster.local`. Constructs expose the addresses
 * clients need (`Workload.serviceHost`, `Keycloak.internalUrl`, `VllmDeployment.openAiBaseUrl`); this is for a Service
 * rendered by another chart or release, so no chart writes the DNS name by hand.
 */
export function clusterServiceHost(service: string, namespace: string): string {
  return `${service}.${namespace}.svc.cluster.local`;
}

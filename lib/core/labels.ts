/** The `app.kubernetes.io/*` labels of one component. */
export interface ComponentLabelsOptions {
  /** Component name (also the selector). */
  readonly name: string;
  /** Platform the component belongs to. */
  readonly platform: string;
  /** Role within the platform, e.g. `api`, `database`. @default - none */
  readonly component?: string;
  /** Version of the software, usually the image tag. @default - none */
  readonly version?: string;
}

/**
 * Labels that select a component's pods. They are immutable on a Deployment/StatefulSet,
 * so they hold only what never changes: the name and the platform.
 */
export function selectorLabels(name: string, platform: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': platform };
}

/** All recommended labels of a component; a superset of its selector labels. */
export function componentLabels(options: ComponentLabelsOptions): Record<string, string> {
  const labels: Record<string, string> = {
    ...selectorLabels(options.name, options.platform),
    'app.kubernetes.io/instance': options.name,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  if (options.component) labels['app.kubernetes.io/component'] = options.component;
  const version = options.version ? sanitizeLabelValue(options.version) : undefined;
  if (version) labels['app.kubernetes.io/version'] = version;
  return labels;
}

/** Turns an arbitrary string (an image tag, a digest) into a valid label value, or undefined if nothing valid remains. */
export function sanitizeLabelValue(value: string): string | undefined {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned.length > 0 ? cleaned : undefined;
}

/**
 * cdk8s-plus-28's generated Kubernetes 1.28 classes (only those: the package index would also load every
 * cdk8s-plus construct). Every construct imports them from here, `import { k8s } from '../core/k8s-api'`: in the
 * synth's esbuild bundle each `import * as` of a CommonJS module copies its ~1,500 exports into a namespace object
 * of its own, so one import for the whole library instead of one per file saves ~20 ms a synth.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

export { k8s };

import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { check } from './errors';

/** Argo CD's sync-wave annotation: lower waves are applied (and must be healthy) before higher ones. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * Puts every object under `scope` into Argo CD sync wave `wave` (namespaces and issuers first, data stores
 * before the apps that use them). Objects that already carry a wave keep it.
 */
export function setSyncWave(scope: IConstruct, wave: number): void {
  check(scope, Number.isInteger(wave) && wave >= -100 && wave <= 100, 'wave', wave, 'must be an integer between -100 and 100');
  for (const child of scope.node.findAll()) {
    if (child instanceof ApiObject && child.metadata.toJson().annotations?.[SYNC_WAVE_ANNOTATION] === undefined) {
      child.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave));
    }
  }
}

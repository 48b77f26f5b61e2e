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

/** Argo CD's per-object sync options annotation: comma-separated `Name=value` options. */
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';

/**
 * Sync options that keep an object holding data: `Delete=false` keeps it when its Application is deleted (or pruned
 * by the root), `Prune=false` keeps it when it disappears from Git (Argo CD shows it out of sync until a person
 * deletes it). Argo CD v2.14.21 `docs/user-guide/sync-options.md` ("No Prune Resources", "No Resource Deletion";
 * the deletion check is in `controller/appcontroller.go`).
 */
export const KEEP_DATA_SYNC_OPTIONS: readonly string[] = ['Delete=false', 'Prune=false'];

/** Adds Argo CD sync options to `object`, after the ones it already carries (each option once). */
export function addSyncOptions(object: ApiObject, options: readonly string[]): void {
  for (const o of options) check(object, /^[A-Za-z]+=[A-Za-z0-9-]+$/.test(o), 'syncOptions', o, 'must be an option such as "Delete=false"');
  const current = String(object.metadata.toJson().annotations?.[SYNC_OPTIONS_ANNOTATION] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const merged = [...current, ...options.filter((o) => !current.includes(o))];
  object.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, merged.join(','));
}

/**
 * Marks an object whose deletion loses data (a Namespace, which takes every claim in it along; a
 * PersistentVolumeClaim) so that neither deleting its Application nor removing it from Git deletes it.
 */
export function keepData(object: ApiObject): void {
  addSyncOptions(object, KEEP_DATA_SYNC_OPTIONS);
}

import { RenderedObject } from '../cluster/check';

export interface RabbitmqCase { readonly where: string; readonly file: string; readonly files: Record<string, string> }

export function rabbitmqCases(_where: string, _objects: readonly RenderedObject[]): RabbitmqCase[] {
  return [];
}

export async function checkRabbitmq(_c: RabbitmqCase): Promise<string[]> {
  return [];
}

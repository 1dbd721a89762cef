/** How views name pods and containers: by name where the files gave one, else by id. */
import { podText } from '../model/names.js';
import { safe } from './safe.js';

export { podText };

/** {@link podText}, made safe to print. */
export function podName(p: Parameters<typeof podText>[0]): string {
  return safe(podText(p));
}

/** A container as people name it: its name, else its short id (made safe). */
export function containerName(c: { name: string | null; id: string }): string {
  return safe(c.name ?? c.id.slice(0, 12));
}

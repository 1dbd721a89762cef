/** How views name pods and containers: by name where the files gave one, else by id. */
import { safe } from './safe.js';

type PodLike = { namespace?: string | null; name: string | null; uid: string | null; key: string };

/** A pod as people name it: `namespace/name`, else its uid, else its inferred name (raw text, for JSON). */
export function podText(p: PodLike): string {
  return p.name !== null && p.namespace ? `${p.namespace}/${p.name}` : (p.uid ?? p.name ?? p.key);
}

/** {@link podText}, made safe to print. */
export function podName(p: PodLike): string {
  return safe(podText(p));
}

/** A container as people name it: its name, else its short id (made safe). */
export function containerName(c: { name: string | null; id: string }): string {
  return safe(c.name ?? c.id.slice(0, 12));
}

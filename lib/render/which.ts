import type { WhichAnswer } from '../model/select.js';
import { podName } from './labels.js';
import { safe } from './safe.js';

/**
 * `nsview which`: one line per pid —
 * `1150 → container app (containerd 97337d1eb77e) in pod default/foo (5ba81f02-…, burstable)`,
 * `500 → node-level`, `9 → no such process`. Over several nodes (answers with a `node`, from
 * `whichOnNodes`) each line starts `<node>:<pid>`, and a pid on no node is
 * `9 → no such process on any node`.
 */
export function renderWhich(answers: Array<WhichAnswer & { node?: string | null }>): string {
  const lines = answers.map((a) => {
    const asked = a.node ? `${safe(a.node)}:${a.asked}` : String(a.asked);
    const head = a.pid !== null && a.pid !== a.asked ? `${asked} (host pid ${a.pid})` : asked;
    if (a.pid === null) return `${head} → no such process${a.node === null ? ' on any node' : ''}`;
    if (!a.container && !a.pod) return `${head} → node-level`;
    const parts: string[] = [];
    if (a.container) {
      const what = a.container.role === 'sandbox' ? 'sandbox' : 'container';
      parts.push(`${what}${a.container.name !== null ? ` ${safe(a.container.name)}` : ''} (${safe(a.container.runtime)} ${safe(a.container.id.slice(0, 12))})`);
    }
    if (a.pod) {
      // An inferred pod (no uid) says so, as pods, diff and inspect do.
      const extra = [a.pod.uid === null ? 'inferred' : a.pod.name !== null && a.pod.namespace ? a.pod.uid : null, a.pod.qos].filter(
        (x): x is string => x !== null,
      );
      parts.push(`${a.container ? 'in ' : ''}pod ${podName(a.pod)}${extra.length ? ` (${safe(extra.join(', '))})` : ''}`);
    }
    return `${head} → ${parts.join(' ')}`;
  });
  return lines.join('\n') + (lines.length ? '\n' : '');
}

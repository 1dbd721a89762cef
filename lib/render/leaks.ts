import type { LeakReport } from '../model/leaks.js';
import { safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';
import { fitLines } from './width.js';

const LABEL: Record<string, string> = {
  'held-namespace': 'held namespace',
  'orphan-netns': 'orphaned netns',
  'pod-cgroup': 'pod cgroup',
  'container-cgroup': 'container cgroup',
  'pod-without-sandbox': 'no sandbox',
  'container-netns': 'netns mismatch',
};

/**
 * `nsview leaks`: one block per finding, its kind and subject on the first line and the
 * evidence below, then what could not be checked:
 *
 *     held namespace  net:[4026532176]
 *       no process is in it
 *       held by mount /run/netns/x (mnt:[4026531832])
 */
export function renderLeaks(r: LeakReport, o: RenderOptions): string {
  const st = styles(o);
  const lines: string[] = [];
  const w = Math.max(0, ...r.leaks.map((l) => (LABEL[l.kind] ?? l.kind).length));
  for (const l of r.leaks) {
    lines.push(`${st.warn((LABEL[l.kind] ?? l.kind).padEnd(w))}  ${safe(l.subject)}`);
    for (const e of l.evidence) lines.push(`  ${safe(e)}`);
  }
  if (!r.leaks.length) lines.push('nothing leaked: every namespace and pod or container cgroup is explained by a live process');
  else lines.push(`${r.leaks.length} finding(s)`);
  for (const s of r.skipped) lines.push(`not checked: ${safe(s)}`);
  return fitLines(lines.join('\n'), o.width) + '\n';
}

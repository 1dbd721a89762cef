import type { DiffResult, DiffSide } from '../model/diff.js';
import type { CrossNodeDiff, NodeDiff } from '../model/nodes.js';
import { renderColumns } from './columns.js';
import { podName } from './labels.js';
import { safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';
import { fitLines } from './width.js';

function where(s: DiffSide): string {
  const c = s.container
    ? `${s.container.name !== null ? `container ${safe(s.container.name)} (` : ''}${safe(s.container.runtime)} ${safe(s.container.id.slice(0, 12))}${s.container.name !== null ? ')' : ''}`
    : 'host';
  const p = s.pod ? `pod ${s.pod.uid === null ? `${podName(s.pod)} (inferred)` : podName(s.pod)}` : 'no pod';
  return `${c}, ${p}`;
}

/** A side as the A and B lines name it: its pid, or over several nodes `<node>:<pid>`. */
const label = (s: DiffSide & { node?: string }): string => (s.node === undefined ? String(s.pid) : `${safe(s.node)}:${s.pid}`);

/**
 * `nsview diff`: one row per namespace type with both inodes and shared/distinct, the cgroups, and
 * a verdict. Over several nodes (lib/model/nodes.ts, `diffOnNodes`) the sides are `<node>:<pid>`;
 * two processes on different nodes get their A and B lines and the verdict that they share
 * nothing, and no rows: nothing is compared across nodes.
 */
export function renderDiff(d: DiffResult | NodeDiff | CrossNodeDiff, r: RenderOptions): string {
  const st = styles(r);
  const out: string[] = [];
  out.push(`${st.header('A')} ${label(d.a)} ${safe(d.a.comm)}: ${where(d.a)}`);
  out.push(`${st.header('B')} ${label(d.b)} ${safe(d.b.comm)}: ${where(d.b)}`);
  out.push('');
  if (d.relation === 'different-nodes') return fitLines([...out, safe(d.verdict)].join('\n'), r.width) + '\n';
  const nsRows = d.namespaces.map((n) => [
    n.type,
    n.a === null ? '?' : String(n.a),
    n.b === null ? '?' : String(n.b),
    n.shared === null
      ? n.unknown === 'not-read'
        ? 'not read'
        : n.unknown === 'denied'
          ? 'denied'
          : 'unknown'
      : n.shared
        ? n.node
          ? 'shared (node)'
          : 'shared'
        : 'distinct',
  ]);
  const ns = renderColumns(
    [{ header: 'TYPE' }, { header: `PID ${d.a.pid}`, right: true }, { header: `PID ${d.b.pid}`, right: true }, { header: 'SHARING' }],
    nsRows,
    {
      header: st.header,
    },
  );
  out.push(
    ns
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/ shared( \(node\))?$/, (m) => st.shared(m)).replace(/ distinct$/, (m) => st.distinct(m)))
      .join('\n'),
  );
  out.push('');
  // Hierarchies that place both processes alike are shown once.
  const groups = new Map<string, { names: string[]; a: string | null; b: string | null; common: string | null }>();
  for (const c of d.cgroups) {
    const key = `${c.a}\0${c.b}`;
    const g = groups.get(key);
    if (g) g.names.push(c.hierarchy);
    else groups.set(key, { names: [c.hierarchy], a: c.a, b: c.b, common: c.common });
  }
  const w = Math.max(String(Math.max(d.a.pid, d.b.pid)).length, 'common'.length);
  for (const g of groups.values()) {
    out.push(`${st.header('CGROUP')} ${safe(g.names.join(', '))}`);
    if (g.a === g.b) out.push(`  ${'both'.padStart(w)}  ${safe(g.a ?? '?')}`);
    else {
      out.push(`  ${String(d.a.pid).padStart(w)}  ${safe(g.a ?? '?')}`);
      out.push(`  ${String(d.b.pid).padStart(w)}  ${safe(g.b ?? '?')}`);
      out.push(`  ${'common'.padStart(w)}  ${safe(g.common ?? '?')}`);
    }
  }
  if (d.volumes?.length) {
    for (const v of d.volumes) {
      const at = (m: Array<{ path: string; readOnly: boolean }>): string => m.map((x) => `${safe(x.path)} ${x.readOnly ? 'ro' : 'rw'}`).join(', ');
      out.push(`${st.header('VOLUME')} ${safe(v.name)} (${safe(v.kind)}): ${d.a.pid} at ${at(v.a)}; ${d.b.pid} at ${at(v.b)}`);
    }
  }
  out.push('');
  out.push(safe(d.verdict) + (d.volumes?.length ? `; share ${d.volumes.length} volume(s)` : ''));
  return fitLines(out.join('\n'), r.width) + '\n';
}

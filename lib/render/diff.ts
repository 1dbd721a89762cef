import type { DiffResult, DiffSide } from '../model/diff.js';
import { renderColumns } from './columns.js';
import { safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';

function where(s: DiffSide): string {
  const c = s.container ? `${s.container.runtime} ${safe(s.container.id.slice(0, 12))}` : 'host';
  const p = s.pod ? `pod ${safe(s.pod.uid ?? `${s.pod.name} (inferred)`)}` : 'no pod';
  return `${c}, ${p}`;
}

/** `nsview diff`: one row per namespace type with both inodes and shared/distinct, the cgroups, and a verdict. */
export function renderDiff(d: DiffResult, r: RenderOptions): string {
  const st = styles(r);
  const out: string[] = [];
  out.push(`${st.header('A')} ${d.a.pid} ${safe(d.a.comm)}: ${where(d.a)}`);
  out.push(`${st.header('B')} ${d.b.pid} ${safe(d.b.comm)}: ${where(d.b)}`);
  out.push('');
  const nsRows = d.namespaces.map((n) => [
    n.type,
    n.a === null ? '?' : String(n.a),
    n.b === null ? '?' : String(n.b),
    n.shared === null ? 'unknown' : n.shared ? (n.node ? 'shared (node)' : 'shared') : 'distinct',
  ]);
  const ns = renderColumns([{ header: 'TYPE' }, { header: `PID ${d.a.pid}`, right: true }, { header: `PID ${d.b.pid}`, right: true }, { header: 'SHARING' }], nsRows, {
    header: st.header,
  });
  out.push(
    ns
      .trimEnd()
      .split('\n')
      .map((l) => l.replace(/ shared( \(node\))?$/, (m) => st.shared(m)).replace(/ distinct$/, (m) => st.distinct(m)))
      .join('\n'),
  );
  out.push('');
  const cgRows = d.cgroups.map((c) => [c.hierarchy, safe(c.a ?? '?'), safe(c.b ?? '?'), safe(c.common ?? '?')]);
  out.push(renderColumns([{ header: 'CGROUP' }, { header: `PID ${d.a.pid}` }, { header: `PID ${d.b.pid}` }, { header: 'COMMON ANCESTOR' }], cgRows, { header: st.header }).trimEnd());
  out.push('');
  out.push(safe(d.verdict));
  return out.join('\n') + '\n';
}

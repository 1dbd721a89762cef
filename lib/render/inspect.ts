import type { InspectResult } from '../model/inspect.js';
import type { Limits } from '../types.js';
import { renderColumns } from './columns.js';
import { formatLimits } from './limits.js';
import { commandOf, safe } from './safe.js';
import { podName } from './labels.js';
import { styles, type RenderOptions } from './style.js';
import { fitLines } from './width.js';

/** Why a container's runtime is `cri`. */
const CRI_NOTE = 'runtime cri: a kubelet container under the cgroupfs driver; its cgroup path does not say which CRI runtime (containerd, CRI-O) runs it';

/**
 * `nsview inspect <pid>` as text, from what `inspectProcess` gathered; `node`: the node's name,
 * in a view over several nodes (a first line `Node n1`).
 */
export function renderInspect(i: InspectResult, r: RenderOptions, node?: string): string {
  const st = styles(r);
  const out: string[] = [];
  if (node !== undefined) out.push(`${st.header('Node')} ${safe(node)}`);
  out.push(`${st.header('PID')} ${i.pid}  ${commandOf(i)}`);
  out.push(
    `ppid ${i.ppid ?? '?'}, user ${safe(i.user ?? String(i.uid ?? '?'))}${i.nspid && i.nspid.length > 1 ? `, pid ${i.nspid.join(' → ')} in nested pid namespaces` : ''}${i.kernelThread ? ', kernel thread' : ''}`,
  );
  if (i.partial) out.push(st.warn('some files of this process could not be read (permission denied)'));
  out.push('');
  if (i.container)
    out.push(
      `${st.header('Container')} ${i.container.name !== null ? `${safe(i.container.name)} ` : ''}${safe(i.container.runtime)} ${safe(i.container.id)}${i.container.role === 'sandbox' ? ' (sandbox)' : ''}${i.container.image ? `\n  image ${safe(i.container.image)}` : ''}${i.container.restarts != null ? `\n  restarts ${i.container.restarts}` : ''}${i.container.evidence.length ? `\n  named by ${safe(i.container.evidence.join(', '))}` : ''}${i.container.runtime === 'cri' ? `\n  ${CRI_NOTE}` : ''}\n  cgroup ${safe(i.container.cgroup)}\n  pids ${i.container.pids.join(' ')}\n  limits ${formatLimits(i.container.limits ?? undefined)}`,
    );
  else out.push(`${st.header('Container')} none (host process)`);
  if (i.pod)
    out.push(
      `${st.header('Pod')} ${i.pod.uid === null ? `${podName(i.pod)} (inferred)` : i.pod.name !== null && i.pod.namespace ? `${podName(i.pod)} ${safe(i.pod.uid)}` : safe(i.pod.uid)}  qos ${safe(i.pod.qos ?? '-')}\n  cgroup ${safe(i.pod.cgroup ?? '-')}\n  sandbox ${i.pod.sandbox ? `${safe(i.pod.sandbox.id.slice(0, 12))} pid ${i.pod.sandbox.pid ?? '?'}` : 'unknown'}\n  limits ${formatLimits(i.pod.limits ?? undefined)}`,
    );
  if (i.volumes?.length) {
    const label = (m: { container: string; name: string | null; runtime: string | null }): string =>
      safe(m.name ?? `${m.runtime ?? '?'}:${m.container.slice(0, 12)}`);
    out.push(`${st.header('Volumes')}`);
    for (const v of i.volumes) {
      const mine = v.mounts.map((m) => `${safe(m.path)} ${m.readOnly ? 'ro' : 'rw'}`).join(', ');
      const others = v.sharedWith.map((m) => `${label(m)}:${safe(m.path)} ${m.readOnly ? 'ro' : 'rw'}`).join(', ');
      out.push(`  ${safe(v.name)} (${safe(v.kind)}) at ${mine}${others ? `; shared with ${others}` : ''}`);
    }
  }
  out.push('');
  const nsRows = i.namespaces.map((n) => [
    n.type,
    n.inode === null ? '?' : String(n.inode),
    n.inode === null ? '' : n.node ? 'node' : 'own',
    String(n.nprocs),
    n.sharedWith.join(',') + (n.nprocs - 1 > n.sharedWith.length ? ',…' : ''),
  ]);
  out.push(
    renderColumns([{ header: 'TYPE' }, { header: 'NS', right: true }, { header: 'OF' }, { header: 'NPROCS', right: true }, { header: 'SHARED WITH' }], nsRows, {
      header: st.header,
      width: r.width,
    }).trimEnd(),
  );
  out.push('');
  // One line per distinct cgroup path, with the hierarchies that place the process there.
  const byPath = new Map<string, { names: string[]; limits: Limits }>();
  for (const c of i.cgroups) {
    const g = byPath.get(c.path) ?? { names: [], limits: {} };
    g.names.push(c.hierarchy);
    // A spread copies own fields as data (Object.assign would run a `__proto__` setter).
    if (c.limits) g.limits = { ...g.limits, ...c.limits };
    byPath.set(c.path, g);
  }
  for (const [path, g] of byPath) {
    out.push(`${st.header('CGROUP')} ${safe(path)}`);
    out.push(`  ${safe(g.names.join(', '))}${Object.keys(g.limits).length ? `; limits ${formatLimits(g.limits)}` : ''}`);
  }
  return fitLines(out.join('\n'), r.width) + '\n';
}

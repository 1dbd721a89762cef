import { NsviewError } from '../errors.js';
import { findNode } from '../model/cgroup-tree.js';
import { indexSnapshot } from '../model/index-snapshot.js';
import { limitsAt } from '../model/containers.js';
import { NS_TYPES, type Limits, type NsType, type Snapshot } from '../model/types.js';
import { renderColumns } from './columns.js';
import { formatLimits } from './limits.js';
import { commandOf, safe } from './safe.js';
import { styles, type RenderOptions } from './style.js';

/** Everything nsview knows about one process. */
export interface InspectResult {
  pid: number;
  ppid: number | null;
  comm: string;
  command: string;
  uid: number | null;
  user: string | null;
  nspid: number[] | null;
  kernelThread: boolean;
  partial: boolean;
  namespaces: Array<{ type: NsType; inode: number | null; node: boolean; nprocs: number; sharedWith: number[] }>;
  cgroups: Array<{ hierarchy: string; path: string; limits: Limits | null }>;
  container: { id: string; runtime: string; role: string; cgroup: string; pids: number[]; limits: Limits | null } | null;
  pod: { key: string; uid: string | null; name: string | null; qos: string | null; cgroup: string | null; sandbox: { id: string; pid: number | null } | null; limits: Limits | null } | null;
}

/** Gather {@link InspectResult} for a pid; throws {@link NsviewError} for an unknown pid. */
export function inspectProcess(s: Snapshot, pid: number, maxShared = 20): InspectResult {
  const ix = indexSnapshot(s);
  const p = ix.process(pid);
  if (!p) throw new NsviewError('unknown-pid', `no process with pid ${pid} in ${s.root === '/' ? 'this host' : s.root}`);
  const c = ix.containerOf(pid);
  const pod = ix.podOf(pid);
  return {
    pid,
    ppid: p.ppid,
    comm: p.comm,
    command: p.cmdline.join(' ') || p.comm,
    uid: p.uid,
    user: p.user,
    nspid: p.nspid,
    kernelThread: p.kernelThread,
    partial: p.partial,
    namespaces: NS_TYPES.map((type) => {
      const inode = p.ns[type] ?? null;
      const ns = inode === null ? undefined : ix.namespace(type, inode);
      const others = ns ? ns.pids.filter((x) => x !== pid) : [];
      return { type, inode, node: inode !== null && s.nodeNamespaces[type] === inode, nprocs: ns?.pids.length ?? 0, sharedWith: others.slice(0, maxShared) };
    }),
    cgroups: Object.entries(p.cgroups)
      .sort(([a], [b]) => (a === 'unified' ? -1 : b === 'unified' ? 1 : a < b ? -1 : 1))
      .map(([hierarchy, path]) => {
        const h = s.hierarchies.find((x) => x.key === hierarchy);
        return { hierarchy, path, limits: (h && findNode(h, path)?.limits) ?? null };
      }),
    container: c ? { id: c.id, runtime: c.runtime, role: c.role, cgroup: c.cgroup, pids: c.pids, limits: c.limits ?? null } : null,
    pod: pod
      ? { key: pod.key, uid: pod.uid, name: pod.name, qos: pod.qos, cgroup: pod.cgroup, sandbox: pod.sandbox, limits: pod.limits ?? limitsAt(s.hierarchies, pod.cgroup) ?? null }
      : null,
  };
}

/** `nsview inspect <pid>` as text. */
export function renderInspect(s: Snapshot, pid: number, r: RenderOptions): string {
  const i = inspectProcess(s, pid);
  const st = styles(r);
  const p = indexSnapshot(s).process(pid)!;
  const out: string[] = [];
  out.push(`${st.header('PID')} ${i.pid}  ${commandOf(p)}`);
  out.push(`ppid ${i.ppid ?? '?'}, user ${safe(i.user ?? String(i.uid ?? '?'))}${i.nspid && i.nspid.length > 1 ? `, pid ${i.nspid.join(' → ')} in nested pid namespaces` : ''}${i.kernelThread ? ', kernel thread' : ''}`);
  if (i.partial) out.push(st.warn('some files of this process could not be read (permission denied)'));
  out.push('');
  if (i.container) out.push(`${st.header('Container')} ${i.container.runtime} ${safe(i.container.id)}${i.container.role === 'sandbox' ? ' (sandbox)' : ''}\n  cgroup ${safe(i.container.cgroup)}\n  pids ${i.container.pids.join(' ')}\n  limits ${formatLimits(i.container.limits ?? undefined)}`);
  else out.push(`${st.header('Container')} none (host process)`);
  if (i.pod) out.push(`${st.header('Pod')} ${safe(i.pod.uid ?? `${i.pod.name} (inferred)`)}  qos ${i.pod.qos ?? '-'}\n  cgroup ${safe(i.pod.cgroup ?? '-')}\n  sandbox ${i.pod.sandbox ? `${safe(i.pod.sandbox.id.slice(0, 12))} pid ${i.pod.sandbox.pid ?? '?'}` : 'unknown'}\n  limits ${formatLimits(i.pod.limits ?? undefined)}`);
  out.push('');
  const nsRows = i.namespaces.map((n) => [
    n.type,
    n.inode === null ? '?' : String(n.inode),
    n.inode === null ? '' : n.node ? 'node' : 'own',
    String(n.nprocs),
    n.sharedWith.join(',') + (n.nprocs - 1 > n.sharedWith.length ? ',…' : ''),
  ]);
  out.push(renderColumns([{ header: 'TYPE' }, { header: 'NS', right: true }, { header: 'OF' }, { header: 'NPROCS', right: true }, { header: 'SHARED WITH' }], nsRows, { header: st.header, width: r.width }).trimEnd());
  out.push('');
  // One line per distinct cgroup path, with the hierarchies that place the process there.
  const byPath = new Map<string, { names: string[]; limits: Limits }>();
  for (const c of i.cgroups) {
    const g = byPath.get(c.path) ?? { names: [], limits: {} };
    g.names.push(c.hierarchy);
    if (c.limits) Object.assign(g.limits, c.limits);
    byPath.set(c.path, g);
  }
  for (const [path, g] of byPath) {
    out.push(`${st.header('CGROUP')} ${safe(path)}`);
    out.push(`  ${g.names.join(', ')}${Object.keys(g.limits).length ? `; limits ${formatLimits(g.limits)}` : ''}`);
  }
  return out.join('\n') + '\n';
}

import { compareNamespaces } from './namespaces.js';
import type { Namespace, NsHolder, NsType, ProcessInfo } from '../types.js';

/** Holder facts as the reader returns them (lib/read/holders.ts), by namespace type and inode. */
export interface HolderInput {
  mounts: Array<{ type: NsType; inode: number; path: string; mntns: number | null; pid: number }>;
  fds: Array<{ type: NsType; inode: number; pid: number; fd: number }>;
}

const rank = { mount: 0, fd: 1, children: 2 } as const;

function compareHolders(a: NsHolder, b: NsHolder): number {
  if (a.kind !== b.kind) return rank[a.kind] - rank[b.kind];
  // Mounts keep mountinfo's order within a mount namespace (the sort is stable), as lsns lists NSFS.
  if (a.kind === 'mount' && b.kind === 'mount') return (a.mntns ?? 0) - (b.mntns ?? 0);
  if (a.kind === 'fd' && b.kind === 'fd') return a.pid - b.pid || a.fd - b.fd;
  return a.pid - b.pid;
}

/**
 * The namespaces with their holders: every namespace gets `holders` (mounts in mountinfo order, fds and
 * `*_for_children` links of processes not in it), and a namespace held only that way
 * is added with no pids, as newer `lsns` lists it. Returns new objects; the inputs are
 * not changed.
 */
export function attachHolders(namespaces: Namespace[], processes: ProcessInfo[], facts: HolderInput): Namespace[] {
  const out = new Map<string, Namespace>();
  for (const ns of namespaces) out.set(`${ns.type}:${ns.inode}`, { ...ns, holders: [] });
  const add = (type: NsType, inode: number, h: NsHolder): void => {
    const key = `${type}:${inode}`;
    let ns = out.get(key);
    if (!ns) out.set(key, (ns = { type, inode, pids: [], holders: [] }));
    ns.holders!.push(h);
  };
  for (const m of facts.mounts) add(m.type, m.inode, { kind: 'mount', path: m.path, mntns: m.mntns, pid: m.pid });
  for (const f of facts.fds) add(f.type, f.inode, { kind: 'fd', pid: f.pid, fd: f.fd });
  for (const p of processes) {
    for (const [type, inode] of Object.entries(p.nsForChildren) as Array<['pid' | 'time', number]>) add(type, inode, { kind: 'children', pid: p.pid });
  }
  // The same mount seen twice (two tries of one namespace never both succeed, but a capture may repeat a line) counts once.
  for (const ns of out.values()) {
    const seen = new Set<string>();
    ns.holders = ns
      .holders!.filter((h) => {
        const k = JSON.stringify(h);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .sort(compareHolders);
  }
  return [...out.values()].sort(compareNamespaces);
}

/** The nsfs mounts of a namespace in one mount namespace (lsns's NSFS column shows those of its own). */
export function mountsIn(ns: Namespace, mntns: number | undefined): string[] {
  return (ns.holders ?? [])
    .filter((h): h is Extract<NsHolder, { kind: 'mount' }> => h.kind === 'mount' && (mntns === undefined || h.mntns === mntns))
    .map((h) => h.path);
}

/** A holder as one short phrase: `mount /run/netns/cni-1 (mnt:[4026531832])`, `fd 3 of pid 812`, `pid_for_children of pid 77`. */
export function holderText(h: NsHolder, type: NsType): string {
  switch (h.kind) {
    case 'mount':
      return `mount ${h.path}${h.mntns === null ? '' : ` (mnt:[${h.mntns}])`}`;
    case 'fd':
      return `fd ${h.fd} of pid ${h.pid}`;
    case 'children':
      return `${type}_for_children of pid ${h.pid}`;
  }
}

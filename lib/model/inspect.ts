import { unknownPid } from '../errors.js';
import { compareHierarchyKeys, findNode } from './cgroup-tree.js';
import { limitsAt } from './containers.js';
import { indexSnapshot } from './index-snapshot.js';
import { containerVolumes, type ContainerVolume } from './volumes.js';
import { NS_TYPES, type Limits, type NsType, type Snapshot, type VolumeMount } from '../types.js';

/** Everything nsview knows about one process. */
export interface InspectResult {
  pid: number;
  ppid: number | null;
  comm: string;
  /** Its arguments, as read; {@link InspectResult.command} joins them (or is `comm` when there are none). */
  cmdline: string[];
  command: string;
  uid: number | null;
  user: string | null;
  nspid: number[] | null;
  kernelThread: boolean;
  partial: boolean;
  namespaces: Array<{ type: NsType; inode: number | null; node: boolean; nprocs: number; sharedWith: number[] }>;
  cgroups: Array<{ hierarchy: string; path: string; limits: Limits | null }>;
  container: {
    id: string;
    runtime: string;
    name: string | null;
    image: string | null;
    restarts: number | null;
    role: string;
    cgroup: string;
    pids: number[];
    limits: Limits | null;
    evidence: string[];
  } | null;
  pod: {
    key: string;
    uid: string | null;
    namespace: string | null;
    name: string | null;
    evidence: string[];
    qos: string | null;
    cgroup: string | null;
    sandbox: { id: string; pid: number | null } | null;
    limits: Limits | null;
  } | null;
  /**
   * The pod volumes its container mounts, with the other containers that mount them (by id,
   * with their name and runtime); `null` if not in a pod or volumes were not read.
   */
  volumes: Array<Omit<ContainerVolume, 'sharedWith'> & { sharedWith: Array<VolumeMount & { name: string | null; runtime: string | null }> }> | null;
}

/** Gather {@link InspectResult} for a pid; throws {@link NsviewError} for an unknown pid. */
export function inspectProcess(s: Snapshot, pid: number, maxShared = 20): InspectResult {
  const ix = indexSnapshot(s);
  const p = ix.process(pid);
  if (!p) throw unknownPid(pid, s.root);
  const c = ix.containerOf(pid);
  const pod = ix.podOf(pid);
  return {
    pid,
    ppid: p.ppid,
    comm: p.comm,
    cmdline: p.cmdline,
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
      .sort(([a], [b]) => compareHierarchyKeys(a, b))
      .map(([hierarchy, path]) => {
        const h = s.hierarchies.find((x) => x.key === hierarchy);
        return { hierarchy, path, limits: (h && findNode(h, path)?.limits) ?? null };
      }),
    container: c
      ? {
          id: c.id,
          runtime: c.runtime,
          name: c.name,
          image: c.image ?? null,
          restarts: c.restarts ?? null,
          role: c.role,
          cgroup: c.cgroup,
          pids: c.pids,
          limits: c.limits ?? null,
          evidence: c.evidence ?? [],
        }
      : null,
    pod: pod
      ? {
          key: pod.key,
          uid: pod.uid,
          namespace: pod.namespace ?? null,
          name: pod.name,
          evidence: pod.evidence ?? [],
          qos: pod.qos,
          cgroup: pod.cgroup,
          sandbox: pod.sandbox,
          limits: pod.limits ?? limitsAt(s.hierarchies, pod.cgroup) ?? null,
        }
      : null,
    volumes:
      pod && c
        ? (containerVolumes(pod, c.id)?.map((v) => ({
            ...v,
            sharedWith: v.sharedWith.map((m) => {
              const other = ix.container(m.container);
              return { ...m, name: other?.name ?? null, runtime: other?.runtime ?? null };
            }),
          })) ?? null)
        : null,
  };
}

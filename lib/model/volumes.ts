import type { MountEntry } from '../parse/mountinfo.js';
import type { Container, Pod, ProcessInfo, Volume, VolumeMount } from '../types.js';

/** The kubelet's volume plugin directories (`kubernetes.io~empty-dir`) and the kinds nsview calls them. */
const PLUGINS: Record<string, string> = {
  'kubernetes.io~empty-dir': 'emptyDir',
  'kubernetes.io~configmap': 'configMap',
  'kubernetes.io~secret': 'secret',
  'kubernetes.io~projected': 'projected',
  'kubernetes.io~downward-api': 'downwardAPI',
  'kubernetes.io~csi': 'csi',
  'kubernetes.io~nfs': 'nfs',
  'kubernetes.io~local-volume': 'local',
  'kubernetes.io~iscsi': 'iscsi',
  'kubernetes.io~fc': 'fc',
};

/** Where runtimes keep a container's own files (rootfs, hostname, resolv.conf, shm): not volumes. */
const RUNTIME_DIRS = [
  '/var/lib/containerd',
  '/run/containerd',
  '/var/run/containerd',
  '/var/lib/docker',
  '/run/docker',
  '/var/run/docker',
  '/var/lib/containers',
  '/run/containers',
  '/var/run/containers',
  '/run/crio',
  '/var/run/crio',
  '/var/lib/rancher/k3s/agent/containerd',
  '/run/k3s',
  '/var/lib/lxc',
  '/var/lib/machines',
  '/var/lib/kubelet',
];

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(dir + '/');

/** Mount points a runtime sets up in every container (its root, proc, sys, dev and what it masks there): never volumes. */
const isRuntimeMountPoint = (mp: string): boolean => mp === '/' || under(mp, '/proc') || under(mp, '/sys') || under(mp, '/dev');

const KUBELET_POD = /\/kubelet\/pods\/([0-9a-f-]{32,36})\/(.+)$/;

/**
 * What a node path mounted into a container is: a volume of the kubelet's pod directory
 * (`…/kubelet/pods/<uid>/volumes/<plugin>/<name>[/sub]`, a subPath of one, the pod's
 * `etc-hosts`, a container's termination log), a Docker named volume, a runtime's own file
 * (`null`: not a volume), or any other node path (`hostPath`).
 */
export function classifyNodePath(path: string): { name: string; kind: string } | null {
  const k = KUBELET_POD.exec(path);
  if (k) {
    const parts = (k[2] as string).split('/');
    if (parts[0] === 'volumes' && parts.length >= 3)
      return { name: parts[2] as string, kind: PLUGINS[parts[1] as string] ?? (parts[1] as string).replace(/^kubernetes\.io~/, '') };
    if (parts[0] === 'volume-subpaths' && parts.length >= 2) return { name: parts[1] as string, kind: 'subPath' };
    if (parts[0] === 'etc-hosts') return { name: 'etc-hosts', kind: 'etc-hosts' };
    if (parts[0] === 'containers' && parts.length >= 2) return { name: `termination-log/${parts[1]}`, kind: 'termination-log' };
    return null;
  }
  const docker = /^(?:\/var)?\/lib\/docker\/volumes\/([^/]+)\/_data(?:\/|$)/.exec(path);
  if (docker) return { name: docker[1] as string, kind: 'docker-volume' };
  if (RUNTIME_DIRS.some((d) => under(path, d))) return null;
  return { name: path, kind: 'hostPath' };
}

/** The files the kubelet gives every container (`etc-hosts`, termination logs): volumes by mountinfo, but none that containers share. */
export function isKubeletFile(v: Pick<Volume, 'kind'>): boolean {
  return v.kind === 'etc-hosts' || v.kind === 'termination-log';
}

/** Node mounts by device, to find where a container's mount comes from on the node. */
function nodeIndex(node: MountEntry[]): Map<string, MountEntry[]> {
  const by = new Map<string, MountEntry[]>();
  for (const m of node) {
    const list = by.get(m.device);
    if (list) list.push(m);
    else by.set(m.device, [m]);
  }
  // The canonical mount first: the one closest to the file system's root, then the shortest mount point.
  for (const list of by.values()) list.sort((a, b) => a.root.length - b.root.length || a.mountPoint.length - b.mountPoint.length);
  return by;
}

/** The node path a container's mount shows: the same device, under a node mount's root. `null` if the node does not mount it. */
function nodePathOf(e: MountEntry, node: Map<string, MountEntry[]>): string | null {
  for (const m of node.get(e.device) ?? []) {
    if (m.root === '/' || e.root === m.root || e.root.startsWith(m.root + '/')) {
      const rest = m.root === '/' ? e.root : e.root.slice(m.root.length);
      const base = m.mountPoint === '/' ? '' : m.mountPoint;
      return rest === '/' ? base || '/' : base + rest;
    }
  }
  return null;
}

/** A mount table's root (`device root` of its `/`), to tell a container that kept the node's root. */
function rootOf(t: MountEntry[]): string | undefined {
  const r = t.find((m) => m.mountPoint === '/');
  return r && `${r.device} ${r.root}`;
}

/** Mount tables by mount namespace inode, parsed. */
export type MountTables = Map<number, MountEntry[]>;

/**
 * Every pod with its `volumes`: for each of its containers (not the sandbox), the mounts of
 * its mount namespace that come from the node (the node's mount table says where), named by
 * {@link classifyNodePath}. Mounts of one volume (kind and name) by several containers make
 * it shared. Returns new pods; containers whose mount namespace was not read add nothing.
 */
export function podVolumes(pods: Pod[], containers: Container[], processes: ProcessInfo[], nodeMnt: number | undefined, tables: MountTables): Pod[] {
  const nodeTable = nodeMnt === undefined ? [] : (tables.get(nodeMnt) ?? []);
  const node = nodeIndex(nodeTable);
  const nodeRoot = rootOf(nodeTable);
  // The node's mounts as `device root mountPoint`, made once and only if a container kept the node's root.
  let inheritable: Set<string> | undefined;
  const nodeMounts = (): Set<string> => (inheritable ??= new Set(nodeTable.map((m) => `${m.device} ${m.root} ${m.mountPoint}`)));
  const byId = new Map(containers.map((c) => [c.id, c]));
  const procs = new Map(processes.map((p) => [p.pid, p]));
  const mntOf = (c: Container): number | undefined => {
    for (const pid of c.pids) {
      const mnt = procs.get(pid)?.ns.mnt;
      if (mnt !== undefined && mnt !== nodeMnt) return mnt;
    }
    return undefined;
  };
  return pods.map((pod) => {
    const volumes = new Map<string, Volume>();
    for (const id of pod.containers) {
      const c = byId.get(id);
      if (!c || c.role === 'sandbox') continue;
      const mnt = mntOf(c);
      const table = mnt === undefined ? undefined : tables.get(mnt);
      if (!table) continue;
      // A container that kept the node's root (no pivot_root) inherits every node mount at the same place: those are not volumes.
      const inherited = nodeRoot !== undefined && rootOf(table) === nodeRoot ? nodeMounts() : undefined;
      for (const e of table) {
        // A namespace file bind-mounted (nsfs) is a holder, not a volume.
        if (e.fstype === 'nsfs' || inherited?.has(`${e.device} ${e.root} ${e.mountPoint}`)) continue;
        const source = nodePathOf(e, node);
        if (source === null) continue;
        const what = classifyNodePath(source);
        // The kubelet's files go anywhere (/dev/termination-log); a node path at a runtime's own mount point is the runtime's doing (masks, cgroupfs).
        if (!what || (isRuntimeMountPoint(e.mountPoint) && (what.kind === 'hostPath' || what.kind === 'docker-volume'))) continue;
        const key = `${what.kind}\0${what.name}`;
        let v = volumes.get(key);
        if (!v) volumes.set(key, (v = { name: what.name, kind: what.kind, source, mounts: [] }));
        const mount: VolumeMount = { container: c.id, path: e.mountPoint, readOnly: e.options.includes('ro') };
        if (!v.mounts.some((m) => m.container === mount.container && m.path === mount.path)) v.mounts.push(mount);
      }
    }
    // A subPath names its volume but not its kind: the kind of a whole mount of that volume, where there is one.
    for (const [key, v] of volumes) {
      if (v.kind !== 'subPath') continue;
      const whole = [...volumes.values()].find((w) => w !== v && w.name === v.name && w.kind !== 'subPath' && w.kind !== 'hostPath');
      if (whole) {
        for (const m of v.mounts) if (!whole.mounts.some((x) => x.container === m.container && x.path === m.path)) whole.mounts.push(m);
        volumes.delete(key);
      }
    }
    const list = [...volumes.values()]
      .map((v) => ({
        ...v,
        mounts: v.mounts.sort((a, b) => (a.container < b.container ? -1 : a.container > b.container ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
      }))
      .sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { ...pod, volumes: list };
  });
}

/** One volume as a container sees it: its own mounts, and the other containers' that share it. */
export interface ContainerVolume {
  name: string;
  kind: string;
  source: string | null;
  mounts: Array<{ path: string; readOnly: boolean }>;
  /** Other containers' mounts of it (container id, path, read-only). */
  sharedWith: VolumeMount[];
}

/** The volumes of `pod` that container `id` mounts; `null` when the pod's volumes were not read. */
export function containerVolumes(pod: Pod, id: string): ContainerVolume[] | null {
  if (!pod.volumes) return null;
  return pod.volumes
    .filter((v) => v.mounts.some((m) => m.container === id))
    .map((v) => ({
      name: v.name,
      kind: v.kind,
      source: v.source,
      mounts: v.mounts.filter((m) => m.container === id).map((m) => ({ path: m.path, readOnly: m.readOnly })),
      sharedWith: v.mounts.filter((m) => m.container !== id),
    }));
}

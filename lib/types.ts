/**
 * The data model nsview rebuilds. Plain data only: every value here serialises
 * to JSON and loads back (see lib/model/snapshot.ts).
 */

/** The eight Linux namespace types, in the order nsview sorts them. */
export const NS_TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'] as const;
/** Namespace types in the order pod views show them: what a pod shares first. */
export const POD_NS_ORDER = ['net', 'ipc', 'uts', 'pid', 'mnt', 'cgroup', 'user', 'time'] as const;
/** One Linux namespace type. */
export type NsType = (typeof NS_TYPES)[number];

/** Container runtimes nsview recognises from cgroup paths. */
export const RUNTIMES = ['docker', 'containerd', 'cri-o', 'podman', 'lxc', 'nspawn', 'libvirt-lxc', 'rkt', 'ecs', 'runc', 'cri'] as const;
/** A container runtime; `kubernetes` means a kubelet container whose runtime the path does not tell. */
export type Runtime = (typeof RUNTIMES)[number];

/** Kubernetes QoS classes, as the kubelet names its cgroups. */
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';
/** How a pod's containers hold one namespace type, after the CRI's NamespaceMode (`POD`, `CONTAINER`, `NODE`). */
export type NsMode = 'pod' | 'container' | 'node' | 'mixed' | 'unknown';

/** Key of the cgroup v2 (unified) hierarchy in {@link ProcessInfo.cgroups}. */
export const UNIFIED = 'unified';

/** One process, as read from `/proc/<pid>`. Fields that could not be read are `null`. */
export interface ProcessInfo {
  pid: number;
  ppid: number | null;
  /** One-letter state from `stat` (R, S, D, Z, …). */
  state: string | null;
  /** Start time in clock ticks after boot (`stat` field 22). */
  startTime: number | null;
  /** The kernel's short name (`comm`). */
  comm: string;
  /** Arguments from `cmdline`; empty for kernel threads and zombies. */
  cmdline: string[];
  /** True for kernel threads: the `PF_KTHREAD` flag in `stat` (or, where flags are missing, a child of kthreadd with no cmdline). */
  kernelThread: boolean;
  /** Real uid from `status`. */
  uid: number | null;
  /** User name for {@link ProcessInfo.uid} from the host's `/etc/passwd`, if known. */
  user: string | null;
  /** `NSpid` from `status`: this process's pid in each nested pid namespace, outermost first. */
  nspid: number[] | null;
  /** Namespace inodes by type. A missing type could not be read. */
  ns: Partial<Record<NsType, number>>;
  /** `pid_for_children` / `time_for_children` where they differ from `ns`. */
  nsForChildren: Partial<Record<'pid' | 'time', number>>;
  /** Cgroup path by hierarchy key: {@link UNIFIED} for v2, the controller list (`cpu,cpuacct`, `name=systemd`) for v1. */
  cgroups: Record<string, string>;
  /** True when some of this process's files could not be read (permission denied). */
  partial: boolean;
}

/**
 * Something other than a member process that keeps a namespace alive:
 * - `mount`: a bind mount of its nsfs file (`ip netns add`, CNI's `/var/run/netns/cni-…`),
 *   at `path` in the mount namespace `mntns`, seen in the `mountinfo` of process `pid`;
 * - `fd`: an open file descriptor of process `pid` (`/proc/<pid>/fd/<fd>`);
 * - `children`: the `pid_for_children` or `time_for_children` link of process `pid`
 *   (it will put its next children there).
 */
export type NsHolder =
  { kind: 'mount'; path: string; mntns: number | null; pid: number } | { kind: 'fd'; pid: number; fd: number } | { kind: 'children'; pid: number };

/** A namespace and the processes in it. Identified by type and inode. */
export interface Namespace {
  type: NsType;
  inode: number;
  /** Member pids, ascending; `pids[0]` is the lowest, the one `lsns` reports. Empty for a namespace only held (see {@link Namespace.holders}). */
  pids: number[];
  /** What else holds it, when the scan read holders ({@link Snapshot.coverage}): mounts, then fds, then `*_for_children` links. */
  holders?: NsHolder[];
}

/** Resource limits of a cgroup; `'max'` is unlimited, an absent field was not present. */
export interface Limits {
  /** Bytes (v2 `memory.max`, v1 `memory.limit_in_bytes`). */
  memory?: number | 'max';
  /** CPU bandwidth: quota and period in microseconds (v2 `cpu.max`, v1 `cpu.cfs_*`). */
  cpu?: { quota: number | 'max'; period: number };
  /** Process limit (`pids.max`). */
  pids?: number | 'max';
}

/** One cgroup directory with the processes in it. */
export interface CgroupNode {
  /** Path from the hierarchy's root, `/` for the root itself. */
  path: string;
  /** Pids listed in `cgroup.procs`, ascending. */
  pids: number[];
  limits?: Limits;
  children: CgroupNode[];
}

/** One mounted cgroup hierarchy: the v2 tree or a v1 controller tree. */
export interface CgroupHierarchy {
  /** {@link UNIFIED} or the v1 controller list as in `/proc/<pid>/cgroup`. */
  key: string;
  version: 1 | 2 | 3;
  controllers: string[];
  /** Where it is mounted on the host. */
  mountPoint: string;
  /** The cgroup path the mount shows as its root: `/`, or a subtree (a bind mount, or a mount made inside a cgroup namespace). Node paths start from it. */
  mountRoot: string;
  root: CgroupNode;
}

/** What a process runs as, inside a container. */
export type ContainerRole = 'container' | 'sandbox';

/** A container, recognised from the cgroup its processes are in. */
export interface Container {
  /**
   * Full id (64 hex for most runtimes) or name (LXC, nspawn): the one key of a container in a
   * snapshot (pods, volume mounts and lookups use it). Where two runtimes name two containers
   * alike, each is `<runtime>:<name>` (`lxc:web`, `nspawn:web`).
   */
  id: string;
  runtime: Runtime;
  /**
   * Its name: the Kubernetes container name or the engine's name from the runtime's state
   * file, or where the path carries one (LXC, nspawn). `null` when nothing says it.
   */
  name: string | null;
  /** Image reference, from the runtime's state file. */
  image?: string | null;
  /** Restarts, from the kubelet's log directory (`<n>.log`: the highest n). */
  restarts?: number | null;
  /** The files that gave its name and image. */
  evidence?: string[];
  /** `sandbox` for a pod's pause container, else `container`. */
  role: ContainerRole;
  /** Hierarchy key and cgroup path the container was recognised in. */
  hierarchy: string;
  cgroup: string;
  /** Pids in the container (including its sub-cgroups), ascending. */
  pids: number[];
  /** Key of the pod it belongs to, if any. */
  pod: string | null;
  limits?: Limits;
}

/** One container's mount of a pod volume: where it sees it, and whether read-only. */
export interface VolumeMount {
  /** Container id (see {@link Container.id}). */
  container: string;
  /** Mount point inside the container. */
  path: string;
  readOnly: boolean;
}

/**
 * What kind of volume: the kubelet volume plugin (`emptyDir`, `configMap`, `secret`,
 * `projected`, `downwardAPI`, `csi`, or the plugin's own name such as `nfs`), `hostPath` (a
 * directory of the node), or the files the kubelet gives every container (`etc-hosts`,
 * `termination-log`).
 */
export type VolumeKind = string;

/** A volume of a pod: one directory (or file) of the node that its containers mount, recognised from mountinfo. */
export interface Volume {
  /** The volume's name (`/var/lib/kubelet/pods/<uid>/volumes/<plugin>/<name>`), the node path of a hostPath, or the file's name. */
  name: string;
  kind: VolumeKind;
  /** Where it is on the node, as the node's mount namespace sees it, when known. */
  source: string | null;
  /** Each container's mounts of it, by container id then path. */
  mounts: VolumeMount[];
}

/** A Kubernetes pod (from the kubelet's cgroups) or a pod inferred from namespace sharing. */
export interface Pod {
  /** Stable key: the uid for kubelet pods, `inferred:<name>` otherwise. */
  key: string;
  /** Pod UID with dashes, or a 32-hex static-pod hash; `null` for inferred pods. */
  uid: string | null;
  /**
   * The Kubernetes pod name, from the kubelet's log directory and the runtimes' state files
   * (only where they agree); for inferred pods, the parent cgroup's name or the sandbox's short id.
   */
  name: string | null;
  /** The Kubernetes namespace of the pod, where the files say it. */
  namespace?: string | null;
  /** The files that gave its name. */
  evidence?: string[];
  inferred: boolean;
  qos: QosClass | null;
  driver: 'systemd' | 'cgroupfs' | null;
  /** Hierarchy and cgroup path of the pod. */
  hierarchy: string | null;
  cgroup: string | null;
  sandbox: { id: string; pid: number | null } | null;
  /** Container ids, sandbox first, then by id. */
  containers: string[];
  /** How the pod's containers hold each namespace type. */
  namespaces: Record<NsType, NsMode>;
  limits?: Limits;
  /** The pod's volumes and who mounts them, when mounts were read ({@link Snapshot.coverage}); sorted by kind, then name. */
  volumes?: Volume[];
}

/** A finding about the scan: never thrown, always returned. */
export interface Warning {
  /** `conflict`: state files disagree about a name, so it is left out. */
  code: 'vanished' | 'denied' | 'malformed' | 'unreadable' | 'cgroupns' | 'too-large' | 'conflict';
  message: string;
  path?: string;
  pid?: number;
}

/** Everything one scan rebuilt. Serialises to JSON with `stringifySnapshot` (or `JSON.stringify`) and loads back with `parseSnapshot`. */
export interface Snapshot {
  format: 'nsview-snapshot';
  version: 1 | 2 | 3;
  /** ISO time of the scan. */
  scannedAt: string;
  /** The root that was scanned. */
  root: string;
  /**
   * The node's name: `ScanOptions.node`, else the scanned root's hostname
   * (`/proc/sys/kernel/hostname`, then `/etc/hostname`); absent in snapshots of nsview 0.3 and
   * older, `null` when nothing said it. Views over several snapshots label each row with it.
   */
  node?: string | null;
  /** Processes, ascending by pid. */
  processes: ProcessInfo[];
  /** Namespaces, sorted by type then inode. */
  namespaces: Namespace[];
  /**
   * What the scan read (absent in snapshots of nsview 0.2 and older): the profile, whose
   * namespace links, and beyond them `holders` — `mounts` (nsfs bind mounts, from one
   * `mountinfo` per mount namespace) or `all` (also every process's fds); absent, holders were
   * not read, and a namespace held only by them is not listed — and `volumes`. A consumer
   * tells "not read" (here) from "denied" (a process's `partial`) from "absent".
   */
  coverage?: {
    /** The profile that read the processes (see `ScanOptions.profile`). */
    profile?: 'all' | 'leaders' | 'tree';
    /** Whose namespace links were read: every process's, some (the `tree` profile: containers' and the node's), or none. */
    namespaces?: 'all' | 'some' | 'none';
    holders?: 'mounts' | 'all';
    volumes?: boolean;
  };
  /** The node's (initial) namespace of each type: pid 1's, or the lowest readable pid's. */
  nodeNamespaces: Partial<Record<NsType, number>>;
  /** Cgroup hierarchies: the unified one first, then v1 by key. */
  hierarchies: CgroupHierarchy[];
  /** Containers, sorted by id. */
  containers: Container[];
  /** Pods, sorted by key. */
  pods: Pod[];
  warnings: Warning[];
}

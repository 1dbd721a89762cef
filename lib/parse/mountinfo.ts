/** A cgroup file system found in `mountinfo`. */
export interface CgroupMount {
  version: 1 | 2;
  /** Where it is mounted (escapes decoded). */
  mountPoint: string;
  /** The cgroup path shown at the mount point (`/` unless mounted from inside a cgroup namespace). */
  root: string;
  /** v1 controllers from the super options (`cpu`, `cpuacct`, `name=systemd`); empty for v2. */
  controllers: string[];
}

/** The v1 controller names the kernel knows; super options that are not one of these (or `name=`) are mount flags. */
const V1_CONTROLLERS = new Set([
  'cpu',
  'cpuacct',
  'cpuset',
  'memory',
  'devices',
  'freezer',
  'net_cls',
  'blkio',
  'perf_event',
  'net_prio',
  'hugetlb',
  'pids',
  'rdma',
  'misc',
  'debug',
]);

/** Decode mountinfo's octal escapes (`\040` is a space). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Find the cgroup mounts in `/proc/<pid>/mountinfo`. Lines that are not
 * cgroup mounts are ignored; malformed lines are counted in `malformed`.
 * A mount hidden by a later mount on the same point or a parent of it is
 * dropped. When a hierarchy is mounted more than once, a mount of its root
 * (`/`) wins over a bind mount of a subtree; otherwise the first mount wins.
 */
export function parseCgroupMounts(text: string): { mounts: CgroupMount[]; malformed: number } {
  // Every mount point in order: a later mount on the same point or a parent of it
  // hides a cgroup mount (cgroup2 mounted over a hybrid /sys/fs/cgroup).
  const points: string[] = [];
  const found: Array<{ mount: CgroupMount; index: number }> = [];
  let malformed = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) {
      malformed++;
      continue;
    }
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    // id, parent, major:minor, root, mount point, mount options [, optional fields] - fstype, source, super options
    if (left.length < 6 || right.length < 3) {
      malformed++;
      continue;
    }
    const mountPoint = unescapeOctal(left[4] as string);
    points.push(mountPoint);
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const root = unescapeOctal(left[3] as string);
    const superOpts = (right[2] as string).split(',');
    const controllers = fstype === 'cgroup2' ? [] : superOpts.filter((o) => V1_CONTROLLERS.has(o) || o.startsWith('name='));
    found.push({ mount: { version: fstype === 'cgroup2' ? 2 : 1, mountPoint, root, controllers }, index: points.length - 1 });
  }
  const hidden = (m: CgroupMount, index: number): boolean =>
    points.some((p, i) => i > index && (p === m.mountPoint || p === '/' || m.mountPoint.startsWith(p + '/')));
  const mounts: CgroupMount[] = [];
  const seen = new Map<string, number>();
  for (const { mount, index } of found) {
    if (hidden(mount, index)) continue;
    const key = mount.version === 2 ? 'unified' : mount.controllers.join(',');
    const at = seen.get(key);
    if (at === undefined) {
      seen.set(key, mounts.length);
      mounts.push(mount);
    } else if (mount.root === '/' && mounts[at]!.root !== '/') {
      mounts[at] = mount;
    }
  }
  return { mounts, malformed };
}

/** One line of `/proc/<pid>/mountinfo` (proc(5)), escapes decoded. */
export interface MountEntry {
  /** Field 1: the mount's id. */
  id: number;
  /** Field 2: the parent mount's id. */
  parent: number;
  /** Field 3: `major:minor` of the file system. */
  device: string;
  /** Field 4: the path within the file system that is mounted (`/`, a bind mount's subtree, `net:[4026532614]` for nsfs). */
  root: string;
  /** Field 5: where it is mounted, relative to the reader's root. */
  mountPoint: string;
  /** Field 6: per-mount options (`rw`, `ro`, …). */
  options: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

/** Parse every line of a mountinfo file; malformed lines are counted, not thrown. */
export function parseMountinfo(text: string): { mounts: MountEntry[]; malformed: number } {
  const mounts: MountEntry[] = [];
  let malformed = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const sep = line.indexOf(' - ');
    const left = sep < 0 ? [] : line.slice(0, sep).split(' ');
    const right = sep < 0 ? [] : line.slice(sep + 3).split(' ');
    const id = Number(left[0]);
    const parent = Number(left[1]);
    if (left.length < 6 || right.length < 3 || !Number.isSafeInteger(id) || !Number.isSafeInteger(parent) || !/^\d+:\d+$/.test(left[2] as string)) {
      malformed++;
      continue;
    }
    mounts.push({
      id,
      parent,
      device: left[2] as string,
      root: unescapeOctal(left[3] as string),
      mountPoint: unescapeOctal(left[4] as string),
      options: (left[5] as string).split(','),
      fstype: right[0] as string,
      source: unescapeOctal(right[1] as string),
      superOptions: (right[2] as string).split(','),
    });
  }
  return { mounts, malformed };
}

/** A bind mount of a namespace file (`ip netns add`, CNI's `/var/run/netns/cni-…`), from mountinfo. */
export interface NsfsMount {
  type: string;
  inode: number;
  /** Where it is mounted, in the mount namespace whose mountinfo was read. */
  mountPoint: string;
}

const NSFS_ROOT = /^([a-z_]+):\[(\d+)\]$/;

/**
 * The namespace files bind-mounted in a mount namespace: mounts of file system type `nsfs`
 * (`proc` before Linux 3.19) whose root is a namespace (`net:[4026532614]`).
 */
export function nsfsMounts(entries: MountEntry[]): NsfsMount[] {
  const out: NsfsMount[] = [];
  for (const m of entries) {
    if (m.fstype !== 'nsfs' && m.fstype !== 'proc') continue;
    const hit = NSFS_ROOT.exec(m.root);
    if (!hit) continue;
    const inode = Number(hit[2]);
    if (Number.isSafeInteger(inode)) out.push({ type: hit[1] as string, inode, mountPoint: m.mountPoint });
  }
  return out;
}

/**
 * {@link nsfsMounts} of a mountinfo text, parsing only the lines that can be one (file
 * system type `nsfs` or `proc`): a node's mount namespaces hold hundreds of other mounts.
 * Malformed lines among those are counted.
 */
export function parseNsfsMounts(text: string): { mounts: NsfsMount[]; malformed: number } {
  const lines = text.split('\n').filter((l) => l.includes(' - nsfs ') || l.includes(' - proc '));
  const { mounts, malformed } = parseMountinfo(lines.join('\n'));
  return { mounts: nsfsMounts(mounts), malformed };
}

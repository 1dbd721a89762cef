import { NsviewError } from './errors.js';
import type { PathIdentity } from './parse/cgroup-path.js';
import { parseNsLink } from './parse/ns-link.js';
import { parsePasswd } from './parse/passwd.js';
import { groupContainers, identifyProcess, type ProcessIdentity } from './model/containers.js';
import { groupNamespaces, nodeNamespaces } from './model/namespaces.js';
import { attachHolders } from './model/holders.js';
import { groupPods } from './model/pods.js';
import { podVolumes } from './model/volumes.js';
import { applyNames } from './model/names.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './model/snapshot.js';
import type { ProcessInfo, Snapshot, Warning } from './types.js';
import { readCgroupMounts, readHierarchies, type HierarchySelection } from './read/cgroups.js';
import { readHolders } from './read/holders.js';
import { parseMountTable, readMountTables, type MountTable } from './read/mounts.js';
import { readNameFacts } from './read/names.js';
import { listPids, readInto, readProcesses, type ProcessReadOptions } from './read/processes.js';
import { reason } from './read/tolerate.js';
import { createFsSource } from './source/fs-source.js';
import type { Source } from './source/source.js';

/** What to scan and how much to read. Every part is on by default. */
export interface ScanOptions {
  /** Directory to scan: `/` (default) for the live host, or a capture laid out like a host. */
  root?: string;
  /** A source to read instead of `root` (a memfs volume in tests). */
  source?: Source;
  /** Read `/proc/<pid>/ns/*` (default true). Without them there are no namespaces, pods or sharing. */
  namespaces?: boolean;
  /** Cgroup hierarchies to walk: `'all'` (default), `'none'`, or keys such as `['unified']`, `['memory']`. */
  hierarchies?: HierarchySelection;
  /** Read limit files in the walked hierarchies (default true). */
  limits?: boolean;
  /** Read `/proc/<pid>/status` for uid and NSpid (default true). */
  status?: boolean;
  /** Read `/proc/<pid>/cmdline` (default true). */
  cmdline?: boolean;
  /** Read `/proc/<pid>/cgroup` (default true). Without it containers come only from `profile: 'tree'`. */
  cgroups?: boolean;
  /**
   * How much to read of each process; a view that needs less reads less (see docs/performance.md):
   * - `all` (default): every file of every process;
   * - `leaders`: namespace links of every process, the rest (`stat`, `status`, `cmdline`) only for
   *   each namespace's lowest pid — what `ls` shows;
   * - `tree`: `cmdline` of every process (and `stat` where it is empty), cgroup membership from the walked
   *   hierarchies' `cgroup.procs`, namespace links only for each container's first process and
   *   the node's — what `tree` shows. Other processes then have no namespaces in the snapshot.
   */
  profile?: 'all' | 'leaders' | 'tree';
  /**
   * Read the runtimes' and the kubelet's state files to name containers and pods (default
   * true; only files of the containers and pods found are read).
   */
  names?: boolean;
  /**
   * Read what holds namespaces besides their processes (default false: it costs a
   * `mountinfo` per mount namespace, and with `all` a readlink per open fd; see
   * docs/performance.md): `mounts` the nsfs bind mounts, `all` (or `true`) also every
   * process's namespace fds. Namespaces held only that way are then listed, with no pids.
   */
  holders?: boolean | 'mounts' | 'all';
  /**
   * Read the mounts of every pod container's mount namespace and the node's (one `mountinfo`
   * each) to find the pods' volumes and who mounts them (default: true with `profile: 'all'`).
   */
  volumes?: boolean;
}

/** The pids under the root's `/proc`; throws an {@link NsviewError} naming it if it is not a procfs. */
export function listRootPids(source: Source): number[] {
  const where = source.root === '/' ? '/proc' : `${source.root.replace(/\/+$/, '')}/proc`;
  let pids: number[];
  try {
    pids = listPids(source);
  } catch (err) {
    throw new NsviewError('unusable-root', `cannot scan ${where}: ${reason(err)}`);
  }
  if (pids.length === 0) throw new NsviewError('unusable-root', `cannot scan ${where}: not a procfs (no process directories)`);
  return pids;
}

/**
 * Scan a host (or a capture of one) and rebuild its namespaces, cgroup trees,
 * containers and pods. Per-process problems (a process that exits mid-scan,
 * permission denied, a malformed file) are returned in `warnings`; only an
 * unusable root throws, with an {@link NsviewError} naming it.
 *
 * @example
 * const snap = await scan();                 // the live host
 * const cap = await scan({ root: './node1' }); // a capture
 */
export async function scan(options: ScanOptions = {}): Promise<Snapshot> {
  return scanSync(options);
}

/** The synchronous form of {@link scan}, for scripts and benchmarks that loop. */
export function scanSync(options: ScanOptions = {}): Snapshot {
  const source = options.source ?? createFsSource(options.root ?? '/');
  const pids = listRootPids(source);
  const warnings: Warning[] = [];
  let users = new Map<number, string>();
  try {
    users = parsePasswd(source.readText('/etc/passwd'));
  } catch {
    // No passwd (a capture without /etc): users are shown by uid.
  }
  const profile = options.profile ?? 'all';
  const readNs = options.namespaces !== false;
  const holders: 'mounts' | 'all' | undefined = !readNs || !options.holders ? undefined : options.holders === 'mounts' ? 'mounts' : 'all';
  const first: ProcessReadOptions =
    profile === 'leaders'
      ? { stat: false, status: false, cmdline: false, namespaces: readNs, childrenNs: holders === 'all', cgroups: options.cgroups ?? false }
      : profile === 'tree'
        ? { stat: options.cmdline === false ? true : 'if-no-cmdline', status: false, cmdline: options.cmdline, namespaces: false, cgroups: false }
        : { namespaces: readNs, status: options.status, cmdline: options.cmdline, cgroups: options.cgroups };
  const processes = readProcesses(source, pids, users, first, warnings);
  const selection = options.hierarchies ?? 'all';
  const mounts = selection === 'none' ? [] : readCgroupMounts(source, warnings);
  const hierarchies = readHierarchies(source, mounts, { hierarchies: selection, limits: options.limits }, warnings);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  if (profile === 'tree') {
    // Each process's cgroup in the walked hierarchies, from their cgroup.procs.
    for (const h of hierarchies) {
      const stack = [h.root];
      while (stack.length) {
        const n = stack.pop()!;
        for (const pid of n.pids) {
          const p = byPid.get(pid);
          if (p) p.cgroups[h.key] = n.path;
        }
        for (const c of n.children) stack.push(c);
      }
    }
  }

  const cache = new Map<string, PathIdentity>();
  const identities = new Map<number, ProcessIdentity>();
  let outside = 0;
  for (const p of processes) {
    const ident = identifyProcess(p, cache);
    if (ident) identities.set(p.pid, ident);
    for (const path of Object.values(p.cgroups)) {
      if (path.startsWith('/..')) {
        outside++;
        break;
      }
    }
  }
  const containers = groupContainers(processes, identities, hierarchies);
  // Second passes read more of some processes. One that exits in between is dropped
  // everywhere (its warning says so), as if the first pass had not seen it.
  const gone = new Set<number>();
  const second = (p: ProcessInfo | undefined, parts: ProcessReadOptions): boolean => {
    if (!p || gone.has(p.pid)) return false;
    if (readInto(source, p, users, parts, warnings)) return true;
    gone.add(p.pid);
    return false;
  };
  const tried = new Set<number>();
  if (profile === 'tree' && readNs) {
    // Namespaces only where pods need them. For each container: its processes in pid
    // order until its init (pid 1 in its own pid namespace), which stands for it as in a
    // full scan; with its start time, which breaks ties between sandbox candidates.
    const main = { stat: true, status: true, cmdline: false, cgroups: false, childrenNs: false };
    for (const c of containers) {
      for (const pid of c.pids.slice(0, 8)) {
        const p = byPid.get(pid);
        tried.add(pid);
        if (!second(p, main)) continue;
        const nspid = p!.nspid;
        if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === 1) break;
      }
    }
    // And the node's: the lowest pid whose namespaces can be read.
    const nsOnly = { stat: false, status: false, cmdline: false, cgroups: false, childrenNs: false };
    for (const p of processes) {
      if (!tried.has(p.pid)) second(p, nsOnly);
      if (Object.keys(p.ns).length > 0) break;
    }
  }
  let live = gone.size ? processes.filter((p) => !gone.has(p.pid)) : processes;
  let namespaces = readNs ? groupNamespaces(live) : [];
  if (profile === 'leaders') {
    // What ls shows of each namespace: its lowest pid's user and command. A leader that
    // exits before it is read hands over to the next lowest pid.
    const details = { namespaces: false, cgroups: false };
    const done = new Set<number>();
    for (let again = true; again; ) {
      again = false;
      for (const ns of namespaces) {
        const pid = ns.pids[0] as number;
        if (done.has(pid)) continue;
        done.add(pid);
        if (!second(byPid.get(pid), details)) again = true;
      }
      if (again) {
        live = processes.filter((p) => !gone.has(p.pid));
        namespaces = groupNamespaces(live);
      }
    }
  }
  const nodeNs = readNs ? nodeNamespaces(live) : {};
  // Inside a cgroup namespace other processes' paths climb above its root (`/..`), and
  // the scan's own cgroup namespace is not the node's (the check the tree profile needs,
  // since it takes paths from the walk).
  let ownCgroupNs: number | undefined;
  if (source.root === '/' && nodeNs.cgroup !== undefined) {
    try {
      ownCgroupNs = parseNsLink(source.readLink('/proc/self/ns/cgroup'))?.inode;
    } catch {
      // Not readable: rely on the paths.
    }
  }
  if (outside > 0 || (ownCgroupNs !== undefined && ownCgroupNs !== nodeNs.cgroup)) {
    warnings.push({
      code: 'cgroupns',
      message:
        outside > 0
          ? `${outside} process(es) have cgroup paths above the reader's cgroup namespace root (/..): the scan ran inside a cgroup namespace`
          : 'the scan ran inside a cgroup namespace: cgroup paths are relative to its root',
    });
  }
  const liveContainers = gone.size ? containers.map((c) => ({ ...c, pids: c.pids.filter((pid) => !gone.has(pid)) })).filter((c) => c.pids.length) : containers;
  let pods = groupPods(live, nodeNs, liveContainers, identities, hierarchies);
  let named = liveContainers;
  if (options.names !== false && liveContainers.length > 0) {
    const facts = readNameFacts(source, liveContainers, pods, warnings);
    ({ containers: named, pods } = applyNames(liveContainers, pods, facts, warnings));
  }
  // Mount tables, once: of every mount namespace for holders, else of the node's and the pod containers' for volumes.
  const volumes = readNs && (options.volumes ?? profile === 'all');
  let tables: MountTable[] = [];
  if (holders) tables = readMountTables(source, live, warnings);
  else if (volumes && pods.length) {
    const podIds = new Set(pods.flatMap((p) => p.containers));
    const wanted = new Set<number>(nodeNs.mnt === undefined ? [] : [nodeNs.mnt]);
    const byPid = new Map(live.map((p) => [p.pid, p]));
    for (const c of named) if (podIds.has(c.id)) for (const pid of c.pids) { const m = byPid.get(pid)?.ns.mnt; if (m !== undefined) wanted.add(m); }
    tables = readMountTables(source, live, warnings, wanted);
  }
  if (volumes) pods = podVolumes(pods, named, live, nodeNs.mnt, new Map(tables.map((t) => [t.mntns, parseMountTable(t, warnings)])));
  if (holders) {
    // What else holds namespaces: after the model, so a process that exited is not asked.
    namespaces = attachHolders(namespaces, live, readHolders(source, live, tables, { fds: holders === 'all' }, warnings));
  }
  const coverage = { ...(holders ? { holders } : {}), ...(volumes ? { volumes: true } : {}) };
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    scannedAt: new Date().toISOString(),
    root: source.root,
    processes: live,
    namespaces,
    ...(holders || volumes ? { coverage } : {}),
    nodeNamespaces: nodeNs,
    hierarchies,
    containers: named,
    pods,
    warnings,
  };
}

import { NsviewError } from './errors.js';
import { parseNsLink } from './parse/ns-link.js';
import { parsePasswd } from './parse/passwd.js';
import { groupContainers, type ProcessIdentity } from './model/containers.js';
import { cgroupNamespaceRoots, containerPids, identify, leaderPids, nameTargets, resolveCgroupPath, volumeMountNamespaces } from './model/plan.js';
import { groupNamespaces, nodeNamespaces } from './model/namespaces.js';
import { attachHolders } from './model/holders.js';
import { groupPods } from './model/pods.js';
import { podVolumes } from './model/volumes.js';
import { applyNames } from './model/names.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './model/snapshot.js';
import type { CgroupHierarchy, NsType, ProcessInfo, Snapshot, Warning } from './types.js';
import { readCgroupMounts, readHierarchiesSteps, type HierarchySelection } from './read/cgroups.js';
import { readHolders } from './read/holders.js';
import { parseMountTable, readMountTablesSteps, type MountTable } from './read/mounts.js';
import { readNameFacts, type NameFacts } from './read/names.js';
import {
  beginCacheScan,
  createProcessCache,
  endCacheScan,
  listPids,
  readInto,
  readProcessesSteps,
  type ProcessCache,
  type ProcessReadOptions,
} from './read/processes.js';
import { finish, type Steps } from './read/steps.js';
import { reason } from './read/tolerate.js';
import { createFsSource } from './source/fs-source.js';
import type { Source } from './source/source.js';

/** What to scan and how much to read. Every part is on by default. */
export interface ScanOptions {
  /** Directory to scan: `/` (default) for the live host, or a capture laid out like a host. */
  root?: string;
  /** A source to read instead of `root` (a memfs volume in tests). */
  source?: Source;
  /** The node's name to record (default: the root's hostname, from `/proc/sys/kernel/hostname` or `/etc/hostname`). */
  node?: string;
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
   * Reads kept from earlier scans ({@link createScanCache}), for a program that scans again and
   * again (`nsview serve`): a process with the same pid, start time and name keeps its command
   * line, uid and NSpid; everything else is read every time. Used by the `all` profile. One
   * scan at a time may use a cache (`nsview serve` runs one scan for all its requests).
   */
  cache?: ScanCache;
  /**
   * Read the mounts of every pod container's mount namespace and the node's (one `mountinfo`
   * each) to find the pods' volumes and who mounts them (default: true with `profile: 'all'`).
   */
  volumes?: boolean;
}

/** What {@link ScanOptions.cache} keeps between scans; `reused` counts the processes the last scan took from it. */
export type ScanCache = Readonly<Pick<ProcessCache, 'reused'>>;

/** A new, empty cache for {@link ScanOptions.cache}. */
export function createScanCache(): ScanCache {
  return createProcessCache();
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
  // A step per turn of the event loop: a server that scans goes on answering meanwhile.
  const steps = scanSteps(options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The synchronous form of {@link scan}, for scripts and benchmarks that loop. */
export function scanSync(options: ScanOptions = {}): Snapshot {
  return finish(scanSteps(options));
}

/** A scan as steps (lib/read/steps.ts): it yields between chunks of processes, cgroup hierarchies and mount tables. */
function* scanSteps(options: ScanOptions): Steps<Snapshot> {
  const source = options.source ?? createFsSource(options.root ?? '/');
  const plan = planScan(options);
  const warnings: Warning[] = [];
  const cache = plan.first.cache;
  if (cache) beginCacheScan(cache);
  // 1. Read the facts every view needs: the processes (what the profile asks of each) and the cgroup trees.
  const facts = yield* readFacts(source, plan, warnings);
  // 2. Plan from them (pure, lib/model/plan.ts) which processes need more, and read that.
  readFollowUps(source, facts, plan, warnings);
  // 3. Read the files that what was found names: state files, mount tables, holders.
  const found = yield* readFound(source, facts, plan, warnings);
  if (cache) endCacheScan(cache);
  // 4. Build the model, once.
  return buildSnapshot(source, facts, found, plan, warnings);
}

/** What a scan reads, decided from its options before anything is read. */
interface ScanPlan {
  profile: 'all' | 'leaders' | 'tree';
  namespaces: boolean;
  first: ProcessReadOptions;
  hierarchies: HierarchySelection;
  limits: boolean | undefined;
  names: boolean;
  volumes: boolean;
  holders: 'mounts' | 'all' | undefined;
  node: string | undefined;
}

function planScan(options: ScanOptions): ScanPlan {
  const profile = options.profile ?? 'all';
  const readNs = options.namespaces !== false;
  const holders: ScanPlan['holders'] = !readNs || !options.holders ? undefined : options.holders === 'mounts' ? 'mounts' : 'all';
  const first: ProcessReadOptions =
    profile === 'leaders'
      ? { stat: false, status: false, cmdline: false, namespaces: readNs, childrenNs: holders === 'all', cgroups: options.cgroups ?? false }
      : profile === 'tree'
        ? { stat: options.cmdline === false ? true : 'if-no-cmdline', status: false, cmdline: options.cmdline, namespaces: false, cgroups: false }
        : { namespaces: readNs, status: options.status, cmdline: options.cmdline, cgroups: options.cgroups, cache: options.cache as ProcessCache | undefined };
  return {
    profile,
    namespaces: readNs,
    first,
    hierarchies: options.hierarchies ?? 'all',
    limits: options.limits,
    names: options.names !== false,
    volumes: readNs && (options.volumes ?? profile === 'all'),
    holders,
    node: options.node,
  };
}

/** What the reads found, before any modelling. */
interface Facts {
  users: Map<number, string>;
  processes: ProcessInfo[];
  byPid: Map<number, ProcessInfo>;
  hierarchies: CgroupHierarchy[];
  identities: Map<number, ProcessIdentity>;
  /** Processes whose cgroup paths climb above the reader's cgroup namespace. */
  outside: number;
  /** Processes whose paths were read inside a cgroup namespace and made real, and the namespace's root(s). */
  resolved?: { count: number; roots: string[] };
  /** Processes that exited between the first read and a later one: dropped everywhere, as if never seen (their warning says so). */
  gone: Set<number>;
}

function* readFacts(source: Source, plan: ScanPlan, warnings: Warning[]): Steps<Facts> {
  const pids = listRootPids(source);
  let users = new Map<number, string>();
  try {
    users = parsePasswd(source.readText('/etc/passwd'));
  } catch {
    // No passwd (a capture without /etc): users are shown by uid.
  }
  const processes = yield* readProcessesSteps(source, pids, users, plan.first, warnings);
  const mounts = plan.hierarchies === 'none' ? [] : readCgroupMounts(source, warnings);
  const hierarchies = yield* readHierarchiesSteps(source, mounts, { hierarchies: plan.hierarchies, limits: plan.limits }, warnings);
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  if (plan.profile === 'tree') {
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
  const resolved = plan.profile === 'tree' ? undefined : resolveCgroupNamespace(source, processes, byPid, hierarchies);
  const { identities, outside } = identify(processes);
  return { users, processes, byPid, hierarchies, identities, outside, resolved, gone: new Set() };
}

/**
 * Paths read inside a cgroup namespace (`/../../kubepods…`), made real where the scan's own
 * process shows where the namespace is rooted ({@link cgroupNamespaceRoots}); `undefined` when
 * no path climbs out or the root is not known (then the `cgroupns` warning says the paths are relative).
 */
function resolveCgroupNamespace(source: Source, processes: ProcessInfo[], byPid: Map<number, ProcessInfo>, hierarchies: CgroupHierarchy[]): Facts['resolved'] {
  if (!processes.some((p) => Object.values(p.cgroups).some((path) => path.startsWith('/..')))) return undefined;
  let self: number;
  try {
    self = Number(source.readLink('/proc/self'));
  } catch {
    return undefined; // a capture: no reader
  }
  const roots = cgroupNamespaceRoots(byPid.get(self), hierarchies);
  if (!roots.size) return undefined;
  let count = 0;
  for (const p of processes) {
    let changed = false;
    for (const [key, root] of roots) {
      const path = p.cgroups[key];
      const real = path === undefined ? undefined : resolveCgroupPath(root, path);
      if (real !== undefined && real !== path) {
        p.cgroups[key] = real;
        changed = true;
      }
    }
    if (changed) count++;
  }
  return { count, roots: [...roots.values()] };
}

/** Read more of one process; one that exited meanwhile joins `gone`. */
function readMore(source: Source, facts: Facts, pid: number, parts: ProcessReadOptions, warnings: Warning[]): boolean {
  const p = facts.byPid.get(pid);
  if (!p || facts.gone.has(pid)) return false;
  if (readInto(source, p, facts.users, parts, warnings)) return true;
  facts.gone.add(pid);
  return false;
}

function readFollowUps(source: Source, facts: Facts, plan: ScanPlan, warnings: Warning[]): void {
  if (plan.profile === 'tree' && plan.namespaces) {
    // Namespaces only where pods need them. For each container: its processes in pid
    // order until its init (pid 1 in its own pid namespace), which stands for it as in a
    // full scan; with its start time, which breaks ties between sandbox candidates.
    const tried = new Set<number>();
    const main = { stat: true, status: true, cmdline: false, cgroups: false, childrenNs: false };
    for (const pids of containerPids(facts.processes, facts.identities).values()) {
      for (const pid of pids.slice(0, 8)) {
        tried.add(pid);
        if (!readMore(source, facts, pid, main, warnings)) continue;
        const nspid = facts.byPid.get(pid)!.nspid;
        if (nspid && nspid.length > 1 && nspid[nspid.length - 1] === 1) break;
      }
    }
    // And the node's: the lowest pid whose namespaces can be read.
    const nsOnly = { stat: false, status: false, cmdline: false, cgroups: false, childrenNs: false };
    for (const p of facts.processes) {
      if (!tried.has(p.pid)) readMore(source, facts, p.pid, nsOnly, warnings);
      if (Object.keys(p.ns).length > 0) break;
    }
  }
  if (plan.profile === 'leaders') {
    // What ls shows of each namespace: its lowest pid's user and command. A leader that
    // exits before it is read hands over to the next lowest pid.
    const details = { namespaces: false, cgroups: false };
    const done = new Set<number>();
    for (
      let next = leaderPids(facts.processes, done);
      next.length;
      next = leaderPids(
        facts.processes.filter((p) => !facts.gone.has(p.pid)),
        done,
      )
    ) {
      for (const pid of next) {
        done.add(pid);
        readMore(source, facts, pid, details, warnings);
      }
    }
  }
}

/** The files that what was found names. */
interface Found {
  live: ProcessInfo[];
  nodeNs: Partial<Record<NsType, number>>;
  names?: NameFacts;
  tables: MountTable[];
  holders?: ReturnType<typeof readHolders>;
}

function* readFound(source: Source, facts: Facts, plan: ScanPlan, warnings: Warning[]): Steps<Found> {
  const live = facts.gone.size ? facts.processes.filter((p) => !facts.gone.has(p.pid)) : facts.processes;
  const nodeNs = plan.namespaces ? nodeNamespaces(live) : {};
  const found: Found = { live, nodeNs, tables: [] };
  if (plan.names) {
    const targets = nameTargets(facts.identities, new Set(live.map((p) => p.pid)));
    if (targets.containers.length) found.names = readNameFacts(source, targets.containers, targets.uids, warnings);
  }
  // Mount tables, once: of every mount namespace for holders, else of the node's and the containers' for volumes.
  if (plan.holders) found.tables = yield* readMountTablesSteps(source, live, warnings);
  else if (plan.volumes && facts.identities.size)
    found.tables = yield* readMountTablesSteps(source, live, warnings, volumeMountNamespaces(live, facts.identities, nodeNs.mnt));
  // What else holds namespaces: after the processes, so one that exited is not asked.
  if (plan.holders) found.holders = readHolders(source, live, found.tables, { fds: plan.holders === 'all' }, warnings);
  return found;
}

function buildSnapshot(source: Source, facts: Facts, found: Found, plan: ScanPlan, warnings: Warning[]): Snapshot {
  const { live, nodeNs } = found;
  let namespaces = plan.namespaces ? groupNamespaces(live) : [];
  cgroupNamespaceWarning(source, facts.outside, nodeNs, facts.resolved, warnings);
  const grouped = groupPods(live, nodeNs, groupContainers(live, facts.identities, facts.hierarchies), facts.identities, facts.hierarchies);
  const containers = grouped.containers;
  let pods = grouped.pods;
  let named = containers;
  if (found.names) ({ containers: named, pods } = applyNames(containers, pods, found.names, warnings));
  if (plan.volumes) pods = podVolumes(pods, named, live, nodeNs.mnt, new Map(found.tables.map((t) => [t.mntns, parseMountTable(t, warnings)])));
  if (found.holders) namespaces = attachHolders(namespaces, live, found.holders);
  const coverage: NonNullable<Snapshot['coverage']> = {
    profile: plan.profile,
    namespaces: !plan.namespaces ? 'none' : plan.profile === 'tree' ? 'some' : 'all',
    ...(plan.holders ? { holders: plan.holders } : {}),
    ...(plan.volumes ? { volumes: true } : {}),
  };
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    scannedAt: new Date().toISOString(),
    root: source.root,
    node: plan.node ?? nodeName(source),
    processes: live,
    namespaces,
    coverage,
    nodeNamespaces: nodeNs,
    hierarchies: facts.hierarchies,
    containers: named,
    pods,
    warnings,
  };
}

/**
 * The root's hostname: the kernel's (`/proc/sys/kernel/hostname`, the UTS namespace of the
 * reader on a live host), else `/etc/hostname` (a capture of an older nsview); `null` if neither
 * gives one line of printable text.
 */
function nodeName(source: Source): string | null {
  for (const path of ['/proc/sys/kernel/hostname', '/etc/hostname']) {
    try {
      const name = source.readText(path).trim();
      if (name && name.length <= 253 && !/[\s\p{Cc}]/u.test(name)) return name;
    } catch {
      // Not there (a capture, a demo): try the next.
    }
  }
  return null;
}

/** What the `cgroupns` warning says when the paths were made real ({@link cgroupPathsResolved}). */
const RESOLVED = 'were resolved from there';

/** True for the `cgroupns` warning of a scan whose paths were made real from the namespace's root (not left relative). */
export function cgroupPathsResolved(w: Warning): boolean {
  return w.code === 'cgroupns' && w.message.endsWith(RESOLVED);
}

/**
 * Inside a cgroup namespace other processes' paths climb above its root (`/..`), and the
 * scan's own cgroup namespace is not the node's (the check the tree profile needs, since
 * it takes paths from the walk).
 */
function cgroupNamespaceWarning(
  source: Source,
  outside: number,
  nodeNs: Partial<Record<NsType, number>>,
  resolved: Facts['resolved'],
  warnings: Warning[],
): void {
  if (resolved) {
    // The paths are real now: say where they came from, once.
    warnings.push({
      code: 'cgroupns',
      message: `the scan ran inside a cgroup namespace rooted at ${[...new Set(resolved.roots)].join(', ')}: ${resolved.count} process(es)' cgroup paths ${RESOLVED}`,
    });
    if (outside === 0) return;
  }
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
}

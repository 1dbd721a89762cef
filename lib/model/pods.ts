import { baseName, commonAncestor, parentPath } from './cgroup-tree.js';
import { limitsAt, type ProcessIdentity } from './containers.js';
import { NS_TYPES, type CgroupHierarchy, type Container, type NsMode, type NsType, type Pod, type ProcessInfo } from '../types.js';

/** Namespace types a pod sandbox shares with its containers. */
const POD_TYPES: NsType[] = ['net', 'ipc', 'uts', 'pid'];

/** Cgroups under which a container's parent says nothing about a pod. */
const RUNTIME_PARENTS = new Set(['/', '/docker', '/system.slice', '/machine.slice', '/lxc', '/docker.slice', '/kubepods', '/containerd', '/libpod_parent']);

interface Ctx {
  procs: Map<number, ProcessInfo>;
  node: Partial<Record<NsType, number>>;
  /** Main process per container, computed once. */
  main: Map<Container, ProcessInfo | undefined>;
}

/**
 * The process that stands for a container: its init (pid 1 in its own pid
 * namespace, from `NSpid`), else its lowest pid that is in some namespace of
 * its own, else its lowest pid. A helper left in the container's cgroup but
 * in the node's namespaces (an `unshare` wrapper) does not stand for it.
 */
function mainProcess(ctx: Ctx, c: Container): ProcessInfo | undefined {
  if (ctx.main.has(c)) return ctx.main.get(c);
  const p = findMainProcess(ctx, c);
  ctx.main.set(c, p);
  return p;
}

function findMainProcess(ctx: Ctx, c: Container): ProcessInfo | undefined {
  let fallback: ProcessInfo | undefined;
  let isolated: ProcessInfo | undefined;
  for (const pid of c.pids) {
    const p = ctx.procs.get(pid);
    if (!p) continue;
    if (p.nspid && p.nspid.length > 1 && p.nspid[p.nspid.length - 1] === 1) return p;
    fallback ??= p;
    if (!isolated && POD_TYPES.concat('mnt').some((t) => p.ns[t] !== undefined && p.ns[t] !== ctx.node[t])) isolated = p;
  }
  return isolated ?? fallback;
}

function nsOf(ctx: Ctx, c: Container, type: NsType): number | undefined {
  return mainProcess(ctx, c)?.ns[type];
}

function isPause(p: ProcessInfo | undefined): boolean {
  if (!p) return false;
  const exe = p.cmdline[0] ?? '';
  return p.comm === 'pause' || exe === 'pause' || exe.endsWith('/pause');
}

/**
 * Pick the sandbox of a group of containers: one the path marks as sandbox
 * (CRI-O), else the one running `pause`, else the one whose net, ipc, uts and
 * pid namespaces most other containers join (ties: started first, lowest pid).
 */
export function pickSandbox(ctx: Ctx, containers: Container[]): Container | undefined {
  const marked = containers.find((c) => c.role === 'sandbox');
  if (marked) return marked;
  const pause = containers.filter((c) => isPause(mainProcess(ctx, c)));
  if (pause.length === 1) return pause[0];
  if (containers.length < 2) return undefined;
  // How many containers hold each namespace: counted once, not per pair (a pod of many containers stays linear).
  const holders = new Map<string, number>();
  const keyOf = (c: Container, type: NsType): string | undefined => {
    const mine = nsOf(ctx, c, type);
    return mine === undefined || mine === ctx.node[type] ? undefined : `${type}:${mine}`;
  };
  for (const c of containers) {
    for (const type of POD_TYPES) {
      const k = keyOf(c, type);
      if (k !== undefined) holders.set(k, (holders.get(k) ?? 0) + 1);
    }
  }
  let best: { c: Container; score: number; start: number; pid: number } | undefined;
  for (const c of containers) {
    // The other containers that join each of its own namespaces.
    let score = 0;
    for (const type of POD_TYPES) {
      const k = keyOf(c, type);
      if (k !== undefined) score += (holders.get(k) as number) - 1;
    }
    const p = mainProcess(ctx, c);
    const cand = { c, score, start: p?.startTime ?? Number.MAX_SAFE_INTEGER, pid: p?.pid ?? Number.MAX_SAFE_INTEGER };
    if (!best || cand.score > best.score || (cand.score === best.score && (cand.start < best.start || (cand.start === best.start && cand.pid < best.pid)))) {
      best = cand;
    }
  }
  return best && best.score > 0 ? best.c : undefined;
}

/**
 * How a pod's containers hold each namespace type, in the CRI's terms: `pod`
 * (they join the sandbox's), `container` (each has its own), `node` (the
 * host's), `mixed` (some of each), `unknown` (nothing could be read).
 */
export function namespaceModes(ctx: Ctx, sandbox: Container | undefined, containers: Container[]): Record<NsType, NsMode> {
  const apps = containers.filter((c) => c !== sandbox);
  const out = {} as Record<NsType, NsMode>;
  for (const type of NS_TYPES) {
    const nodeNs = ctx.node[type];
    const sandboxNs = sandbox ? nsOf(ctx, sandbox, type) : undefined;
    const values = (apps.length ? apps : sandbox ? [sandbox] : []).map((c) => nsOf(ctx, c, type)).filter((v): v is number => v !== undefined);
    if (values.length === 0) out[type] = 'unknown';
    else if (values.every((v) => v === nodeNs)) out[type] = 'node';
    else if (apps.length === 0) out[type] = 'pod';
    else if (sandboxNs !== undefined && sandboxNs !== nodeNs && values.every((v) => v === sandboxNs)) out[type] = 'pod';
    else if (!sandbox && values.length > 1 && values.every((v) => v === values[0])) out[type] = 'pod';
    else if (values.every((v) => v !== nodeNs && v !== sandboxNs) && new Set(values).size === values.length) out[type] = 'container';
    else out[type] = 'mixed';
  }
  return out;
}

function finishPod(ctx: Ctx, pod: Pod, members: Container[], hierarchies: CgroupHierarchy[]): Pod {
  const sandbox = pickSandbox(ctx, members);
  if (sandbox) {
    sandbox.role = 'sandbox';
    pod.sandbox = { id: sandbox.id, pid: mainProcess(ctx, sandbox)?.pid ?? null };
  }
  const sorted = [...members].sort((a, b) => (a === sandbox ? -1 : b === sandbox ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  pod.containers = sorted.map((c) => c.id);
  for (const c of members) c.pod = pod.key;
  pod.namespaces = namespaceModes(ctx, sandbox, members);
  const limits = limitsAt(hierarchies, pod.cgroup);
  if (limits) pod.limits = limits;
  return pod;
}

function emptyPod(key: string): Pod {
  return {
    key,
    uid: null,
    name: null,
    inferred: false,
    qos: null,
    driver: null,
    hierarchy: null,
    cgroup: null,
    sandbox: null,
    containers: [],
    namespaces: {} as Record<NsType, NsMode>,
  };
}

/**
 * Group containers into pods: first Kubernetes pods from the kubelet's cgroup
 * layout, then, for containers in no such pod, pods inferred from shared
 * (non-node) net or ipc namespaces, such as one built by hand with
 * `docker run --network container:… --ipc container:…`. Returns the pods and the containers
 * with their `pod` and `role` set (new objects: the inputs are not changed).
 */
export function groupPods(
  processes: ProcessInfo[],
  nodeNs: Partial<Record<NsType, number>>,
  containers: Container[],
  identities: Map<number, ProcessIdentity>,
  hierarchies: CgroupHierarchy[],
): { pods: Pod[]; containers: Container[] } {
  // The containers come back with their pod and role (`sandbox`) set: copies, the inputs stay as they were.
  containers = containers.map((c) => ({ ...c }));
  const ctx: Ctx = { procs: new Map(processes.map((p) => [p.pid, p])), node: nodeNs, main: new Map() };
  const pods = new Map<string, { pod: Pod; members: Set<Container> }>();

  // 1. Kubelet pods: every process whose path names a pod; containers follow their processes.
  const containerByPid = new Map<number, Container>();
  for (const c of containers) for (const pid of c.pids) containerByPid.set(pid, c);
  for (const [pid, ident] of identities) {
    const pp = ident.id.pod;
    if (!pp) continue;
    let entry = pods.get(pp.uid);
    if (!entry) {
      const pod = emptyPod(pp.uid);
      pod.uid = pp.uid;
      pod.qos = pp.qos;
      pod.driver = pp.driver;
      pod.hierarchy = ident.hierarchy;
      pod.cgroup = pp.cgroup;
      pods.set(pp.uid, (entry = { pod, members: new Set() }));
    }
    const c = containerByPid.get(pid);
    if (c) entry.members.add(c);
  }

  // 2. Podman pods: the path names the pod (machine-libpod_pod_<id>.slice, libpod_parent/<id>).
  const placed = new Set<Container>();
  for (const e of pods.values()) for (const c of e.members) placed.add(c);
  const podman = new Map<string, Container[]>();
  for (const [pid, ident] of identities) {
    const id = ident.id.podmanPod;
    const c = containerByPid.get(pid);
    if (!id || !c || placed.has(c)) continue;
    placed.add(c);
    const list = podman.get(id);
    if (list) list.push(c);
    else podman.set(id, [c]);
  }

  // 3. Inferred pods: union containers that share a non-node net or ipc namespace.
  const loose = containers.filter((c) => !placed.has(c));
  const parent = new Map<Container, Container>();
  const find = (c: Container): Container => {
    let r = c;
    while (parent.get(r) !== r) r = parent.get(r) as Container;
    // Path compression: later finds of these containers take one step.
    for (let x = c; x !== r;) {
      const next = parent.get(x) as Container;
      parent.set(x, r);
      x = next;
    }
    return r;
  };
  for (const c of loose) parent.set(c, c);
  for (const type of ['net', 'ipc'] as const) {
    const holder = new Map<number, Container>();
    for (const c of loose) {
      const ns = nsOf(ctx, c, type);
      if (ns === undefined || ns === nodeNs[type]) continue;
      const first = holder.get(ns);
      if (first) parent.set(find(c), find(first));
      else holder.set(ns, c);
    }
  }
  const groups = new Map<Container, Container[]>();
  for (const c of loose) {
    const r = find(c);
    const g = groups.get(r);
    if (g) g.push(c);
    else groups.set(r, [c]);
  }
  const out: Pod[] = [];
  for (const { pod, members } of pods.values()) out.push(finishPod(ctx, pod, [...members], hierarchies));
  for (const [id, members] of podman) {
    const pod = emptyPod(`podman:${id}`);
    pod.name = id.slice(0, 12);
    pod.hierarchy = members[0]!.hierarchy;
    pod.cgroup = members.map((c) => parentPath(c.cgroup)).reduce((a, b) => commonAncestor(a, b));
    out.push(finishPod(ctx, pod, members, hierarchies));
  }
  const inferred = [...groups.values()]
    .filter((members) => members.length >= 2)
    .map((members) => ({ members, common: members.map((c) => parentPath(c.cgroup)).reduce((a, b) => commonAncestor(a, b)) }));
  const perParent = new Map<string, number>();
  for (const g of inferred) perParent.set(g.common, (perParent.get(g.common) ?? 0) + 1);
  for (const { members, common } of inferred) {
    // Named after the parent cgroup only when the pod has it to itself (not a runtime's
    // shared parent, and no other group under it); else after its sandbox's short id.
    const named = !RUNTIME_PARENTS.has(common) && perParent.get(common) === 1 && members.every((c) => c.hierarchy === members[0]!.hierarchy);
    const pod = emptyPod('');
    pod.inferred = true;
    if (named) {
      pod.cgroup = common;
      pod.hierarchy = members[0]!.hierarchy;
    }
    finishPod(ctx, pod, members, hierarchies);
    const shortId = (pod.sandbox?.id ?? pod.containers[0] ?? '').slice(0, 12);
    pod.name = named ? baseName(common) : RUNTIME_PARENTS.has(common) ? shortId : `${baseName(common)}-${shortId}`;
    pod.key = `inferred:${pod.name}`;
    for (const c of members) c.pod = pod.key;
    out.push(pod);
  }
  return { pods: out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), containers };
}

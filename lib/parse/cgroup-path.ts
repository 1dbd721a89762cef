import type { ContainerRole, QosClass, Runtime } from '../types.js';
import { unescapeSystemd } from './systemd-escape.js';

/** A container recognised in a cgroup path. */
export interface PathContainer {
  runtime: Runtime;
  /** Container id (64 hex for most runtimes), or the name where the runtime names containers (LXC, nspawn). */
  id: string;
  name: string | null;
  /** `sandbox` where the path itself tells (CRI-O's `crio-<id>` without `.scope` under a systemd pod slice). */
  role: ContainerRole;
  /** The path up to and including the container's own cgroup (sub-cgroups below it are cut off). */
  cgroup: string;
}

/** A Kubernetes pod recognised from the kubelet's cgroup layout. */
export interface PathPod {
  /** Pod UID with dashes, or a 32-hex static-pod hash. */
  uid: string;
  qos: QosClass;
  driver: 'systemd' | 'cgroupfs';
  /** The path up to and including the pod's cgroup. */
  cgroup: string;
}

/** A monitor process's cgroup (conmon, `lxc.monitor`): it belongs to a container but is not one. */
export interface PathMonitor {
  runtime: Runtime;
  /**
   * The monitored container's id (or LXC name); empty where the path does not
   * say which container (podman's cgroupfs `<cgroup-parent>/conmon`).
   */
  id: string;
  cgroup: string;
}

/** What a cgroup path says about the processes in it. */
export interface PathIdentity {
  /**
   * The innermost container on the path, or `null`. Never a container that sits
   * above the path's kubelet pod cgroup: that one holds the pod (see {@link outer}).
   */
  container: PathContainer | null;
  /**
   * A container that holds the innermost one, or `null`: a kind, k3d or minikube
   * node, an ECS task on EKS Fargate, an LXC, nspawn or podman machine running a
   * kubelet, a pod container running a nested kubelet. Set only with {@link container}.
   */
  outer: PathContainer | null;
  pod: PathPod | null;
  monitor: PathMonitor | null;
  /** A podman pod id (systemd `machine-libpod_pod_<id>.slice`, cgroupfs `/libpod_parent/<id>`), or `null`. */
  podmanPod: string | null;
  /** The path climbs above the reader's cgroup namespace root (`/..`): it was read from inside a cgroup namespace. */
  outsideNamespace: boolean;
}

const HEX64 = '[0-9a-f]{64}';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_ = '[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}';
const HASH32 = '[0-9a-f]{32}';

/** cgroupfs driver: `pod<UID>` (or a 32-hex static-pod hash) under `kubepods[/burstable|/besteffort]`. */
const RE_POD_CGROUPFS = new RegExp(`^pod(${UUID}|${HASH32})$`);
/** systemd driver: `[<prefix>-]kubepods[-<qos>]-pod<UID_>.slice`; the prefix is a `--cgroup-root` slice such as kind's `kubelet`. */
const RE_POD_SYSTEMD = new RegExp(`(?:^|-)kubepods(?:-(burstable|besteffort))?-pod(${UUID_}|${HASH32})\\.slice$`);
const RE_ID = new RegExp(`^${HEX64}$`);
const RE_UUID = new RegExp(`^${UUID}$`);
/** ECS Fargate (platform 1.4) container ids: `<32-hex task>-<number>`. */
const RE_ECS_TASK_CONTAINER = new RegExp(`^${HASH32}-\\d+$`);
/** podman pods under the systemd driver. */
const RE_PODMAN_POD_SLICE = new RegExp(`^machine-libpod_pod_(${HEX64})\\.slice$`);
/** systemd machines (`machinectl`): nspawn, libvirt-lxc, rkt; the name is unescaped first. */
const RE_MACHINE_SCOPE = /^machine-(.+)\.scope$/;

/** What the kernel appends to a removed cgroup's path in `/proc/<pid>/cgroup`. */
const DELETED = ' (deleted)';

/** Prefixed scope units: `<prefix><id>.scope` (or without `.scope` where noted). Monitors first: their prefixes overlap. */
const SCOPES: ReadonlyArray<{ re: RegExp; runtime: Runtime; monitor?: true }> = [
  { re: new RegExp(`^crio-conmon-(${HEX64})(?:\\.scope)?$`), runtime: 'cri-o', monitor: true },
  { re: new RegExp(`^libpod-conmon-(${HEX64})(?:\\.scope)?$`), runtime: 'podman', monitor: true },
  { re: new RegExp(`^docker-(${HEX64})\\.scope$`), runtime: 'docker' },
  { re: new RegExp(`^cri-containerd-(${HEX64})\\.scope$`), runtime: 'containerd' },
  // CRI-O: `crio-<id>.scope` (systemd), `crio-<id>` (cgroupfs, or a systemd pod's sandbox)
  { re: new RegExp(`^crio-(${HEX64})(?:\\.scope)?$`), runtime: 'cri-o' },
  // podman: `libpod-<id>.scope` (systemd), `libpod-<id>` (cgroupfs), `libpod-payload-<id>.scope` (`--cgroups=split`)
  { re: new RegExp(`^libpod-(?:payload-)?(${HEX64})(?:\\.scope)?$`), runtime: 'podman' },
];

/** `<slice>:<runtime>:<id>`: containerd (or CRI-O) given a systemd-style cgroupsPath while using the cgroupfs driver. */
const COLON_RUNTIMES: Readonly<Record<string, Runtime>> = {
  'cri-containerd': 'containerd',
  crio: 'cri-o',
  docker: 'docker',
  libpod: 'podman',
};

/** One path segment, with the segments before it. */
interface Step {
  /** The segment as written (systemd escapes intact). */
  raw: string;
  /** The segment with systemd's escaping undone. */
  seg: string;
  /** The raw segment before this one, `''` at the top. */
  prev: string;
  /** The raw segment two before this one, `''` near the top. */
  prev2: string;
  /** The path up to and including this segment. */
  here: string;
  /** This segment sits directly in the kubelet pod cgroup found so far. */
  inPod: boolean;
}

/**
 * Recognise containers, pods and monitors in one cgroup path, from the path
 * alone: pure, never throws, and recognises nothing in a path it does not know.
 *
 * Path forms (see the kubelet's pkg/kubelet/cm, containerd, CRI-O, moby,
 * podman, LXC and systemd-nspawn):
 * - kubelet pods, both drivers and all QoS classes, anywhere in the path
 *   (`/kubepods/burstable/pod<UID>`, `…/kubepods-besteffort-pod<UID_>.slice`,
 *   a `--cgroup-root` prefix such as `/kubelet`, Docker Desktop's `/kubepods/kubepods`
 *   or kind's `kubelet-kubepods…`), also seen from another pod's cgroup namespace
 *   (`/../../burstable/pod<UID>/<ID>`, `/../../kubepods-besteffort-pod<UID_>.slice/…`);
 * - a pod's containers: `cri-containerd-<ID>.scope`, `crio-<ID>[.scope]`,
 *   `docker-<ID>.scope`, or a bare `<ID>` (cgroupfs: the runtime is not in
 *   the path, reported as `kubernetes`); CRI-O's sandbox `crio-<ID>` directly
 *   under a systemd pod slice has role `sandbox`;
 * - `<slice>:cri-containerd:<ID>` (a systemd cgroupsPath on cgroupfs);
 * - Docker `/docker/<ID>`, `<--cgroup-parent>/<ID>`, `docker-<ID>.scope`;
 * - podman `libpod-<ID>.scope` (rootful, rootless, in a `machine-libpod_pod_<POD>.slice`),
 *   `libpod-payload-<ID>.scope`, cgroupfs `/libpod_parent[/<POD>]/libpod-<ID>`;
 * - monitors: `crio-conmon-<ID>`, `libpod-conmon-<ID>`, podman's cgroupfs
 *   `/libpod_parent[/<POD>]/conmon`, `lxc.monitor.<name>`, `lxc.monitor/<name>`;
 * - LXC `/lxc/<name>`, `/lxc.payload.<name>`, `/lxc.payload/<name>` (and Docker's
 *   old LXC driver's `/lxc/<ID>`); systemd machines `machine-<name>.scope`
 *   under `machine.slice` (`\x2d` escapes undone; `qemu-…` machines are VMs);
 * - ECS `/ecs/<task>/<ID>` and Fargate `<32 hex>-<n>` ids.
 *
 * Sub-cgroups below a container (crun's `container` leaf, an inner systemd's
 * units) are cut off: {@link PathContainer.cgroup} ends at the container. When
 * one container holds another (a kind or minikube node), the innermost is
 * {@link PathIdentity.container} and the one holding it {@link PathIdentity.outer}.
 *
 * A kubelet hierarchy may sit below another container: `/ecs/<task>/<task>-<n>/kubepods/…`
 * (EKS Fargate), `/docker/<node>/kubepods/…` and `/system.slice/docker-<node>.scope/kube…`
 * (kind, k3d, minikube), `/lxc.payload.<name>/…`, `/lxc/<vmid>/ns/…` (Proxmox),
 * `/machine.slice/machine-<name>.scope/payload/…` (nspawn). A container found above
 * the pod cgroup holds the pod and is never the pod's container: it becomes
 * {@link PathIdentity.outer} of the container inside the pod. A path that ends in the
 * pod cgroup (or in a sub-cgroup of it that names no container) gives the pod and no
 * container: the node's container is not a member of the pod.
 *
 * A path read from inside a cgroup namespace may climb with `..`; the `..`
 * segments are kept in the cgroups reported and set {@link PathIdentity.outsideNamespace}.
 */
export function recogniseCgroupPath(path: string): PathIdentity {
  const out: PathIdentity = { container: null, outer: null, pod: null, monitor: null, podmanPod: null, outsideNamespace: false };
  const clean = path.endsWith(DELETED) ? path.slice(0, -DELETED.length) : path;
  const segments = clean.split('/').filter((s) => s !== '' && s !== '.');
  /** The container the current pod cgroup sits in (a node, an ECS task), until one is found inside the pod. */
  let holder: PathContainer | null = null;
  const found = (c: PathContainer): void => {
    const around = out.container ?? holder;
    if (around) out.outer = around;
    holder = null;
    out.container = c;
  };
  const enterPod = (p: PathPod): void => {
    // Whatever container was found so far holds this pod: it is not one of the pod's containers.
    if (out.container) holder = out.container;
    out.container = null;
    out.outer = null;
    out.pod = p;
  };
  let here = '';
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i] as string;
    const prev = segments[i - 1] ?? '';
    const prev2 = segments[i - 2] ?? '';
    here += '/' + raw;
    if (raw === '..') {
      out.outsideNamespace = true;
      continue;
    }
    const inPod = out.pod !== null && out.pod.cgroup === parentOf(here);
    const seg = raw.includes('\\x') || raw.startsWith('_') ? unescapeSystemd(raw) : raw;
    const step: Step = { raw, seg, prev, prev2, here, inPod };

    const colon = matchColon(step);
    if (colon) {
      if (colon.pod) enterPod(colon.pod);
      if (colon.container) found(colon.container);
      continue;
    }
    const pod = matchPod(step, segments, i);
    if (pod) {
      enterPod(pod);
      continue;
    }
    const hit = matchScope(step) ?? (inPod ? matchPodChild(step) : matchOther(step));
    if (!hit) continue;
    if ('podmanPod' in hit) out.podmanPod = hit.podmanPod;
    else if ('monitor' in hit) out.monitor = hit.monitor;
    else found(hit);
  }
  return out;
}

type Hit = PathContainer | { monitor: PathMonitor } | { podmanPod: string };

/** The rest of `seg` after `prefix`, or `''` if it does not start with it (or nothing follows). */
function afterPrefix(seg: string, prefix: string): string {
  return seg.startsWith(prefix) ? seg.slice(prefix.length) : '';
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function container(runtime: Runtime, id: string, here: string, name: string | null = null, role: ContainerRole = 'container'): PathContainer {
  return { runtime, id, name, role, cgroup: here };
}

/** `kubepods-burstable-pod<UID_>.slice:cri-containerd:<ID>`: pod and container in one segment. */
function matchColon(step: Step): { pod: PathPod | null; container: PathContainer | null } | null {
  const parts = step.raw.split(':');
  if (parts.length !== 3) return null;
  const [slice, rt, id] = parts as [string, string, string];
  const runtime = COLON_RUNTIMES[rt];
  const pod = matchPodSystemd(slice, step.here);
  const c = runtime && (RE_ID.test(id) || RE_UUID.test(id)) ? container(runtime, id, step.here) : null;
  return pod || c ? { pod, container: c } : null;
}

function matchPod(step: Step, segments: string[], i: number): PathPod | null {
  const sd = matchPodSystemd(step.seg, step.here);
  if (sd) return sd;
  const fs = RE_POD_CGROUPFS.exec(step.seg);
  if (!fs || !isKubepodsParent(segments, i)) return null;
  return { uid: fs[1] as string, qos: qosFromParent(step.prev), driver: 'cgroupfs', cgroup: step.here };
}

function matchPodSystemd(seg: string, here: string): PathPod | null {
  const m = RE_POD_SYSTEMD.exec(seg);
  if (!m) return null;
  const qos = (m[1] as QosClass | undefined) ?? 'guaranteed';
  return { uid: (m[2] as string).replace(/_/g, '-'), qos, driver: 'systemd', cgroup: here };
}

/**
 * `kubepods/pod<UID>`, `kubepods/burstable/pod<UID>`, `kubepods/besteffort/pod<UID>`; and a QoS
 * cgroup straight below the reader's cgroup-namespace root, `/../../burstable/pod<UID>`: read from
 * inside another pod, `kubepods` is above the namespace root. (`/../pod<UID>` is left alone: whether
 * the hidden parent is `kubepods` or a QoS cgroup, and so the pod's QoS, is not in the path.)
 */
function isKubepodsParent(segments: string[], i: number): boolean {
  const p1 = segments[i - 1];
  const p2 = segments[i - 2];
  return p1 === 'kubepods' || ((p1 === 'burstable' || p1 === 'besteffort') && (p2 === 'kubepods' || p2 === '..'));
}

function qosFromParent(prev: string): QosClass {
  return prev === 'burstable' || prev === 'besteffort' ? prev : 'guaranteed';
}

/** Runtime-prefixed units and directories (`docker-<ID>.scope`, `crio-conmon-<ID>`, …), anywhere in the path. */
function matchScope(step: Step): Hit | null {
  for (const s of SCOPES) {
    const m = s.re.exec(step.seg);
    if (!m) continue;
    const id = m[1] as string;
    if (s.monitor) return { monitor: { runtime: s.runtime, id, cgroup: step.here } };
    // CRI-O names a pod's sandbox cgroup `crio-<ID>` without `.scope` under the systemd driver.
    const sandbox = s.runtime === 'cri-o' && !step.seg.endsWith('.scope') && step.inPod && step.prev.endsWith('.slice');
    return container(s.runtime, id, step.here, null, sandbox ? 'sandbox' : 'container');
  }
  return null;
}

/**
 * A direct child of a kubelet pod cgroup with no runtime prefix is one of its containers
 * (cgroupfs driver). The path does not say which CRI runtime made it: runtime `cri`.
 */
function matchPodChild(step: Step): Hit | null {
  if (RE_ID.test(step.seg) || RE_UUID.test(step.seg)) return container('cri', step.seg, step.here);
  return null;
}

/** Everything named by its place in the tree rather than by a prefix: podman cgroupfs, LXC, machines, ECS, Docker cgroupfs. */
function matchOther(step: Step): Hit | null {
  const { seg, prev, prev2, here } = step;
  // podman: pods `machine.slice/machine-libpod_pod_<POD>.slice` (systemd) or `/libpod_parent/<POD>` (cgroupfs)
  const pp = RE_PODMAN_POD_SLICE.exec(seg);
  if (pp) return { podmanPod: pp[1] as string };
  if (prev === 'libpod_parent' && RE_ID.test(seg)) return { podmanPod: seg };
  // podman (cgroupfs): conmon runs in `<cgroup-parent>/conmon`, which does not say for which container
  if (seg === 'conmon' && (prev === 'libpod_parent' || (prev2 === 'libpod_parent' && RE_ID.test(prev)))) {
    return { monitor: { runtime: 'podman', id: '', cgroup: here } };
  }
  // LXC / LXD: `lxc.monitor.<name>` (4.x), `lxc.monitor/<name>`; payloads `lxc.payload.<name>`, `lxc.payload/<name>`, `/lxc/<name>`
  const monitor = afterPrefix(seg, 'lxc.monitor.');
  if (monitor) return { monitor: { runtime: 'lxc', id: monitor, cgroup: here } };
  if (prev === 'lxc.monitor') return { monitor: { runtime: 'lxc', id: seg, cgroup: here } };
  const payload = afterPrefix(seg, 'lxc.payload.');
  if (payload) return container('lxc', payload, here, payload);
  if (prev === 'lxc' || prev === 'lxc.payload') {
    // Docker's old LXC exec driver put containers at /lxc/<64-hex id>.
    if (RE_ID.test(seg)) return container('docker', seg, here);
    return container('lxc', seg, here, seg);
  }
  // systemd machines: nspawn, libvirt-lxc, rkt (qemu machines are VMs, not containers)
  const machine = RE_MACHINE_SCOPE.exec(seg);
  if (machine && prev === 'machine.slice') {
    const name = machine[1] as string;
    if (name.startsWith('qemu-')) return null;
    const runtime: Runtime = name.startsWith('lxc-') ? 'libvirt-lxc' : name.startsWith('rkt-') ? 'rkt' : 'nspawn';
    return container(runtime, name, here, name);
  }
  // ECS: /ecs/<task>/<container> with a 64-hex id, or a Fargate `<32 hex>-<n>` id (also /ecs/<id> in name=systemd)
  if (prev2 === 'ecs' && (RE_ID.test(seg) || RE_ECS_TASK_CONTAINER.test(seg))) return container('ecs', seg, here);
  if (prev === 'ecs' && RE_ECS_TASK_CONTAINER.test(seg)) return container('ecs', seg, here);
  // Docker with the cgroupfs driver: /docker/<ID>, or <--cgroup-parent>/<ID>
  if (RE_ID.test(seg)) return container('docker', seg, here);
  return null;
}

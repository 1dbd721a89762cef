import type { ContainerRole, QosClass, Runtime } from '../model/types.js';
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
  id: string;
  cgroup: string;
}

/** What a cgroup path says about the processes in it. */
export interface PathIdentity {
  /** The innermost container on the path, or `null`. */
  container: PathContainer | null;
  /** A container that holds the innermost one (a kind or minikube node), or `null`. */
  outer: PathContainer | null;
  pod: PathPod | null;
  monitor: PathMonitor | null;
  /** A podman pod id (`machine-libpod_pod_<id>.slice`), or `null`. */
  podmanPod: string | null;
  /** The path climbs above the reader's cgroup namespace root (`/..`): it was read from inside a cgroup namespace. */
  outsideNamespace: boolean;
}

const HEX64 = '[0-9a-f]{64}';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const UUID_ = '[0-9a-f]{8}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{4}_[0-9a-f]{12}';
const HASH32 = '[0-9a-f]{32}';

const RE_POD_CGROUPFS = new RegExp(`^pod(${UUID}|${HASH32})$`);
const RE_POD_SYSTEMD = new RegExp(`(?:^|-)kubepods(?:-(burstable|besteffort))?-pod(${UUID_}|${HASH32})\\.slice$`);
const RE_ID = new RegExp(`^${HEX64}$`);
const RE_UUID = new RegExp(`^${UUID}$`);
const RE_ECS_TASK_CONTAINER = new RegExp(`^${HASH32}-\\d+$`);

/** Prefixed scope units: `<prefix><id>.scope` (or without `.scope` where noted). */
const SCOPES: Array<{ re: RegExp; runtime: Runtime; monitor?: true }> = [
  { re: new RegExp(`^crio-conmon-(${HEX64})(?:\\.scope)?$`), runtime: 'cri-o', monitor: true },
  { re: new RegExp(`^libpod-conmon-(${HEX64})(?:\\.scope)?$`), runtime: 'podman', monitor: true },
  { re: new RegExp(`^docker-(${HEX64})\\.scope$`), runtime: 'docker' },
  { re: new RegExp(`^cri-containerd-(${HEX64})\\.scope$`), runtime: 'containerd' },
  { re: new RegExp(`^crio-(${HEX64})(?:\\.scope)?$`), runtime: 'cri-o' },
  { re: new RegExp(`^libpod-(?:payload-)?(${HEX64})(?:\\.scope)?$`), runtime: 'podman' },
];

/** `<slice>:<runtime>:<id>`: containerd (or CRI-O) given a systemd-style cgroupsPath while using the cgroupfs driver. */
const COLON_RUNTIMES: Record<string, Runtime> = { 'cri-containerd': 'containerd', crio: 'cri-o', docker: 'docker', libpod: 'podman' };

/**
 * Recognise containers, pods and monitors in one cgroup path, from the path
 * alone. Sources: the kubelet's cgroup naming (pkg/kubelet/cm), containerd,
 * CRI-O, moby, podman, LXC and systemd-nspawn, as summarised in docs/model.md.
 */
export function recogniseCgroupPath(path: string): PathIdentity {
  const out: PathIdentity = { container: null, outer: null, pod: null, monitor: null, podmanPod: null, outsideNamespace: false };
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  let prefix = '';
  let prev = '';
  const found = (c: PathContainer): void => {
    if (out.container) out.outer = out.container;
    out.container = c;
  };
  for (let i = 0; i < segments.length; i++) {
    const raw = segments[i] as string;
    if (raw === '..') {
      out.outsideNamespace = true;
      prefix += '/..';
      prev = raw;
      continue;
    }
    prefix += '/' + raw;
    const here = prefix;
    const parts = raw.split(':');
    if (parts.length === 3) {
      // kubepods-burstable-pod<uid_>.slice:cri-containerd:<id>
      const [slice, rt, id] = parts as [string, string, string];
      const pod = matchPodSystemd(slice, here);
      if (pod) out.pod = pod;
      const runtime = COLON_RUNTIMES[rt];
      if (runtime && (RE_ID.test(id) || RE_UUID.test(id))) found({ runtime, id, name: null, role: 'container', cgroup: here });
      prev = raw;
      continue;
    }
    const seg = raw.includes('\\x') || raw.startsWith('_') ? unescapeSystemd(raw) : raw;

    const podSd = matchPodSystemd(seg, here);
    const podFs = podSd ? null : RE_POD_CGROUPFS.exec(seg);
    if (podSd) {
      out.pod = podSd;
    } else if (podFs && isKubepodsParent(segments, i)) {
      out.pod = { uid: podFs[1] as string, qos: qosFromParent(prev), driver: 'cgroupfs', cgroup: here };
    } else if (out.pod && out.pod.cgroup === prefixOf(here)) {
      // A direct child of a kubelet pod cgroup is one of its containers, whatever the runtime's prefix.
      const c = matchScope(seg, here, prev);
      if (c === 'monitor') out.monitor = monitorOf(seg, here);
      else if (c) found(c);
      else if (RE_ID.test(seg) || RE_UUID.test(seg)) found({ runtime: 'kubernetes', id: seg, name: null, role: 'container', cgroup: here });
    } else {
      const c = matchScope(seg, here, prev);
      if (c === 'monitor') out.monitor = monitorOf(seg, here);
      else if (c) found(c);
      else {
        const other = matchOther(seg, here, prev, segments, i);
        if (other === 'monitor') out.monitor = { runtime: 'lxc', id: seg.replace(/^lxc\.monitor\.?/, ''), cgroup: here };
        else if (other && 'podmanPod' in other) out.podmanPod = other.podmanPod;
        else if (other) found(other);
      }
    }
    prev = raw;
  }
  return out;
}

function prefixOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function matchPodSystemd(seg: string, here: string): PathPod | null {
  const m = RE_POD_SYSTEMD.exec(seg);
  if (!m) return null;
  const qos = (m[1] as QosClass | undefined) ?? 'guaranteed';
  return { uid: (m[2] as string).replace(/_/g, '-'), qos, driver: 'systemd', cgroup: here };
}

function isKubepodsParent(segments: string[], i: number): boolean {
  const p1 = segments[i - 1];
  const p2 = segments[i - 2];
  return p1 === 'kubepods' || ((p1 === 'burstable' || p1 === 'besteffort') && p2 === 'kubepods');
}

function qosFromParent(prev: string): QosClass {
  return prev === 'burstable' || prev === 'besteffort' ? prev : 'guaranteed';
}

function monitorOf(seg: string, here: string): PathMonitor {
  for (const s of SCOPES) {
    const m = s.re.exec(seg);
    if (m && s.monitor) return { runtime: s.runtime, id: m[1] as string, cgroup: here };
  }
  return { runtime: 'kubernetes', id: seg, cgroup: here };
}

function matchScope(seg: string, here: string, prev: string): PathContainer | 'monitor' | null {
  for (const s of SCOPES) {
    const m = s.re.exec(seg);
    if (!m) continue;
    if (s.monitor) return 'monitor';
    // CRI-O names a pod's sandbox cgroup `crio-<id>` without `.scope` under the systemd driver.
    const role: ContainerRole = s.runtime === 'cri-o' && !seg.endsWith('.scope') && prev.endsWith('.slice') ? 'sandbox' : 'container';
    return { runtime: s.runtime, id: m[1] as string, name: null, role, cgroup: here };
  }
  return null;
}

function matchOther(
  seg: string,
  here: string,
  prev: string,
  segments: string[],
  i: number,
): PathContainer | 'monitor' | { podmanPod: string } | null {
  // podman pods: machine.slice/machine-libpod_pod_<id>.slice
  const pp = /^machine-libpod_pod_([0-9a-f]{64})\.slice$/.exec(seg);
  if (pp) return { podmanPod: pp[1] as string };
  // LXC / LXD
  if (seg.startsWith('lxc.monitor.') || (prev === 'lxc.monitor' && i > 0)) return 'monitor';
  if (seg.startsWith('lxc.payload.')) {
    const name = seg.slice('lxc.payload.'.length);
    return { runtime: 'lxc', id: name, name, role: 'container', cgroup: here };
  }
  if (prev === 'lxc' || prev === 'lxc.payload') {
    // Docker's old LXC exec driver put containers at /lxc/<64-hex id>.
    if (RE_ID.test(seg)) return { runtime: 'docker', id: seg, name: null, role: 'container', cgroup: here };
    return { runtime: 'lxc', id: seg, name: seg, role: 'container', cgroup: here };
  }
  // systemd machines: nspawn, libvirt-lxc, rkt (qemu machines are VMs, not containers)
  const machine = /^machine-(.+)\.scope$/.exec(seg);
  if (machine && prev === 'machine.slice') {
    const name = machine[1] as string;
    if (name.startsWith('qemu-')) return null;
    const runtime: Runtime = name.startsWith('lxc-') ? 'libvirt-lxc' : name.startsWith('rkt-') ? 'rkt' : 'nspawn';
    return { runtime, id: name, name, role: 'container', cgroup: here };
  }
  // ECS: /ecs/<task>/<container> with a 64-hex id, or a Fargate `<32 hex>-<n>` id
  if (segments[i - 2] === 'ecs' && (RE_ID.test(seg) || RE_ECS_TASK_CONTAINER.test(seg))) {
    return { runtime: 'ecs', id: seg, name: null, role: 'container', cgroup: here };
  }
  if (prev === 'ecs' && RE_ECS_TASK_CONTAINER.test(seg)) return { runtime: 'ecs', id: seg, name: null, role: 'container', cgroup: here };
  // Docker with the cgroupfs driver: /docker/<id>, or <--cgroup-parent>/<id>
  if (RE_ID.test(seg)) return { runtime: 'docker', id: seg, name: null, role: 'container', cgroup: here };
  return null;
}

/**
 * Whole-host scenarios: each fixture is scanned through the real reader and
 * the rebuilt model is asserted in full (namespaces, containers, pods,
 * sandbox, sharing modes, limits, diff).
 */
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { diff } from '../../lib/model/diff.js';
import { parseSnapshot, stringifySnapshot } from '../../lib/model/snapshot.js';
import type { Snapshot } from '../../lib/model/types.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';
import { buildVolume, volumeSource } from '../helpers/volume.js';
import { createFsSource, type FsLike } from '../../lib/source/fs-source.js';

const scan = (name: string): Snapshot => scanSync({ source: scenarioSource(name) });
const nsOf = (s: Snapshot, type: string, inode: number) => s.namespaces.find((n) => n.type === type && n.inode === inode);

describe("the seeds' Kubernetes pod (k8s-seed-pod)", () => {
  const s = scan('k8s-seed-pod');
  const pod = s.pods[0]!;

  it("has the pod-level namespaces with exactly the pod's processes", () => {
    expect(nsOf(s, 'net', 4026532614)?.pids).toEqual([4966, 5001, 5016, 5035]);
    expect(nsOf(s, 'uts', 4026532716)?.pids).toEqual([4966, 5001, 5016, 5035]);
    expect(nsOf(s, 'ipc', 4026532717)?.pids).toEqual([4966, 5001, 5016, 5035]);
  });

  it('gives each container its own mnt and pid namespace', () => {
    expect(nsOf(s, 'mnt', 4026532715)?.pids).toEqual([4966]);
    expect(nsOf(s, 'pid', 4026532718)?.pids).toEqual([4966]);
    expect(nsOf(s, 'mnt', 4026532719)?.pids).toEqual([5001, 5016]);
    expect(nsOf(s, 'pid', 4026532720)?.pids).toEqual([5001, 5016]);
    expect(nsOf(s, 'mnt', 4026532721)?.pids).toEqual([5035]);
  });

  it('is one besteffort pod of three containerd containers with the pause sandbox', () => {
    expect(s.pods).toHaveLength(1);
    expect(pod).toMatchObject({ uid: '5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b', qos: 'besteffort', driver: 'systemd', inferred: false });
    expect(pod.sandbox?.pid).toBe(4966);
    expect(s.containers.map((c) => [c.runtime, c.pids])).toEqual(
      expect.arrayContaining([
        ['containerd', [4966]],
        ['containerd', [5001, 5016]],
        ['containerd', [5035]],
      ]),
    );
    expect(s.containers).toHaveLength(3);
    expect(pod.containers[0]).toBe(pod.sandbox?.id);
    expect(s.containers.find((c) => c.id === pod.sandbox?.id)?.role).toBe('sandbox');
  });

  it('reports net, ipc, uts at pod level, mnt and pid per container, user at node level', () => {
    expect(pod.namespaces).toEqual({ net: 'pod', ipc: 'pod', uts: 'pod', mnt: 'container', pid: 'container', cgroup: 'container', user: 'node', time: 'node' });
  });

  it('diffs two containers of the pod: share net, ipc, uts; distinct mnt, pid', () => {
    const d = diff(s, 5001, 5035);
    expect(d.relation).toBe('same-pod');
    expect(d.namespaces.filter((n) => n.shared && !n.node).map((n) => n.type)).toEqual(['ipc', 'net', 'uts']);
    expect(d.distinct).toEqual(expect.arrayContaining(['mnt', 'pid']));
    expect(d.namespaces.find((n) => n.type === 'net')).toMatchObject({ a: 4026532614, b: 4026532614, shared: true });
    expect(d.verdict).toBe(
      "same pod default/foo, different containers app and sidecar: share ipc, net, uts; separate cgroup, mnt, pid; both in the node's time, user",
    );
    expect(d.cgroups[0]).toMatchObject({ hierarchy: 'unified', common: pod.cgroup });
  });

  it('diffs two processes of one container as same container', () => {
    expect(diff(s, 5001, 5016).relation).toBe('same-container');
    expect(diff(s, 1, 5035).relation).toBe('host-and-container');
  });

  it('round-trips through JSON', () => {
    const back = parseSnapshot(stringifySnapshot(s));
    expect(back).toEqual(JSON.parse(JSON.stringify(s)));
    expect(diff(back, 5001, 5035).verdict).toBe(diff(s, 5001, 5035).verdict);
  });
});

describe("the seeds' hand-made Docker pod (docker-seed-pod)", () => {
  const s = scan('docker-seed-pod');

  it('infers one pod of three containers under /pod-foo with the first-started sandbox', () => {
    expect(s.pods).toHaveLength(1);
    const pod = s.pods[0]!;
    expect(pod).toMatchObject({ key: 'inferred:pod-foo', name: 'pod-foo', inferred: true, uid: null, qos: null, cgroup: '/pod-foo' });
    expect(pod.containers).toHaveLength(3);
    expect(pod.sandbox?.pid).toBe(27743);
    const byPids = s.containers.map((c) => c.pids);
    expect(byPids).toEqual(expect.arrayContaining([[27743], [27865, 27880], [27977]]));
    expect(s.containers.every((c) => c.runtime === 'docker' && c.cgroup.startsWith('/pod-foo/'))).toBe(true);
  });

  it('shares net and ipc but not uts', () => {
    const pod = s.pods[0]!;
    expect(pod.namespaces.net).toBe('pod');
    expect(pod.namespaces.ipc).toBe('pod');
    expect(pod.namespaces.uts).toBe('container');
    const d = diff(s, 27865, 27977);
    expect(d.relation).toBe('same-pod');
    expect(d.namespaces.find((n) => n.type === 'uts')?.shared).toBe(false);
    expect(d.namespaces.find((n) => n.type === 'net')?.shared).toBe(true);
  });

  it('reads v1 limits of a container', () => {
    const app = s.containers.find((c) => c.pids.includes(27865))!;
    expect(app.limits).toEqual({ memory: 268435456, cpu: { quota: 50000, period: 100000 }, pids: 512 });
  });
});

interface PodExpect {
  uid: string;
  cgroup: string;
  sandbox: string;
  sandboxPid: number;
  containers: Array<{ id: string; pids: number[] }>;
}

describe('a cgroup v2 systemd-driver node (k8s-v2-systemd-node)', () => {
  const s = scan('k8s-v2-systemd-node');
  const ex = loadSpec<Record<string, PodExpect>>('k8s-v2-systemd-node').expect!;
  const podOf = (e: PodExpect) => s.pods.find((p) => p.uid === e.uid)!;

  it.each(Object.keys(ex))('rebuilds the %s pod exactly', (name) => {
    const e = ex[name]!;
    const pod = podOf(e);
    expect(pod.cgroup).toBe(e.cgroup);
    expect(pod.sandbox).toEqual({ id: e.sandbox, pid: e.sandboxPid });
    expect(pod.containers).toEqual([e.sandbox, ...e.containers.map((c) => c.id).sort()]);
    for (const c of e.containers) expect(s.containers.find((x) => x.id === c.id)?.pids).toEqual(c.pids);
  });

  it('finds the QoS class of every pod', () => {
    expect(podOf(ex.guaranteed!).qos).toBe('guaranteed');
    expect(podOf(ex.burstable!).qos).toBe('burstable');
    expect(podOf(ex.besteffort!).qos).toBe('besteffort');
  });

  it('tells containerd from CRI-O, keeps conmon out, and folds crun container leaves into their scope', () => {
    const crio = podOf(ex.burstable!);
    for (const id of crio.containers) expect(s.containers.find((c) => c.id === id)?.runtime).toBe('cri-o');
    expect(s.containers.filter((c) => c.runtime === 'cri-o').every((c) => !c.cgroup.endsWith('/container'))).toBe(true);
    const conmonPids = s.processes.filter((p) => p.comm === 'conmon').map((p) => p.pid);
    expect(conmonPids.length).toBeGreaterThan(0);
    for (const pid of conmonPids) expect(s.containers.some((c) => c.pids.includes(pid))).toBe(false);
    expect(podOf(ex.guaranteed!).containers.map((id) => s.containers.find((c) => c.id === id)?.runtime)).toEqual(['containerd', 'containerd']);
  });

  it('shows hostNetwork as node-level net and shareProcessNamespace as pod-level pid', () => {
    expect(podOf(ex.hostnetwork!).namespaces.net).toBe('node');
    expect(podOf(ex.hostnetwork!).namespaces.uts).toBe('node');
    expect(podOf(ex.sharepid!).namespaces.pid).toBe('pod');
    expect(podOf(ex.besteffort!).namespaces.pid).toBe('container');
  });

  it('reads v2 limits of pods and containers', () => {
    expect(podOf(ex.guaranteed!).limits).toEqual({ memory: 536870912, cpu: { quota: 100000, period: 100000 }, pids: 'max' });
    expect(podOf(ex.burstable!).limits).toEqual({ memory: 268435456, cpu: { quota: 'max', period: 100000 }, pids: 'max' });
  });

  it('diffs across pods', () => {
    const a = ex.guaranteed!.containers[0]!.pids[0]!;
    const b = ex.besteffort!.containers[0]!.pids[0]!;
    expect(diff(s, a, b).relation).toBe('different-pods');
  });

  it('walks empty cgroups too', () => {
    const v2 = s.hierarchies.find((h) => h.key === 'unified')!;
    const sys = v2.root.children.find((c) => c.path === '/system.slice')!;
    expect(sys.children.find((c) => c.path === '/system.slice/systemd-journald.service')?.pids).toEqual([]);
  });
});

describe('a cgroup v1 cgroupfs-driver node (k8s-v1-cgroupfs-node)', () => {
  const s = scan('k8s-v1-cgroupfs-node');
  const ex = loadSpec<Record<string, PodExpect>>('k8s-v1-cgroupfs-node').expect!;

  it.each(Object.keys(ex))('rebuilds the %s pod with its QoS, sandbox and containers', (qos) => {
    const e = ex[qos]!;
    const pod = s.pods.find((p) => p.uid === e.uid)!;
    expect(pod).toMatchObject({ qos, driver: 'cgroupfs', cgroup: e.cgroup, sandbox: { id: e.sandbox, pid: e.sandboxPid } });
    expect(pod.containers).toEqual([e.sandbox, ...e.containers.map((c) => c.id).sort()]);
    expect(pod.namespaces).toMatchObject({ net: 'pod', ipc: 'pod', uts: 'pod', pid: 'container', mnt: 'container' });
  });

  it('finds the hierarchies from mountinfo, with no v2 tree', () => {
    expect(s.hierarchies.map((h) => h.key)).toEqual(['cpu,cpuacct', 'memory', 'name=systemd', 'pids']);
  });

  it('merges v1 limits from the memory, cpu and pids controllers', () => {
    const pod = s.pods.find((p) => p.qos === 'guaranteed')!;
    expect(pod.limits).toEqual({ memory: 1073741824, cpu: { quota: 200000, period: 100000 }, pids: 4096 });
    expect(s.pods.find((p) => p.qos === 'burstable')!.limits).toEqual({ memory: 'max', cpu: { quota: 'max', period: 100000 } });
  });
});

describe('a Docker host (docker-host)', () => {
  const s = scan('docker-host');
  const ex = loadSpec<{ docker: string[]; podman: string; podmanPod: { id: string; infra: string; app: string } }>('docker-host').expect!;

  it('finds the Docker, podman and nspawn containers', () => {
    expect(
      s.containers
        .filter((c) => c.runtime === 'docker')
        .map((c) => c.id)
        .sort(),
    ).toEqual([...ex.docker].sort());
    expect(s.containers.find((c) => c.runtime === 'podman')).toMatchObject({ id: ex.podman, pids: [2301], cgroup: `/machine.slice/libpod-${ex.podman}.scope` });
    expect(s.containers.find((c) => c.runtime === 'nspawn')).toMatchObject({ id: 'debian-test', name: 'debian-test', pids: [2400] });
  });

  it('groups the podman pod from its slice, with the infra container as sandbox', () => {
    expect(s.pods).toHaveLength(1);
    const pod = s.pods[0]!;
    expect(pod).toMatchObject({
      key: `podman:${ex.podmanPod.id}`,
      name: ex.podmanPod.id.slice(0, 12),
      inferred: false,
      cgroup: `/machine.slice/machine-libpod_pod_${ex.podmanPod.id}.slice`,
      sandbox: { id: ex.podmanPod.infra, pid: 2501 },
      containers: [ex.podmanPod.infra, ex.podmanPod.app],
    });
    expect(pod.namespaces).toMatchObject({ net: 'pod', ipc: 'pod', uts: 'pod', pid: 'container', mnt: 'container' });
  });

  it('keeps the podman conmon monitor out of the containers', () => {
    expect(s.containers.some((c) => c.pids.includes(2300))).toBe(false);
  });

  it('reads container limits and shows a host-network container sharing the node net', () => {
    const db = s.containers.find((c) => c.pids.includes(2101))!;
    expect(db.limits).toEqual({ memory: 134217728, cpu: { quota: 25000, period: 100000 }, pids: 100 });
    const d = diff(s, 2201, 1);
    expect(d.relation).toBe('host-and-container');
    expect(d.namespaces.find((n) => n.type === 'net')).toMatchObject({ shared: true, node: true });
    expect(d.namespaces.find((n) => n.type === 'mnt')?.shared).toBe(false);
    expect(diff(s, 2001, 2101).relation).toBe('different-containers');
  });
});

describe('a broken capture (broken-capture)', () => {
  const s = scan('broken-capture');
  const byPath = (path: string) => s.warnings.find((w) => w.path === path);

  it('never throws, keeps every process, and names each bad file in a warning', () => {
    expect(s.processes.map((p) => p.pid)).toEqual([1, 2, 3, 25, 100, 101, 102, 103, 104, 105]);
    expect(byPath('/proc/101/stat')?.code).toBe('malformed');
    expect(byPath('/proc/102/cgroup')?.code).toBe('malformed');
    expect(byPath('/proc/103/ns/net')?.code).toBe('malformed');
    expect(byPath('/proc/105/status')?.code).toBe('malformed');
    expect(byPath('/sys/fs/cgroup/system.slice/d.service/cgroup.procs')?.code).toBe('malformed');
    expect(byPath('/sys/fs/cgroup/system.slice/memory.max')?.code).toBe('malformed');
  });

  it('keeps what could be read of a damaged process', () => {
    const p103 = s.processes.find((p) => p.pid === 103)!;
    expect(p103.ns.net).toBeUndefined();
    expect(p103.ns.ipc).toBe(4026531839);
    const p104 = s.processes.find((p) => p.pid === 104)!;
    expect(p104.ns).toEqual({});
    expect(p104.cgroups.unified).toBe('/system.slice/d.service');
    expect(s.processes.find((p) => p.pid === 101)!.comm).toBe('badstat');
    // The well-formed line of a cgroup file with a garbage line is kept.
    expect(s.processes.find((p) => p.pid === 102)!.cgroups).toEqual({ unified: '/system.slice/b.service' });
  });
});

describe('inferred pods that share a parent cgroup', () => {
  it('get distinct keys and no shared-parent limits', () => {
    const spec = loadSpec('docker-seed-pod');
    const id = (n: number) => String(n).repeat(64).slice(0, 64);
    spec.processes.push(
      { pid: 31001, comm: 'a', ns: { net: 4026533001, ipc: 4026533002 }, cgroup: `/pod-foo/${id(1)}` },
      { pid: 31002, comm: 'b', ns: { net: 4026533001, ipc: 4026533002 }, cgroup: `/pod-foo/${id(2)}` },
    );
    const s = scanSync({ source: volumeSource(spec) });
    expect(s.pods).toHaveLength(2);
    const keys = s.pods.map((p) => p.key);
    expect(new Set(keys).size).toBe(2);
    for (const p of s.pods) expect(p.name).toMatch(/^pod-foo-[0-9a-f]{12}$/);
    expect(s.pods.every((p) => p.cgroup === null)).toBe(true);
    expect(diff(s, 31001, 27865).relation).toBe('different-pods');
  });
});

describe('a cgroup hierarchy mounted from a subtree', () => {
  it('places nodes at their real cgroup paths, so pods and containers are found in the tree', () => {
    const spec = loadSpec('k8s-seed-pod');
    const vol = buildVolume(spec);
    // Remount the v2 tree as a bind mount of /kubepods.slice, as inside a container sharing the host's cgroup namespace.
    const mi = String(vol.readFileSync('/proc/self/mountinfo')).replace(' / /sys/fs/cgroup ', ' /kubepods.slice /sys/fs/cgroup ');
    vol.writeFileSync('/proc/self/mountinfo', mi);
    const all = vol.toJSON();
    const moved: Record<string, string | null> = {};
    for (const [path, content] of Object.entries(all)) {
      if (!path.startsWith('/sys/fs/cgroup/')) continue;
      if (path.startsWith('/sys/fs/cgroup/kubepods.slice/')) moved[path.replace('/sys/fs/cgroup/kubepods.slice/', '/new/')] = content;
    }
    const v2 = buildVolume({ ...spec, cgroup: 'v2' });
    v2.rmSync('/sys/fs/cgroup', { recursive: true });
    for (const [p, c] of Object.entries(moved)) {
      v2.mkdirSync(p.slice(0, p.lastIndexOf('/')).replace('/new', '/sys/fs/cgroup'), { recursive: true });
      v2.writeFileSync(p.replace('/new/', '/sys/fs/cgroup/'), c ?? '');
    }
    v2.writeFileSync('/proc/self/mountinfo', mi);
    const s = scanSync({ source: createFsSource('/', { fs: v2 as unknown as FsLike, confine: false }) });
    const h = s.hierarchies[0]!;
    expect(h.mountRoot).toBe('/kubepods.slice');
    expect(h.root.path).toBe('/kubepods.slice');
    expect(s.pods[0]!.limits).toEqual({ memory: 'max', cpu: { quota: 'max', period: 100000 }, pids: 'max' });
  });
});

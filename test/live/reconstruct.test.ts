/**
 * Live reconstruction: pods built by the lab from unshare/nsenter and cgroupfs
 * in every layout nsview knows come back from `scanSync()` of the real host
 * with their exact containers, pids, sandbox, QoS, uid and namespace modes, and
 * `diff` relates their processes as a runtime would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diff, scanSync, type Snapshot } from '../../lib/index.js';
import type { NsType } from '../../lib/model/types.js';
import { Lab, liveStatus, type LabPod, type PodSpec, closeLab } from '../helpers/lab.js';

const live = liveStatus();

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: pods rebuilt from the real kernel', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/** The lab's pods, by a name each test refers to. */
const SPECS: Record<string, PodSpec> = {
  'cgroupfs guaranteed (pause, one container with 3 processes)': { layout: 'cgroupfs', qos: 'guaranteed', containers: [{}, { procs: 3 }] },
  'cgroupfs burstable (sleep sandbox, shareProcessNamespace)': { layout: 'cgroupfs', qos: 'burstable', sandbox: 'sleep', shareProcessNamespace: true },
  'cgroupfs besteffort (pause, hostNetwork, one container)': { layout: 'cgroupfs', qos: 'besteffort', hostNetwork: true, containers: [{}] },
  'systemd+containerd guaranteed (sleep sandbox)': { layout: 'containerd', qos: 'guaranteed', sandbox: 'sleep' },
  'systemd+containerd burstable (pause, containers with 2 and 3 processes)': {
    layout: 'containerd',
    qos: 'burstable',
    containers: [{ procs: 2 }, { procs: 3 }],
  },
  'systemd+containerd besteffort (sleep sandbox, hostNetwork, shareProcessNamespace)': {
    layout: 'containerd',
    qos: 'besteffort',
    sandbox: 'sleep',
    hostNetwork: true,
    shareProcessNamespace: true,
  },
  'systemd+CRI-O burstable (sleep sandbox, conmon monitors)': { layout: 'crio', qos: 'burstable', sandbox: 'sleep' },
  'systemd+CRI-O guaranteed (pause, shareProcessNamespace, a container with 2 processes)': {
    layout: 'crio',
    qos: 'guaranteed',
    shareProcessNamespace: true,
    containers: [{}, { procs: 2 }],
  },
  'cgroupfs burstable static pod (32-hex uid)': { layout: 'cgroupfs', qos: 'burstable', staticPod: true, containers: [{}] },
  'systemd+containerd guaranteed static pod (32-hex uid, hostNetwork)': { layout: 'containerd', qos: 'guaranteed', staticPod: true, hostNetwork: true },
  'hand-made Docker pod (pause sandbox)': { layout: 'docker' },
  'hand-made Docker pod (sleep sandbox: found from namespace sharing)': { layout: 'docker', sandbox: 'sleep' },
};

describe.skipIf(!live.ok)('live: pods rebuilt from the real kernel', () => {
  let lab: Lab;
  const pods = new Map<string, LabPod>();
  let snap: Snapshot;

  beforeAll(async () => {
    lab = await Lab.open();
    for (const [name, spec] of Object.entries(SPECS)) pods.set(name, await lab.pod(spec));
    snap = scanSync();
  }, 300_000);

  afterAll(async () => {
    expect(await closeLab(lab), 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
  }, 60_000);

  describe.each(Object.keys(SPECS))('%s', (name) => {
    const get = (): LabPod => pods.get(name) as LabPod;

    it('comes back as one pod: key, uid, QoS, driver, cgroup, sandbox (id and pid), containers', () => {
      const lp = get();
      const pod = snap.pods.find((p) => p.key === lp.key);
      expect(pod, `pod ${lp.key} in ${JSON.stringify(snap.pods.map((p) => p.key))}`).toBeDefined();
      expect({
        uid: pod?.uid,
        inferred: pod?.inferred,
        name: pod?.name,
        qos: pod?.qos,
        driver: pod?.driver,
        hierarchy: pod?.hierarchy,
        cgroup: pod?.cgroup,
        sandbox: pod?.sandbox,
        containers: pod?.containers,
      }).toEqual({
        uid: lp.uid,
        inferred: lp.layout === 'docker',
        name: lp.layout === 'docker' ? lp.name : null,
        qos: lp.qos,
        driver: lp.driver,
        hierarchy: 'unified',
        cgroup: lp.cgroup,
        sandbox: { id: lp.sandbox.id, pid: lp.sandbox.mainPid },
        containers: [lp.sandbox.id, ...lp.containers.map((c) => c.id).sort()],
      });
    });

    it('namespace modes as the CRI would set them', () => {
      const lp = get();
      expect(snap.pods.find((p) => p.key === lp.key)?.namespaces).toEqual(lp.modes);
    });

    it('every container: id, runtime, role, cgroup and exactly its pids; monitors are not containers', () => {
      const lp = get();
      for (const c of [lp.sandbox, ...lp.containers]) {
        const found = snap.containers.filter((x) => x.id === c.id);
        expect(found, `container ${c.id}`).toHaveLength(1);
        expect({ ...found[0], limits: undefined }).toEqual({
          id: c.id,
          runtime: lp.runtime,
          name: null,
          role: c.role,
          hierarchy: 'unified',
          cgroup: c.cgroup,
          pids: c.pids,
          pod: lp.key,
          limits: undefined,
        });
      }
      const labPids = new Set(lp.pids);
      const owners = snap.containers.filter((c) => c.pids.some((p) => labPids.has(p))).map((c) => c.id);
      expect(owners.sort(), 'no other container holds a lab pid').toEqual([lp.sandbox.id, ...lp.containers.map((c) => c.id)].sort());
      for (const m of lp.monitors) {
        expect(
          snap.containers.some((c) => c.pids.includes(m.pid)),
          `conmon ${m.pid} is in no container`,
        ).toBe(false);
        expect(snap.processes.find((p) => p.pid === m.pid)?.comm).toBe('conmon');
        expect(diff(snap, m.pid, lp.containers[0]!.mainPid).relation).toBe('host-and-container');
      }
    });

    it('process details: comm, NSpid (pid 1 in its own pid namespace), cgroup path in every hierarchy', () => {
      const lp = get();
      const own = (c: { role: string }): boolean => c.role === 'sandbox' || !lp.spec.shareProcessNamespace;
      for (const c of [lp.sandbox, ...lp.containers]) {
        const main = snap.processes.find((p) => p.pid === c.mainPid);
        expect(main?.comm).toBe(c.comm);
        if (own(c)) expect(main?.nspid).toEqual([c.mainPid, 1]);
        else expect(main?.nspid?.length).toBe(2);
        for (const pid of c.pids) {
          const p = snap.processes.find((x) => x.pid === pid);
          const paths = new Set(Object.values(p?.cgroups ?? {}));
          expect([...paths], `pid ${pid}: one path in every hierarchy`).toEqual([c.cgroup]);
          expect(Object.keys(p?.cgroups ?? {}).sort()).toEqual(lab.hierarchies.map((h) => h.key).sort());
        }
      }
    });

    it('diff: two containers of the pod, and sandbox vs container, are the same pod; sharing as set up', () => {
      const lp = get();
      const [a, b] = lp.containers;
      const pairs: Array<[number, number]> = [[lp.sandbox.mainPid, a!.mainPid]];
      if (b) pairs.push([a!.mainPid, b.mainPid]);
      for (const [x, y] of pairs) {
        const d = diff(snap, x, y);
        expect(d.relation).toBe('same-pod');
        expect(d.a.pod?.key).toBe(lp.key);
        const shared = (['net', 'ipc', 'uts', 'pid'] as NsType[]).filter((t) => lp.modes[t] === 'pod' || lp.modes[t] === 'node');
        const distinct = (['net', 'ipc', 'uts', 'pid', 'mnt'] as NsType[]).filter((t) => lp.modes[t] === 'container');
        for (const t of shared) expect(d.shared, `${t} shared`).toContain(t);
        for (const t of distinct) expect(d.distinct, `${t} distinct`).toContain(t);
        for (const n of d.namespaces) if (lp.modes[n.type] === 'node') expect(n.node, `${n.type} is the node's`).toBe(true);
        expect(d.cgroups.find((c) => c.hierarchy === 'unified')?.common).toBe(lp.cgroup);
      }
      if (b && lp.layout !== 'docker' && !lp.spec.hostNetwork) {
        // The brief's kubelet case: net, ipc, uts shared; mnt and pid distinct (unless shareProcessNamespace).
        const d = diff(snap, a!.mainPid, b.mainPid);
        expect(d.shared).toEqual(expect.arrayContaining(['net', 'ipc', 'uts']));
        expect(d.distinct).toContain('mnt');
        expect(lp.spec.shareProcessNamespace ? d.shared : d.distinct).toContain('pid');
      }
      const pa = diff(snap, a!.pids[0]!, a!.pids[a!.pids.length - 1]!);
      expect(pa.relation).toBe(a!.pids.length > 1 ? 'same-container' : 'same-process');
    });
  });

  it('across pods: containers of two different pods are different-pods, sharing nothing of their own', () => {
    const list = [...pods.values()];
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      const y = list[(i + 1) % list.length]!;
      const d = diff(snap, x.containers[0]!.mainPid, y.containers[0]!.mainPid);
      expect(d.relation, `${x.name} vs ${y.name}`).toBe('different-pods');
      const ownShared = d.namespaces.filter((n) => n.shared && !n.node).map((n) => n.type);
      expect(ownShared, `${x.name} vs ${y.name}`).toEqual([]);
    }
  });

  it('a lab shim (the unshare that forked a container) is a host process in the node namespaces', () => {
    const lp = pods.values().next().value as LabPod;
    const shim = snap.processes.find((p) => p.pid === lp.sandbox.mainPid)?.ppid as number;
    const d = diff(snap, shim, lp.sandbox.mainPid);
    expect(d.relation).toBe('host-and-container');
    expect(d.a.container).toBeNull();
    expect(snap.processes.find((p) => p.pid === shim)?.comm).toBe('unshare');
  });
});

/**
 * Pod volumes from mountinfo (lib/model/volumes.ts): what a node path mounted into a
 * container is, which container mounts share one volume, and the seeds' pod (an emptyDir
 * shared by an app and its log-reading sidecar) read through the real reader.
 */
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { diff } from '../../lib/model/diff.js';
import { inspectProcess } from '../../lib/model/inspect.js';
import { parseSnapshot, stringifySnapshot } from '../../lib/model/snapshot.js';
import type { Container, Pod, ProcessInfo } from '../../lib/model/types.js';
import { classifyNodePath, podVolumes } from '../../lib/model/volumes.js';
import { parseMountinfo } from '../../lib/parse/mountinfo.js';
import { emptyProcess } from '../../lib/read/processes.js';
import { podsJson, renderPods } from '../../lib/render/pods.js';
import { scenarioSource } from '../helpers/host.js';

const UID = '5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b';
const K = `/var/lib/kubelet/pods/${UID}`;

describe('classifyNodePath', () => {
  it.each([
    [`${K}/volumes/kubernetes.io~empty-dir/data`, { name: 'data', kind: 'emptyDir' }],
    [`${K}/volumes/kubernetes.io~empty-dir/data/sub/dir`, { name: 'data', kind: 'emptyDir' }],
    [`${K}/volumes/kubernetes.io~configmap/config`, { name: 'config', kind: 'configMap' }],
    [`${K}/volumes/kubernetes.io~secret/tls`, { name: 'tls', kind: 'secret' }],
    [`${K}/volumes/kubernetes.io~projected/kube-api-access-x`, { name: 'kube-api-access-x', kind: 'projected' }],
    [`${K}/volumes/kubernetes.io~downward-api/info`, { name: 'info', kind: 'downwardAPI' }],
    [`${K}/volumes/kubernetes.io~csi/pvc-1/mount`, { name: 'pvc-1', kind: 'csi' }],
    [`${K}/volumes/example.com~fancy/v`, { name: 'v', kind: 'example.com~fancy' }],
    [`${K}/volume-subpaths/data/app/0`, { name: 'data', kind: 'subPath' }],
    [`${K}/etc-hosts`, { name: 'etc-hosts', kind: 'etc-hosts' }],
    [`${K}/containers/app/3c1f0a9e`, { name: 'termination-log/app', kind: 'termination-log' }],
    [`/var/snap/microk8s/common/var/lib/kubelet/pods/${UID}/volumes/kubernetes.io~empty-dir/d`, { name: 'd', kind: 'emptyDir' }],
    ['/var/lib/docker/volumes/pgdata/_data', { name: 'pgdata', kind: 'docker-volume' }],
    ['/srv/logs', { name: '/srv/logs', kind: 'hostPath' }],
    ['/', { name: '/', kind: 'hostPath' }],
  ])('%s', (path, want) => {
    expect(classifyNodePath(path)).toEqual(want);
  });

  it.each([
    '/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/x/hostname',
    '/run/containerd/io.containerd.runtime.v2.task/k8s.io/x/rootfs',
    '/var/lib/docker/containers/x/hosts',
    '/run/containers/storage/overlay-containers/x/userdata/resolv.conf',
    `${K}/plugins/x`,
    '/var/lib/kubelet/plugins/csi',
  ])("a runtime's own file is no volume: %s", (path) => expect(classifyNodePath(path)).toBeNull());
});

describe('podVolumes', () => {
  const node = [
    '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
    `30 20 0:60 / ${K}/volumes/kubernetes.io~secret/tls rw,relatime - tmpfs tmpfs rw`,
    `31 20 0:60 /sub ${K}/volume-subpaths/tls/app/0 rw,relatime - tmpfs tmpfs rw`,
    '32 20 0:21 / /proc rw - proc proc rw',
    '33 20 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw',
    '34 20 0:5 / /dev rw - devtmpfs udev rw',
  ];
  const app = [
    '100 99 0:70 / / rw - overlay overlay rw',
    `101 100 8:1 ${K}/volumes/kubernetes.io~empty-dir/data /data rw,relatime - ext4 /dev/sda1 rw`,
    `102 100 8:1 ${K}/volumes/kubernetes.io~configmap/config /etc/config ro,relatime - ext4 /dev/sda1 rw`,
    '103 100 0:60 / /etc/tls ro,relatime - tmpfs tmpfs rw',
    '104 100 0:60 /sub /etc/tls-sub ro,relatime - tmpfs tmpfs rw',
    '105 100 8:1 /srv/logs /host/logs ro,relatime - ext4 /dev/sda1 rw',
    // What the runtime mounts everywhere: its own procfs, cgroupfs (the node's, at the container's cgroup), masks.
    '106 100 0:80 / /proc rw - proc proc rw',
    '107 100 0:27 /kubepods.slice/x /sys/fs/cgroup ro - cgroup2 cgroup2 rw',
    '108 106 0:5 /null /proc/kcore rw - devtmpfs udev rw',
  ];
  const sidecar = [
    '200 199 0:71 / / rw - overlay overlay rw',
    `201 200 8:1 ${K}/volumes/kubernetes.io~empty-dir/data /logs ro,relatime - ext4 /dev/sda1 rw`,
    `202 200 0:60 / /etc/tls ro - tmpfs tmpfs rw`,
  ];
  const worker = ['300 299 0:72 / / rw - overlay overlay rw', '301 300 8:1 /tmp/private /scratch rw - ext4 /dev/sda1 rw'];
  const proc = (pid: number, mnt: number): ProcessInfo => ({ ...emptyProcess(pid), ns: { mnt } });
  const ctr = (id: string, pids: number[], role: Container['role'] = 'container'): Container => ({
    id,
    runtime: 'containerd',
    name: id,
    role,
    hierarchy: 'unified',
    cgroup: `/${id}`,
    pids,
    pod: UID,
  });
  const containers = [ctr('sandbox', [10], 'sandbox'), ctr('app', [11]), ctr('sidecar', [12]), ctr('worker', [13]), ctr('unread', [14])];
  const processes = [proc(1, 1000), proc(10, 1010), proc(11, 1011), proc(12, 1012), proc(13, 1013), proc(14, 1014)];
  const pod: Pod = {
    key: UID,
    uid: UID,
    name: null,
    inferred: false,
    qos: 'burstable',
    driver: 'systemd',
    hierarchy: 'unified',
    cgroup: '/p',
    sandbox: { id: 'sandbox', pid: 10 },
    containers: containers.map((c) => c.id),
    namespaces: {} as Pod['namespaces'],
  };
  const tables = new Map(
    (
      [
        [1000, node],
        [1010, [`400 399 8:1 ${K}/volumes/kubernetes.io~empty-dir/data /data rw - ext4 /dev/sda1 rw`]],
        [1011, app],
        [1012, sidecar],
        [1013, worker],
      ] as Array<[number, string[]]>
    ).map(([mnt, lines]) => [mnt, parseMountinfo(lines.join('\n')).mounts]),
  );
  const [out] = podVolumes([pod], containers, processes, 1000, tables);
  const vol = (kind: string, name: string) => out!.volumes!.find((v) => v.kind === kind && v.name === name);

  it('shares an emptyDir between the containers that mount it, whatever the mount points, with ro and rw', () => {
    expect(vol('emptyDir', 'data')?.mounts).toEqual([
      { container: 'app', path: '/data', readOnly: false },
      { container: 'sidecar', path: '/logs', readOnly: true },
    ]);
  });

  it('finds a configMap and a tmpfs-backed secret read-only, the secret through the node mount of its tmpfs, its subPath merged in', () => {
    expect(vol('configMap', 'config')?.mounts).toEqual([{ container: 'app', path: '/etc/config', readOnly: true }]);
    expect(vol('secret', 'tls')).toEqual({
      name: 'tls',
      kind: 'secret',
      source: `${K}/volumes/kubernetes.io~secret/tls`,
      mounts: [
        { container: 'app', path: '/etc/tls', readOnly: true },
        { container: 'app', path: '/etc/tls-sub', readOnly: true },
        { container: 'sidecar', path: '/etc/tls', readOnly: true },
      ],
    });
  });

  it('finds hostPath mounts; a private one shares nothing', () => {
    expect(vol('hostPath', '/srv/logs')?.mounts).toEqual([{ container: 'app', path: '/host/logs', readOnly: true }]);
    expect(vol('hostPath', '/tmp/private')?.mounts).toEqual([{ container: 'worker', path: '/scratch', readOnly: false }]);
  });

  it("leaves out the runtime's own mounts, the sandbox, and containers whose mounts were not read; sorted by kind, then name", () => {
    expect(out!.volumes!.map((v) => `${v.kind} ${v.name}`)).toEqual([
      'configMap config',
      'emptyDir data',
      'hostPath /srv/logs',
      'hostPath /tmp/private',
      'secret tls',
    ]);
    expect(JSON.stringify(out!.volumes)).not.toMatch(/sandbox|unread|kcore|cgroup/);
  });

  it("a container that kept the node's root inherits the node's mounts: those and nsfs files are not volumes, its own binds are", () => {
    const nodeLines = [
      '20 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '21 20 8:2 / /srv/data rw - ext4 /dev/sdb1 rw',
      '22 20 0:4 net:[4026532176] /run/netns/x rw - nsfs nsfs rw',
    ];
    const own = [
      '20 1 8:1 / / rw - ext4 /dev/sda1 rw',
      '21 20 8:2 / /srv/data rw - ext4 /dev/sdb1 rw',
      '22 20 0:4 net:[4026532176] /run/netns/x rw - nsfs nsfs rw',
      '23 20 8:1 /srv/logs /logs ro - ext4 /dev/sda1 rw',
    ];
    const t = new Map([
      [1000, parseMountinfo(nodeLines.join('\n')).mounts],
      [1011, parseMountinfo(own.join('\n')).mounts],
    ]);
    const [p] = podVolumes([{ ...pod, containers: ['app'] }], [ctr('app', [11])], [proc(1, 1000), proc(11, 1011)], 1000, t);
    expect(p!.volumes!.map((v) => `${v.kind} ${v.name}`)).toEqual(['hostPath /srv/logs']);
  });

  it('does not change its inputs', () => {
    expect(pod.volumes).toBeUndefined();
  });
});

describe("the seeds' pod: an app and its sidecar share an emptyDir", () => {
  const s = scanSync({ source: scenarioSource('k8s-seed-pod') });
  const pod = s.pods[0]!;

  it("reads each container's mount namespace once and names the volumes", () => {
    expect(s.coverage).toMatchObject({ volumes: true });
    expect(
      pod.volumes!.map(
        (v) =>
          `${v.kind} ${v.name} ${v.mounts.map((m) => `${s.containers.find((c) => c.id === m.container)?.name}:${m.path}:${m.readOnly ? 'ro' : 'rw'}`).join(',')}`,
      ),
    ).toEqual([
      'emptyDir shared-data app:/data:rw,sidecar:/logs:ro',
      'etc-hosts etc-hosts app:/etc/hosts:rw,sidecar:/etc/hosts:rw',
      'projected kube-api-access-7xk2p app:/var/run/secrets/kubernetes.io/serviceaccount:ro,sidecar:/var/run/secrets/kubernetes.io/serviceaccount:ro',
      'termination-log termination-log/app app:/dev/termination-log:rw',
      'termination-log termination-log/sidecar sidecar:/dev/termination-log:rw',
    ]);
  });

  it('pods --json: volumes with container names; the table lists who mounts what', () => {
    const j = podsJson(s).pods[0]!;
    expect(j.volumes![0]).toEqual({
      name: 'shared-data',
      kind: 'emptyDir',
      source: `${K}/volumes/kubernetes.io~empty-dir/shared-data`,
      mounts: [
        { container: 'app', containerId: expect.stringMatching(/^1d2ff188/), path: '/data', readOnly: false },
        { container: 'sidecar', containerId: expect.stringMatching(/^a7de505a/), path: '/logs', readOnly: true },
      ],
    });
    const text = renderPods(s, { color: false, width: 0 });
    expect(text).toMatch(/^default\/foo\s+shared-data \(emptyDir\)\s+shared: app:\/data rw, sidecar:\/logs ro$/m);
    expect(text).not.toContain('termination-log');
  });

  it("inspect lists the volumes a process's container mounts; diff the ones two containers share", () => {
    expect(inspectProcess(s, 5035).volumes?.find((v) => v.name === 'shared-data')).toMatchObject({
      mounts: [{ path: '/logs', readOnly: true }],
      sharedWith: [{ path: '/data', readOnly: false }],
    });
    const d = diff(s, 5001, 5035);
    // etc-hosts is a file the kubelet gives every container, not a volume they share.
    expect(d.volumes?.map((v) => v.name)).toEqual(['shared-data', 'kube-api-access-7xk2p']);
    expect(diff(s, 5001, 5016).volumes).toEqual([]);
    expect(diff(s, 5001, 612).volumes).toBeNull();
  });

  it('round-trips through a snapshot; a scan without volumes has none', () => {
    expect(parseSnapshot(stringifySnapshot(s)).pods[0]!.volumes).toEqual(pod.volumes);
    expect(scanSync({ source: scenarioSource('k8s-seed-pod'), volumes: false }).pods[0]!.volumes).toBeUndefined();
    expect(scanSync({ source: scenarioSource('k8s-seed-pod'), profile: 'leaders' }).pods.every((p) => p.volumes === undefined)).toBe(true);
  });
});

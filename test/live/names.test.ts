/**
 * Live names (issue 10): pods built by the lab from real namespaces and cgroups, with the
 * state files of each runtime written where the runtimes keep them (`/run/containerd/…`,
 * `/run/containers/storage/…`, `/var/lib/docker/containers/…`, `/var/log/pods/…`). Every
 * file and directory the test creates is recorded and exactly those are removed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSync, type Snapshot } from '../../lib/index.js';
import { Lab, closeLab, liveStatus, type LabPod, removeCreatedPaths } from '../helpers/lab.js';
import { containerdFiles, putRecorded } from '../helpers/containerd.js';

const live = liveStatus();
const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: names from state files', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/** Files and directories this test created, newest last; removed newest first. */
const created: string[] = [];
function put(path: string, text: string): void {
  putRecorded(created, path, text);
}
/** Remove what {@link created} lists (see removeCreatedPaths); returns what is still there. */
const removeCreated = (): string[] => removeCreatedPaths(created);

const NS = `nsview-live-${randomBytes(3).toString('hex')}`;

function containerd(pod: LabPod, name: string): void {
  const files = containerdFiles(pod, { name, namespace: NS, image: (i) => `img${i}:1`, sandbox: { process: { env: ['SECRET=1'] } } });
  for (const [path, text] of files) put(path, text);
}

function crio(pod: LabPod, name: string): void {
  const base = '/run/containers/storage/overlay-containers';
  const labels = { 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': NS, 'io.kubernetes.pod.uid': pod.uid as string };
  put(
    `${base}/${pod.sandbox.id}/userdata/config.json`,
    JSON.stringify({
      annotations: {
        'io.container.manager': 'cri-o',
        'io.kubernetes.cri-o.ContainerType': 'sandbox',
        'io.kubernetes.cri-o.ContainerID': pod.sandbox.id,
        'io.kubernetes.cri-o.KubeName': name,
        'io.kubernetes.cri-o.Namespace': NS,
        'io.kubernetes.cri-o.Labels': JSON.stringify(labels),
      },
    }),
  );
  pod.containers.forEach((c, i) =>
    put(
      `${base}/${c.id}/userdata/config.json`,
      JSON.stringify({
        annotations: {
          'io.container.manager': 'cri-o',
          'io.kubernetes.cri-o.ContainerType': 'container',
          'io.kubernetes.cri-o.ContainerID': c.id,
          'io.kubernetes.cri-o.ImageName': `img${i}:1`,
          'io.kubernetes.cri-o.Labels': JSON.stringify({ ...labels, 'io.kubernetes.container.name': `c${i}` }),
        },
      }),
    ),
  );
}

function logs(pod: LabPod, name: string, restarts: number[]): void {
  pod.containers.forEach((_, i) => {
    for (let n = 0; n <= (restarts[i] ?? 0); n++) put(`/var/log/pods/${NS}_${name}_${pod.uid}/c${i}/${n}.log`, '');
  });
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '-q'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: '' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!live.ok)('live: names from state files', () => {
  let lab: Lab;
  let pods: Record<'containerd' | 'crio' | 'cgroupfs', LabPod>;
  let snap: Snapshot;

  beforeAll(async () => {
    lab = await Lab.open();
    pods = {
      containerd: await lab.pod({ layout: 'containerd', qos: 'burstable', containers: [{ procs: 2 }, {}] }),
      crio: await lab.pod({ layout: 'crio', qos: 'guaranteed' }),
      cgroupfs: await lab.pod({ layout: 'cgroupfs', qos: 'besteffort', containers: [{}] }),
    };
    containerd(pods.containerd, 'web');
    logs(pods.containerd, 'web', [0, 3]);
    crio(pods.crio, 'api');
    logs(pods.crio, 'api', [1, 0]);
    // The cgroupfs driver does not say the runtime (`cri`): containerd's files name it.
    containerd(pods.cgroupfs, 'batch');
    snap = scanSync();
  }, 300_000);

  afterAll(async () => {
    // Both clean-ups run before either is checked: a failed check must not skip closing the lab.
    const files = removeCreated();
    const lab_ = await closeLab(lab);
    expect(files, 'state files left behind').toEqual([]);
    expect(lab_, 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
  }, 60_000);

  it.each([
    ['containerd', 'web'],
    ['crio', 'api'],
    ['cgroupfs', 'batch'],
  ] as const)('%s pod comes back as %s with its containers named', (kind, name) => {
    const lp = pods[kind];
    const pod = snap.pods.find((p) => p.uid === lp.uid)!;
    expect({ namespace: pod.namespace, name: pod.name }).toEqual({ namespace: NS, name });
    lp.containers.forEach((c, i) =>
      expect(
        snap.containers.find((x) => x.id === c.id),
        c.id,
      ).toMatchObject({ name: `c${i}`, image: `img${i}:1` }),
    );
    expect(snap.containers.find((x) => x.id === lp.sandbox.id)?.name).toBeNull();
  });

  it('restarts come from the log directory', () => {
    const [a, b] = pods.containerd.containers;
    expect(snap.containers.find((x) => x.id === a!.id)?.restarts).toBe(0);
    expect(snap.containers.find((x) => x.id === b!.id)?.restarts).toBe(3);
  });

  it('pods, which, tree, inspect pod/<name> and diff <name> <name> show the names', () => {
    const lp = pods.containerd;
    const c0 = lp.containers[0]!;
    expect(cli(['pods', `${NS}/web`]).out).toMatch(new RegExp(`^${NS}/web +burstable +${lp.sandbox.mainPid} .* c0,c1$`, 'm'));
    expect(cli(['which', String(c0.mainPid)]).out).toBe(
      `${c0.mainPid} → container c0 (containerd ${c0.id.slice(0, 12)}) in pod ${NS}/web (${lp.uid}, burstable)\n`,
    );
    expect(cli(['tree', lp.cgroup, '-l']).out).toContain(`[pod burstable ${NS}/web]`);
    expect(cli(['inspect', `pod/${NS}/web`]).out).toMatch(new RegExp(`^PID ${lp.sandbox.mainPid} `));
    const d = cli(['diff', c0.id.slice(0, 12), lp.containers[1]!.id.slice(0, 12)]);
    expect(d.out).toContain(`same pod ${NS}/web, different containers c0 and c1`);
  });

  it('which of many pids answers in one call', () => {
    const all = Object.values(pods).flatMap((p) => p.pids);
    const r = cli(['which', ...all.map(String)]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(all.length);
    expect(r.out).not.toContain('no such process');
  });

  it('a capture keeps the names but not the environment', () => {
    const dir = fs.mkdtempSync('/tmp/nsview-live-names-');
    try {
      const r = spawnSync(process.execPath, [bin, 'capture', `${dir}/cap`, '-q'], { encoding: 'utf8', timeout: 240_000 });
      expect(r.status, r.stderr).toBe(0);
      const copied = fs.readFileSync(`${dir}/cap/run/containerd/io.containerd.runtime.v2.task/k8s.io/${pods.containerd.sandbox.id}/config.json`, 'utf8');
      expect(copied).not.toContain('SECRET');
      expect(cli(['pods', `${NS}/api`, '--root', `${dir}/cap`]).out).toContain(`${NS}/api`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

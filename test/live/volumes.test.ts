/**
 * Live pod volumes: lab pods whose containers bind-mount kubelet-style volume directories
 * (`/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~empty-dir/shared-data`, a configMap
 * directory) and a hostPath directory into roots of their own, as a runtime does. nsview must
 * find each volume from the containers' and the node's mountinfo, name and classify it, and say
 * which containers mount it where — in the library, `pods --json`, `pods`, `diff` and `inspect`.
 *
 * Pod A (containerd): `app` mounts shared-data at /data rw and config at /etc/config ro,
 * `sidecar` shared-data at /logs ro, `private` only a hostPath directory at /scratch. Pod B
 * mounts that same hostPath directory: a volume of pod B's, never listed with pod A's containers.
 * containerd's state files name the pods and containers, as in names.test.ts. Every file and
 * directory the test creates on the node is recorded and exactly those are removed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSync, type Pod, type Snapshot, type Volume } from '../../lib/index.js';
import { describeRun, plainEnv, run, stackTrace, worldReadableBuild, workClock, type Build, type RunResult } from '../helpers/cli.js';
import { Lab, closeLab, liveStatus, type LabContainer, type LabPod, removeCreatedPaths } from '../helpers/lab.js';
import { containerdFiles, putRecorded } from '../helpers/containerd.js';

const live = liveStatus(['mount', 'chroot', 'cp']);
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: pod volumes', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

/** Files and directories this test created on the node, in creation order; removed newest first. */
const created: string[] = [];

/** `mkdir -p`, recording each directory made here (not those that were there). */
function mkdirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = nodePath.dirname(d)) missing.unshift(d);
  for (const d of missing) {
    fs.mkdirSync(d);
    created.push(d);
  }
}

function put(path: string, text: string): void {
  putRecorded(created, path, text);
}

/** Remove what {@link created} lists (see removeCreatedPaths); returns what is still there. */
const removeCreated = (): string[] => removeCreatedPaths(created);

const NS = `nsview-live-${randomBytes(3).toString('hex')}`;

/** containerd's state files for a lab pod: its name and its containers' names. */
function containerd(pod: LabPod, name: string, names: string[]): void {
  for (const [path, text] of containerdFiles(pod, { name, namespace: NS, containers: names })) put(path, text);
}

/** A volume with its mounts in a fixed order, for comparisons. */
const sorted = (v: Volume): Volume => ({ ...v, mounts: [...v.mounts].sort((a, b) => a.container.localeCompare(b.container) || a.path.localeCompare(b.path)) });

describe.skipIf(!live.ok)('live: pod volumes', () => {
  let lab: Lab | undefined;
  let build: Build | undefined;
  let clock: ReturnType<typeof workClock> | undefined;
  let a: LabPod;
  let b: LabPod;
  let app: LabContainer;
  let sidecar: LabContainer;
  let priv: LabContainer;
  let other: LabContainer;
  let snap: Snapshot;
  /** Node paths of the volumes. */
  const uidA = randomUUID();
  const podDir = `/var/lib/kubelet/pods/${uidA}`;
  const sharedData = `${podDir}/volumes/kubernetes.io~empty-dir/shared-data`;
  const config = `${podDir}/volumes/kubernetes.io~configmap/config`;
  let hostDir = '';

  const cli = async (args: string[]): Promise<RunResult> => {
    const r = await run([process.execPath, build!.cli, ...args], { env: plainEnv(), timeoutMs: 60_000 });
    expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
    expect(r.status, describeRun(r)).toBe(0);
    return r;
  };

  beforeAll(async () => {
    clock = workClock();
    build = worldReadableBuild(repo);
    lab = await clock.locked(() => Lab.open());
    // The node's side, made under the lock: the pod's volume directories, and a hostPath directory.
    mkdirs(sharedData);
    put(`${config}/app.yaml`, 'level: debug\n');
    hostDir = fs.mkdtempSync('/tmp/nsview-live-hostpath-');
    created.push(hostDir);
    a = await lab.pod({
      layout: 'containerd',
      uid: uidA,
      containers: [
        {
          binds: [
            { source: sharedData, target: '/data' },
            { source: config, target: '/etc/config', readOnly: true },
          ],
        },
        { binds: [{ source: sharedData, target: '/logs', readOnly: true }] },
        { binds: [{ source: hostDir, target: '/scratch' }] },
      ],
    });
    [app, sidecar, priv] = a.containers as [LabContainer, LabContainer, LabContainer];
    b = await lab.pod({ layout: 'containerd', containers: [{ binds: [{ source: hostDir, target: '/scratch' }] }] });
    other = b.containers[0]!;
    containerd(a, 'vols', ['app', 'sidecar', 'private']);
    containerd(b, 'other', ['other']);
    snap = scanSync();
  }, 180_000);

  afterAll(async () => {
    // Every clean-up runs before any is checked. The node files go first, while the lock is
    // held (the containers' binds live in their own mount namespaces, which a node rmdir leaves
    // alone): once the lab releases it another run may make /var/lib/kubelet/pods again.
    const files = removeCreated();
    const lab_ = await closeLab(lab);
    build?.remove();
    if (clock) console.log(clock.report('volumes.test.ts'));
    expect(files, 'volume directories and state files left behind').toEqual([]);
    expect(
      created.filter((p) => fs.existsSync(p)),
      'node paths the test made still there',
    ).toEqual([]);
    expect(lab_, 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
    const mine = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => l.includes(uidA) || (hostDir && l.includes(hostDir)) || (lab && l.includes(lab.tmp)) || l.includes('nsview-lab-root'));
    expect(mine, 'mounts of the test left in the node mount namespace').toEqual([]);
  }, 60_000);

  const podOf = (lp: LabPod): Pod => {
    const p = snap.pods.find((x) => x.uid === lp.uid);
    expect(p, `pod ${lp.uid} in the scan`).toBeDefined();
    return p!;
  };

  it('nothing the containers mounted reached the node mount namespace', () => {
    const node = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    expect(node).not.toContain(uidA);
    expect(node).not.toContain(hostDir);
    expect(node).not.toContain('nsview-lab-root');
  });

  it("the library finds pod A's volumes: shared-data shared by app and sidecar only, config by app, the hostPath by private", () => {
    expect(snap.coverage?.volumes).toBe(true);
    const pod = podOf(a);
    expect(pod.volumes?.map(sorted)).toEqual(
      [
        { name: 'config', kind: 'configMap', source: config, mounts: [{ container: app.id, path: '/etc/config', readOnly: true }] },
        {
          name: 'shared-data',
          kind: 'emptyDir',
          source: sharedData,
          mounts: [
            { container: app.id, path: '/data', readOnly: false },
            { container: sidecar.id, path: '/logs', readOnly: true },
          ],
        },
        { name: hostDir, kind: 'hostPath', source: hostDir, mounts: [{ container: priv.id, path: '/scratch', readOnly: false }] },
      ].map(sorted),
    );
    // The private container shares no volume; the sandbox mounts none.
    for (const v of pod.volumes!) {
      const ids = new Set(v.mounts.map((m) => m.container));
      if (ids.has(priv.id)) expect(ids, `${v.kind} ${v.name}`).toEqual(new Set([priv.id]));
      expect(ids.has(a.sandbox.id), `${v.kind} ${v.name}`).toBe(false);
    }
  });

  it("pod B's mount of the same hostPath directory is pod B's volume, and no volume lists another pod's container", () => {
    expect(podOf(b).volumes).toEqual([
      { name: hostDir, kind: 'hostPath', source: hostDir, mounts: [{ container: other.id, path: '/scratch', readOnly: false }] },
    ]);
    const stray: string[] = [];
    for (const pod of snap.pods) {
      const own = new Set(pod.containers);
      for (const v of pod.volumes ?? [])
        for (const m of v.mounts) if (!own.has(m.container)) stray.push(`${pod.key}: ${v.kind} ${v.name} lists ${m.container}`);
    }
    expect(stray).toEqual([]);
  });

  it('pods --json gives the same volumes, by container name and id', async () => {
    const r = await cli(['pods', '--json']);
    const pods = (JSON.parse(r.stdout) as { pods: Array<{ uid: string | null; name: string | null; volumes: unknown[] | null }> }).pods;
    const pa = pods.find((p) => p.uid === a.uid);
    expect(pa?.name, describeRun(r)).toBe('vols');
    const m = (c: LabContainer, name: string, path: string, readOnly: boolean) => ({ container: name, containerId: c.id, path, readOnly });
    expect(pa?.volumes).toEqual([
      { name: 'config', kind: 'configMap', source: config, mounts: [m(app, 'app', '/etc/config', true)] },
      {
        name: 'shared-data',
        kind: 'emptyDir',
        source: sharedData,
        mounts: [m(app, 'app', '/data', false), m(sidecar, 'sidecar', '/logs', true)].sort((x, y) => x.containerId.localeCompare(y.containerId)),
      },
      { name: hostDir, kind: 'hostPath', source: hostDir, mounts: [m(priv, 'private', '/scratch', false)] },
    ]);
    expect(pods.find((p) => p.uid === b.uid)?.volumes).toEqual([
      { name: hostDir, kind: 'hostPath', source: hostDir, mounts: [m(other, 'other', '/scratch', false)] },
    ]);
  });

  it('pods prints the VOLUMES block', async () => {
    const r = await cli(['pods', `${NS}/vols`]);
    const block = r.stdout.slice(r.stdout.search(/^POD +VOLUME +MOUNTED BY/m));
    expect(block, r.stdout).toMatch(/^POD +VOLUME +MOUNTED BY/);
    const lines = block.trimEnd().split('\n').slice(1);
    // The shared mounts are listed by the names shown (app before sidecar), whatever the ids.
    const shared = 'shared: app:/data rw, sidecar:/logs ro';
    expect(lines, r.stdout).toHaveLength(3);
    expect(lines[0], r.stdout).toMatch(new RegExp(`^${NS}/vols +config \\(configMap\\) +app:/etc/config ro$`));
    expect(lines[1], r.stdout).toMatch(new RegExp(` +shared-data \\(emptyDir\\) +${shared}$`));
    expect(lines[2], r.stdout).toMatch(new RegExp(` +${hostDir} \\(hostPath\\) +private:/scratch rw$`));
  });

  it('diff app sidecar has the shared volume; diff app private and diff across pods none', async () => {
    const d = await cli(['diff', String(app.mainPid), String(sidecar.mainPid)]);
    const volumeLines = (r: RunResult): string[] => r.stdout.split('\n').filter((l) => l.startsWith('VOLUME'));
    expect(volumeLines(d), d.stdout).toEqual([`VOLUME shared-data (emptyDir): ${app.mainPid} at /data rw; ${sidecar.mainPid} at /logs ro`]);
    expect(d.stdout).toMatch(/; share 1 volume\(s\)\n$/);
    const p = await cli(['diff', String(app.mainPid), String(priv.mainPid)]);
    expect(volumeLines(p), p.stdout).toEqual([]);
    expect(p.stdout).not.toMatch(/share \d+ volume/);
    // Pod A's private and pod B's other mount one node directory, but not one pod's volume.
    const x = await cli(['diff', String(priv.mainPid), String(other.mainPid)]);
    expect(volumeLines(x), x.stdout).toEqual([]);
  });

  it('inspect sidecar lists shared-data at /logs ro, shared with app', async () => {
    const r = await cli(['inspect', String(sidecar.mainPid)]);
    const at = r.stdout.indexOf('\nVolumes\n');
    expect(at, r.stdout).toBeGreaterThan(0);
    const section = r.stdout.slice(at + '\nVolumes\n'.length).split('\n');
    const body = section.slice(
      0,
      section.findIndex((l) => !l.startsWith('  ')),
    );
    expect(body, r.stdout).toEqual(['  shared-data (emptyDir) at /logs ro; shared with app:/data rw']);
    const p = await cli(['inspect', String(priv.mainPid)]);
    expect(p.stdout, p.stdout).toContain(`\nVolumes\n  ${hostDir} (hostPath) at /scratch rw\n`);
  });
});

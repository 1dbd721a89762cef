/**
 * Names from the node's own files (issue 10): the runtimes' state files and the kubelet's
 * log directories, read through the real reader over a memfs host (the seeds' pod with the
 * state files of fixtures/state/), agreeing or not.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findLeaks } from '../../lib/model/leaks.js';
import { which } from '../../lib/model/select.js';
import type { Snapshot } from '../../lib/model/types.js';
import { renderPods } from '../../lib/render/pods.js';
import { renderTree } from '../../lib/render/tree.js';
import { scanSync } from '../../lib/scan.js';
import { captureHost } from '../../lib/read/capture.js';
import type { HostSpec } from '../../lib/source/spec.js';
import { loadSpec } from '../helpers/host.js';
import { volumeSource } from '../helpers/volume.js';
import { writeScenarioCapture } from '../helpers/capture-dir.js';

const state = (rel: string): string => readFileSync(fileURLToPath(new URL(`../../fixtures/state/${rel}`, import.meta.url)), 'utf8');
const UID = '5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b';
const SANDBOX = '55fa64ebffee7a963d3a532ac60e8369a7cc6fe505671cba2e1916671a52ed95';
const APP = '1d2ff1888edf74f4d3813552914d26308638f416632409ec02ae25e3ca2f74a3';
const SIDECAR = 'a7de505a1420617e9835e21f184049f7e14e99d77721ee087da8c6e24c4d6b76';
const TASKS = '/run/containerd/io.containerd.runtime.v2.task/k8s.io';
const LOGS = `/var/log/pods/default_foo_${UID}`;

function seedFiles(): Record<string, string> {
  return {
    [`${TASKS}/${SANDBOX}/config.json`]: state('containerd/k8s.io/sandbox/config.json'),
    [`${TASKS}/${APP}/config.json`]: state('containerd/k8s.io/app/config.json'),
    [`${TASKS}/${SIDECAR}/config.json`]: state('containerd/k8s.io/sidecar/config.json'),
    [`${LOGS}/app/0.log`]: '',
    [`${LOGS}/sidecar/0.log`]: '',
    [`${LOGS}/sidecar/1.log`]: '',
    [`${LOGS}/sidecar/2.log.20240514-091236.gz`]: '',
  };
}

/** The seeds' pod without the state files its fixture carries, plus `files`. */
function bareSeed(): HostSpec {
  const spec = loadSpec('k8s-seed-pod') as HostSpec;
  const kept = Object.entries(spec.files ?? {}).filter(([path]) => !path.startsWith('/run/') && !path.startsWith('/var/'));
  return { ...spec, files: Object.fromEntries(kept) };
}

function scanWith(files: Record<string, string>): Snapshot {
  const spec = bareSeed();
  return scanSync({ source: volumeSource({ ...spec, files: { ...spec.files, ...files } }) });
}

const pod = (s: Snapshot) => s.pods.find((p) => p.uid === UID)!;
const ctr = (s: Snapshot, id: string) => s.containers.find((c) => c.id === id)!;

describe('names from state files', () => {
  it("names the seeds' pod and its containers, with images, restarts and the files that said so", () => {
    const s = scanWith(seedFiles());
    expect(pod(s)).toMatchObject({ namespace: 'default', name: 'foo' });
    expect(pod(s).evidence).toEqual([LOGS, `${TASKS}/${APP}/config.json`, `${TASKS}/${SANDBOX}/config.json`, `${TASKS}/${SIDECAR}/config.json`].sort());
    expect(ctr(s, APP)).toMatchObject({ name: 'app', image: 'docker.io/kennethreitz/httpbin:latest', restarts: 0, evidence: [`${TASKS}/${APP}/config.json`] });
    expect(ctr(s, SIDECAR)).toMatchObject({ name: 'sidecar', image: 'docker.io/library/busybox:1.36', restarts: 1 });
    expect(ctr(s, SANDBOX)).toMatchObject({ name: null, role: 'sandbox' });
    expect(s.warnings.filter((w) => w.code === 'conflict' || w.code === 'malformed')).toEqual([]);
  });

  it('without state files nothing is named, and nothing is guessed', () => {
    const s = scanWith({});
    expect(pod(s).name).toBeNull();
    expect(ctr(s, APP).name).toBeNull();
  });

  it('the log directory alone names the pod (any runtime)', () => {
    const s = scanWith({ [`${LOGS}/app/0.log`]: '' });
    expect(pod(s)).toMatchObject({ namespace: 'default', name: 'foo', evidence: [LOGS] });
    expect(ctr(s, APP).name).toBeNull();
  });

  it('files that disagree about the pod leave it unnamed, with a warning naming both', () => {
    const s = scanWith({ ...seedFiles(), [`/var/log/pods/default_bar_${UID}/app/0.log`]: '' });
    expect(pod(s).name).toBeNull();
    const w = s.warnings.filter((x) => x.code === 'conflict');
    expect(w.length).toBe(1);
    expect(w[0]!.message).toContain(`/var/log/pods/default_bar_${UID}`);
  });

  it('a state file that says another pod is not used for the container', () => {
    const other = state('containerd/k8s.io/app/config.json').replaceAll(UID, '11111111-2222-3333-4444-555555555555');
    const s = scanWith({ ...seedFiles(), [`${TASKS}/${APP}/config.json`]: other });
    expect(ctr(s, APP).name).toBeNull();
    expect(s.warnings.some((w) => w.code === 'conflict' && w.path === `${TASKS}/${APP}/config.json`)).toBe(true);
    expect(ctr(s, SIDECAR).name).toBe('sidecar');
  });

  it('a container taken for the sandbox by sharing, which its state file calls an app, is no sandbox: the pod has none', () => {
    const spec = bareSeed();
    const pause = spec.processes.find((p) => p.comm === 'pause')!;
    const gone = { ...spec, processes: spec.processes.filter((p) => p !== pause), files: { ...spec.files, ...seedFiles() } };
    const s = scanSync({ source: volumeSource(gone) });
    expect(pod(s).sandbox).toBeNull();
    expect([ctr(s, APP).role, ctr(s, SIDECAR).role]).toEqual(['container', 'container']);
    expect([ctr(s, APP).name, ctr(s, SIDECAR).name]).toEqual(['app', 'sidecar']);
    expect(
      findLeaks(s)
        .leaks.filter((l) => l.kind === 'pod-without-sandbox')
        .map((l) => l.pod),
    ).toEqual([UID]);
    // Without the files, the sharing alone cannot tell a surviving app from a sandbox.
    expect(scanSync({ source: volumeSource({ ...gone, files: spec.files }) }).pods.find((p) => p.uid === UID)?.sandbox).not.toBeNull();
  });

  it('a stale log directory of an exited pod names nothing', () => {
    const s = scanWith({ ...seedFiles(), ['/var/log/pods/default_gone_99999999-2222-3333-4444-555555555555/app/0.log']: '' });
    expect(s.pods.map((p) => p.name)).not.toContain('gone');
  });

  it('malformed and oversized files are warnings naming them; the pod keeps its uid', () => {
    const s = scanWith({ [`${TASKS}/${APP}/config.json`]: '{"annotations": ', [`${TASKS}/${SIDECAR}/config.json`]: 'x'.repeat(1024 * 1024 + 1) });
    expect(s.warnings.find((w) => w.path === `${TASKS}/${APP}/config.json`)?.code).toBe('malformed');
    expect(s.warnings.find((w) => w.path === `${TASKS}/${SIDECAR}/config.json`)?.code).toBe('too-large');
    expect(pod(s).uid).toBe(UID);
    expect(ctr(s, APP).name).toBeNull();
  });

  it('names with control characters are escaped in views', () => {
    const evil = state('containerd/k8s.io/app/config.json').replace(
      '"io.kubernetes.cri.container-name": "app"',
      '"io.kubernetes.cri.container-name": "a\\u001b[31mpp"',
    );
    const s = scanWith({ ...seedFiles(), [`${TASKS}/${APP}/config.json`]: evil });
    expect(ctr(s, APP).name).toBe('a\x1b[31mpp');
    const text = renderTree(s, {}, { color: false, width: 0 }) + renderPods(s, { color: false, width: 0 });
    expect(text).not.toContain('\x1b');
    expect(text).toContain('a\\x1b[31mpp');
  });

  it('views and which name them', () => {
    const s = scanWith(seedFiles());
    const pods = renderPods(s, { color: false, width: 0 });
    expect(pods).toMatch(/^default\/foo +besteffort +4966 .* app,sidecar$/m);
    expect(renderTree(s, {}, { color: false, width: 0 })).toContain('[pod besteffort default/foo]');
    expect(renderTree(s, {}, { color: false, width: 0 })).toContain(`[containerd ${APP.slice(0, 12)} app]`);
    const [a, b] = which(s, [5001, 1]);
    expect(a).toMatchObject({ pid: 5001, container: { name: 'app', id: APP }, pod: { namespace: 'default', name: 'foo', uid: UID } });
    expect(b).toMatchObject({ pid: 1, container: null, pod: null });
  });

  it("the fixture of the seeds' pod names it", () => {
    const s = scanSync({ source: volumeSource(loadSpec('k8s-seed-pod') as HostSpec) });
    expect(pod(s)).toMatchObject({ namespace: 'default', name: 'foo' });
    expect(s.containers.map((c) => c.name).sort()).toEqual(['app', 'sidecar', null].sort());
  });

  it('a scan with names off reads no state file', () => {
    const spec = bareSeed();
    const s = scanSync({ source: volumeSource({ ...spec, files: { ...(spec.files ?? {}), ...seedFiles() } }), names: false });
    expect(pod(s).name).toBeNull();
  });
});

describe('captures keep the names, and nothing else of the state files', () => {
  it('a capture of a host with state files names the pod as the host does; no environment, no log content', () => {
    const spec = bareSeed();
    const app = JSON.parse(state('containerd/k8s.io/app/config.json')) as { process?: { env?: string[] } };
    app.process = { ...(app.process ?? {}), env: ['DB_PASSWORD=hunter2'] };
    const files = {
      ...seedFiles(),
      [`${TASKS}/${APP}/config.json`]: JSON.stringify(app),
      [`${LOGS}/app/0.log`]: 'secret log line\n',
      [`${LOGS}/app/notes.txt`]: 'x',
    };
    const host = volumeSource({ ...spec, files: { ...(spec.files ?? {}), ...files } });
    const dir = mkdtempSync(join(tmpdir(), 'nsview-names-capture-'));
    try {
      const dest = join(dir, 'cap');
      captureHost(dest, host);
      const copied = readFileSync(join(dest, TASKS, APP, 'config.json'), 'utf8');
      expect(copied).not.toContain('hunter2');
      expect(copied).toContain('io.kubernetes.cri.container-name');
      expect(readFileSync(join(dest, LOGS, 'app/0.log'), 'utf8')).toBe('');
      expect(readdirSync(join(dest, LOGS, 'app'))).toEqual(['0.log']);
      const s = scanSync({ root: dest });
      const direct = scanWith(files);
      expect(pod(s)).toMatchObject({ namespace: 'default', name: 'foo' });
      expect(s.containers.map((c) => [c.id, c.name, c.image, c.restarts]).sort()).toEqual(
        direct.containers.map((c) => [c.id, c.name, c.image, c.restarts]).sort(),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile state files in a capture', () => {
  const fifo = spawnSync('mkfifo', ['--version']).status === 0;
  const root = process.getuid?.() === 0 && spawnSync('mknod', ['--version']).status === 0;
  it.skipIf(!root)('a device node as a state file is refused, not read as a file (root only: mknod)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsview-names-device-'));
    try {
      const cap = join(dir, 'cap');
      writeScenarioCapture('k8s-seed-pod', cap);
      rmSync(join(cap, TASKS, APP, 'config.json'), { force: true });
      // 1:3 is /dev/null: harmless if it were opened; the point is that it is not read as a file.
      expect(spawnSync('mknod', [join(cap, TASKS, APP, 'config.json'), 'c', '1', '3']).status).toBe(0);
      const s = scanSync({ root: cap });
      expect(s.warnings.find((w) => w.path === `${TASKS}/${APP}/config.json`)?.message).toMatch(/EINVAL/);
      expect(ctr(s, APP).name).toBeNull();
      expect(ctr(s, SIDECAR).name).toBe('sidecar');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!fifo)('a FIFO and a link out of the root are warnings naming them; the scan does not wait; the pod keeps its uid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsview-names-hostile-'));
    try {
      const cap = join(dir, 'cap');
      writeScenarioCapture('k8s-seed-pod', cap);
      writeFileSync(join(dir, 'outside.json'), state('containerd/k8s.io/app/config.json'));
      mkdirSync(join(cap, TASKS, APP), { recursive: true });
      mkdirSync(join(cap, TASKS, SIDECAR), { recursive: true });
      rmSync(join(cap, TASKS, APP, 'config.json'), { force: true });
      rmSync(join(cap, TASKS, SIDECAR, 'config.json'), { force: true });
      expect(spawnSync('mkfifo', [join(cap, TASKS, APP, 'config.json')]).status).toBe(0);
      symlinkSync(join(dir, 'outside.json'), join(cap, TASKS, SIDECAR, 'config.json'));
      const s = scanSync({ root: cap });
      expect(s.warnings.find((w) => w.path === `${TASKS}/${APP}/config.json`)?.message).toMatch(/EINVAL/);
      expect(s.warnings.find((w) => w.path === `${TASKS}/${SIDECAR}/config.json`)?.message).toMatch(/outside the root/);
      expect(pod(s).uid).toBe(UID);
      expect(ctr(s, APP).name).toBeNull();
      expect(ctr(s, SIDECAR).name).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Docker and CRI-O state files in a scan', () => {
  it('plain Docker containers are named by config.v2.json (the hand-made pod of the seeds)', () => {
    const spec = loadSpec('docker-seed-pod') as HostSpec;
    const id = 'd553b4cf644d5ddd7ec804d3087dae629b9bc61ce1f3679ffd694c4818e5a482';
    const files = {
      [`/var/lib/docker/containers/${id}/config.v2.json`]: JSON.stringify({
        ID: id,
        Name: '/httpbin',
        Config: { Image: 'kennethreitz/httpbin', Env: ['X=1'], Labels: null },
        State: { Running: true, Pid: 27865 },
      }),
    };
    const s = scanSync({ source: volumeSource({ ...spec, files: { ...(spec.files ?? {}), ...files } }) });
    expect(s.containers.find((c) => c.id === id)).toMatchObject({
      runtime: 'docker',
      name: 'httpbin',
      image: 'kennethreitz/httpbin',
      evidence: [`/var/lib/docker/containers/${id}/config.v2.json`],
    });
    expect(which(s, [27880])[0]?.container?.name).toBe('httpbin');
  });

  it('a config.v2.json for another id is not used', () => {
    const spec = loadSpec('docker-seed-pod') as HostSpec;
    const id = 'd553b4cf644d5ddd7ec804d3087dae629b9bc61ce1f3679ffd694c4818e5a482';
    const files = { [`/var/lib/docker/containers/${id}/config.v2.json`]: JSON.stringify({ ID: 'f'.repeat(64), Name: '/other' }) };
    const s = scanSync({ source: volumeSource({ ...spec, files: { ...(spec.files ?? {}), ...files } }) });
    expect(s.containers.find((c) => c.id === id)?.name).toBeNull();
    expect(s.warnings.some((w) => w.code === 'conflict')).toBe(true);
  });
});

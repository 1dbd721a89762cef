/**
 * Golden files for the text and JSON views (lib/render/): tree, ls, pods, diff, inspect,
 * which, leaks and the JSON writer, each on snapshots scanned from fixtures (the demo node
 * lib/demo/k8s-node.json and fixtures/scenarios/*.json), so no live host is read.
 *
 * Golden files are fixtures/golden/<view>.<fixture>.<what>.txt (or .json), compared byte for
 * byte; the name says the view, the fixture and the options. After an intended change of a
 * view, rewrite them with `UPDATE_GOLDEN=1 npx vitest run test/render/golden.test.ts` and read
 * the diff before committing. The SVG picture has its own golden files (test/render/svg.test.ts).
 *
 * Every view renders with fixed options (`{ color: false, width: 0 }`, one narrow width of 60
 * for the views that cut lines, one colour case), and no golden output holds a raw control
 * character but the newline (and, in the colour case, the ESC of SGR sequences).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diff } from '../../lib/model/diff.js';
import { inspectProcess } from '../../lib/model/inspect.js';
import { findLeaks } from '../../lib/model/leaks.js';
import { selectPod, which } from '../../lib/model/select.js';
import type { Snapshot } from '../../lib/model/types.js';
import { renderDiff } from '../../lib/render/diff.js';
import { renderPodsPage } from '../../lib/render/html.js';
import { renderInspect } from '../../lib/render/inspect.js';
import { renderJson } from '../../lib/render/json.js';
import { renderLeaks } from '../../lib/render/leaks.js';
import { lsJson, renderLs, type LsOptions } from '../../lib/render/ls.js';
import { podsJson, renderPods } from '../../lib/render/pods.js';
import type { RenderOptions } from '../../lib/render/style.js';
import { renderTree, treeJson, type TreeOptions } from '../../lib/render/tree.js';
import { renderWhich } from '../../lib/render/which.js';
import { scanSync, type ScanOptions } from '../../lib/scan.js';
import { specSource, type HostSpec } from '../../lib/source/spec.js';
import { scenarioSource } from '../helpers/host.js';

const goldenDir = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));
const demoSpec = JSON.parse(readFileSync(fileURLToPath(new URL('../../lib/demo/k8s-node.json', import.meta.url)), 'utf8')) as HostSpec;

const plain: RenderOptions = { color: false, width: 0 };
const narrow: RenderOptions = { color: false, width: 60 };
const colour: RenderOptions = { color: true, width: 0 };

/** The fixtures, by the short name golden files use, each scanned once (on first use). */
const FIXTURES = {
  demo: (): Snapshot => scanSync({ source: specSource(demoSpec) }),
  /** The demo node with holders read (nsfs mounts and fds), as `nsview leaks` scans. */
  'demo-holders': (): Snapshot => scanSync({ source: specSource(demoSpec), holders: 'all' }),
  seed: (): Snapshot => scenario('k8s-seed-pod'),
  v2: (): Snapshot => scenario('k8s-v2-systemd-node'),
  v1: (): Snapshot => scenario('k8s-v1-cgroupfs-node'),
  docker: (): Snapshot => scenario('docker-seed-pod'),
  holders: (): Snapshot => scenario('holders', { holders: 'all' }),
} satisfies Record<string, () => Snapshot>;
type Fixture = keyof typeof FIXTURES;

function scenario(name: string, o: ScanOptions = {}): Snapshot {
  return scanSync({ ...o, source: scenarioSource(name) });
}

const scanned = new Map<Fixture, Snapshot>();
/** The snapshot of a fixture (scanned once: views do not change it). */
function snap(f: Fixture): Snapshot {
  let s = scanned.get(f);
  if (!s) scanned.set(f, (s = FIXTURES[f]()));
  return s;
}

/** The time of the scan is the one thing that differs between two scans of a fixture: fixed here. */
const SCANNED_AT = '2000-01-01T00:00:00.000Z';
function normalised(s: Snapshot): Snapshot {
  expect(s.scannedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  return { ...s, scannedAt: SCANNED_AT };
}

/** One golden file: its name (under fixtures/golden/) and how to make its text. */
interface Case {
  file: string;
  render: () => string;
  /** The output may hold ESC for SGR colour sequences. */
  colour?: boolean;
}

const tree =
  (f: Fixture, o: TreeOptions, r: RenderOptions = plain) =>
  (): string =>
    renderTree(snap(f), o, r);
const ls = (f: Fixture, o: LsOptions) => (): string => renderLs(snap(f), o, plain);
const json = (value: () => unknown) => (): string => renderJson(value());
/** The pids of the containers of pod `sel`, as `ls --pod` passes them. */
const podPids = (f: Fixture, sel: string): number[] => {
  const s = snap(f);
  const ids = new Set(selectPod(s, sel).containers);
  return s.containers.filter((c) => ids.has(c.id)).flatMap((c) => c.pids);
};

/** The new columns: parent and owner namespaces, nsfs mounts in the node's mount namespace, holders. */
const NEW_COLUMNS = ['NS', 'TYPE', 'NPROCS', 'PID', 'PNS', 'ONS', 'NSFS', 'HOLDERS'];

const SEED_POD = '/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod5f1d6b2e_3c55_4d6e_9a8b_1c2d3e4f5a6b.slice';

const CASES: Case[] = [
  // tree: systemd-cgls style, labels on pod and container cgroups.
  { file: 'tree.demo.default.txt', render: tree('demo', {}) },
  { file: 'tree.demo.besteffort-a.txt', render: tree('demo', { cgroup: '/kubepods.slice/kubepods-besteffort.slice', all: true }) },
  { file: 'tree.demo.kubepods-ns.txt', render: tree('demo', { cgroup: '/kubepods.slice', ns: true }) },
  { file: 'tree.demo.kubepods-ns.width60.txt', render: tree('demo', { cgroup: '/kubepods.slice', ns: true }, narrow) },
  { file: 'tree.demo.kubepods-ns.color.txt', render: tree('demo', { cgroup: '/kubepods.slice', ns: true }, colour), colour: true },
  { file: 'tree.seed.pod-cgroup.txt', render: tree('seed', { cgroup: SEED_POD }) },
  { file: 'tree.v1.k.txt', render: tree('v1', { kernel: true }) },
  { file: 'tree.v1.memory-burstable.txt', render: tree('v1', { controller: 'memory', cgroup: '/kubepods/burstable' }) },
  { file: 'tree.docker.ns.txt', render: tree('docker', { ns: true }) },
  { file: 'tree.seed.pod-cgroup.json', render: json(() => treeJson(snap('seed'), { cgroup: SEED_POD })) },
  { file: 'tree.docker.k.json', render: json(() => treeJson(snap('docker'), { kernel: true })) },
  { file: 'tree.demo.besteffort-a.json', render: json(() => treeJson(snap('demo'), { cgroup: '/kubepods.slice/kubepods-besteffort.slice', all: true })) },

  // ls: lsns style.
  { file: 'ls.demo.default.txt', render: ls('demo', {}) },
  {
    file: 'ls.demo.t-net-uts.o-container-pod.txt',
    render: ls('demo', { columns: ['NS', 'TYPE', 'NPROCS', 'PID', 'CONTAINER', 'POD'], types: ['net', 'uts'] }),
  },
  {
    file: 'ls.demo.pod-foo.o-plus-ppid.txt',
    render: () => renderLs(snap('demo'), { columns: ['+PPID', 'CONTAINER'], pids: podPids('demo', 'default/foo') }, plain),
  },
  { file: 'ls.demo.p1150.n.txt', render: ls('demo', { pid: 1150, noHeadings: true }) },
  { file: 'ls.holders.o-new-columns.txt', render: ls('holders', { columns: NEW_COLUMNS }) },
  { file: 'ls.holders.t-net-uts.output-all.txt', render: ls('holders', { outputAll: true, types: ['net', 'uts'] }) },
  {
    file: 'ls.holders.t-pid-user.T-parent.txt',
    render: ls('holders', { tree: 'parent', types: ['pid', 'user'], columns: ['NS', 'TYPE', 'NPROCS', 'PID', 'PNS', 'COMMAND'] }),
  },
  {
    file: 'ls.holders.t-user-net-uts.T-owner.txt',
    render: ls('holders', { tree: 'owner', types: ['user', 'net', 'uts'], columns: ['NS', 'TYPE', 'NPROCS', 'PID', 'ONS', 'COMMAND'] }),
  },
  { file: 'ls.holders.t-pid.T-process.txt', render: ls('holders', { tree: 'process', types: ['pid'], columns: ['NS', 'TYPE', 'PID', 'PPID', 'COMMAND'] }) },
  {
    file: 'ls.holders.t-net-uts-ipc.r-holders.txt',
    render: ls('holders', { raw: true, columns: ['NS', 'TYPE', 'NPROCS', 'NSFS', 'HOLDERS'], types: ['net', 'uts', 'ipc'] }),
  },
  { file: 'ls.seed.r.txt', render: ls('seed', { raw: true, columns: ['NS', 'TYPE', 'PATH', 'NPROCS', 'PID', 'USER', 'COMMAND'] }) },
  { file: 'ls.seed.n.txt', render: ls('seed', { noHeadings: true }) },
  { file: 'ls.docker.default.txt', render: ls('docker', {}) },
  { file: 'ls.demo.t-net.json', render: json(() => lsJson(snap('demo'), { types: ['net'] })) },
  {
    file: 'ls.holders.p700-t-net-ipc-uts.output-all.json',
    render: json(() => lsJson(snap('holders'), { outputAll: true, pid: 700, types: ['net', 'ipc', 'uts'] })),
  },
  {
    file: 'ls.holders.t-pid.T-parent.json',
    render: json(() => lsJson(snap('holders'), { tree: 'parent', types: ['pid'], columns: ['NS', 'TYPE', 'PID', 'PNS'] })),
  },

  // pods, with the VOLUMES block where volumes were read.
  { file: 'pods.demo.txt', render: () => renderPods(snap('demo'), plain) },
  { file: 'pods.demo.width60.txt', render: () => renderPods(snap('demo'), narrow) },
  { file: 'pods.seed.txt', render: () => renderPods(snap('seed'), plain) },
  { file: 'pods.v2.txt', render: () => renderPods(snap('v2'), plain) },
  { file: 'pods.v1.txt', render: () => renderPods(snap('v1'), plain) },
  { file: 'pods.docker.txt', render: () => renderPods(snap('docker'), plain) },
  { file: 'pods.holders.txt', render: () => renderPods(snap('holders'), plain) },
  { file: 'pods.seed.json', render: json(() => podsJson(snap('seed'))) },
  { file: 'pods.docker.json', render: json(() => podsJson(snap('docker'))) },

  // diff: two containers of one pod (with their shared volumes), host and container, two pods.
  { file: 'diff.demo.app-sidecar.txt', render: () => renderDiff(diff(snap('demo'), 1150, 1160), plain) },
  { file: 'diff.seed.app-sidecar.txt', render: () => renderDiff(diff(snap('seed'), 5001, 5035), plain) },
  { file: 'diff.demo.host-container.txt', render: () => renderDiff(diff(snap('demo'), 700, 1070), plain) },
  { file: 'diff.v1.different-pods.txt', render: () => renderDiff(diff(snap('v1'), 1180, 1200), plain) },
  { file: 'diff.docker.inferred-pod.txt', render: () => renderDiff(diff(snap('docker'), 27743, 27880), plain) },
  { file: 'diff.demo.app-sidecar.json', render: json(() => diff(snap('demo'), 1150, 1160)) },

  // inspect: sandboxes, apps, host processes.
  { file: 'inspect.demo.sandbox-1040.txt', render: () => renderInspect(inspectProcess(snap('demo'), 1040), plain) },
  { file: 'inspect.demo.app-1150.txt', render: () => renderInspect(inspectProcess(snap('demo'), 1150), plain) },
  { file: 'inspect.demo.host-700.txt', render: () => renderInspect(inspectProcess(snap('demo'), 700), plain) },
  { file: 'inspect.demo.kthread-2.txt', render: () => renderInspect(inspectProcess(snap('demo'), 2), plain) },
  { file: 'inspect.v1.cri-1200.txt', render: () => renderInspect(inspectProcess(snap('v1'), 1200), plain) },
  { file: 'inspect.docker.inferred-27880.txt', render: () => renderInspect(inspectProcess(snap('docker'), 27880), plain) },
  { file: 'inspect.holders.nested-pid-503.txt', render: () => renderInspect(inspectProcess(snap('holders'), 503), plain) },
  { file: 'inspect.seed.app-5001.json', render: json(() => inspectProcess(snap('seed'), 5001, Number.MAX_SAFE_INTEGER)) },

  // which: sandbox, apps, node-level, missing; pids as seen in a container and in a pod.
  { file: 'which.demo.txt', render: () => renderWhich(which(snap('demo'), [1040, 1070, 1150, 1130, 500, 1, 99999])) },
  { file: 'which.demo.in-api.txt', render: () => renderWhich(which(snap('demo'), [1, 2], 'api')) },
  { file: 'which.demo.in-pod-foo.txt', render: () => renderWhich(which(snap('demo'), [1, 7, 8, 99], 'pod/default/foo')) },
  { file: 'which.v1-and-docker.txt', render: () => renderWhich([...which(snap('v1'), [1170, 1210, 401]), ...which(snap('docker'), [27743, 27880, 880])]) },
  { file: 'which.demo.json', render: json(() => ({ pids: which(snap('demo'), [1150, 500, 99999]) })) },

  // leaks (findLeaks, then renderLeaks).
  { file: 'leaks.holders.txt', render: () => renderLeaks(findLeaks(snap('holders')), plain) },
  { file: 'leaks.demo-holders.txt', render: () => renderLeaks(findLeaks(snap('demo-holders')), plain) },
  { file: 'leaks.seed.no-holders.txt', render: () => renderLeaks(findLeaks(snap('seed')), plain) },
  { file: 'leaks.holders.json', render: json(() => findLeaks(snap('holders'))) },

  // The page nsview serve answers / with: pods, containers, volumes, leaks and the picture.
  { file: 'page.demo-holders.html', render: () => renderPodsPage(normalised(snap('demo-holders')), { leaks: findLeaks(snap('demo-holders')) }) },

  // The JSON writer: a whole snapshot (scannedAt fixed), and the escapes it adds to JSON.stringify's.
  { file: 'json.docker.snapshot.json', render: json(() => normalised(snap('docker'))) },
  {
    file: 'json.escapes.json',
    render: json(() => ({
      c0: 'a\x00\x1b[31m\tb\n',
      del: 'x\x7fy',
      c1: '\u0085\u009b',
      bidi: '\u202e\u2066\u200f\ufeff',
      line: '\u2028\u2029',
      lone: '\ud800',
      ok: 'é 中 \u{1F600}',
    })),
  },
];

/** Control characters a terminal must not get raw: every C0 but the newline, DEL, C1; and lone surrogates. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ud800-\udfff]/u;
/** SGR sequences, as chalk writes them. */
// eslint-disable-next-line no-control-regex -- ESC is what it finds
const SGR = /\u001b\[[0-9;]*m/g;
const plainText = (text: string): string => text.replace(SGR, '');

describe('golden files of the text and JSON views', () => {
  it('each golden file is named once', () => {
    const names = CASES.map((c) => c.file);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const c of CASES) {
    it(`${c.file} is unchanged`, () => {
      const text = c.render();
      // Nothing raw reaches a terminal (or a file): the colour case only its SGR sequences.
      expect(c.colour ? plainText(text) : text).not.toMatch(RAW);
      if (c.colour) expect(text).toContain('\u001b[');
      expect(text.endsWith('\n')).toBe(true);
      if (c.file.endsWith('.json')) expect(() => JSON.parse(text) as unknown).not.toThrow();
      const path = `${goldenDir}${c.file}`;
      if (process.env.UPDATE_GOLDEN === '1') {
        mkdirSync(goldenDir, { recursive: true });
        writeFileSync(path, text);
      }
      expect(existsSync(path), `${path} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      const golden = readFileSync(path, 'utf8');
      expect(c.colour ? plainText(golden) : golden).not.toMatch(RAW);
      expect(text).toBe(golden);
    });
  }

  it('no golden .txt or .json file is left without its case', () => {
    const known = new Set(CASES.map((c) => c.file));
    const stale = readdirSync(goldenDir).filter((f) => /\.(txt|json)$/.test(f) && !known.has(f));
    expect(stale).toEqual([]);
  });

  it('the colour tree is the plain tree with SGR sequences added', () => {
    const o = { cgroup: '/kubepods.slice', ns: true };
    expect(plainText(renderTree(snap('demo'), o, colour))).toBe(renderTree(snap('demo'), o, plain));
  });

  it('another scan of a fixture renders the same bytes (only scannedAt differs)', () => {
    const again = scenario('docker-seed-pod');
    expect(renderJson(normalised(again))).toBe(renderJson(normalised(snap('docker'))));
  });

  it('the snapshot as `nsview snapshot` writes it (indent 0) is the golden snapshot on one line', () => {
    const compact = renderJson(normalised(snap('docker')), 0);
    expect(compact.split('\n')).toEqual([expect.any(String), '']);
    expect(JSON.parse(compact)).toEqual(JSON.parse(readFileSync(`${goldenDir}json.docker.snapshot.json`, 'utf8')));
  });
});

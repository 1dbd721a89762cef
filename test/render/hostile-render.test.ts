/**
 * Hostile input meets the renderers, called directly on snapshots of the
 * scenario fixtures: long padded lines render in linear time, 130,000
 * siblings or rows and cgroup trees thousands deep neither overflow the stack
 * nor recurse, and every string from a snapshot (QoS, runtime, hierarchy
 * keys, names) reaches the text escaped. Timings are generous bounds that
 * only a quadratic algorithm misses, never benchmarks.
 */
import { describe, expect, it } from 'vitest';
import { diff } from '../../lib/model/diff.js';
import { renderDiff } from '../../lib/render/diff.js';
import { renderInspect } from '../../lib/render/inspect.js';
import { inspectProcess } from '../../lib/model/inspect.js';
import { renderColumns } from '../../lib/render/columns.js';
import { renderLs } from '../../lib/render/ls.js';
import { renderPods } from '../../lib/render/pods.js';
import { renderTree, treeJson, type TreeJsonNode } from '../../lib/render/tree.js';
import type { CgroupNode, NsMode, Snapshot } from '../../lib/model/types.js';
import { scanSync } from '../../lib/scan.js';
import { volumeSource } from '../helpers/volume.js';
import type { Source } from '../../lib/source/source.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';

const plain = { color: false, width: 0 };
const seed = (): Snapshot => scanSync({ source: scenarioSource('k8s-seed-pod') });

/** Milliseconds `f` takes, and its result. */
function timed<T>(f: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
}

/** Characters that must never reach a terminal raw (newline aside), lone surrogates included. */
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]/u;

describe('issue 14.4: trailing blanks are trimmed in linear time', () => {
  it('a 200,000-character padded line renders in well under a second', () => {
    const { ms, value } = timed(() =>
      renderColumns(
        [{ header: 'COMMAND' }, { header: 'PID', right: true }],
        [
          ['x'.repeat(200_000), '1'],
          ['a', '2'],
        ],
      ),
    );
    expect(ms).toBeLessThan(1000);
    expect(value.split('\n')[2]).toBe(`a${' '.repeat(200_002)}2`);
  });

  it('ls -o COMMAND,PID with a process of two 100,000-character arguments in its own namespaces', () => {
    const spec = loadSpec('k8s-seed-pod');
    const ns = { cgroup: 4026599001, ipc: 4026599002, mnt: 4026599003, net: 4026599004, pid: 4026599005, uts: 4026599006 };
    spec.processes.push({ pid: 7001, comm: 'long', cmdline: [' '.repeat(100_000), 'b'.repeat(100_000)], ns, cgroup: '/user.slice/long.scope' });
    const snap = scanSync({ source: volumeSource(spec) });
    const { ms, value } = timed(() => renderLs(snap, { columns: ['COMMAND', 'PID'], type: 'uts' }, plain));
    expect(ms).toBeLessThan(1000);
    const rows = value.trimEnd().split('\n');
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows.slice(1)) expect(r).toMatch(/ \d+$/);
  });

  it('pods with a 200,000-character pod name', () => {
    const snap = seed();
    const pod = snap.pods[0]!;
    // Unnamed, so the POD column shows the 200,000-character uid; the seed pod shows its name.
    snap.pods.push({ ...pod, key: 'long', uid: 'u'.repeat(200_000), name: null, namespace: null });
    const { ms, value } = timed(() => renderPods(snap, plain));
    expect(ms).toBeLessThan(1000);
    const rows = value.split('\n');
    expect(rows[1]!.startsWith(`default/foo${' '.repeat(200_000 - 'default/foo'.length)} besteffort`)).toBe(true);
    expect(rows[2]!.startsWith(`${'u'.repeat(200_000)} besteffort`)).toBe(true);
  });
});

describe('issue 14.7: no spread of an unbounded array, no recursion over untrusted depth', () => {
  it('ls of 150,000 namespaces', () => {
    const snap = seed();
    snap.namespaces = Array.from({ length: 150_000 }, (_, i) => ({ type: 'net' as const, inode: 4026600000 + i, pids: [1] }));
    const out = renderLs(snap, { columns: ['NS', 'PID'] }, plain);
    expect(out.split('\n')).toHaveLength(150_002);
  });

  it('tree of a cgroup holding 130,000 pids', () => {
    const snap = seed();
    snap.hierarchies[0]!.root.pids = Array.from({ length: 130_000 }, (_, i) => 100_000 + i);
    const out = renderTree(snap, {}, plain);
    expect(out).toContain('├─129999 (not scanned)');
  });

  it('tree and tree --json over a cgroup chain 6,000 deep (a library snapshot, no depth cap)', () => {
    const snap = seed();
    const lines = (s: Snapshot): number => renderTree(s, {}, { color: false, width: 80 }).split('\n').length;
    const before = lines(snap);
    let node: CgroupNode = snap.hierarchies[0]!.root;
    for (let i = 0; i < 6000; i++) {
      const child: CgroupNode = { path: `${node.path === '/' ? '' : node.path}/d`, pids: [], children: [] };
      node.children.push(child);
      node = child;
    }
    node.pids = [1];
    // 6,000 cgroup lines and the pid in the deepest.
    expect(lines(snap)).toBe(before + 6001);
    let j: TreeJsonNode | undefined = treeJson(snap, {}).tree;
    let depth = 0;
    while ((j = j.children.find((c) => c.path.startsWith('/d')))) depth++;
    expect(depth).toBe(6000);
  });

  it('scan (tree profile) of a hierarchy with 130,000 sibling cgroups', () => {
    const base = scenarioSource('k8s-seed-pod');
    const siblings = Array.from({ length: 130_000 }, (_, i) => ({ name: `sib-${i}.scope`, isDirectory: true }));
    // The fixture host with 130,000 empty cgroups added under the v2 root.
    const source = new Proxy(base, {
      get(target, key) {
        if (key === 'readDir') {
          return (path: string) => {
            if (path === '/sys/fs/cgroup') return [...target.readDir(path), ...siblings];
            return /^\/sys\/fs\/cgroup\/sib-\d+\.scope$/.test(path) ? [] : target.readDir(path);
          };
        }
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    }) as Source;
    const snap = scanSync({ source, profile: 'tree', hierarchies: 'primary', limits: false });
    expect(snap.hierarchies[0]!.root.children.length).toBeGreaterThan(130_000);
    expect(renderTree(snap, { all: true }, plain)).toContain('sib-129999.scope');
  });
});

describe('issue 14.6: every string from a snapshot reaches the text escaped', () => {
  /** A snapshot whose QoS, runtime, hierarchy key, names and a cgroup carry control, bidi and kept bytes. */
  function hostile(): Snapshot {
    const spec = loadSpec('k8s-seed-pod');
    spec.processes.push({ pid: 6003, comm: 'rlm\u061c', cgroup: '/system.slice/bad.service' });
    const snap = scanSync({ source: volumeSource(spec) });
    // Set here, not in the fixture's files: kept bytes come from the reader, which the fixture host does not go through.
    snap.processes.find((p) => p.pid === 6003)!.cmdline = ['x\u061ctxt.exe', 'lone\udcff\ud800'];
    snap.hierarchies[0]!.root.children.find((c) => c.path === '/system.slice')!.children.find((c) => c.path === '/system.slice/bad.service')!.path =
      '/system.slice/bad\udcfe.service';
    snap.pods[0]!.qos = 'q\x1b[2J' as never;
    for (const c of snap.containers) c.runtime = 'rt\x9b31m' as never;
    const key = 'k\x1b]0;t\x07\u202e';
    snap.hierarchies.push({
      key,
      version: 1,
      controllers: [key],
      mountPoint: '/sys/fs/cgroup/k',
      mountRoot: '/',
      root: { path: '/', pids: [5001, 5035], children: [] },
    });
    for (const p of snap.processes) if (p.pid === 5001 || p.pid === 5035) p.cgroups[key] = '/';
    return snap;
  }

  it('tree, pods, inspect, diff and ls: QoS, runtime and hierarchy keys escaped, nothing raw', () => {
    const s = hostile();
    const outs = {
      tree: renderTree(s, { ns: true }, plain),
      treeKey: renderTree(s, { controller: 'k\x1b]0;t\x07\u202e' }, plain),
      pods: renderPods(s, plain),
      inspect: renderInspect(inspectProcess(s, 5001), plain),
      diff: renderDiff(diff(s, 5001, 6003), plain),
      ls: renderLs(s, { columns: ['NS', 'PID', 'COMMAND', 'CONTAINER', 'POD'] }, plain),
    };
    for (const [view, out] of Object.entries(outs)) expect(RAW.exec(out)?.[0], view).toBeUndefined();
    expect(outs.treeKey.split('\n')[0]).toBe('Controller k\\x1b]0;t\\x07\\u202e; Control group /:');
    expect(outs.tree).toContain('[pod q\\x1b[2J ');
    expect(outs.tree).toContain('[rt\\x9b31m ');
    expect(outs.pods).toContain('q\\x1b[2J');
    expect(outs.pods).toContain('rt\\x9b31m');
    expect(outs.inspect).toContain('Container app rt\\x9b31m ');
    expect(outs.inspect).toContain('qos q\\x1b[2J');
    expect(outs.inspect).toContain('CGROUP /\n  k\\x1b]0;t\\x07\\u202e');
    expect(outs.diff).toContain('CGROUP k\\x1b]0;t\\x07\\u202e');
  });

  it('U+061C and bytes kept as lone surrogates: `\\u061c`, `\\xff`', () => {
    const s = hostile();
    const tree = renderTree(s, {}, plain);
    expect(tree).toContain('6003 x\\u061ctxt.exe lone\\xff\\ud800');
    expect(tree).toContain('bad\\xfe.service');
    expect(renderInspect(inspectProcess(s, 6003), plain).split('\n')[0]).toBe('PID 6003  x\\u061ctxt.exe lone\\xff\\ud800');
  });
});

describe('issue 14.8: a namespace mode that is an Object.prototype key', () => {
  it('pods and tree --ns show `?`, not a crash', () => {
    const s = seed();
    for (const t of ['net', 'ipc', 'uts'] as const) s.pods[0]!.namespaces[t] = (t === 'net' ? 'constructor' : t === 'ipc' ? '__proto__' : 'toString') as NsMode;
    expect(renderPods(s, plain).split('\n')[1]).toMatch(/ \?\s+\?\s+\?\s+ctr /);
    expect(renderTree(s, { ns: true }, plain)).toContain('net:? ipc:? uts:?');
  });
});

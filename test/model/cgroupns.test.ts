/**
 * A scan from inside a cgroup namespace (a DaemonSet pod on a cgroup v2 node): every
 * `/proc/<pid>/cgroup` path is relative to the reader's own cgroup (`/../../kubepods…`), while the
 * tree mounted from the node is walked from its real root. Where the reader's own process is in
 * the walked tree, the paths are made real again, and pods keep their names and limits.
 */
import { describe, expect, it } from 'vitest';
import demo from '../../lib/demo/k8s-node.json' with { type: 'json' };
import { cgroupNamespaceRoots, resolveCgroupPath } from '../../lib/model/plan.js';
import { summariseWarnings } from '../../lib/cli.js';
import { scanSync } from '../../lib/scan.js';
import { createMemorySource, type HostTree } from '../../lib/source/memory.js';
import { specTree, type HostSpec } from '../../lib/source/spec.js';
import type { Snapshot } from '../../lib/types.js';

const tree = specTree(demo as unknown as HostSpec);

/** `target` as the kernel shows it to a reader whose cgroup namespace is rooted at `root`. */
function relative(root: string, target: string): string {
  const r = root.split('/').filter(Boolean);
  const t = target.split('/').filter(Boolean);
  let k = 0;
  while (k < r.length && k < t.length && r[k] === t[k]) k++;
  return '/' + [...Array<string>(r.length - k).fill('..'), ...t.slice(k)].join('/');
}

/** The demo as read by process `self` inside a cgroup namespace rooted at its own cgroup (`self: undefined`: no /proc/self, as in a capture). */
function insideNamespace(selfPid: number, withSelf = true): HostTree {
  const root = /^0::(.*)$/m.exec(tree.files[`/proc/${selfPid}/cgroup`] ?? '')?.[1];
  if (!root) throw new Error(`pid ${selfPid} has no v2 cgroup in the demo`);
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries(tree.files)) {
    files[path] = /^\/proc\/\d+\/cgroup$/.test(path) ? text.replace(/^0::(.*)$/gm, (_, p: string) => `0::${relative(root, p)}`) : text;
  }
  return { files, links: { ...tree.links, ...(withSelf ? { '/proc/self': String(selfPid) } : {}) } };
}

/** What must not change: the model, not the warnings. */
const model = (s: Snapshot) => ({ pods: s.pods, containers: s.containers, processes: s.processes.map((p) => [p.pid, p.cgroups]) });

describe('scans from inside a cgroup namespace', () => {
  const direct = scanSync({ source: createMemorySource(tree, 'demo') });
  // The reader: a process of a pod container, as nsview in a DaemonSet pod is.
  const reader = direct.containers.find((c) => c.role === 'container' && c.pod !== null && c.pids.length)!;
  const selfPid = reader.pids[0]!;

  it('reads relative paths as the kernel writes them', () => {
    const inside = insideNamespace(selfPid);
    expect(inside.files[`/proc/${selfPid}/cgroup`]).toMatch(/^0::\/\n?$/m);
    expect(inside.files['/proc/1/cgroup']).toMatch(/^0::\/\.\.\/\.\.\//m);
  });

  it('makes the paths real again from its own cgroup: the same pods, containers, cgroups and limits as a scan from outside', () => {
    const s = scanSync({ source: createMemorySource(insideNamespace(selfPid), 'demo') });
    expect(model(s)).toEqual(model(direct));
    expect(s.pods.some((p) => p.limits && Object.keys(p.limits).length)).toBe(true);
    const notes = s.warnings.filter((w) => w.code === 'cgroupns');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.message).toContain(`rooted at ${reader.cgroup}`);
    expect(summariseWarnings(s.warnings, true)).toContain('cgroup paths resolved from its root');
  });

  it('without its own process to go by (a capture), keeps the paths as read and warns that they are relative', () => {
    const s = scanSync({ source: createMemorySource(insideNamespace(selfPid, false), 'demo') });
    expect(s.processes.find((p) => p.pid === 1)!.cgroups.unified).toMatch(/^\/\.\./);
    expect(s.warnings.filter((w) => w.code === 'cgroupns').map((w) => w.message)).toEqual([expect.stringMatching(/above the reader's cgroup namespace root/)]);
    expect(summariseWarnings(s.warnings, true)).toContain('cgroup paths are relative');
  });
});

describe('resolving one path', () => {
  it.each([
    ['/a/b/c', '/', '/a/b/c'],
    ['/a/b/c', '/../../d', '/a/d'],
    ['/a/b/c', '/../../../x/y', '/x/y'],
    ['/a', '/../../x', undefined],
    ['/a/b', '/./c/', '/a/b/c'],
  ])('root %s, path %s → %s', (root, path, real) => {
    expect(resolveCgroupPath(root, path)).toBe(real);
  });

  it('knows the root only where its own process is listed, and only for a tree mounted from its real root', () => {
    const self = { pid: 7, cgroups: { unified: '/' } } as never;
    const h = (mountRoot: string, pids: number[]) => ({
      key: 'unified',
      version: 2 as const,
      controllers: [],
      mountPoint: '/sys/fs/cgroup',
      mountRoot,
      root: { path: '/', pids: [], children: [{ path: '/k/p/c', pids, children: [] }] },
    });
    expect([...cgroupNamespaceRoots(self, [h('/', [7])])]).toEqual([['unified', '/k/p/c']]);
    expect(cgroupNamespaceRoots(self, [h('/', [8])]).size).toBe(0);
    expect(cgroupNamespaceRoots(self, [h('/k', [7])]).size).toBe(0);
    expect(cgroupNamespaceRoots(undefined, [h('/', [7])]).size).toBe(0);
  });
});

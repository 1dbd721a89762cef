/**
 * Several nodes (lib/model/nodes.ts) and the views over them: node names, `<node>:` selectors,
 * lookups that stay on one node, and the NODE columns of the renderers. The nodes are the
 * committed fixtures/nodes/ snapshots: demo-node-1 and demo-node-2 are the demo node twice (the
 * same pids and the same inode numbers: two machines that happen to agree), `seed` the seeds'
 * pod (its snapshot records no node name, so the file's name is used).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isNsviewError } from '../../lib/errors.js';
import { diff } from '../../lib/model/diff.js';
import {
  diffOnNodes,
  lsOnNodes,
  namedNodes,
  nodeNameOf,
  podsOnNodes,
  selectPidOnNodes,
  splitNode,
  treesOnNodes,
  whichOnNodes,
  type NodeSnapshot,
} from '../../lib/model/nodes.js';
import { parseSnapshot } from '../../lib/model/snapshot.js';
import type { Snapshot } from '../../lib/model/types.js';
import { renderDiff } from '../../lib/render/diff.js';
import { lsJsonNodes, renderLs, renderLsNodes } from '../../lib/render/ls.js';
import { podsJson, podsJsonNodes, renderPods, renderPodsNodes } from '../../lib/render/pods.js';
import type { RenderOptions } from '../../lib/render/style.js';
import { renderTreeNodes, treeJsonNodes } from '../../lib/render/tree.js';
import { renderWhich } from '../../lib/render/which.js';

const dir = fileURLToPath(new URL('../../fixtures/nodes/', import.meta.url));
const read = (name: string): { file: string; snapshot: Snapshot } => {
  const file = `${dir}${name}.json`;
  return { file, snapshot: parseSnapshot(readFileSync(file, 'utf8'), file) };
};
const plain: RenderOptions = { color: false, width: 0 };

// Given out of order: every view lists nodes by name.
const nodes = namedNodes([read('seed'), read('demo-node-2'), read('demo-node-1')]);
const node = (name: string): NodeSnapshot => nodes.find((n) => n.node === name)!;

/** The message of the error `f` throws. */
function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (isNsviewError(err)) return err.message;
    throw err;
  }
  throw new Error('no error thrown');
}

describe('node names', () => {
  it("are the snapshot's node, else the file's name without .json", () => {
    expect(nodes.map((n) => n.node)).toEqual(['demo-node-1', 'demo-node-2', 'seed']);
    expect(node('seed').snapshot.node).toBeNull();
    const s = node('seed').snapshot;
    expect(nodeNameOf(s, '/var/snaps/worker-7.json')).toBe('worker-7');
    expect(nodeNameOf(s, 'C:\\snaps\\worker-8.json')).toBe('worker-8');
    expect(nodeNameOf(s, '/dev/fd/63')).toBe('63');
    expect(nodeNameOf({ ...s, node: 'k8s-a' }, '/var/snaps/worker-7.json')).toBe('k8s-a');
  });

  it('two snapshots of one node name are an error naming both files', () => {
    const a = read('demo-node-1');
    const msg = errorOf(() => namedNodes([a, read('seed'), { ...a, file: '/elsewhere/copy.json' }]));
    expect(msg).toContain(a.file);
    expect(msg).toContain('/elsewhere/copy.json');
    expect(msg).toContain('demo-node-1');
    // The file-name fallback collides too: two files called seed.json in two directories.
    expect(errorOf(() => namedNodes([read('seed'), { ...read('seed'), file: '/other/seed.json' }]))).toContain('both node seed');
  });
});

describe('<node>: selectors', () => {
  it('split off a known node, the longest that fits', () => {
    expect(splitNode(nodes, 'seed:5001')).toEqual({ node: node('seed'), sel: '5001' });
    expect(splitNode(nodes, 'demo-node-2:pod/default/foo')).toEqual({ node: node('demo-node-2'), sel: 'pod/default/foo' });
    expect(splitNode(nodes, 'app')).toEqual({ node: undefined, sel: 'app' });
    const colon = namedNodes([read('seed'), { ...read('seed'), snapshot: { ...read('seed').snapshot, node: 'seed:b' } }]);
    expect(splitNode(colon, 'seed:b:1').node?.node).toBe('seed:b');
    expect(splitNode(colon, 'seed:1').node?.node).toBe('seed');
  });

  it('a prefix that is no node is an error naming it and the nodes', () => {
    expect(errorOf(() => splitNode(nodes, 'n3:1070'))).toBe('no node "n3" (the nodes are demo-node-1, demo-node-2, seed)');
  });

  it('a selector without a prefix must be on exactly one node', () => {
    // 5001 is a pid of the seed only.
    expect(selectPidOnNodes(nodes, '5001')).toEqual({ node: node('seed'), pid: 5001 });
    // app is a container on all three; 1070 a pid on both demo nodes.
    expect(errorOf(() => selectPidOnNodes(nodes, 'app'))).toBe('container "app" is on 3 nodes (demo-node-1, demo-node-2, seed): name one, as demo-node-1:app');
    expect(errorOf(() => selectPidOnNodes(nodes, '1070'))).toContain('process with pid 1070 is on 2 nodes (demo-node-1, demo-node-2)');
    expect(errorOf(() => selectPidOnNodes(nodes, 'pod/default/foo'))).toContain('pod "default/foo" is on 3 nodes');
    expect(errorOf(() => selectPidOnNodes(nodes, '999999'))).toBe('no process with pid 999999 on any node (demo-node-1, demo-node-2, seed)');
  });

  it('with a prefix, looks on that node only and names it when not there', () => {
    expect(selectPidOnNodes(nodes, 'demo-node-2:1070')).toEqual({ node: node('demo-node-2'), pid: 1070 });
    expect(selectPidOnNodes(nodes, 'seed:app')).toEqual({ node: node('seed'), pid: 5001 });
    expect(selectPidOnNodes(nodes, 'demo-node-1:pod/default/foo')).toEqual({ node: node('demo-node-1'), pid: 1140 });
    expect(errorOf(() => selectPidOnNodes(nodes, 'seed:1070'))).toBe('no process with pid 1070 in node seed');
  });
});

describe('which over nodes', () => {
  it('answers a pid once per node it is on, and once with no node when it is on none', () => {
    const answers = whichOnNodes(nodes, ['1070', 'seed:5035', '999999']);
    expect(answers.map((a) => [a.node, a.asked, a.pid])).toEqual([
      ['demo-node-1', 1070, 1070],
      ['demo-node-2', 1070, 1070],
      ['seed', 5035, 5035],
      [null, 999999, null],
    ]);
    expect(answers[0]!.container?.name).toBe('api');
    expect(answers[2]!.pod?.name).toBe('foo');
    expect(renderWhich(answers).split('\n')).toEqual([
      expect.stringMatching(/^demo-node-1:1070 → container api \(cri-o /),
      expect.stringMatching(/^demo-node-2:1070 → container api \(cri-o /),
      expect.stringMatching(/^seed:5035 → container sidecar \(containerd /),
      '999999 → no such process on any node',
      '',
    ]);
  });

  it('<node>:<pid> asks one node; a pid not there is not found on it', () => {
    expect(whichOnNodes(nodes, ['demo-node-1:1070']).map((a) => a.node)).toEqual(['demo-node-1']);
    const [missing] = whichOnNodes(nodes, ['seed:1070']);
    expect(missing).toMatchObject({ node: 'seed', pid: null });
    expect(renderWhich([missing!])).toBe('seed:1070 → no such process\n');
  });

  it('--in picks one node, and pids of another node are refused', () => {
    const [a] = whichOnNodes(nodes, ['1'], 'demo-node-1:pod/default/foo');
    expect(a).toMatchObject({ node: 'demo-node-1', asked: 1, pid: 1140 });
    expect(errorOf(() => whichOnNodes(nodes, ['1'], 'pod/default/foo'))).toContain('is on 3 nodes');
    expect(errorOf(() => whichOnNodes(nodes, ['seed:1'], 'demo-node-1:app'))).toBe('seed:1 is not on node demo-node-1, where --in demo-node-1:app is');
    expect(errorOf(() => whichOnNodes(nodes, ['x1']))).toContain('must be a process id');
  });
});

describe('diff over nodes', () => {
  it('two processes on different nodes share nothing, though every inode number is equal', () => {
    const a = node('demo-node-1').snapshot.processes.find((p) => p.pid === 1070)!;
    const b = node('demo-node-2').snapshot.processes.find((p) => p.pid === 1070)!;
    expect(b.ns).toEqual(a.ns); // the trap: a diff of inodes would call all eight shared
    const d = diffOnNodes(nodes, 'demo-node-1:1070', 'demo-node-2:1070');
    expect(d.relation).toBe('different-nodes');
    expect(d.shared).toEqual([]);
    expect(d).not.toHaveProperty('namespaces');
    expect(d).not.toHaveProperty('cgroups');
    expect([d.a.node, d.b.node]).toEqual(['demo-node-1', 'demo-node-2']);
    expect(d.a.container?.name).toBe('api');
    const text = renderDiff(d, plain);
    expect(text).toMatch(/^A demo-node-1:1070 api: container api/);
    expect(text).toMatch(/\nB demo-node-2:1070 api: container api/);
    expect(text).toContain('different nodes demo-node-1 and demo-node-2: share nothing');
    expect(text).not.toMatch(/shared|TYPE|CGROUP/);
  });

  it('two processes of one node are the diff of that node, each side with the node', () => {
    const d = diffOnNodes(nodes, 'seed:app', 'seed:sidecar');
    const one = diff(node('seed').snapshot, 5001, 5035);
    expect(d).toEqual({ ...one, a: { node: 'seed', ...one.a }, b: { node: 'seed', ...one.b } });
    expect(renderDiff(d, plain)).toMatch(/^A seed:5001 /);
    // A pid known on one node only needs no prefix.
    expect(diffOnNodes(nodes, '5001', '5035').relation).toBe(one.relation);
  });
});

describe('pods over nodes', () => {
  it('a NODE column first, rows by node then as on one node', () => {
    const text = renderPodsNodes(nodes, plain);
    const [head, ...rows] = text.split('\n\n')[0]!.split('\n');
    expect(head).toMatch(/^NODE +POD +QOS /);
    const demo = renderPods(node('demo-node-1').snapshot, plain).split('\n\n')[0]!.split('\n').slice(1);
    const seed = renderPods(node('seed').snapshot, plain).split('\n\n')[0]!.split('\n').slice(1);
    expect(rows.map((r) => r.split(/ +/)[0])).toEqual([...demo.map(() => 'demo-node-1'), ...demo.map(() => 'demo-node-2'), ...seed.map(() => 'seed')]);
    // Each row is that node's row on its own, after its NODE cell (columns are aligned over all rows).
    expect(rows.map((r) => r.replace(/^\S+ +/, '').split(/ +/))).toEqual([...demo, ...demo, ...seed].map((r) => r.split(/ +/)));
    // The volumes block names each pod's node on the pod's first row.
    const volumes = text.split('\n\n')[1]!.split('\n');
    expect(volumes[0]).toMatch(/^NODE +POD +VOLUME +MOUNTED BY$/);
    expect(volumes.filter((l) => /^\S/.test(l)).map((l) => l.split(/ +/).slice(0, 2))).toEqual([
      ['NODE', 'POD'],
      ['demo-node-1', 'default/foo'],
      ['demo-node-2', 'default/foo'],
      ['seed', 'default/foo'],
    ]);
  });

  it('a pod named on several nodes is listed on each; a prefix picks one', () => {
    expect(podsOnNodes(nodes, 'default/foo').map((n) => [n.node, n.snapshot.pods.length])).toEqual([
      ['demo-node-1', 1],
      ['demo-node-2', 1],
      ['seed', 1],
    ]);
    expect(podsOnNodes(nodes, 'seed:foo').map((n) => n.node)).toEqual(['seed']);
    expect(podsOnNodes(nodes, 'api-6b8f7c9d4-m9zlq').map((n) => n.node)).toEqual(['demo-node-1', 'demo-node-2']);
    expect(errorOf(() => podsOnNodes(nodes, 'nope'))).toBe('no pod "nope" on any node (demo-node-1, demo-node-2, seed)');
  });

  it('--json: every pod carries its node, on one node (or null) and over several', () => {
    expect(podsJson(node('demo-node-1').snapshot).pods.map((p) => p.node)).toEqual(Array(5).fill('demo-node-1'));
    expect(podsJson(node('seed').snapshot).pods.map((p) => p.node)).toEqual([null]);
    const all = podsJsonNodes(nodes).pods;
    expect(all.map((p) => p.node)).toEqual([...Array(5).fill('demo-node-1'), ...Array(5).fill('demo-node-2'), 'seed']);
    expect(Object.keys(all[0]!)[0]).toBe('node');
  });
});

describe('ls over nodes', () => {
  it('a NODE column first, rows by node then by inode; -o places NODE anywhere', () => {
    const text = renderLsNodes(lsOnNodes(nodes, { types: ['net'] }), { types: ['net'] }, plain);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NODE +NS TYPE NPROCS +PID USER +COMMAND$/);
    const rows = lines.slice(1).map((l) => l.split(/ +/));
    expect(rows.map((r) => r[0])).toEqual([...rows.map((r) => r[0])].sort());
    for (const n of nodes) {
      const own = rows.filter((r) => r[0] === n.node).map((r) => Number(r[1]));
      expect(own).toEqual(n.snapshot.namespaces.filter((x) => x.type === 'net').map((x) => x.inode));
    }
    const placed = renderLsNodes(lsOnNodes(nodes, { types: ['uts'] }), { types: ['uts'], columns: ['NS', 'NODE'] }, plain);
    expect(placed.split('\n')[0]).toMatch(/^ +NS NODE$/);
  });

  it('selects per node: an inode on the nodes that have it, -p and --pod with or without a prefix', () => {
    // The seed pod's net namespace is on the seed only; the demo's on both demo nodes.
    expect(lsOnNodes(nodes, { ns: 4026532614 }).map((n) => n.node)).toEqual(['seed']);
    expect(lsOnNodes(nodes, { ns: 4026532938 }).map((n) => n.node)).toEqual(['demo-node-1', 'demo-node-2']);
    expect(errorOf(() => lsOnNodes(nodes, { ns: 99 }))).toBe('no namespace 99 on any node (demo-node-1, demo-node-2, seed)');
    expect(lsOnNodes(nodes, { task: '5001' }).map((n) => [n.node, n.selection.pid])).toEqual([['seed', 5001]]);
    expect(lsOnNodes(nodes, { task: 'demo-node-2:1' }).map((n) => n.node)).toEqual(['demo-node-2']);
    expect(errorOf(() => lsOnNodes(nodes, { task: 'seed:1070' }))).toBe('no process with pid 1070 in node seed');
    const pod = lsOnNodes(nodes, { pod: 'seed:default/foo' });
    expect(pod.map((n) => [n.node, n.selection.pids])).toEqual([['seed', [4966, 5001, 5016, 5035]]]);
  });

  it('-J: each namespace object has its node first', () => {
    const j = lsJsonNodes(lsOnNodes(nodes, { types: ['uts'] }), { types: ['uts'] });
    const uts = (n: NodeSnapshot): number[] => n.snapshot.namespaces.filter((x) => x.type === 'uts').map((x) => x.inode);
    expect(j.namespaces.map((n) => [n.node, n.ns])).toEqual(nodes.flatMap((n) => uts(n).map((inode) => [n.node, inode])));
    for (const n of j.namespaces) expect(Object.keys(n)[0]).toBe('node');
  });

  it('on one node, NODE is accepted by -o and shows the recorded name', () => {
    expect(renderLs(node('demo-node-1').snapshot, { columns: ['NODE', 'TYPE'], types: ['time'] }, plain)).toBe('NODE        TYPE\ndemo-node-1 time\n');
  });
});

describe('tree over nodes', () => {
  it('one tree per node under a heading naming it; a node without the cgroup says so', () => {
    const trees = treesOnNodes(nodes, { cgroup: '/kubepods.slice/kubepods-burstable.slice' });
    expect(trees.map((t) => [t.node, t.missing === undefined])).toEqual([
      ['demo-node-1', true],
      ['demo-node-2', true],
      ['seed', false],
    ]);
    const text = renderTreeNodes(trees, {}, plain);
    expect(text.split('\n').filter((l) => l.startsWith('Node '))).toEqual([
      'Node demo-node-1; Control group /kubepods.slice/kubepods-burstable.slice:',
      'Node demo-node-2; Control group /kubepods.slice/kubepods-burstable.slice:',
      'Node seed: no cgroup /kubepods.slice/kubepods-burstable.slice in the v2 hierarchy',
    ]);
    const j = treeJsonNodes(trees, {});
    expect(j.nodes.map((n) => n.node)).toEqual(['demo-node-1', 'demo-node-2', 'seed']);
    expect(j.nodes[2]).toEqual({ node: 'seed', missing: 'no cgroup /kubepods.slice/kubepods-burstable.slice in the v2 hierarchy' });
  });

  it('a cgroup on no node is the error of one node', () => {
    expect(errorOf(() => treesOnNodes(nodes, { cgroup: '/nope' }))).toBe('no cgroup /nope in the v2 hierarchy on any node');
  });

  it('--pod shows the nodes the pod is on', () => {
    expect(treesOnNodes(nodes, { pod: 'api-6b8f7c9d4-m9zlq' }).map((t) => t.node)).toEqual(['demo-node-1', 'demo-node-2']);
    expect(errorOf(() => treesOnNodes(nodes, { pod: 'seed:nope' }))).toBe('node seed: no pod "nope"');
    expect(errorOf(() => treesOnNodes(nodes, { pod: 'nope' }))).toBe('no pod "nope" on any node (demo-node-1, demo-node-2, seed)');
  });

  it('the same error on every node is said once', () => {
    expect(errorOf(() => treesOnNodes(nodes, { controller: 'memory' }))).toBe('no cgroup hierarchy for controller "memory" (mounted: unified) on any node');
  });
});

/**
 * Many nodes offline, as users run it: the built CLI with `--from` repeated or given a
 * directory of snapshots (fixtures/nodes/: demo-node-1 and demo-node-2 are the demo node
 * twice, `seed` the seeds' pod with no node name recorded). NODE columns and their order, pids
 * and selectors per node, nothing shared across nodes, and the errors: duplicate node names,
 * a malformed or empty directory, commands that read one node.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const nodesDir = fileURLToPath(new URL('../../fixtures/nodes', import.meta.url));
const goldenDir = fileURLToPath(new URL('../../fixtures/golden/', import.meta.url));
const n1 = join(nodesDir, 'demo-node-1.json');
const n2 = join(nodesDir, 'demo-node-2.json');
const seed = join(nodesDir, 'seed.json');
const tmp = mkdtempSync(join(tmpdir(), 'nsview-nodes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', COLUMNS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A new directory under the test's temporary one holding these files (name → content or a file to copy). */
function dirWith(name: string, files: Record<string, string>): string {
  const d = join(tmp, name);
  mkdirSync(d);
  for (const [f, v] of Object.entries(files)) {
    if (v.startsWith('/')) copyFileSync(v, join(d, f));
    else writeFileSync(join(d, f), v);
  }
  return d;
}

const from = (...files: string[]): string[] => files.flatMap((f) => ['--from', f]);
/** The first column of each line but the header. */
const firstColumn = (text: string): string[] =>
  text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((l) => l.split(' ')[0]!);

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build:cli`);
});

describe('pods across nodes', () => {
  it('a NODE column first, rows by node name whatever order the files come in', () => {
    const r = run(['pods', ...from(seed, n1)]);
    expect(r.code).toBe(0);
    const table = r.out.split('\n\n')[0]!;
    expect(table.split('\n')[0]).toMatch(/^NODE +POD +QOS +SANDBOX /);
    // The demo node's five pods, then the seed's one (named after its file: its snapshot records no node).
    expect(firstColumn(table)).toEqual([...Array(5).fill('demo-node-1'), 'seed']);
    expect(table).toMatch(/^seed +default\/foo +besteffort +4966 /m);
    expect(table).toMatch(/^demo-node-1 +default\/foo +burstable +1140 /m);
    // The volumes block says each pod's node.
    expect(r.out.split('\n\n')[1]).toMatch(/^NODE +POD +VOLUME +MOUNTED BY\ndemo-node-1 default\/foo /);
    expect(r.out).toMatch(/^seed +default\/foo +shared-data \(emptyDir\)/m);
  });

  it('a directory is every *.json file in it, by name; pods <pod> lists it on each node', () => {
    const r = run(['pods', 'default/foo', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(firstColumn(r.out.split('\n\n')[0]!)).toEqual(['demo-node-1', 'demo-node-2', 'seed']);
    const one = run(['pods', 'seed:default/foo', '--from', nodesDir]);
    expect(firstColumn(one.out.split('\n\n')[0]!)).toEqual(['seed']);
  });

  it('--json: every pod carries its node, over several snapshots and on one', () => {
    const nodesOf = (args: string[]): unknown[] =>
      (JSON.parse(run(['pods', '--json', ...args]).out) as { pods: Array<{ node: unknown }> }).pods.map((p) => p.node);
    expect(nodesOf(from(n2, seed, n1))).toEqual([...Array(5).fill('demo-node-1'), ...Array(5).fill('demo-node-2'), 'seed']);
    expect(nodesOf(from(n1))).toEqual(Array(5).fill('demo-node-1'));
    expect(nodesOf(['--demo'])).toEqual(Array(5).fill('demo-node-1'));
    // One snapshot that records no node: null (its file's name names it only among several).
    expect(nodesOf(from(seed))).toEqual([null]);
  });

  it('--svg draws one node: several are refused', () => {
    const r = run(['pods', '--svg', '--from', nodesDir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--svg draws the pods of one node');
    // A pod named on one node: that node's picture, as from its snapshot alone.
    const svg = run(['pods', 'seed:foo', '--svg', '--from', nodesDir]);
    expect(svg.code).toBe(0);
    expect(svg.out).toContain('<svg ');
    expect(svg.out).toBe(run(['pods', 'foo', '--svg', '--from', seed]).out);
  });
});

describe('one snapshot: as before', () => {
  it('the text views are the golden files of one node, from a file or a directory of one', () => {
    const golden = readFileSync(join(goldenDir, 'pods.demo.txt'), 'utf8');
    expect(run(['pods', '--from', n1]).out).toBe(golden);
    const single = dirWith('single', { 'only.json': n1, 'notes.txt': 'not a snapshot' });
    expect(run(['pods', '--from', single]).out).toBe(golden);
    expect(run(['ls', '-t', 'net', '--from', single]).out).toBe(run(['ls', '-t', 'net', '--from', n1]).out);
    expect(run(['ls', '-t', 'net', '--from', n1]).out.split('\n')[0]).toMatch(/^ +NS TYPE /);
  });

  it('a node prefix is still no pid on one node', () => {
    const r = run(['which', 'demo-node-1:1070', '--from', n1]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('<pid> must be a process id (a positive integer), got "demo-node-1:1070"');
  });
});

describe('ls across nodes', () => {
  it('NODE first, rows by node then inode; -o accepts NODE; -J has node', () => {
    const r = run(['ls', '-t', 'uts', ...from(seed, n2, n1)]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^NODE +NS TYPE NPROCS +PID USER +COMMAND$/);
    const rows = r.out
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ +/));
    expect(rows.map((x) => x[0])).toEqual([...rows.map((x) => x[0])].sort());
    for (const node of ['demo-node-1', 'demo-node-2', 'seed']) {
      const inodes = rows.filter((x) => x[0] === node).map((x) => Number(x[1]));
      expect(inodes.length, node).toBeGreaterThan(1);
      expect(inodes, node).toEqual([...inodes].sort((a, b) => a - b));
    }
    // The seed's pod's uts namespace (fixtures/README.md) is on the seed only.
    expect(rows.filter((x) => x[1] === '4026532716').map((x) => x[0])).toEqual(['seed']);
    expect(run(['ls', '-t', 'uts', '-o', 'NS,NODE', ...from(seed, n1)]).out.split('\n')[0]).toMatch(/^ +NS NODE$/);
    const j = JSON.parse(run(['ls', '-J', '-t', 'net', '-p', 'seed:5001', '--from', nodesDir]).out) as { namespaces: Array<Record<string, unknown>> };
    expect(j.namespaces).toEqual([expect.objectContaining({ node: 'seed', ns: 4026532614, type: 'net' })]);
  });

  it('-T: a forest per node', () => {
    const r = run(['ls', '-T', 'parent', '-t', 'pid', ...from(n1, seed)]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n').slice(1);
    // Each node's nested pid namespaces hang under that node's own root pid namespace.
    const roots = lines.filter((l) => /^\S+ +\d/.test(l)).map((l) => l.split(/ +/)[0]);
    expect(roots).toContain('demo-node-1');
    expect(roots).toContain('seed');
    const firstSeed = lines.findIndex((l) => l.startsWith('seed'));
    expect(lines.slice(0, firstSeed).every((l) => l.startsWith('demo-node-1'))).toBe(true);
    expect(lines[firstSeed]).toMatch(/^seed +4026531836 +pid/);
  });
});

describe('which across nodes', () => {
  it('a pid on two nodes is answered twice; <node>:<pid> once; one on no node is not found (exit 1)', () => {
    const r = run(['which', '1070', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').map((l) => l.split(' → ')[0])).toEqual(['demo-node-1:1070', 'demo-node-2:1070', '']);
    expect(r.out).toContain('container api (cri-o ');
    const one = run(['which', 'demo-node-2:1070', '5001', '--from', nodesDir]);
    expect(one.out.split('\n').map((l) => l.split(' → ')[0])).toEqual(['demo-node-2:1070', 'seed:5001', '']);
    const none = run(['which', '424242', '--from', nodesDir]);
    expect(none.code).toBe(1);
    expect(none.out).toBe('424242 → no such process on any node\n');
    const j = JSON.parse(run(['which', '1070', '424242', '--json', '--from', nodesDir]).out) as { pids: Array<{ node: unknown; pid: unknown }> };
    expect(j.pids.map((p) => [p.node, p.pid])).toEqual([
      ['demo-node-1', 1070],
      ['demo-node-2', 1070],
      [null, null],
    ]);
  });
});

describe('diff and inspect across nodes', () => {
  it('two processes on different nodes share nothing, even with equal inode numbers', () => {
    const r = run(['diff', 'demo-node-1:1070', 'demo-node-2:1070', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^A demo-node-1:1070 api: container api/);
    expect(r.out).toContain('different nodes demo-node-1 and demo-node-2: share nothing');
    expect(r.out).not.toMatch(/shared|distinct|402653/);
    const j = JSON.parse(run(['diff', 'demo-node-1:1070', 'demo-node-2:1070', '--json', '--from', nodesDir]).out) as Record<string, unknown>;
    expect(j.relation).toBe('different-nodes');
    expect(j.shared).toEqual([]);
    expect(j).not.toHaveProperty('namespaces');
  });

  it('two processes of one node: the diff of that node', () => {
    const r = run(['diff', 'seed:app', 'seed:sidecar', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^A seed:5001 /);
    expect(r.out).toMatch(/^net +4026532614 4026532614 shared$/m);
  });

  it('a selector on several nodes is an error naming them (exit 1)', () => {
    const r = run(['diff', 'app', 'sidecar', '--from', nodesDir]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('nsview: container "app" is on 3 nodes (demo-node-1, demo-node-2, seed): name one, as demo-node-1:app\n');
    const pid = run(['inspect', '1070', '--from', nodesDir]);
    expect(pid.code).toBe(1);
    expect(pid.err).toContain('process with pid 1070 is on 2 nodes (demo-node-1, demo-node-2)');
  });

  it('inspect takes <node>: and says the node', () => {
    const r = run(['inspect', 'demo-node-2:1160', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Node demo-node-2\nPID 1160 /);
    const j = JSON.parse(run(['inspect', '5035', '--json', '--from', nodesDir]).out) as Record<string, unknown>;
    expect([j.node, j.pid]).toEqual(['seed', 5035]);
  });
});

describe('tree across nodes', () => {
  it('one tree per node under a heading with its name', () => {
    const r = run(['tree', '/kubepods.slice/kubepods-besteffort.slice', '--from', nodesDir]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => !/^[│├└ ]/.test(l))).toEqual([
      'Node demo-node-1; Control group /kubepods.slice/kubepods-besteffort.slice:',
      '',
      'Node demo-node-2; Control group /kubepods.slice/kubepods-besteffort.slice:',
      '',
      'Node seed; Control group /kubepods.slice/kubepods-besteffort.slice:',
      '',
    ]);
    // The seed's tree under its heading is the tree of the seed alone, but for the heading.
    const alone = run(['tree', '/kubepods.slice/kubepods-besteffort.slice', '--from', seed]).out;
    expect(r.out.slice(r.out.indexOf('Node seed; ')).replace(/^Node seed; /, '')).toBe(alone);
    const j = JSON.parse(run(['tree', '--json', ...from(seed, n1)]).out) as { nodes: Array<{ node: string; hierarchy: string; tree: { path: string } }> };
    expect(j.nodes.map((n) => [n.node, n.hierarchy, n.tree.path])).toEqual([
      ['demo-node-1', 'unified', '/'],
      ['seed', 'unified', '/'],
    ]);
  });
});

describe('loading several snapshots', () => {
  it('two snapshots of one node name: an error naming both files (exit 1)', () => {
    const copy = join(dirWith('dup', { 'copy.json': n1 }), 'copy.json');
    const r = run(['pods', ...from(n1, copy)]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`nsview: ${n1} and ${copy} are both node demo-node-1: give one snapshot per node\n`);
  });

  it('a malformed snapshot in a directory: the error names its file', () => {
    const d = dirWith('bad', { 'a.json': n1, 'b.json': '{"format":"nsview-snapshot","version":3}' });
    const r = run(['ls', '--from', d]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^nsview: ${join(d, 'b.json').replace(/[.]/g, '\\.')}: not an nsview snapshot`));
  });

  it('a directory with no snapshot: an error naming it; other files, links and directories are ignored', () => {
    const empty = dirWith('empty', { 'readme.txt': 'hello', '.hidden.json': n1 });
    mkdirSync(join(empty, 'sub.json'));
    symlinkSync(n1, join(empty, 'link.json'));
    const r = run(['pods', '--from', empty]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`nsview: ${empty}: no snapshot in this directory (nsview reads its *.json files)\n`);
  });

  it('commands that read one node refuse several (exit 2)', () => {
    for (const cmd of ['leaks', 'snapshot']) {
      const r = run([cmd, '--from', nodesDir]);
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toContain(`${cmd} reads one node: --from names 3 snapshots`);
    }
    expect(run(['capture', join(tmp, 'cap'), ...from(n1, n2)]).code).toBe(2);
    expect(run(['serve', ...from(n1, n2)]).code).toBe(2);
  });

  it('a node name from a snapshot is escaped like every other string', () => {
    const evil = JSON.parse(readFileSync(seed, 'utf8')) as Record<string, unknown>;
    evil.node = 'evil\u001b[31m\u202e';
    const d = dirWith('evil', { 'evil.json': JSON.stringify(evil), 'n1.json': n1 });
    const r = run(['pods', '--from', d]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('evil\\x1b[31m\\u202e default/foo');
    expect(r.out).not.toContain('\u001b');
    expect(r.out).not.toContain('\u202e');
  });
});

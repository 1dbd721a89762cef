/**
 * The CLI's views of holders, nesting and leaks (`ls --holders`, `ls -o …,PNS,ONS,NSFS`,
 * `ls -T`, `nsview leaks`) on the `holders` scenario written out as a capture, and on the demo.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioCapture } from '../helpers/capture-dir.js';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const run = (args: string[]): { out: string; err: string; code: number | null } => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', COLUMNS: '' } });
  return { out: r.stdout, err: r.stderr, code: r.status };
};

let tmp: string;
let cap: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'nsview-holders-'));
  cap = join(tmp, 'node');
  writeScenarioCapture('holders', cap);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  ns: number;
  type: string;
  nprocs?: number;
  pns?: number | null;
  ons?: number | null;
  nsfs?: string | null;
  holders?: unknown;
  children?: Row[];
}

describe('ls with holders', () => {
  it('--holders lists namespaces with no process, with what holds them', () => {
    const r = run(['ls', '--holders', '-t', 'net', '--root', cap]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^4026532500 net\s+0\s+fd 3 of pid 400$/m);
    expect(r.out).toMatch(/^4026532531 net\s+0\s+mount \/run\/netns\/blue \(mnt:\[4026531832\]\)$/m);
    // Without --holders, only namespaces with a process, as lsns 2.38.
    expect(run(['ls', '-t', 'net', '--root', cap]).out).not.toContain('4026532500');
  });

  it('-J: HOLDERS as the holder objects, nprocs 0 and pid null for a namespace with no process', () => {
    const doc = JSON.parse(run(['ls', '-J', '--holders', '-t', 'net', '--root', cap]).out) as { namespaces: Array<Row & { pid: number | null }> };
    const fd = doc.namespaces.find((n) => n.ns === 4026532500)!;
    expect(fd).toMatchObject({ nprocs: 0, pid: null, holders: [{ kind: 'fd', pid: 400, fd: 3 }] });
  });

  it('-o NS,TYPE,PNS,ONS,NSFS: parents of nested pid namespaces, owners of initial ones, empty where files cannot tell', () => {
    const doc = JSON.parse(run(['ls', '-J', '-o', 'NS,TYPE,PNS,ONS,NSFS', '--root', cap]).out) as { namespaces: Row[] };
    const of = (type: string, ns: number) => doc.namespaces.find((n) => n.type === type && n.ns === ns);
    expect(of('pid', 4026532511)).toEqual({ ns: 4026532511, type: 'pid', pns: 4026532510, ons: null, nsfs: null });
    expect(of('pid', 4026531836)).toEqual({ ns: 4026531836, type: 'pid', pns: 0, ons: 4026531837, nsfs: null });
    expect(of('user', 4026532520)).toEqual({ ns: 4026532520, type: 'user', pns: null, ons: null, nsfs: null });
    // NSFS reads mounts only: a namespace held by a mount is listed, several mount points joined by newlines as lsns -J does.
    expect(of('net', 4026532531)?.nsfs).toBe('/run/netns/blue\n/run/netns/blue copy');
    expect(of('net', 4026532500)).toBeUndefined();
    // Mounted in another mount namespace: listed (mounts were read), but not in NSFS: lsns shows its own.
    expect(of('net', 4026532540)?.nsfs).toBeNull();
  });

  it('prints several mount points of one namespace on lines of their own, and joins them in raw output', () => {
    const text = run(['ls', '-o', 'NS,NSFS', '-t', 'net', '--root', cap]).out;
    expect(text).toMatch(/^4026532531 \/run\/netns\/blue\n {11}\/run\/netns\/blue copy$/m);
    const raw = run(['ls', '-r', '-n', '-o', 'NS,NSFS', '4026532531', '--root', cap]).out;
    expect(raw).toBe('4026532531 /run/netns/blue\\x0a/run/netns/blue\\x20copy\n');
  });

  it('--list-columns names the new columns', () => {
    const out = run(['ls', '--list-columns']).out;
    for (const c of ['PATH', 'NETNSID', 'NSFS', 'PNS', 'ONS', 'HOLDERS']) expect(out).toMatch(new RegExp(`^\\s*${c}  `, 'm'));
  });

  it('PATH is /proc/<pid>/ns/<type>, or for a namespace with no process where it is held', () => {
    const doc = JSON.parse(run(['ls', '-J', '--holders', '-o', 'NS,PATH', '-t', 'net,pid', '--root', cap]).out) as {
      namespaces: Array<{ ns: number; path: string }>;
    };
    const path = (ns: number) => doc.namespaces.find((n) => n.ns === ns)?.path;
    expect(path(4026532511)).toBe('/proc/502/ns/pid');
    expect(path(4026532500)).toBe('/proc/400/fd/3');
    expect(path(4026532531)).toBe('/run/netns/blue');
  });
});

describe('ls -T', () => {
  it('parent: nested pid namespaces under their parents, drawn in NS as lsns -T parent', () => {
    const r = run(['ls', '-T', 'parent', '-t', 'pid', '-o', 'NS,TYPE,PID', '--root', cap]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith('4026531836'));
    expect(lines.slice(at, at + 5).map((l) => l.trimEnd())).toEqual([
      '4026531836       pid    1',
      '├─4026532510     pid  501',
      '│ └─4026532511   pid  502',
      '│   └─4026532512 pid  503',
      '├─4026532604     pid  700',
    ]);
  });

  it('parent -J: nested children arrays', () => {
    const doc = JSON.parse(run(['ls', '-J', '-T', 'parent', '-t', 'pid', '-o', 'NS', '--root', cap]).out) as { namespaces: Row[] };
    const root = doc.namespaces.find((n) => n.ns === 4026531836)!;
    const first = root.children!.find((c) => c.ns === 4026532510)!;
    expect(first.children).toEqual([{ ns: 4026532511, children: [{ ns: 4026532512 }] }]);
    // The pid namespace whose parent cannot be known stays at the top.
    expect(doc.namespaces.map((n) => n.ns)).toContain(4026532513);
  });

  it('owner: the initial namespaces under the initial user namespace; unknown owners at the top level', () => {
    const r = run(['ls', '-T', 'owner', '-o', 'NS,TYPE', '--demo']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^4026531837\s+user$/m);
    expect(r.out).toMatch(/^├─4026531835 cgroup$/m);
    expect(r.out).toMatch(/^4026532901\s+net$/m);
  });

  it("process: a namespace under the row of its lowest pid's parent process, drawn in COMMAND", () => {
    const r = run(['ls', '-T', 'process', '-t', 'pid', '--root', cap]);
    expect(r.out).toMatch(/ └─unshare --pid --fork sleep 600$/m);
    expect(r.out).toMatch(/ {3}└─sleep 600$/m);
  });

  it('an unknown tree is bad usage', () => {
    const r = run(['ls', '-T', 'sideways', '--demo']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('sideways');
  });
});

describe('nsview leaks', () => {
  it('lists each finding with its evidence, status 0; --exit-code makes it 3', () => {
    const r = run(['leaks', '--root', cap]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^held namespace +net:\[4026532500\]\n {2}no process is in it\n {2}held by fd 3 of pid 400 \(holder\)$/m);
    expect(r.out).toMatch(/^orphaned netns +net:\[4026532530\]$/m);
    expect(r.out).toMatch(/^no sandbox +pod /m);
    expect(r.out).toMatch(/^netns mismatch +container /m);
    expect(r.out).toMatch(/^pod cgroup +pod /m);
    expect(r.out).toMatch(/^container cgroup +container /m);
    expect(r.out).toMatch(/^8 finding\(s\)$/m);
    expect(run(['leaks', '--exit-code', '--root', cap]).code).toBe(3);
  });

  it('--json gives the findings and what was skipped', () => {
    const doc = JSON.parse(run(['leaks', '--json', '--root', cap]).out) as { leaks: Array<{ kind: string; evidence: string[] }>; skipped: string[] };
    expect(doc.leaks).toHaveLength(8);
    expect(doc.skipped).toEqual([]);
    for (const l of doc.leaks) expect(l.evidence.length).toBeGreaterThan(0);
  });

  it('the demo node has a leaked CNI netns and an empty pod cgroup', () => {
    const r = run(['leaks', '--demo']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => /^\S/.test(l))).toEqual([
      'orphaned netns  net:[4026532950]',
      'pod cgroup      pod 3c9d6a20-6b4e-4f0e-9a57-2f1c8e0d4b11',
      '2 finding(s)',
    ]);
  });

  it('a snapshot taken without holders: says what it could not check, exit 0', () => {
    const snap = JSON.parse(run(['snapshot', '--root', cap]).out) as Record<string, unknown>;
    delete snap.coverage;
    const file = join(tmp, 'old.json');
    writeFileSync(file, JSON.stringify(snap));
    const r = run(['leaks', '--from', file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^not checked: namespaces held by mounts or fds: holders were not read/m);
  });

  it('escapes control bytes from hostile mount points', () => {
    const dir = join(tmp, 'hostile');
    writeScenarioCapture('holders', dir);
    writeFileSync(join(dir, 'proc/1/mountinfo'), '41 26 0:4 net:[4026539999] /run/\\033[2J\\033]0;pwn\\007x rw - nsfs nsfs rw\n');
    for (const args of [['leaks'], ['ls', '--holders', '-t', 'net'], ['ls', '-o', 'NS,NSFS']]) {
      const r = run([...args, '--root', dir]);
      expect(r.code).toBe(0);
      expect(r.out).toContain('/run/\\x1b[2J\\x1b]0;pwn\\x07x');
      // eslint-disable-next-line no-control-regex
      expect(r.out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    }
  });
});

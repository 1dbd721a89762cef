/**
 * The CLI in the hands of people used to lsns, systemd-cgls and shell pipes: a
 * reader that closes the pipe early, widths, repeated and comma-separated
 * types, a namespace as argument, units, options accepted for habit, quiet
 * runs, and messages that name where the data came from. Runs the built
 * binary on the demo and on saved snapshots; needs no Linux.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringifySnapshot } from '../../lib/model/snapshot.js';
import type { Snapshot } from '../../lib/model/types.js';
import { width } from '../../lib/render/safe.js';
import { scanSync } from '../../lib/scan.js';
import type { HostSpec, ProcSpec } from '../../lib/source/spec.js';
import { loadSpec } from '../helpers/host.js';
import { volumeSource } from '../helpers/volume.js';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'nsview-habits-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', COLUMNS: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const save = (name: string, snap: Snapshot): string => {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, stringifySnapshot(snap));
  return file;
};

let big = '';
let noisy = '';
let demo: Snapshot;
beforeAll(() => {
  // A node with 8,000 more processes: every view's output is far larger than a pipe's buffer.
  const spec = loadSpec('k8s-v2-systemd-node') as HostSpec;
  const model = spec.processes.find((p) => p.cmdline?.[0] === '/bin/app') as ProcSpec;
  const more: ProcSpec[] = [];
  for (let i = 0; i < 8_000; i++)
    more.push({ ...model, pid: 100_000 + i, ppid: model.pid, comm: 'worker', cmdline: ['worker', String(i)], start: 200_000 + i });
  big = save('big', scanSync({ source: volumeSource({ ...spec, processes: [...spec.processes, ...more] }) }));
  const snap = scanSync({ source: volumeSource(loadSpec('k8s-seed-pod') as HostSpec) });
  noisy = save('noisy', { ...snap, warnings: [{ code: 'vanished', message: 'pid 4242 exited during the scan', pid: 4242 }] });
  demo = JSON.parse(run(['snapshot', '--demo']).out) as Snapshot;
}, 120_000);

describe('a reader that stops reading', () => {
  const bash = spawnSync('bash', ['-c', 'true']).status === 0;
  it.skipIf(!bash)('keeps a status already decided (a pid not found) when the pipe closes', () => {
    const r = spawnSync('bash', ['-c', 'set -o pipefail; "$0" "$1" which 99999 --demo | head -c 0; echo "${PIPESTATUS[0]}"', process.execPath, bin], {
      encoding: 'utf8',
    });
    expect(r.stdout.trim()).toBe('1');
  });

  it.skipIf(!bash)('ends nsview quietly with status 0 (snapshot, tree, ls, pods)', () => {
    for (const view of [['snapshot'], ['tree', '-a'], ['ls', '-o', '+POD'], ['pods'], ['snapshot', '--json']]) {
      const err = join(tmp, 'stderr');
      const script = `set -o pipefail; "$0" "$1" ${view.map((v) => `'${v}'`).join(' ')} --from "$2" 2>"$3" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`;
      const r = spawnSync('bash', ['-c', script, process.execPath, bin, big, err], { encoding: 'utf8' });
      expect(r.stdout.trim(), view.join(' ')).toBe('0');
      expect(readFileSync(err, 'utf8'), view.join(' ')).toBe('');
    }
  });
});

describe('width', () => {
  it('every line of every text view fits COLUMNS=80 in display columns', () => {
    for (const view of [['tree'], ['tree', '--ns'], ['ls'], ['ls', '-o', '+CONTAINER,POD'], ['pods'], ['inspect', '1040'], ['diff', '1070', '1090']]) {
      const r = run([...view, '--demo'], { COLUMNS: '80' });
      expect(r.code, view.join(' ')).toBe(0);
      expect(r.out.split('\n').length, view.join(' ')).toBeGreaterThan(4);
      const wide = r.out.split('\n').filter((l) => width(l) > 80);
      expect(wide, view.join(' ')).toEqual([]);
    }
  });

  it('-l (tree) and -u (ls) print full lines', () => {
    const tree = run(['tree', '-l', '--demo'], { COLUMNS: '40' });
    expect(tree.out.split('\n').some((l) => width(l) > 40)).toBe(true);
    expect(tree.out).toContain('/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf');
  });
});

describe('lsns habits', () => {
  const typesOf = (out: string): string[] =>
    [
      ...new Set(
        out
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(/\s+/)[1] as string),
      ),
    ].sort();

  it('-t repeated or comma-separated lists every type asked for and no other', () => {
    for (const args of [
      ['-t', 'net', '-t', 'uts'],
      ['-t', 'net,uts'],
      ['--type', 'uts', '--type=net'],
    ]) {
      const r = run(['ls', ...args, '--demo']);
      expect(r.code, args.join(' ')).toBe(0);
      expect(typesOf(r.out), args.join(' ')).toEqual(['net', 'uts']);
    }
    // Namespaces with a process: without --holders, ls lists no namespace held only by a mount or an fd.
    const net = demo.namespaces.filter((n) => (n.type === 'net' || n.type === 'uts') && n.pids.length > 0).length;
    expect(run(['ls', '-t', 'net,uts', '-n', '--demo']).out.trim().split('\n')).toHaveLength(net);
  });

  it('an unknown type is bad usage naming it', () => {
    const r = run(['ls', '-t', 'net,bogus', '--demo']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('"bogus"');
  });

  it('a namespace inode as argument shows that namespace only; an unknown one is an error naming it', () => {
    const ns = demo.namespaces.find((n) => n.type === 'net' && n.pids.includes(1040))!;
    const r = run(['ls', String(ns.inode), '-n', '--demo']);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).toMatch(new RegExp(`^\\s*${ns.inode} net `));
    const bad = run(['ls', '4026599999', '--demo']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('4026599999');
    expect(run(['ls', 'net', '--demo']).code).toBe(2);
    // lsns -t net <ns>: the type option does not swallow the namespace.
    expect(
      run(['ls', '-t', String(ns.type), String(ns.inode), '-n', '--demo'])
        .out.trim()
        .split('\n'),
    ).toHaveLength(1);
  });

  it('-l, -W and --output-all are accepted; --output-all shows every column', () => {
    const plain = run(['ls', '--demo']);
    expect(run(['ls', '-l', '-W', '--demo']).out).toBe(plain.out);
    const all = run(['ls', '--output-all', '--demo']);
    expect(all.code).toBe(0);
    const header = all.out.split('\n')[0]!.trim().split(/\s+/);
    const list = run(['ls', '--list-columns'])
      .out.trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(header).toEqual(list);
  });
});

describe('systemd-cgls habits', () => {
  it('--no-pager is accepted and changes nothing', () => {
    const plain = run(['tree', '--demo']);
    const r = run(['tree', '--no-pager', '--demo']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(plain.out);
  });

  it('-u <unit> shows the cgroup of that unit (".service" added), as a cgroup argument would', () => {
    const u = run(['tree', '-u', 'containerd', '--demo']);
    expect(u.code).toBe(0);
    expect(u.out).toBe(run(['tree', '/system.slice/containerd.service', '--demo']).out);
    expect(u.out).toContain('500 /usr/bin/containerd');
    const missing = run(['tree', '-u', 'nope.service', '--demo']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.service');
  });

  it('-c with a controller that is not mounted names the ones that are', () => {
    const r = run(['tree', '-c', 'bogus', '--from', big]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('bogus');
    expect(r.err).not.toContain('none');
    expect(r.err).toContain('unified');
  });
});

describe('quiet, and messages that name where the data came from', () => {
  it('the summary counts names left out when state files disagree', () => {
    const snap = JSON.parse(readFileSync(noisy, 'utf8')) as Snapshot;
    const file = save('conflict', { ...snap, warnings: [{ code: 'conflict', message: 'pod x: a says p, b says q; the pod is shown by uid' }] });
    expect(run(['pods', '--from', file]).err).toBe('nsview: 1 name left out: state files disagree (-v lists them)\n');
  });

  it('-q silences the summary line; -v still lists each warning', () => {
    expect(run(['ls', '--from', noisy]).err).toMatch(/exited during the scan/);
    const q = run(['ls', '-q', '--from', noisy]);
    expect(q.code).toBe(0);
    expect(q.err).toBe('');
    expect(run(['ls', '-q', '-v', '--from', noisy]).err).toContain('pid 4242 exited');
  });

  it('an unknown pid names the snapshot, the demo or the capture, not "this host"', () => {
    const s = run(['inspect', '999999', '-q', '--from', noisy]);
    expect(s.code).toBe(1);
    expect(s.err).toBe(`nsview: no process with pid 999999 in the snapshot ${noisy}\n`);
    expect(run(['diff', '1', '999999', '--demo']).err).toBe('nsview: no process with pid 999999 in the demo\n');
    expect(run(['ls', '-p', '999999', '--demo']).err).toBe('nsview: no process with pid 999999 in the demo\n');
    // A snapshot scanned without holders: the message says where a namespace held only by a mount or an fd would be.
    expect(run(['ls', '4026599999', '-q', '--from', noisy]).err).toBe(
      `nsview: no namespace 4026599999 in the snapshot ${noisy} (one held only by a mount or an fd is listed with --holders)\n`,
    );
  });

  it('--from or --root with no value is bad usage, not a file named ""', () => {
    for (const flag of ['--from', '--root']) {
      const r = run(['ls', flag]);
      expect(r.code, flag).toBe(2);
      expect(r.err, flag).toContain(`${flag} needs a path`);
    }
  });
});

describe('examples', () => {
  it('every --demo example in --help and the README runs and prints something', () => {
    const examples = new Set<string>();
    for (const cmd of ['tree', 'ls', 'pods', 'diff', 'inspect']) {
      for (const m of run([cmd, '--help']).out.matchAll(/^\s+nsview (.+--demo)\b/gm)) examples.add(m[1]!.trim());
    }
    // `serve` runs until it is stopped: test/serve and test/live/serve.test.ts run its examples.
    for (const m of readme.matchAll(/^\$ nsview (.+?--demo)/gm)) if (!m[1]!.startsWith('serve')) examples.add(m[1]!.trim());
    expect(examples.size).toBeGreaterThanOrEqual(6);
    for (const e of examples) {
      const r = run(e.split(/\s+/));
      expect(r.code, e).toBe(0);
      expect(r.err, e).toBe('');
      expect(r.out.length, e).toBeGreaterThan(50);
    }
  });

  it('a kubelet container whose cgroup path does not name the runtime is "cri", and inspect says why', () => {
    const file = save('cgroupfs', scanSync({ source: volumeSource(loadSpec('k8s-v1-cgroupfs-node') as HostSpec) }));
    const pods = run(['pods', '--from', file]);
    expect(pods.out).toMatch(/ cri +\S+$/m);
    expect(pods.out).not.toContain('kubernetes');
    const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
    const c = snap.containers.find((x) => x.runtime === 'cri')!;
    const r = run(['inspect', String(c.pids[0]), '--from', file]);
    expect(r.out).toContain('does not say which CRI runtime');
  });
});

/**
 * The CLI as users run it: the built binary in a child process, on saved
 * snapshots of the scenario fixtures (--from), the embedded --demo, and bad input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { stringifySnapshot } from '../../lib/model/snapshot.js';
import type { HostSpec } from '../../lib/source/spec.js';
import { volumeSource } from '../helpers/volume.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nsview-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '0', COLUMNS: '', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function saveSnapshot(name: string, spec?: HostSpec): string {
  const file = join(tmp, `${name}.json`);
  const snap = scanSync({ source: spec ? volumeSource(spec) : scenarioSource(name) });
  writeFileSync(file, stringifySnapshot(snap));
  return file;
}

let seed = '';
let dockerPod = '';
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build (npm test does)`);
  seed = saveSnapshot('k8s-seed-pod');
  dockerPod = saveSnapshot('docker-seed-pod');
});

describe('help and usage', () => {
  it('explains the tool and every command in --help', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    for (const word of ['tree', 'ls', 'pods', 'diff', 'inspect', 'snapshot', 'capture', 'lsns', 'systemd-cgls', 'Exit status', '--root', '--from', '--demo'])
      expect(r.out).toContain(word);
  });

  it('gives examples in each command help', () => {
    for (const cmd of ['tree', 'ls', 'pods', 'diff', 'inspect', 'snapshot', 'capture']) {
      const r = run([cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.out, cmd).toContain('Examples:');
    }
  });

  it('exits 2 with one line for bad usage', () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['diff', '1'],
      ['diff', '0', '2'],
      ['inspect', '0', '--demo'],
      ['inspect', '', '--demo'],
      ['ls', '-t', 'bogus'],
      ['ls', '-o', 'NOPE', '--demo'],
      ['ls', '-o', ',', '--demo'],
      ['tree', '--width', '-5', '--demo'],
      ['inspect', '-5', '--demo'],
    ]) {
      const r = run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out, args.join(' ')).toBe('');
      expect(r.err, args.join(' ')).toMatch(/^nsview: /);
      expect(r.err).not.toMatch(/at .*\.js:\d+/);
    }
  });

  it('prints the version', () => {
    expect(run(['--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('errors the user can act on exit 1 with one line naming the pid or path', () => {
  it('an unknown pid', () => {
    const r = run(['diff', '5001', '424242', '--from', seed]);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toContain('no process with pid 424242');
    expect(run(['inspect', '424242', '--from', seed]).err).toContain('424242');
  });

  it('a malformed snapshot', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"format":"nsview-snapshot","version":1,"processes":"nope"}');
    const r = run(['pods', '--from', bad]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(bad);
    const notJson = join(tmp, 'garbage.json');
    writeFileSync(notJson, '\x00\x01garbage');
    expect(run(['tree', '--from', notJson]).err).toContain(`${notJson}: not JSON`);
    expect(run(['tree', '--from', join(tmp, 'missing.json')]).err).toContain('missing.json');
  });

  it('capture of a directory that is not a host, leaving nothing behind', () => {
    const empty = join(tmp, 'empty-root');
    mkdirSync(empty);
    const dest = join(tmp, 'capture-out');
    const r = run(['capture', dest, '--root', empty]);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe(`nsview: cannot capture ${empty}/proc: ENOENT\n`);
    expect(existsSync(dest)).toBe(false);
  });

  it('an unusable root', () => {
    const r = run(['tree', '--root', join(tmp, 'no-such-capture')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`nsview: cannot scan ${join(tmp, 'no-such-capture')}/proc: no such file\n`);
  });
});

describe('views', () => {
  it('tree: systemd-cgls style with container and pod labels', () => {
    const r = run(['tree', '--from', seed, '--width', '0']);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toBe('Control group /:');
    expect(lines[1]).toBe('-.slice');
    expect(r.out).toContain('├─init.scope\n│ └─1 /sbin/init\n');
    expect(r.out).toMatch(/kubepods-besteffort-pod5f1d6b2e_3c55_4d6e_9a8b_1c2d3e4f5a6b\.slice \[pod besteffort default\/foo\]/);
    expect(r.out).toMatch(/cri-containerd-1d2ff1888edf[0-9a-f]{52}\.scope \[containerd 1d2ff1888edf app\]/);
    expect(r.out).toMatch(/cri-containerd-[0-9a-f]{64}\.scope \[containerd [0-9a-f]{12} sandbox\]\n│ {5}│ └─4966 \/pause/);
    expect(r.out).not.toContain('kthreadd');
    expect(run(['tree', '-k', '--from', seed]).out).toContain('├─ 2 [kthreadd]');
  });

  it('tree: ellipsizes to the width unless -l', () => {
    const narrow = run(['tree', '--from', seed], { COLUMNS: '40' });
    for (const l of narrow.out.split('\n')) if (!l.includes('[')) expect([...l].length).toBeLessThanOrEqual(40);
    expect(narrow.out).toContain('…');
    expect(run(['tree', '-l', '--from', seed], { COLUMNS: '40' }).out).toContain('httpbin:app -k gevent');
  });

  it('tree of a subtree and of a v1 controller', () => {
    const r = run(['tree', '/pod-foo', '--from', dockerPod, '--controller', 'memory']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('Controller memory; Control group /pod-foo: [pod - pod-foo (inferred)]');
    expect(run(['tree', '/nope', '--from', seed]).code).toBe(2);
    expect(run(['tree', '--controller', 'memory', '--from', seed]).err).toContain('no cgroup hierarchy for controller "memory"');
  });

  it('ls: the lsns table and lsns -J shape', () => {
    const r = run(['ls', '--from', seed]);
    expect(r.out.split('\n')[0]).toBe('        NS TYPE   NPROCS  PID USER   COMMAND');
    expect(r.out).toContain('4026532614 net         4 4966 nobody /pause\n');
    const j = JSON.parse(run(['ls', '-J', '--from', seed]).out) as { namespaces: Array<Record<string, unknown>> };
    expect(j.namespaces.find((n) => n.ns === 4026532614)).toEqual({ ns: 4026532614, type: 'net', nprocs: 4, pid: 4966, user: 'nobody', command: '/pause' });
    const t = JSON.parse(run(['ls', '-J', '-t', 'pid', '-o', 'NS,PID,CONTAINER,POD', '--from', seed]).out) as { namespaces: Array<Record<string, unknown>> };
    expect(t.namespaces.every((n) => Object.keys(n).join() === 'ns,pid,container,pod')).toBe(true);
    expect(t.namespaces.find((n) => n.pid === 5035)).toMatchObject({ pod: 'default/foo', container: 'sidecar' });
    expect(run(['ls', '-p', '5035', '-n', '-r', '-o', 'TYPE', '--from', seed]).out).toBe('time\nuser\nnet\nuts\nipc\nmnt\npid\ncgroup\n');
    expect(run(['ls', '--list-columns']).out).toContain('CONTAINER');
  });

  it('pods: one row per pod, and the documented JSON', () => {
    const r = run(['pods', '--from', dockerPod]);
    expect(r.out.split('\n')[1]).toMatch(/^pod-foo \(inferred\) -\s+27743\s+3 pod\s+pod\s+ctr\s+ctr\s+ctr/);
    const j = JSON.parse(run(['pods', '--json', '--from', seed]).out) as { pods: Array<Record<string, unknown>> };
    const pod = j.pods[0] as {
      uid: string;
      qos: string;
      sandbox: { pid: number };
      containers: Array<{ id: string; runtime: string; cgroup: string; pids: number[] }>;
      namespaces: Record<string, string>;
    };
    expect(pod.uid).toBe('5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b');
    expect(pod.qos).toBe('besteffort');
    expect(pod.sandbox.pid).toBe(4966);
    expect(pod.containers.map((c) => c.pids)).toEqual([[4966], expect.any(Array), expect.any(Array)]);
    expect(pod.namespaces).toMatchObject({ net: 'pod', ipc: 'pod', uts: 'pod', mnt: 'container', pid: 'container' });
  });

  it('diff: rows per type, cgroups, and the verdict', () => {
    const r = run(['diff', '5001', '5035', '--from', seed]);
    expect(r.out).toMatch(/^net\s+4026532614\s+4026532614 shared$/m);
    expect(r.out).toMatch(/^mnt\s+4026532719\s+4026532721 distinct$/m);
    expect(r.out).toContain(
      "same pod default/foo, different containers app and sidecar: share ipc, net, uts; separate cgroup, mnt, pid; both in the node's time, user",
    );
    const j = JSON.parse(run(['diff', '5001', '5035', '--json', '--from', seed]).out) as { relation: string };
    expect(j.relation).toBe('same-pod');
  });

  it('inspect: namespaces with who shares them, container and pod', () => {
    const r = run(['inspect', '5035', '--from', seed]);
    expect(r.out).toMatch(/^net\s+4026532614 own\s+4 4966,5001,5016$/m);
    expect(r.out).toContain('Pod default/foo 5f1d6b2e-3c55-4d6e-9a8b-1c2d3e4f5a6b  qos besteffort');
    expect(r.out).toContain('Container sidecar containerd a7de505a1420');
    const j = JSON.parse(run(['inspect', '5035', '--json', '--from', seed]).out) as { pod: { sandbox: { pid: number } } };
    expect(j.pod.sandbox.pid).toBe(4966);
  });

  it('snapshot: writes JSON that every view reads back', () => {
    const file = join(tmp, 'demo-snap.json');
    expect(run(['snapshot', '--demo', '-o', file]).code).toBe(0);
    expect(run(['pods', '--from', file]).out).toBe(run(['pods', '--demo']).out);
  });

  it('--demo renders a small Kubernetes node', () => {
    const r = run(['pods', '--demo']);
    expect(r.code).toBe(0);
    const [table, volumes] = r.out.trim().split('\n\n');
    expect(table!.split('\n')).toHaveLength(6);
    // default/foo's volumes: a configMap, the emptyDir its app and sidecar share, the service-account token.
    expect(volumes!.split('\n')).toHaveLength(4);
    expect(volumes).toMatch(/logs \(emptyDir\)\s+shared: app:\/var\/log\/app rw, sidecar:\/logs ro/);
    expect(run(['tree', '--demo', '--root', tmp]).code).toBe(2);
  });
});

describe('colour', () => {
  it('is off when not a terminal, on with --color or FORCE_COLOR, off with NO_COLOR', () => {
    expect(run(['pods', '--demo']).out).not.toContain('\x1b[');
    expect(run(['pods', '--demo', '--color']).out).toContain('\x1b[');
    expect(run(['pods', '--demo'], { FORCE_COLOR: '1' }).out).toContain('\x1b[');
    expect(run(['pods', '--demo', '--color'], { NO_COLOR: '1' }).out).toContain('\x1b[');
    expect(run(['pods', '--demo'], { NO_COLOR: '1', FORCE_COLOR: '1' }).out).not.toContain('\x1b[');
  });
});

describe('hostile process names', () => {
  const spec = loadSpec('k8s-seed-pod');
  spec.processes.push(
    { pid: 6001, comm: 'evil\x1b[2J', cmdline: ['\x1b]0;owned\x07', 'a\nb', 'c\x00d', '\x9b31m'], cgroup: '/system.slice/evil\x1b[31m.service' },
    { pid: 6002, comm: 'bidi\u202e', cmdline: ['x\u202etxt.exe'], cgroup: '/system.slice/ok.service' },
  );
  let file = '';
  beforeAll(() => {
    file = saveSnapshot('hostile', spec);
  });

  it('never writes a raw control byte in any view', () => {
    for (const args of [
      ['tree'],
      ['tree', '--json'],
      ['ls'],
      ['ls', '-J'],
      ['ls', '-r'],
      ['inspect', '6001'],
      ['inspect', '6001', '--json'],
      ['diff', '6001', '6002'],
      ['pods'],
      ['snapshot'],
    ]) {
      const r = run([...args, '--from', file]);
      expect(r.code, args.join(' ')).toBe(0);
      // eslint-disable-next-line no-control-regex
      expect(r.out, args.join(' ')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202e]/);
    }
  });

  it('shows them escaped', () => {
    expect(run(['tree', '--from', file, '-l']).out).toContain('6001 \\x1b]0;owned\\x07 a\\x0ab c d \\x9b31m');
    expect(run(['tree', '--from', file, '-l']).out).toContain('evil\\x1b[31m.service');
    expect(run(['inspect', '6002', '--from', file]).out).toContain('x\\u202etxt.exe');
  });
});

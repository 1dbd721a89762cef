/**
 * The lighter scan profiles that `ls` and `tree` use must show exactly what a
 * full scan shows in those views.
 */
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { lsJson } from '../../lib/render/ls.js';
import { renderTree, treeJson } from '../../lib/render/tree.js';
import { loadSpec, scenarioSource } from '../helpers/host.js';
import { faultySource } from '../helpers/faulty.js';
import { volumeSource } from '../helpers/volume.js';

const SCENARIOS = ['k8s-seed-pod', 'docker-seed-pod', 'k8s-v2-systemd-node', 'k8s-v1-cgroupfs-node', 'docker-host', 'broken-capture'];
const plain = { color: false, width: 0 };

describe.each(SCENARIOS)('%s', (name) => {
  const full = scanSync({ source: scenarioSource(name) });

  it("the 'leaders' profile gives the same ls -J, with and without CONTAINER and POD", () => {
    const leaders = scanSync({ source: scenarioSource(name), profile: 'leaders', hierarchies: 'none', limits: false });
    expect(lsJson(leaders, {})).toEqual(lsJson(full, {}));
    const cols = ['NS', 'TYPE', 'NPROCS', 'PID', 'PPID', 'UID', 'USER', 'COMMAND', 'CONTAINER', 'POD'];
    const withCg = scanSync({ source: scenarioSource(name), profile: 'leaders', cgroups: true, hierarchies: 'none', limits: false });
    expect(lsJson(withCg, { columns: cols })).toEqual(lsJson(full, { columns: cols }));
  });

  it("the 'tree' profile gives the same tree, labels, sandbox marks and namespace marks", () => {
    const tree = scanSync({ source: scenarioSource(name), profile: 'tree', hierarchies: 'primary', limits: false });
    for (const o of [{}, { all: true, kernel: true }, { ns: true }]) {
      expect(renderTree(tree, o, plain)).toBe(renderTree(full, o, plain));
      expect(treeJson(tree, o)).toEqual(treeJson(full, o));
    }
    expect(tree.pods.map((p) => [p.key, p.sandbox, p.namespaces])).toEqual(full.pods.map((p) => [p.key, p.sandbox, p.namespaces]));
  });
});

describe('the light profiles where a full scan knows more', () => {
  it("'tree' finds a container's init past a helper left in its cgroup, as a full scan does", () => {
    const spec = loadSpec('docker-seed-pod');
    const sandbox = spec.processes.find((p) => p.pid === 27743)!;
    // An `unshare` wrapper in the sandbox's cgroup, in the node's namespaces, with the lowest pid.
    spec.processes.push({
      pid: 27741,
      ppid: 27720,
      comm: 'unshare',
      cmdline: ['unshare', '--fork', 'sleep', 'infinity'],
      start: 269999,
      cgroup: sandbox.cgroup,
    });
    const full = scanSync({ source: volumeSource(spec) });
    const tree = scanSync({ source: volumeSource(spec), profile: 'tree', hierarchies: 'primary', limits: false });
    expect(tree.pods.map((p) => [p.sandbox, p.namespaces])).toEqual(full.pods.map((p) => [p.sandbox, p.namespaces]));
    expect(tree.pods[0]!.sandbox?.pid).toBe(27743);
  });

  it("'leaders' hands a namespace over to the next pid when its leader exits between the passes", () => {
    const src = faultySource(scenarioSource('docker-seed-pod'), { '/proc/27743/stat': 'ESRCH', '/proc/27743/status': 'ESRCH', '/proc/27743/cmdline': 'ESRCH' });
    const s = scanSync({ source: src, profile: 'leaders', hierarchies: 'none', limits: false });
    const net = lsJson(s, {}).namespaces.find((n) => n.ns === 4026532299);
    expect(net).toMatchObject({ pid: 27865, nprocs: 3, command: 'python3 -m http.server 8080' });
    expect(s.processes.some((p) => p.pid === 27743)).toBe(false);
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'vanished', pid: 27743 }));
  });

  it('keeps a leading byte-order mark in a command line (it is part of the text)', () => {
    const spec = loadSpec('k8s-seed-pod');
    spec.processes.push({ pid: 7000, comm: 'evil', cmdline: ['\ufeffevil', '30'] });
    expect(scanSync({ source: volumeSource(spec) }).processes.find((p) => p.pid === 7000)?.cmdline).toEqual(['\ufeffevil', '30']);
  });
});

describe('coverage: a consumer tells not read from denied from absent', () => {
  it('a tree scan says whose namespaces it read, and diff says "not read" for the others', async () => {
    const { diff } = await import('../../lib/model/diff.js');
    const src = scenarioSource('k8s-seed-pod');
    const tree = scanSync({ source: src, profile: 'tree' });
    expect(tree.coverage).toMatchObject({ profile: 'tree', namespaces: 'some' });
    // 612 (containerd) is a host process: the tree profile reads no namespace links of it.
    const d = diff(tree, 612, 5001);
    expect(d.namespaces.every((n) => n.shared === null && n.unknown === 'not-read')).toBe(true);
    expect(d.verdict).toMatch(/namespaces not read/);
    const full = scanSync({ source: src });
    expect(full.coverage).toMatchObject({ profile: 'all', namespaces: 'all' });
    expect(diff(full, 612, 5001).namespaces.every((n) => n.unknown === undefined)).toBe(true);
    // Read, and denied: the process is partial.
    const denied = { ...full, processes: full.processes.map((p) => (p.pid === 612 ? { ...p, ns: {}, partial: true } : p)) };
    expect(diff(denied, 612, 5001).namespaces[0]?.unknown).toBe('denied');
    const absent = { ...full, processes: full.processes.map((p) => (p.pid === 612 ? { ...p, ns: {} } : p)) };
    expect(diff(absent, 612, 5001).namespaces[0]?.unknown).toBe('absent');
  });
});

/**
 * The lighter scan profiles that `ls` and `tree` use must show exactly what a
 * full scan shows in those views.
 */
import { describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { lsJson } from '../../lib/render/ls.js';
import { renderTree, treeJson } from '../../lib/render/tree.js';
import { scenarioSource } from '../helpers/host.js';

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

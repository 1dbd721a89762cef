/* eslint-disable @typescript-eslint/no-explicit-any -- the tests damage arbitrary fields of a parsed snapshot */
import { describe, expect, it } from 'vitest';
import { parseSnapshot, stringifySnapshot } from '../../lib/model/snapshot.js';
import { scanSync } from '../../lib/scan.js';
import { scenarioSource } from '../helpers/host.js';

const good = JSON.parse(stringifySnapshot(scanSync({ source: scenarioSource('k8s-seed-pod') }))) as Record<string, unknown>;
const mutate = (f: (s: Record<string, any>) => void): string => {
  const s = structuredClone(good) as Record<string, any>;
  f(s);
  return JSON.stringify(s);
};

describe('parseSnapshot', () => {
  it('loads what stringifySnapshot wrote', () => {
    expect(parseSnapshot(JSON.stringify(good))).toEqual(good);
  });

  it('loads a version 1 snapshot of nsview 0.1.0: no names, runtime `kubernetes` read as `cri`', () => {
    const v1 = mutate((s) => {
      s.version = 1;
      for (const p of s.pods) {
        delete p.namespace;
        delete p.evidence;
        p.name = null;
      }
      for (const c of s.containers) {
        delete c.image;
        delete c.restarts;
        delete c.evidence;
        c.name = null;
      }
      s.containers[0].runtime = 'kubernetes';
    });
    const snap = parseSnapshot(v1);
    expect(snap.version).toBe(1);
    expect(snap.containers[0]!.runtime).toBe('cri');
    expect(snap.pods[0]!.name).toBeNull();
  });

  it.each([
    ['not JSON', 'snap.json: not JSON', () => '{"format":'],
    ['an array', 'top level is not an object', () => '[]'],
    ['another format', '"format" is not "nsview-snapshot"', () => mutate((s) => (s.format = 'x'))],
    ['a newer version', 'unsupported version 4', () => mutate((s) => (s.version = 4))],
    ['processes not an array', '"processes" is not an array', () => mutate((s) => (s.processes = 'nope'))],
    ['a process cgroup that is a number', 'processes[0] is malformed', () => mutate((s) => (s.processes[0].cgroups = { unified: 7 }))],
    ['a namespace of an unknown type', 'namespaces[0] is malformed', () => mutate((s) => (s.namespaces[0].type = 'bogus'))],
    ['a sandbox id that is a number', 'pods[0] is malformed', () => mutate((s) => (s.pods[0].sandbox.id = 5))],
    ['a warning without message', 'warnings[0] is malformed', () => mutate((s) => s.warnings.push({ code: 'denied' }))],
    ['a hierarchy without controllers', 'hierarchies[0] is malformed', () => mutate((s) => delete s.hierarchies[0].controllers)],
    ['a cgroup node without pids', 'hierarchies[0].root.children[0] is malformed', () => mutate((s) => delete s.hierarchies[0].root.children[0].pids)],
    ['node namespaces with a string', '"nodeNamespaces" is malformed', () => mutate((s) => (s.nodeNamespaces.net = 'x'))],
  ])('rejects %s, naming the file and the fault', (_name, message, text) => {
    expect(() => parseSnapshot(text(), 'snap.json')).toThrow(message);
    expect(() => parseSnapshot(text(), 'snap.json')).toThrow(/^snap\.json: /);
  });
});

describe('lookups on an edited snapshot', () => {
  it('indexSnapshot answers for the snapshot as it is now, not as it was first indexed', async () => {
    const { indexSnapshot } = await import('../../lib/model/index-snapshot.js');
    const { scenarioSource } = await import('../helpers/host.js');
    const s = scanSync({ source: scenarioSource('k8s-seed-pod') });
    expect(indexSnapshot(s).process(5035)).toBeDefined();
    s.processes = s.processes.filter((p) => p.pid !== 5035);
    expect(indexSnapshot(s).process(5035)).toBeUndefined();
    s.processes.push({ ...s.processes[0]!, pid: 77777 });
    expect(indexSnapshot(s).process(77777)).toBeDefined();
  });
});

/**
 * Names on the command line (issue 10), on the demo node whose state files name every pod
 * and container: `which`, selectors for pods, inspect and diff, and names in every view.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { selectContainer, selectPid, selectPod } from '../../lib/model/select.js';
import type { Snapshot } from '../../lib/model/types.js';

const bin = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args, '--demo'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', COLUMNS: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('nsview which', () => {
  it('answers many pids in one call: container, pod (namespace/name, uid, QoS), node-level, missing', () => {
    const r = run(['which', '1150', '1160', '1040', '500', '99999']);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      [
        '1150 → container app (containerd 97337d1eb77e) in pod default/foo (5ba81f02-faeb-54fe-9018-cf05b6b93b84, burstable)',
        '1160 → container sidecar (containerd 8c58428da906) in pod default/foo (5ba81f02-faeb-54fe-9018-cf05b6b93b84, burstable)',
        '1040 → sandbox (cri-o bb57a92039a6) in pod shop/api-6b8f7c9d4-m9zlq (831e7e7a-5346-5e0c-949a-d41f42a82aac, burstable)',
        '500 → node-level',
        '99999 → no such process',
        '',
      ].join('\n'),
    );
  });

  it('--in translates pids seen inside a container or pod to host pids', () => {
    const r = run(['which', '1', '7', '13', '--in', 'pod/default/foo']);
    expect(r.out).toMatch(/^1 \(host pid 1140\) → sandbox/m);
    expect(r.out).toMatch(/^7 \(host pid 1150\) → container app/m);
    expect(r.out).toMatch(/^13 \(host pid 1160\) → container sidecar/m);
    expect(run(['which', '1', '--in', 'envoy']).out).toMatch(/^1 \(host pid 1090\) → container envoy/);
  });

  it('--in a pod whose containers each have their own pid namespace is refused, not answered by the first match', () => {
    const r = run(['which', '1', '--in', 'pod/shop/api-6b8f7c9d4-m9zlq']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('nsview: pod shop/api-6b8f7c9d4-m9zlq has a pid namespace per container: use --in <container>\n');
  });

  it('digits that are no pid are tried as a container id prefix', () => {
    expect(run(['inspect', '063215']).out).toMatch(/^PID 1130 /);
    expect(run(['inspect', '99999']).code).toBe(1);
  });

  it('--json', () => {
    const j = JSON.parse(run(['which', '1150', '--json']).out) as { pids: Array<Record<string, unknown>> };
    expect(j.pids[0]).toEqual({
      asked: 1150,
      pid: 1150,
      container: { id: '97337d1eb77e89d3f75679311215f90458f90fbd500032f7129e9fbe7e53e39a', runtime: 'containerd', name: 'app', role: 'container' },
      pod: { key: '5ba81f02-faeb-54fe-9018-cf05b6b93b84', uid: '5ba81f02-faeb-54fe-9018-cf05b6b93b84', namespace: 'default', name: 'foo', qos: 'burstable' },
    });
  });

  it('answers a thousand pids in one call', () => {
    const pids = Array.from({ length: 1000 }, (_, i) => String(i + 1000));
    const r = run(['which', ...pids]);
    expect(r.out.trim().split('\n')).toHaveLength(1000);
  });
});

describe('selectors and names in views', () => {
  it('pods shows namespace/name and container names; pods <selector> shows one pod', () => {
    const all = run(['pods']);
    expect(all.out).toMatch(/^default\/foo +burstable +1140 .* app,sidecar$/m);
    expect(all.out).toMatch(/^shop\/api-6b8f7c9d4-m9zlq .* cri-o +api,envoy$/m);
    for (const sel of ['default/foo', 'foo', '5ba81f02']) {
      const one = run(['pods', sel]);
      expect(one.code, sel).toBe(0);
      // The header and the pod; then its volumes below a blank line.
      expect(one.out.trim().split('\n\n')[0]!.split('\n'), sel).toHaveLength(2);
      expect(one.out, sel).toContain('logs (emptyDir)');
    }
    const none = run(['pods', 'nope']);
    expect(none.code).toBe(1);
    expect(none.err).toBe('nsview: no pod "nope"\n');
  });

  it('inspect and diff take container names and pod/<pod>; diff names both sides', () => {
    expect(run(['inspect', 'pod/default/foo']).out).toMatch(/^PID 1140 /);
    const app = run(['inspect', 'app']);
    expect(app.out).toMatch(/^PID 1150 /);
    expect(app.out).toContain('Container app containerd 97337d1eb77e');
    expect(app.out).toContain('image kennethreitz/httpbin:latest');
    expect(app.out).toContain('Pod default/foo 5ba81f02-faeb-54fe-9018-cf05b6b93b84');
    const d = run(['diff', 'app', 'sidecar']);
    expect(d.code).toBe(0);
    expect(d.out).toContain('same pod default/foo, different containers app and sidecar: share ipc, net, pid, uts');
    expect(run(['diff', 'api', 'nginx']).out).toContain('different pods shop/api-6b8f7c9d4-m9zlq and shop/web-5c7f9d6b8-x2kqp');
  });

  it('tree labels and ls columns carry names', () => {
    const tree = run(['tree', '-l']);
    expect(tree.out).toContain('[pod burstable default/foo]');
    expect(tree.out).toContain('[containerd 97337d1eb77e app]');
    const ls = run(['ls', '-t', 'mnt', '-o', 'PID,CONTAINER,POD']);
    expect(ls.out).toMatch(/^ *1150 app +default\/foo$/m);
  });
});

describe('ls --pod, ls --container, tree --pod', () => {
  it("ls --pod lists the namespaces of the pod's processes; ls --container of one container", () => {
    const pod = run(['ls', '--pod', 'default/foo', '-n', '-o', 'NS,TYPE,PID']);
    const pids = new Set(
      pod.out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[2]),
    );
    expect([...pids].sort()).toEqual(['1', '1140', '1150', '1160']);
    const ctr = run(['ls', '--container', 'envoy', '-n', '-o', 'TYPE,PID']);
    expect(ctr.out).toMatch(/^mnt +1090$/m);
    expect(ctr.out).toMatch(/^net +1040$/m);
    expect(ctr.out).not.toMatch(/ 1070$/m);
    expect(run(['ls', '--pod', 'nope']).code).toBe(1);
    expect(run(['ls', '--pod', 'default/foo', '--container', 'envoy']).code).toBe(2);
  });

  it("tree --pod shows the pod's cgroup", () => {
    const t = run(['tree', '--pod', 'shop/api-6b8f7c9d4-m9zlq', '-l']);
    expect(t.code).toBe(0);
    expect(t.out).toBe(run(['tree', '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod831e7e7a_5346_5e0c_949a_d41f42a82aac.slice', '-l']).out);
    expect(t.out).toContain('[cri-o 9c3764436313 envoy]');
  });
});

describe('selectors (library)', () => {
  const snap = JSON.parse(run(['snapshot']).out) as Snapshot;
  it('an ambiguous name is an error listing the candidates', () => {
    const twin = { ...snap, containers: snap.containers.map((c) => (c.name === 'envoy' ? { ...c, name: 'app' } : c)) };
    expect(() => selectContainer(twin, 'app')).toThrow(/container "app" is ambiguous: app \(containerd 97337d1eb77e\), app \(cri-o 9c3764436313\)/);
    expect(selectContainer(snap, '9c37').name).toBe('envoy');
    expect(() => selectContainer(snap, '9c3')).toThrow(/no container "9c3"/);
    expect(selectPod(snap, 'kube-system/kube-proxy-7xk2p').qos).toBe('besteffort');
    expect(selectPid(snap, 'pod/shop/api-6b8f7c9d4-m9zlq')).toBe(1040);
    expect(() => selectPid(snap, '99999')).toThrow(/no process with pid 99999/);
  });
});

/**
 * Grouping many containers into pods stays linear: 20,000 containers that
 * share one network namespace (an inferred pod, which a user with a
 * delegated cgroup subtree can build) pick their sandbox by counting the
 * holders of each namespace once, not by comparing every pair.
 */
import { describe, expect, it } from 'vitest';
import { groupPods } from '../../lib/model/pods.js';
import type { Container, ProcessInfo } from '../../lib/model/types.js';
import { emptyProcess } from '../../lib/read/processes.js';

describe('groupPods', () => {
  it('20,000 containers in one shared net namespace: one inferred pod in seconds (pairwise it took minutes)', () => {
    const n = 20_000;
    const node = { net: 4026531840, ipc: 4026531839 };
    const processes: ProcessInfo[] = [];
    const containers: Container[] = [];
    for (let i = 0; i < n; i++) {
      const p = emptyProcess(1000 + i);
      p.ns = { net: 4026600000, ipc: 4026700000 + i };
      p.startTime = 100 + i;
      processes.push(p);
      const id = i.toString(16).padStart(64, '0');
      containers.push({
        id,
        runtime: 'docker',
        name: null,
        role: 'container',
        hierarchy: 'unified',
        cgroup: `/user.slice/many/${id}`,
        pids: [p.pid],
        pod: null,
      });
    }
    const t = performance.now();
    const before = JSON.stringify(containers);
    const { pods, containers: grouped } = groupPods(processes, node, containers, new Map(), []);
    // Its inputs stay as they were; the containers come back with pod and role set.
    expect(JSON.stringify(containers)).toBe(before);
    expect(grouped.find((c) => c.role === 'sandbox')?.id).toBe(containers[0]!.id);
    expect(grouped.every((c) => c.pod === pods[0]!.key)).toBe(true);
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(pods).toHaveLength(1);
    expect(pods[0]!.containers).toHaveLength(n);
    // Every container joins the others' net namespace: the earliest started is the sandbox.
    expect(pods[0]!.sandbox).toEqual({ id: containers[0]!.id, pid: 1000 });
    expect(pods[0]!.namespaces.net).toBe('pod');
  });
});

/**
 * `scan()` reads in steps (lib/read/steps.ts): between chunks of processes, cgroup
 * hierarchies and mount tables it gives the event loop a turn, so a server that scans goes on
 * answering. It reads exactly what `scanSync()` reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import demo from '../../lib/demo/k8s-node.json' with { type: 'json' };
import { PROCESSES_PER_STEP } from '../../lib/read/steps.js';
import { scan, scanSync } from '../../lib/scan.js';
import { startServer, type RunningServer } from '../../lib/serve/server.js';
import { createMemorySource, type HostTree } from '../../lib/source/memory.js';
import { specTree, type HostSpec } from '../../lib/source/spec.js';
import type { Snapshot } from '../../lib/types.js';
import { request } from '../serve/helpers.js';

/** The demo node with `extra` more processes, copies of one of its container processes. */
function grown(extra: number): HostTree {
  const tree = specTree(demo as unknown as HostSpec);
  const files = { ...tree.files };
  const links = { ...tree.links };
  const model = 1070;
  for (let i = 0; i < extra; i++) {
    const pid = 100_000 + i;
    for (const [path, text] of Object.entries(tree.files)) {
      if (path.startsWith(`/proc/${model}/`)) files[path.replace(`/proc/${model}/`, `/proc/${pid}/`)] = text.replace(/^1070 /, `${pid} `);
    }
    for (const [path, target] of Object.entries(tree.links)) {
      if (path.startsWith(`/proc/${model}/`)) links[path.replace(`/proc/${model}/`, `/proc/${pid}/`)] = target;
    }
  }
  return { files, links };
}

const EXTRA = 6 * PROCESSES_PER_STEP;
const host = createMemorySource(grown(EXTRA), 'grown');
const same = (s: Snapshot): Snapshot => ({ ...s, scannedAt: '' });

describe('scans in steps', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('scan() gives the event loop turns while it reads, and reads what scanSync() reads', async () => {
    let turns = 0;
    let running = true;
    const tick = (): void => {
      turns++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const stepped = await scan({ source: host });
    running = false;
    const whole = scanSync({ source: host });
    expect(stepped.processes.length).toBeGreaterThan(EXTRA);
    expect(same(stepped)).toEqual(same(whole));
    // At least one turn per chunk of processes.
    expect(turns).toBeGreaterThanOrEqual(EXTRA / PROCESSES_PER_STEP);
  });

  it('scanSync() gives none: it returns before anything else runs', () => {
    let turns = 0;
    setImmediate(() => turns++);
    scanSync({ source: host });
    expect(turns).toBe(0);
  });

  it('a server answers /healthz while a scan for /metrics is under way', async () => {
    let scanning = false;
    server = await startServer({
      listen: '127.0.0.1:0',
      minInterval: 0,
      scan: async (o) => {
        scanning = true;
        try {
          return await scan({ ...o, source: host });
        } finally {
          scanning = false;
        }
      },
    });
    const order: string[] = [];
    const metrics = request(`${server.url}metrics`).then((a) => order.push(`metrics ${a.status}`));
    // Wait until the scan has started, then ask for /healthz.
    while (!scanning) await new Promise((r) => setImmediate(r));
    const health = request(`${server.url}healthz`).then((a) => order.push(`healthz ${a.status} while scanning: ${scanning}`));
    await Promise.all([metrics, health]);
    expect(order).toEqual(['healthz 200 while scanning: true', 'metrics 200']);
  });
});

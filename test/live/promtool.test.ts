/**
 * Prometheus's own checker on nsview's exposition (lib/render/metrics.ts): `promtool check
 * metrics` reads the text from stdin with Prometheus's parser and lints it (counters named
 * `_total`, units, HELP present). It exits 1 on a parse error ("error while linting: text
 * format parsing error in line …"), which fails here, and 3 when it has lint problems to print,
 * which are shown. It does not see a series given twice, which test/helpers/prom.ts checks on
 * the same text.
 *
 * The texts: the demo node (with holders, leaks, the server's own process and requests), the
 * demo with hostile container, pod and node names, and a live scan of this host with holders
 * and leaks. Needs promtool in PATH (Debian: apt-get install prometheus), and for the live
 * scan Linux as root (a scan as another user sees less, and says so in warnings).
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { findLeaks } from '../../lib/model/leaks.js';
import type { Snapshot } from '../../lib/model/types.js';
import { renderMetrics, type MetricsInput } from '../../lib/render/metrics.js';
import { scanSync } from '../../lib/scan.js';
import { specSource } from '../../lib/source/spec.js';
import { liveStatus, which } from '../helpers/lab.js';
import { expositionProblems, parseProm } from '../helpers/prom.js';
import { demoSpec } from '../helpers/host.js';

const promtool = which('promtool');
const live = liveStatus();
const skipReason = !live.ok ? live.reason : promtool === undefined ? 'promtool is not in PATH (Debian: apt-get install prometheus)' : '';

const SCAN: MetricsInput['scan'] = { durationSeconds: 0.5, timestampSeconds: 1700000000.25, total: 2, failures: 0, reusedProcesses: 0 };

/** What promtool said of a text: its exit status and every line it printed. */
function check(text: string): { status: number | null; lines: string[] } {
  const r = spawnSync(promtool as string, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw r.error;
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  return { status: r.status, lines };
}

/**
 * promtool parses the text with no error, and so does the reader of the unit tests. Lint
 * problems (promtool 2.42 prints none for these texts) are shown, not failed: promtool exits 3
 * for them and prints one line each, `<metric> <problem>`.
 */
function expectValid(text: string): void {
  expect(expositionProblems(parseProm(text))).toEqual([]);
  const r = check(text);
  if (r.lines.length) console.warn(`promtool check metrics (exit ${r.status}):\n${r.lines.join('\n')}`);
  expect(r.lines.filter((l) => /error/i.test(l) || !/^[a-zA-Z_:][a-zA-Z0-9_:]* /.test(l))).toEqual([]);
  expect(r.status).toBe(r.lines.length ? 3 : 0);
}

describe.skipIf(skipReason !== '')('live: promtool check metrics', () => {
  it('sees a broken exposition (the check can fail)', () => {
    const bad = check('# HELP x h\n# TYPE x gauge\nx{a="\\x1b"} 1\n');
    expect(bad.status).toBe(1);
    expect(bad.lines.join('\n')).toMatch(/error.*invalid escape/i);
    const lint = check('# HELP x h\n# TYPE x counter\nx 1\n');
    expect(lint.status).not.toBe(0);
  });

  it('accepts the demo node with leaks, the server process and its requests', () => {
    const s = scanSync({ source: specSource(demoSpec), holders: 'all' });
    expectValid(
      renderMetrics({
        node: 'demo',
        snapshot: s,
        leaks: findLeaks(s),
        scan: SCAN,
        self: { cpuSecondsTotal: 0.75, residentMemoryBytes: 50331648, heapUsedBytes: 8388608, startTimeSeconds: 1699999000 },
        requests: [
          { path: '/metrics', code: 200, count: 3 },
          { path: 'other', code: 404, count: 1 },
        ],
      }),
    );
  });

  it('accepts the demo with hostile names', () => {
    const s = scanSync({ source: specSource(demoSpec) });
    const hostile = 'x"\\\n\x1b[31m\u202e\ud800-\udcff\x7f\u0085\u2028';
    const renamed: Snapshot = {
      ...s,
      containers: s.containers.map((c) => ({ ...c, name: `${c.name ?? ''}${hostile}`, image: hostile })),
      pods: s.pods.map((p) => ({ ...p, name: `${p.name ?? ''}${hostile}`, namespace: hostile })),
    };
    expectValid(renderMetrics({ node: hostile, snapshot: renamed, scan: SCAN }));
  });

  it('accepts a live scan of this host, with holders and leaks', () => {
    const started = Date.now();
    const s = scanSync({ holders: 'all' });
    const text = renderMetrics({
      node: hostname(),
      snapshot: s,
      leaks: findLeaks(s),
      scan: { durationSeconds: (Date.now() - started) / 1000, timestampSeconds: Date.now() / 1000, total: 1, failures: 0, reusedProcesses: 0 },
    });
    expect(text).toContain(`nsview_scan_processes{node=`);
    expect(s.processes.length).toBeGreaterThan(0);
    expectValid(text);
  });
});

if (skipReason) {
  console.warn(`promtool tests skipped: ${skipReason}`);
  describe('live: promtool check metrics', () => {
    it.skip(`needs Linux, root and promtool: ${skipReason}`, () => undefined);
  });
}

/**
 * Live: a real Prometheus scrapes two `nsview serve` nodes, and PromQL answers the cluster
 * questions docs/fleet.md asks (issue 12).
 *
 * The lab builds three containerd pods, named by containerd's state files in a namespace of
 * the run's own: `a-hostnet` and `b-hostnet` with hostNetwork (both in the node's network
 * namespace, so they share one), `c-ownnet` with a network namespace of its own; QoS
 * burstable, besteffort and guaranteed. An empty kubelet pod cgroup is left beside them as a
 * leak. `nsview capture` copies this host while the lab runs, so a second "node" has the same
 * pods. Two `nsview serve` processes on free loopback ports serve the live host as `node-a`
 * and the capture as `node-b`; a Prometheus of its own (configuration, data and console
 * directories in a temporary directory) scrapes both every second. The queries' answers are
 * asserted exactly for the lab's pods (other pods of the host may appear in the unrestricted
 * queries) and printed once as JSON, as docs/fleet.md shows them.
 *
 * Every process the test starts (two serves, Prometheus) runs under `setpriv --pdeathsig KILL`
 * and is stopped by its recorded pid in afterAll, whatever failed; the state files, the leaked
 * cgroup and the temporary directory (capture included) are removed, and the lab cleans up
 * after itself. Needs Linux, root, the lab's tools and `prometheus` in PATH (Debian: apt-get
 * install prometheus); `promtool` too for the check of the documented scrape configuration.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainEnv, workClock } from '../helpers/cli.js';
import { Lab, closeLab, liveStatus, nsInode, poll, procStat, removeCgroupDir, removeCreatedPaths, which, type LabPod } from '../helpers/lab.js';
import { containerdFiles, putRecorded } from '../helpers/containerd.js';

const live = liveStatus();
const prometheusBin = which('prometheus');
const promtoolBin = which('promtool');
const skipReason = !live.ok
  ? `live tests need Linux as root: ${live.reason}`
  : prometheusBin === undefined
    ? 'prometheus is not in PATH (Debian: apt-get install prometheus)'
    : '';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const cli = nodePath.join(repo, 'dist/bin/nsview.js');

if (skipReason) {
  console.warn(`serve + Prometheus live test skipped: ${skipReason}`);
  describe('live: nsview serve scraped by Prometheus', () => {
    it.skip(skipReason, () => undefined);
  });
}

/** The Kubernetes namespace of the lab's pods (their state files say so): this run's own. */
const NS = `nsview-live-${randomBytes(3).toString('hex')}`;

/** One instant-vector sample as /api/v1/query returns it. */
interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** A process this test started (through `setpriv --pdeathsig KILL`, which execs: same pid). */
interface Started {
  what: string;
  pid: number;
  start: number;
  child: ChildProcess;
  stderr: string;
  exit?: { code: number | null; signal: NodeJS.Signals | null; at: number };
  exited: Promise<void>;
}

const running = (p: Started): boolean => p.exit === undefined;

function start(what: string, argv: string[], cwd?: string): Started {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env: plainEnv(), cwd });
  child.on('error', () => undefined);
  if (child.pid === undefined) throw new Error(`cannot spawn ${what}`);
  const st = procStat(child.pid);
  const p: Started = {
    what,
    pid: child.pid,
    start: st?.start ?? -1,
    child,
    stderr: '',
    exited: new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        p.exit = { code, signal, at: Date.now() };
        resolve();
      }),
    ),
  };
  child.stderr?.on('data', (d: Buffer) => (p.stderr = (p.stderr + d.toString()).slice(-20_000)));
  return p;
}

/** Signal a started process by its pid, unless it has exited (a reaped child's pid may be someone else's now). */
function signal(p: Started, sig: NodeJS.Signals): void {
  if (!running(p)) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    // gone already
  }
}

/** Wait for a started process to exit, at most `ms`; true if it did. */
async function waitExit(p: Started, ms: number): Promise<boolean> {
  if (!running(p)) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const done = await Promise.race([p.exited.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
async function stop(p: Started, graceMs: number): Promise<void> {
  signal(p, 'SIGTERM');
  if (await waitExit(p, graceMs)) return;
  signal(p, 'SIGKILL');
  if (!(await waitExit(p, 10_000))) throw new Error(`${p.what} (pid ${p.pid}) did not exit after SIGKILL`);
}

/** A free TCP port on loopback (free when asked; Prometheus is restarted on another if it is taken meanwhile). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sort results by node, then by their other labels, for stable output and comparisons (not by `instance`, a random port). */
const sortResults = (r: PromResult[]): PromResult[] => {
  const key = (x: PromResult): string =>
    JSON.stringify([
      x.metric.node ?? '',
      Object.entries(x.metric)
        .filter(([k]) => k !== 'instance')
        .sort(),
      x.metric.instance ?? '',
    ]);
  return [...r].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
};

/** The same rows on node-a then node-b (node-b is a capture of node-a's host), each with its node first. */
const onBoth = (rows: Array<Array<string | null>>): Array<Array<string | null>> => ['node-a', 'node-b'].flatMap((node) => rows.map((r) => [node, ...r]));

/** The queries docs/fleet.md shows, in its order, as written there (up to white space). */
const DOC_QUERIES = {
  sharedNet: 'nsview_pod_namespace_info{type="net"} and on(node, type, inode) (count by (node, type, inode) (nsview_pod_namespace_info{type="net"}) > 1)',
  sharedPodNet:
    '(nsview_pod_namespace_info{type="net"} unless on(node, type, inode) nsview_namespace_info{mode="node"}) and on(node, type, inode) (count by (node, type, inode) (nsview_pod_namespace_info{type="net"}) > 1)',
  hostNetwork: 'count by (node) (nsview_pod_namespace_mode{type="net",mode="node"})',
  leakedNamespaces: 'sum by (node) (nsview_leaks{kind=~"held-namespace|orphan-netns"})',
  leaks: 'sum by (node) (nsview_leaks)',
  leakInfo: 'nsview_leak_info',
  qos: 'count by (node, qos) (nsview_pod_info)',
  scanDuration: 'nsview_scan_duration_seconds',
  scanDurationMax: 'max by (node) (max_over_time(nsview_scan_duration_seconds[10m]))',
  up: 'up{job="nsview"}',
  nodeLabel: 'count by (node) ({__name__=~"nsview_.+"})',
  withoutNode: 'count by (__name__) ({__name__=~"nsview_.+", node=""})',
} as const;

describe.skipIf(skipReason !== '')('live: nsview serve scraped by Prometheus', () => {
  const clock = workClock();
  let lab: Lab | undefined;
  let a: LabPod;
  let b: LabPod;
  let c: LabPod;
  let tmp = '';
  let promUrl = '';
  const serves: Record<'node-a' | 'node-b', Started | undefined> = { 'node-a': undefined, 'node-b': undefined };
  let prometheus: Started | undefined;
  const started: Started[] = [];
  /** Node files (state files) this test created, newest last. */
  const created: string[] = [];
  /** Cgroup directories of the leaked pod, in creation order. */
  const leakDirs: string[] = [];
  const leakUid = randomUUID();
  /** Every query run, in order, for the one printout. */
  const asked: Array<{ query: string; result: PromResult[] }> = [];

  function put(path: string, text: string): void {
    putRecorded(created, path, text);
  }

  async function query(q: string, record = true): Promise<PromResult[]> {
    const res = await fetch(`${promUrl}api/v1/query?query=${encodeURIComponent(q)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: PromResult[] } };
    if (body.status !== 'success' || body.data?.resultType !== 'vector') throw new Error(`query ${q}: ${res.status} ${JSON.stringify(body)}`);
    const result = sortResults(body.data.result);
    if (record) asked.push({ query: q, result });
    return result;
  }

  /** Start `nsview serve` and read its URL from its first stderr line. */
  async function serve(node: 'node-a' | 'node-b', extra: string[]): Promise<string> {
    const p = start(`nsview serve ${node}`, [process.execPath, cli, 'serve', '--listen', '127.0.0.1:0', '--node', node, ...extra]);
    started.push(p);
    serves[node] = p;
    return poll(
      `nsview serve ${node} to listen`,
      (s) => {
        const m = /^nsview: serving node (\S+) on (http:\/\/127\.0\.0\.1:\d+\/) /m.exec(p.stderr);
        if (m) {
          if (m[1] !== node) throw new Error(`serve says node ${m[1]}, not ${node}`);
          return m[2] as string;
        }
        if (!running(p)) throw new Error(`nsview serve ${node} exited (${p.exit?.code ?? p.exit?.signal}): ${p.stderr}`);
        s.last = p.stderr;
        return undefined;
      },
      15_000,
      20,
    );
  }

  /** Start Prometheus on a free port scraping `targets` every second; resolves with its URL once /-/ready answers. */
  async function startPrometheus(targets: string[]): Promise<string> {
    const dir = nodePath.join(tmp, 'prometheus');
    for (const d of ['data', 'consoles', 'console_libraries']) fs.mkdirSync(nodePath.join(dir, d), { recursive: true });
    const config = nodePath.join(dir, 'prometheus.yml');
    fs.writeFileSync(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: nsview',
        '    static_configs:',
        `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    let lastError = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const p = start(
        'prometheus',
        [
          prometheusBin as string,
          `--config.file=${config}`,
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${port}`,
          `--web.console.templates=${dir}/consoles`,
          `--web.console.libraries=${dir}/console_libraries`,
          '--log.level=warn',
        ],
        dir,
      );
      started.push(p);
      prometheus = p;
      const url = `http://127.0.0.1:${port}/`;
      try {
        await pollAsync(
          'prometheus /-/ready',
          async () => {
            if (!running(p)) throw new Error(`prometheus exited (${p.exit?.code ?? p.exit?.signal}): ${p.stderr.slice(-2000)}`);
            const res = await fetch(`${url}-/ready`).catch(() => undefined);
            return res?.status === 200 ? true : undefined;
          },
          30_000,
          100,
          () => !running(p),
        );
        return url;
      } catch (err) {
        lastError = String(err);
        await stop(p, 5000);
      }
    }
    throw new Error(`prometheus did not start: ${lastError}`);
  }

  beforeAll(async () => {
    if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: run npm run build:cli`);
    lab = await clock.locked(() => Lab.open());
    tmp = fs.mkdtempSync('/tmp/nsview-live-prom-');
    a = await lab.pod({ layout: 'containerd', qos: 'burstable', hostNetwork: true, containers: [{}] });
    b = await lab.pod({ layout: 'containerd', qos: 'besteffort', hostNetwork: true, containers: [{}] });
    c = await lab.pod({ layout: 'containerd', qos: 'guaranteed', containers: [{}, {}] });
    for (const [path, text] of containerdFiles(a, { name: 'a-hostnet', namespace: NS })) put(path, text);
    for (const [path, text] of containerdFiles(b, { name: 'b-hostnet', namespace: NS })) put(path, text);
    for (const [path, text] of containerdFiles(c, { name: 'c-ownnet', namespace: NS })) put(path, text);
    // A leak: an empty besteffort pod cgroup (kubepods-besteffort.slice is the lab's, made for pod B).
    const leakCg = `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${leakUid.replace(/-/g, '_')}.slice`;
    for (const h of lab.hierarchies) {
      fs.mkdirSync(`${h.mountPoint}${leakCg}`);
      leakDirs.push(`${h.mountPoint}${leakCg}`);
    }
    // The second node: a capture of this host with the lab's pods in it.
    const cap = spawnSync(process.execPath, [cli, 'capture', nodePath.join(tmp, 'capture'), '-q'], { encoding: 'utf8', env: plainEnv(), timeout: 60_000 });
    if (cap.status !== 0) throw new Error(`nsview capture: exit ${cap.status ?? cap.signal}: ${cap.stderr}`);
    const [urlA, urlB] = await Promise.all([serve('node-a', []), serve('node-b', ['--root', nodePath.join(tmp, 'capture')])]);
    promUrl = await startPrometheus([urlA, urlB].map((u) => new URL(u).host));
    // Both targets scraped, with the lab's pods in them.
    await pollAsync('both targets up with the lab pods', async () => {
      const up = await query(DOC_QUERIES.up, false);
      const pods = await query(`count by (node) (nsview_pod_info{namespace="${NS}"})`, false);
      return up.length === 2 && up.every((r) => r.value[1] === '1') && pods.length === 2 ? true : undefined;
    });
  }, 300_000);

  afterAll(async () => {
    // Every clean-up runs before anything is checked: a failed check must not skip one.
    const errors: string[] = [];
    for (const p of started) await stop(p, p === prometheus ? 15_000 : 5000).catch((err: unknown) => errors.push(String(err)));
    const leftProcs = started.filter((p) => {
      const st = procStat(p.pid);
      return st !== undefined && st.start === p.start && st.state !== 'Z';
    });
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    const files = removeCreatedPaths(created);
    for (const d of [...leakDirs].reverse()) await removeCgroupDir(d).catch((err: unknown) => errors.push(String(err)));
    let labLeft: Awaited<ReturnType<typeof closeLab>> | string;
    try {
      labLeft = await closeLab(lab);
    } catch (err) {
      labLeft = String(err);
    }
    console.log(clock.report('serve-prometheus.test.ts'));
    expect(errors, 'errors while stopping processes and removing cgroups').toEqual([]);
    expect(
      leftProcs.map((p) => `${p.what} ${p.pid}`),
      'processes the test started still running',
    ).toEqual([]);
    expect(tmp && fs.existsSync(tmp), 'temporary directory left').toBeFalsy();
    expect(files, 'state files left behind').toEqual([]);
    expect(labLeft, 'lab processes and cgroups left after close').toEqual({ alive: [], cgroups: [] });
  }, 120_000);

  it('a) the two hostNetwork pods share one net namespace on each node, and the pod with its own never shows', async () => {
    const r = await query(DOC_QUERIES.sharedNet);
    const lab_ = r.filter((x) => x.metric.namespace === NS);
    const nodeNet = String(nsInode('self', 'net'));
    expect(lab_.map((x) => [x.metric.node, x.metric.pod, x.metric.uid, x.metric.inode, x.value[1]])).toEqual(
      onBoth([
        ['a-hostnet', a.uid, nodeNet, '1'],
        ['b-hostnet', b.uid, nodeNet, '1'],
      ]),
    );
    expect(r.some((x) => x.metric.uid === c.uid)).toBe(false);
    // Pod C is in its own net namespace, its sandbox's, on both nodes.
    const own = await query(`nsview_pod_namespace_info{type="net",namespace="${NS}",pod="c-ownnet"}`);
    expect(own.map((x) => [x.metric.node, x.metric.inode])).toEqual(onBoth([[String(nsInode(c.sandbox.mainPid, 'net'))]]));
    // Without the node's own namespace (hostNetwork pods), no lab pod shares one.
    const shared = await query(DOC_QUERIES.sharedPodNet);
    expect(shared.filter((x) => x.metric.namespace === NS)).toEqual([]);
  });

  it('b) hostNetwork pods per node: the two lab pods on each node', async () => {
    const all = await query(DOC_QUERIES.hostNetwork);
    expect(all.map((x) => x.metric.node)).toEqual(['node-a', 'node-b']);
    for (const x of all) expect(Number(x.value[1])).toBeGreaterThanOrEqual(2);
    const lab_ = await query(`count by (node) (nsview_pod_namespace_mode{type="net",mode="node",namespace="${NS}"})`);
    expect(lab_.map((x) => [x.metric.node, x.value[1]])).toEqual(onBoth([['2']]));
    const modes = await query(`nsview_pod_namespace_mode{type="net",namespace="${NS}"}`);
    expect(modes.map((x) => [x.metric.node, x.metric.pod, x.metric.mode])).toEqual(
      onBoth([
        ['a-hostnet', 'node'],
        ['b-hostnet', 'node'],
        ['c-ownnet', 'pod'],
      ]),
    );
  });

  it('c) leaked namespaces and cgroups per node: a number for each node, the lab leak among them', async () => {
    const sums = await query(DOC_QUERIES.leaks);
    expect(sums.map((x) => x.metric.node)).toEqual(['node-a', 'node-b']);
    for (const x of sums) expect(Number.isFinite(Number(x.value[1])), x.value[1]).toBe(true);
    const info = await query(DOC_QUERIES.leakInfo);
    const namespaces = await query(DOC_QUERIES.leakedNamespaces);
    expect(namespaces.map((x) => x.metric.node)).toEqual(['node-a', 'node-b']);
    for (const node of ['node-a', 'node-b']) {
      // Namespaces only: the findings of those two kinds.
      expect(Number(namespaces.find((x) => x.metric.node === node)?.value[1]), node).toBe(
        info.filter((x) => x.metric.node === node && ['held-namespace', 'orphan-netns'].includes(x.metric.kind as string)).length,
      );
      const mine = info.filter((x) => x.metric.node === node && x.metric.subject === `pod ${leakUid}`);
      expect(
        mine.map((x) => x.metric.kind),
        node,
      ).toEqual(['pod-cgroup']);
      // The sum is the findings listed: one series each.
      const sum = Number(sums.find((x) => x.metric.node === node)?.value[1]);
      expect(sum, node).toBe(info.filter((x) => x.metric.node === node).length);
      expect(sum, node).toBeGreaterThanOrEqual(1);
    }
  });

  it('pods per QoS class per node, and the scan duration per node', async () => {
    await query(DOC_QUERIES.qos);
    const lab_ = await query(`count by (node, qos) (nsview_pod_info{namespace="${NS}"})`);
    expect(lab_.map((x) => [x.metric.node, x.metric.qos, x.value[1]])).toEqual(
      onBoth([
        ['besteffort', '1'],
        ['burstable', '1'],
        ['guaranteed', '1'],
      ]),
    );
    for (const q of [DOC_QUERIES.scanDuration, DOC_QUERIES.scanDurationMax]) {
      const r = await query(q);
      expect(r.map((x) => x.metric.node)).toEqual(['node-a', 'node-b']);
      for (const x of r) expect(Number(x.value[1])).toBeGreaterThan(0);
    }
  });

  it('d) up is 1 for both targets, every nsview_* series carries node, and nothing was refused', async () => {
    const up = await query(DOC_QUERIES.up);
    expect(up.map((x) => x.value[1])).toEqual(['1', '1']);
    expect(up.map((x) => x.metric.instance).sort()).toEqual([serveHost('node-a'), serveHost('node-b')].sort());
    const byNode = await query(DOC_QUERIES.nodeLabel);
    expect(byNode.map((x) => x.metric.node)).toEqual(['node-a', 'node-b']);
    for (const x of byNode) expect(Number(x.value[1])).toBeGreaterThan(0);
    expect(await query(DOC_QUERIES.withoutNode)).toEqual([]);
    // Prometheus (at --log.level=warn) said nothing of the scrapes (a rejected sample, label or exposition is logged), and no scan failed.
    expect((prometheus?.stderr ?? '').split('\n').filter((l) => /scrape|sample|append|label|pars/i.test(l))).toEqual([]);
    for (const node of ['node-a', 'node-b'] as const) expect(serves[node]?.stderr.trimEnd().split('\n').slice(1), node).toEqual([]);
  });

  it('prints every answer once, as JSON, for docs/fleet.md', () => {
    console.log(`serve-prometheus: the queries' answers (two nsview serve instances over one lab host and its capture):\n${JSON.stringify(asked, null, 2)}`);
    expect(asked.length).toBeGreaterThan(0);
  });

  /** docs/fleet.md from its `## Prometheus` heading on. */
  const promSection = (): string => {
    const doc = fs.readFileSync(nodePath.join(repo, 'docs/fleet.md'), 'utf8');
    return doc.slice(doc.indexOf('\n## Prometheus'));
  };

  it('docs/fleet.md shows each of these queries as run here', () => {
    // A query may be broken over lines there.
    const flat = (t: string): string => t.replace(/\s+/g, ' ');
    const section = flat(promSection());
    const missing = Object.values(DOC_QUERIES).filter((q) => !section.includes(flat(q)));
    expect(missing).toEqual([]);
  });

  it.skipIf(promtoolBin === undefined)('promtool accepts the scrape configuration docs/fleet.md gives for the DaemonSet', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(promSection())?.[1];
    expect(yaml, 'a yaml block under ## Prometheus').toBeDefined();
    const check = (text: string): string | undefined => {
      const file = nodePath.join(tmp, 'doc-scrape.yml');
      fs.writeFileSync(file, text);
      const r = spawnSync(promtoolBin as string, ['check', 'config', file], { encoding: 'utf8', timeout: 30_000 });
      return r.status === 0 ? undefined : `exit ${r.status ?? r.signal}: ${r.stdout}${r.stderr}`;
    };
    let problem = check(yaml as string);
    if (problem && /field kubernetes_sd_configs not found/.test(problem)) {
      // Debian builds Prometheus without Kubernetes discovery: check the rest, a static target in its place.
      console.warn('promtool here has no kubernetes_sd_configs (a build without Kubernetes discovery): checked with static_configs in its place');
      const swapped = (yaml as string).replace(
        /^( *)kubernetes_sd_configs:\n(?:\1 .*\n)+/m,
        (_, indent: string) => `${indent}static_configs:\n${indent}  - targets: ['127.0.0.1:9717']\n`,
      );
      expect(swapped).not.toContain('kubernetes_sd_configs');
      problem = check(swapped);
    }
    expect(problem).toBeUndefined();
  });

  it('SIGTERM stops each serve with status 0 within 5 s', async () => {
    const t0 = Date.now();
    const list = [serves['node-a'], serves['node-b']] as Started[];
    for (const p of list) signal(p, 'SIGTERM');
    const done = await Promise.all(list.map((p) => waitExit(p, 5000)));
    expect(done, list.map((p) => p.stderr).join('\n')).toEqual([true, true]);
    for (const p of list) {
      expect(p.exit, p.what).toEqual({ code: 0, signal: null, at: expect.any(Number) as number });
      expect((p.exit?.at ?? Infinity) - t0, p.what).toBeLessThan(5000);
      expect(p.stderr.trimEnd().split('\n').pop(), p.what).toBe('nsview: stopped');
    }
  });

  /** host:port a serve listens on, from its first line. */
  function serveHost(node: 'node-a' | 'node-b'): string {
    const m = /on http:\/\/(127\.0\.0\.1:\d+)\//.exec(serves[node]?.stderr ?? '');
    return m?.[1] ?? '?';
  }
});

/** Like {@link poll}, for an asynchronous check (an error it throws is kept as the reason); stops early when `giveUp` says so. */
async function pollAsync<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 200, giveUp = (): boolean => false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = String(err);
    }
    if (Date.now() > deadline || giveUp()) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Live: `nsview serve` as a process (dist/bin/nsview.js, built by `npm run build` or
 * `npm run build:cli`), scanning this host: it prints the URL it listens on, answers /metrics
 * and /pods, and stops on SIGTERM (or SIGINT) with status 0 and a "stopped" line within 5 s, an
 * idle keep-alive connection open or not. It listens on loopback unless another address is asked
 * for: a port alone is 127.0.0.1, the default is 127.0.0.1:9717, `0.0.0.0:0` only when given.
 * Linux as root only (a scan as another user sees less); every process it starts is killed in
 * afterAll if it is still alive, and no other.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent, get as httpGet, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainEnv } from '../helpers/cli.js';
import { liveStatus, takeLiveLock, type LiveLock } from '../helpers/lab.js';
import { parseProm, samplesOf } from '../helpers/prom.js';

const cli = fileURLToPath(new URL('../../dist/bin/nsview.js', import.meta.url));
// As every live test (Linux, root, NSVIEW_LIVE, the lab's tools: flock for the live lock among them).
const live = liveStatus();
const skipReason = live.ok ? '' : live.reason;

/** A `nsview serve` this test started. */
interface Served {
  child: ChildProcess;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Its exit status and signal, once it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];

/** Start `nsview serve …args` and wait for its "serving" line (resolves with the URL) or its exit (resolves with none). */
async function startServe(args: string[], timeoutMs = 60_000): Promise<Served & { url?: string; node?: string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv() });
  started.push(child);
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const line = await new Promise<{ url?: string; node?: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`nsview serve ${args.join(' ')} printed no serving line within ${timeoutMs} ms; stderr: ${err}`)),
      timeoutMs,
    );
    const look = (): void => {
      const m = /^nsview: serving node (.+) on (http:\/\/\S+\/) \(metrics at /m.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ node: m[1], url: m[2] });
      }
    };
    child.stderr?.on('data', (d: string) => {
      err += d;
      look();
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve({});
    });
  });
  return { child, stderr: () => err, exited, ...line };
}

/** Send `signal` and wait (at most `limitMs`) for the exit. */
async function stop(
  s: Served,
  signal: NodeJS.Signals = 'SIGTERM',
  limitMs = 5_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  s.child.kill(signal);
  return Promise.race([s.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), limitMs))]);
}

function get(url: string, agent: Agent | false = false): Promise<{ status: number; text: string; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    httpGet(url, { agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, res }));
    }).on('error', reject);
  });
}

/** Whether a TCP connection to host:port is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.setTimeout(3_000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && !i.internal && i.family === 'IPv4')?.address;

if (skipReason) {
  console.warn(`live serve tests skipped: they need Linux as root: ${skipReason}`);
  describe('live: nsview serve', () => {
    it.skip(`live tests need Linux as root: ${skipReason}`, () => undefined);
  });
} else {
  describe('live: nsview serve', () => {
    let lock: LiveLock | undefined;

    beforeAll(async () => {
      if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm test does), or npm run build:cli`);
      lock = await takeLiveLock(undefined, 110_000);
    });

    afterAll(async () => {
      // Only the processes this file started, and only if still alive.
      for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await lock?.release();
    });

    it('serves this host on 127.0.0.1: /metrics and /pods, then SIGTERM stops it with status 0 and a "stopped" line', async () => {
      const s = await startServe(['--listen', '127.0.0.1:0']);
      expect(s.url, s.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const metrics = await get(`${s.url}metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const prom = parseProm(metrics.text);
      expect(prom.errors).toEqual([]);
      const processes = samplesOf(prom, 'nsview_scan_processes')[0];
      expect(processes?.value).toBeGreaterThan(1);
      // The node label: this host's name (no --node given).
      expect(s.node).toBe(hostname());
      expect(processes?.labels.node).toBe(hostname());
      const pods = await get(`${s.url}pods`);
      expect(pods.status).toBe(200);
      expect(Array.isArray((JSON.parse(pods.text) as { pods: unknown }).pods)).toBe(true);
      expect((await get(`${s.url}healthz`)).text).toBe('ok\n');
      const end = await stop(s);
      expect(end, s.stderr()).toEqual({ code: 0, signal: null });
      expect(s.stderr()).toMatch(/^nsview: stopped$/m);
    });

    it('stops on SIGTERM within 5 s with an idle keep-alive connection open, and on SIGINT', async () => {
      const s = await startServe(['--demo', '--listen', '127.0.0.1:0']);
      const agent = new Agent({ keepAlive: true });
      const r = await get(`${s.url}healthz`, agent);
      expect(r.res.headers.connection).toBe('keep-alive');
      expect(await stop(s)).toEqual({ code: 0, signal: null });
      expect(s.stderr()).toMatch(/^nsview: stopped$/m);
      agent.destroy();

      const t = await startServe(['--demo', '--listen', '127.0.0.1:0']);
      expect((await get(`${t.url}metrics`)).status).toBe(200);
      expect(await stop(t, 'SIGINT')).toEqual({ code: 0, signal: null });
      expect(t.stderr()).toMatch(/^nsview: stopped$/m);
    });

    it('listens on loopback unless asked: a port alone is 127.0.0.1, the default 127.0.0.1:9717, 0.0.0.0 only when given', async () => {
      const port = await startServe(['--demo', '--listen', '0']);
      expect(port.url, port.stderr()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const portNumber = Number(/:(\d+)\/$/.exec(port.url ?? '')?.[1]);
      if (otherAddress) expect(await refused(otherAddress, portNumber)).toBe(true);
      expect(await stop(port)).toEqual({ code: 0, signal: null });

      // The default: 127.0.0.1:9717, or, if something here holds that port, an error naming it.
      const byDefault = await startServe(['--demo']);
      if (byDefault.url) {
        expect(byDefault.url).toBe('http://127.0.0.1:9717/');
        if (otherAddress) expect(await refused(otherAddress, 9717)).toBe(true);
        expect(await stop(byDefault)).toEqual({ code: 0, signal: null });
      } else {
        const end = await byDefault.exited;
        expect(end.code).toBe(2);
        expect(byDefault.stderr()).toContain('cannot listen on 127.0.0.1:9717: the address is in use');
      }

      const all = await startServe(['--demo', '--listen', '0.0.0.0:0']);
      expect(all.url, all.stderr()).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
      const allPort = Number(/:(\d+)\/$/.exec(all.url ?? '')?.[1]);
      expect((await get(`http://127.0.0.1:${allPort}/healthz`)).status).toBe(200);
      if (otherAddress) expect((await get(`http://${otherAddress}:${allPort}/healthz`)).status).toBe(200);
      expect(await stop(all)).toEqual({ code: 0, signal: null });
    });

    it('a bad --listen is a usage error (status 2) naming the value, and nothing listens', async () => {
      const bad = await startServe(['--demo', '--listen', 'localhost9717']);
      expect(bad.url).toBeUndefined();
      expect((await bad.exited).code).toBe(2);
      expect(bad.stderr()).toContain('--listen must be host:port');
      expect(bad.stderr()).toContain('"localhost9717"');
    });
  });
}

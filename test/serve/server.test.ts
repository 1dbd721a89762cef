/**
 * `nsview serve` (lib/serve/server.ts), on loopback with the demo node as its scan: every route
 * (status, type, body, HEAD, query strings, 404, 405), requests that try to reach a file, scans
 * coalesced and rate-limited (counted on a scan that records its calls), failing scans and
 * failing renderers, the listen address, and a clean close with connections open.
 */
import { Agent, get as httpGet, type IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NsviewError } from '../../lib/errors.js';
import { parseSnapshot } from '../../lib/model/snapshot.js';
import type { Snapshot } from '../../lib/model/types.js';
import { renderJson } from '../../lib/render/json.js';
import { podsJson } from '../../lib/render/pods.js';
import type { ScanOptions } from '../../lib/scan.js';
import { startServer, type RunningServer, type ServeOptions } from '../../lib/serve/server.js';
import { parseListen } from '../../lib/serve/listen.js';
import { expositionProblems, parseProm, samplesOf } from '../helpers/prom.js';
import { bigDemo, directDemo, htmlText, raw, recordedDemo, request, sleep } from './helpers.js';

const servers: RunningServer[] = [];

/** A server on a free loopback port, closed after the test. */
async function serve(o: ServeOptions): Promise<RunningServer> {
  const s = await startServer({ listen: '127.0.0.1:0', ...o });
  servers.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(1_000)));
});

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * What in an HTML page could load something from elsewhere: a tag's src/href/action/srcset (or
 * SVG's xlink:href) to a URL with a scheme or starting `//`, and CSS url() or @import (in tags or
 * <style>). The inline SVG's xmlns names a namespace; nothing is loaded from it.
 */
function externalReferences(html: string): string[] {
  const tags = html.match(/<[^>]*>/g) ?? [];
  const styles = [...html.matchAll(/<style>([^<]*)<\/style>/g)].map((m) => m[1] as string);
  return [
    ...tags.filter((t) => /\b(src|href|xlink:href|action|srcset|poster|data)\s*=\s*["']?\s*(\w+:|\/\/)/i.test(t)),
    ...[...tags, ...styles].filter((t) => /url\(|@import/i.test(t)),
  ];
}

/** Every call's options are the server's own: holders and the cache, nothing a request could set. */
function expectOwnOptions(calls: ScanOptions[]): void {
  for (const c of calls) {
    expect(Object.keys(c).sort()).toEqual(['cache', 'holders']);
    expect(c.holders).toBe('mounts');
    expect(typeof c.cache?.reused).toBe('number');
  }
}

describe('routes', () => {
  it('/metrics: the exposition of the demo node, labelled with its name', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    expect(s.node).toBe('demo-node-1');
    const r = await request(`${s.url}metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    const prom = parseProm(r.text);
    expect(expositionProblems(prom)).toEqual([]);
    const own = prom.samples.filter((x) => x.name.startsWith('nsview_'));
    expect(own.length).toBeGreaterThan(10);
    expect(new Set(own.map((x) => x.labels.node))).toEqual(new Set(['demo-node-1']));
    const direct = directDemo();
    expect(samplesOf(prom, 'nsview_pod_info').length).toBe(direct.pods.length);
    expect(samplesOf(prom, 'nsview_scan_processes')[0]?.value).toBe(direct.processes.length);
    expect(samplesOf(prom, 'nsview_scans_total')[0]?.value).toBe(1);
  });

  it('/metrics: the node option names every series', async () => {
    const s = await serve({ scan: recordedDemo().scan, node: 'n1.example' });
    expect(s.node).toBe('n1.example');
    const prom = parseProm((await request(`${s.url}metrics`)).text);
    expect(new Set(prom.samples.filter((x) => x.name.startsWith('nsview_')).map((x) => x.labels.node))).toEqual(new Set(['n1.example']));
  });

  it('/snapshot: the snapshot JSON, as `nsview snapshot` writes it', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    const r = await request(`${s.url}snapshot`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const snap = parseSnapshot(r.text, 'the /snapshot body');
    const direct = directDemo();
    expect(snap.node).toBe('demo-node-1');
    expect(snap.pods).toEqual(direct.pods);
    // Byte for byte what renderJson(snapshot, 0) gives (nsview snapshot), but for the scan's time.
    expect(r.text).toBe(renderJson({ ...direct, scannedAt: snap.scannedAt }, 0));
  });

  it('/pods: the `pods --json` document of the same scan', async () => {
    const s = await serve({ scan: recordedDemo().scan, node: 'n1' });
    const r = await request(`${s.url}pods`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.text).toBe(renderJson(podsJson({ ...directDemo(), node: 'n1' })));
    expect((JSON.parse(r.text) as { pods: unknown[] }).pods.length).toBeGreaterThan(0);
  });

  it('/: an HTML page of the pods, self-contained, no script, under a CSP that loads nothing', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    const r = await request(s.url);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(r.text).not.toMatch(/<script/i);
    expect(r.text).not.toMatch(/<(iframe|object|embed|link|img|base|form)\b/i);
    // No resource from elsewhere (and the check does see one).
    expect(externalReferences(r.text)).toEqual([]);
    expect(externalReferences('<p>src=http://x</p><img alt="" src="//x/y"><style>b{background:url(x)}</style>')).toHaveLength(2);
    const text = htmlText(r.text);
    const pods = directDemo().pods;
    expect(pods.length).toBeGreaterThan(0);
    for (const p of pods) expect(text).toContain(p.name);
    expect(text).toContain('demo-node-1');
  });

  it('/: hostile names from the node are escaped, and the links are relative', async () => {
    const demo = recordedDemo();
    const evil = '<script>alert(1)</script>"><img src=http://evil.example/x>';
    const hostile = (o: ScanOptions): Snapshot => {
      const snap = demo.scan(o);
      const pod = snap.pods[0] as Snapshot['pods'][number];
      return {
        ...snap,
        node: `node${evil}`,
        pods: snap.pods.map((p) => (p === pod ? { ...p, name: `pod${evil}`, namespace: `ns${evil}` } : p)),
        containers: snap.containers.map((c) => (c.pod === pod.key ? { ...c, name: `ctr${evil}`, image: `https://evil.example/${evil}` } : c)),
      };
    };
    const s = await serve({ scan: hostile });
    const r = await request(s.url);
    expect(r.status).toBe(200);
    expect(r.text).not.toMatch(/<script|<img/i);
    expect(externalReferences(r.text)).toEqual([]);
    const text = htmlText(r.text);
    expect(text).toContain(`pod${evil}`);
    expect(text).toContain(`ctr${evil}`);
    // Relative links: they hold when a proxy serves the page under a path.
    expect([...r.text.matchAll(/<a href="([^"]*)"/g)].map((m) => m[1])).toEqual(['metrics', 'pods', 'snapshot']);
  });

  it('/healthz: ok', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    const r = await request(`${s.url}healthz`);
    expect(r).toMatchObject({ status: 200, text: 'ok\n' });
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('HEAD: the headers of GET and no body', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    for (const path of ['', 'metrics', 'snapshot', 'pods', 'healthz']) {
      const got = await request(`${s.url}${path}`);
      const head = await request(`${s.url}${path}`, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect(head.body.length, path).toBe(0);
      expect(head.headers['content-type'], path).toBe(got.headers['content-type']);
      // /metrics changes with every request (its counters); the others are the same bytes.
      if (path !== 'metrics') expect(Number(head.headers['content-length']), path).toBe(got.body.length);
      else expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    }
  });

  it('ignores a query string', async () => {
    const { scan, calls } = recordedDemo();
    const s = await serve({ scan, minInterval: 60 });
    const plain = await request(`${s.url}pods`);
    for (const q of ['?', '?x=1', '?root=/etc&path=../../etc/passwd', '?demo=false&node=evil']) {
      const r = await request(`${s.url}pods${q}`);
      expect(r.status, q).toBe(200);
      expect(r.text, q).toBe(plain.text);
    }
    expect((await request(`${s.url}healthz?x=1`)).text).toBe('ok\n');
    expect(calls.length).toBe(1);
    expectOwnOptions(calls);
  });

  it('answers 404 for an unknown path and counts it as "other"', async () => {
    const s = await serve({ scan: recordedDemo().scan });
    for (const path of ['nope', 'metrics/', 'METRICS', 'index.html', 'healthz/x', 'favicon.ico']) {
      const r = await request(`${s.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.text).toContain('not found');
    }
    const prom = parseProm((await request(`${s.url}metrics`)).text);
    expect(samplesOf(prom, 'nsview_http_requests_total', { path: 'other', code: '404' })[0]?.value).toBe(6);
  });

  it('answers 405 with Allow for another method', async () => {
    const { scan, calls } = recordedDemo();
    const s = await serve({ scan, minInterval: 60 });
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const path of ['', 'metrics', 'snapshot', 'healthz']) {
        const r = await request(`${s.url}${path}`, { method });
        expect(r.status, `${method} /${path}`).toBe(405);
        expect(r.headers.allow).toBe('GET, HEAD');
      }
    }
    expect(calls.length).toBe(1); // the start-up scan only
  });

  it('never reads a file a request names: traversal and odd request targets are 404 (or 400), with no scan', async () => {
    const { scan, calls, reads } = recordedDemo();
    const s = await serve({ scan, minInterval: 60 });
    expect(calls.length).toBe(1);
    const readsBefore = reads.length;
    const targets = [
      '/../etc/passwd',
      '/../../../../etc/passwd',
      '/%2e%2e/',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2Fetc%2Fpasswd',
      '/..%2f..%2fetc%2fpasswd',
      '//metrics',
      '//etc/passwd',
      '/metrics/../../etc/passwd',
      '/./metrics',
      '/snapshot%00',
      '/proc/self/environ',
      '/etc/passwd',
      'http://x/etc/passwd',
      'http://x/metrics',
      '\\..\\..\\etc\\passwd',
      '*',
    ];
    for (const target of targets) {
      const r = await raw(s.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(r.closed, target).toBe(true);
      // 404 from the route table; 400 where Node's parser refuses the target; never a file.
      expect([400, 404], `${target}: ${r.text.slice(0, 80)}`).toContain(r.status);
      expect(r.text).not.toContain('root:');
    }
    expect(calls.length).toBe(1);
    expect(reads.length).toBe(readsBefore);
    expectOwnOptions(calls);
    // The routes still answer from the one scan.
    expect((await request(`${s.url}metrics`)).status).toBe(200);
    expect(calls.length).toBe(1);
  });
});

describe('coalesced, rate-limited scans', () => {
  it('concurrent requests right after start-up share one scan; after min-interval, the next burst one more', async () => {
    const { scan, calls } = recordedDemo();
    // With `node` given there is no start-up scan: the first burst starts it.
    const s = await serve({ scan, node: 'n1', minInterval: 1 });
    expect(calls.length).toBe(0);
    const paths = ['metrics', 'snapshot', 'pods', '', 'metrics', 'snapshot', 'pods', ''];
    const burst = (): Promise<number[]> => Promise.all([...paths, ...paths, ...paths].map((p) => request(`${s.url}${p}`).then((r) => r.status)));
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(calls.length).toBe(1);
    await sleep(1_100);
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(calls.length).toBe(2);
    expect(s.stats()).toMatchObject({ scans: 2, failures: 0 });
    expectOwnOptions(calls);
  });

  it('without a node option the start-up scan names the node, and requests right after use it', async () => {
    const { scan, calls } = recordedDemo();
    const s = await serve({ scan, minInterval: 60 });
    expect(calls.length).toBe(1);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => request(`${s.url}metrics`).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(calls.length).toBe(1);
  });

  it('requests that arrive together join one scan even with min-interval 0 (pipelined on one connection)', async () => {
    const { scan, calls } = recordedDemo();
    const s = await serve({ scan, node: 'n1', minInterval: 0 });
    const one = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const r = await raw(s.port, one('/metrics').repeat(4) + one('/snapshot') + one('/pods') + `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(r.text.match(/^HTTP\/1\.1 200 /gm)?.length).toBe(7);
    expect(calls.length).toBe(1);
    // And each later request scans again.
    await request(`${s.url}metrics`);
    await request(`${s.url}metrics`);
    expect(calls.length).toBe(3);
  });

  it('min-interval: two requests within it make one scan; after it, two', async () => {
    const within = recordedDemo();
    const a = await serve({ scan: within.scan, node: 'n1', minInterval: 60 });
    await request(`${a.url}metrics`);
    await request(`${a.url}snapshot`);
    expect(within.calls.length).toBe(1);

    const after = recordedDemo();
    const b = await serve({ scan: after.scan, node: 'n1', minInterval: 0.05 });
    await request(`${b.url}metrics`);
    await sleep(100);
    await request(`${b.url}snapshot`);
    expect(after.calls.length).toBe(2);
  });
});

describe('the cache of a long-running server', () => {
  it('reuses what it read of each process; refresh 0 never does', async () => {
    const cached = recordedDemo();
    const a = await serve({ scan: cached.scan, node: 'n1', minInterval: 0 });
    await request(`${a.url}metrics`);
    await request(`${a.url}metrics`);
    expect(cached.calls.length).toBe(2);
    // Every call got the same cache.
    expect(cached.calls[1]?.cache).toBe(cached.calls[0]?.cache);
    expect(a.stats().reused).toBe(directDemo().processes.length);
    const prom = parseProm((await request(`${a.url}metrics`)).text);
    expect(samplesOf(prom, 'nsview_scan_reused_processes')[0]?.value).toBe(directDemo().processes.length);

    const fresh = recordedDemo();
    const b = await serve({ scan: fresh.scan, node: 'n1', minInterval: 0, refresh: 0 });
    await request(`${b.url}metrics`);
    await request(`${b.url}metrics`);
    expect(fresh.calls.map((c) => c.cache)).toEqual([undefined, undefined]);
    expect(b.stats().reused).toBe(0);
  });
});

describe('failing scans', () => {
  it('with no good scan yet: 503 on the scanned routes, /healthz still ok, failures counted and rate-limited', async () => {
    const lines: string[] = [];
    let calls = 0;
    const s = await serve({
      scan: () => {
        calls++;
        throw new Error('cannot scan /proc: injected');
      },
      minInterval: 60,
      log: (l) => lines.push(l),
    });
    // The start-up scan failed: the node is this machine's name.
    expect(calls).toBe(1);
    expect(s.node.length).toBeGreaterThan(0);
    for (const path of ['metrics', 'snapshot', 'pods', '']) {
      const r = await request(`${s.url}${path}`);
      expect(r.status, path).toBe(503);
      expect(r.text).toContain('cannot scan /proc: injected');
    }
    expect((await request(`${s.url}healthz`)).status).toBe(200);
    // Within min-interval a failed scan is not tried again for every request.
    expect(calls).toBe(1);
    expect(s.stats()).toMatchObject({ scans: 1, failures: 1 });
    expect(lines).toEqual(['nsview serve: scan failed: cannot scan /proc: injected']);
  });

  it('after a good scan, a failing one serves the last good data and counts the failure', async () => {
    const demo = recordedDemo();
    let fail = false;
    let calls = 0;
    const s = await serve({
      scan: (o) => {
        calls++;
        if (fail) throw new Error('injected failure');
        return demo.scan(o);
      },
      minInterval: 1,
      log: () => undefined,
    });
    const first = await request(`${s.url}snapshot`);
    expect(first.status).toBe(200);
    fail = true;
    await sleep(1_100);
    const prom = parseProm((await request(`${s.url}metrics`)).text);
    expect(calls).toBe(2);
    expect(samplesOf(prom, 'nsview_scan_failures_total')[0]?.value).toBe(1);
    expect(samplesOf(prom, 'nsview_scans_total')[0]?.value).toBe(2);
    expect(samplesOf(prom, 'nsview_pod_info').length).toBe(directDemo().pods.length);
    const again = await request(`${s.url}snapshot`);
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    // The failure is rate-limited as a good scan is.
    expect(calls).toBe(2);
    expect(s.stats()).toMatchObject({ scans: 2, failures: 1 });
    // And when scans work again, fresh data.
    fail = false;
    await sleep(1_100);
    expect((await request(`${s.url}pods`)).status).toBe(200);
    expect(calls).toBe(3);
  });

  it('a body that cannot be made is a 500 for that request; the server goes on', async () => {
    const lines: string[] = [];
    const good = recordedDemo();
    // A snapshot whose pods cannot be read: every renderer that needs them throws.
    const broken = (o: ScanOptions): Snapshot => {
      const snap = good.scan(o);
      return Object.defineProperty({ ...snap }, 'pods', {
        enumerable: true,
        get() {
          throw new Error('injected render failure');
        },
      });
    };
    const s = await serve({ scan: broken, holders: false, node: 'n1', log: (l) => lines.push(l) });
    for (const path of ['metrics', 'snapshot', 'pods', '']) {
      const r = await request(`${s.url}${path}`);
      expect(r.status, path).toBe(500);
      expect(r.text).toContain('cannot answer');
    }
    expect((await request(`${s.url}healthz`)).status).toBe(200);
    expect(lines.some((l) => l.includes('injected render failure'))).toBe(true);
  });
});

describe('the listen address', () => {
  it('is loopback unless another address is asked for', () => {
    expect(parseListen('9717')).toEqual({ host: '127.0.0.1', port: 9717 });
    expect(parseListen(':9717')).toEqual({ host: '127.0.0.1', port: 9717 });
    expect(parseListen('0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('127.0.0.1:9717')).toEqual({ host: '127.0.0.1', port: 9717 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListen('[::]:9717')).toEqual({ host: '::', port: 9717 });
    expect(parseListen('localhost:65535')).toEqual({ host: 'localhost', port: 65535 });
  });

  it('throws a bad-argument NsviewError naming a bad value', () => {
    for (const bad of [
      '',
      ':',
      'abc',
      'abc1',
      '971x',
      '127.0.0.1',
      '127.0.0.1:',
      '1:2:3',
      '::1:80',
      '[::1]',
      '[::1]0',
      '65536',
      ':99999999999',
      '-1',
      'host:port',
      ' 9717',
    ]) {
      let err: unknown;
      try {
        parseListen(bad);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(NsviewError);
      expect((err as NsviewError).code).toBe('bad-argument');
      expect((err as NsviewError).message).toContain(`got "${bad}"`);
    }
    const long = 'x'.repeat(10_000);
    expect(() => parseListen(long)).toThrow(/^--listen must be host:port .{0,400}$/);
  });

  it('a port alone listens on 127.0.0.1 only', async () => {
    const s = await serve({ scan: recordedDemo().scan, listen: '0', node: 'n1' });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/`);
    expect((await request(`${s.url}healthz`)).status).toBe(200);
    // Not reachable on this machine's other addresses.
    const other = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (other) {
      const refused = await raw(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { host: other.address, timeoutMs: 3_000 });
      expect(refused.status).toBeUndefined();
      expect(refused.error).toMatch(/ECONNREFUSED/);
    } else console.warn('no non-loopback IPv4 address here: the refusal on another address is not checked');
  });

  it('[::1]:0 works', async () => {
    const s = await serve({ scan: recordedDemo().scan, listen: '[::1]:0', node: 'n1' });
    expect(s.url).toBe(`http://[::1]:${s.port}/`);
    expect(await request(`${s.url}healthz`)).toMatchObject({ status: 200, text: 'ok\n' });
  });

  it('a port in use: a clear error naming the address', async () => {
    const a = await serve({ scan: recordedDemo().scan, node: 'n1' });
    const b = startServer({ scan: recordedDemo().scan, node: 'n1', listen: `127.0.0.1:${a.port}` });
    await expect(b).rejects.toThrow(NsviewError);
    await expect(b).rejects.toMatchObject({ code: 'bad-argument', message: `cannot listen on 127.0.0.1:${a.port}: the address is in use (EADDRINUSE)` });
    // The first one is not disturbed.
    expect((await request(`${a.url}healthz`)).status).toBe(200);
  });
});

describe('close', () => {
  it('resolves with an idle keep-alive connection open, and closes it', async () => {
    const s = await serve({ scan: recordedDemo().scan, node: 'n1', timeouts: { keepAliveMs: 60_000 } });
    const agent = new Agent({ keepAlive: true });
    const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(`${s.url}healthz`, { agent }, resolve).on('error', reject));
    const socket = res.socket;
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    expect(res.headers.connection).toBe('keep-alive');
    // Resolves well before the keep-alive timeout (60 s) or the grace (30 s) would end it.
    const closed = await Promise.race([s.close(30_000).then(() => 'closed'), sleep(5_000).then(() => 'still open')]);
    expect(closed).toBe('closed');
    await socketClosed;
    agent.destroy();
    // And it no longer listens.
    const after = await raw(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3_000 });
    expect(after.error).toMatch(/ECONNREFUSED/);
  });

  it('lets a response in flight finish; the connection gets Connection: close on its next answer', async () => {
    const s = await serve({ scan: bigDemo(1_500, 2_000), node: 'n1', minInterval: 60 });
    // A client that reads nothing yet: the multi-megabyte body waits in the buffers.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(`${s.url}snapshot`, { agent }, resolve).on('error', reject));
    res.pause();
    const length = Number(res.headers['content-length']);
    expect(length).toBeGreaterThan(3_000_000);
    // A second, idle keep-alive connection, opened before the close.
    const idle = connect(s.port, '127.0.0.1');
    await new Promise((resolve) => idle.once('connect', resolve));
    let resolved = false;
    const closing = s.close(30_000).then(() => (resolved = true));
    await sleep(300);
    expect(resolved).toBe(false);
    // A request on the idle connection is answered, its last.
    const last = await new Promise<string>((resolve) => {
      let text = '';
      idle.on('data', (d: Buffer) => (text += d.toString('latin1')));
      idle.on('close', () => resolve(text));
      idle.on('error', () => undefined);
      idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(last).toMatch(/^HTTP\/1\.1 200 /);
    expect(last.toLowerCase()).toContain('connection: close');
    // A new connection is cut.
    const late = await raw(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3_000 });
    expect(late.status).toBeUndefined();
    // The body in flight arrives whole.
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.resume();
    await new Promise((resolve, reject) => {
      res.on('end', resolve);
      res.on('error', reject);
    });
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(length);
    expect(parseSnapshot(body.toString('utf8')).processes.length).toBeGreaterThan(1_500);
    await closing;
    expect(resolved).toBe(true);
    agent.destroy();
  });

  it('cuts a client that does not read once the grace has passed', async () => {
    const s = await serve({ scan: bigDemo(1_500, 2_000), node: 'n1', minInterval: 60 });
    const res = await new Promise<IncomingMessage>((resolve, reject) => httpGet(`${s.url}snapshot`, { agent: false }, resolve).on('error', reject));
    res.pause();
    res.on('error', () => undefined);
    const socketClosed = new Promise((resolve) => res.socket.once('close', resolve));
    const closed = await Promise.race([s.close(300).then(() => 'closed'), sleep(5_000).then(() => 'still open')]);
    expect(closed).toBe('closed');
    res.resume();
    await socketClosed;
  });
});

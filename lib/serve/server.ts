/**
 * `nsview serve`: a node agent. An HTTP server (Node's `http`) that scans on demand and answers
 * from a fixed table of routes:
 *
 * - `/metrics`: the Prometheus text exposition of the node ({@link renderMetrics});
 * - `/snapshot`: the snapshot JSON, as `nsview snapshot` writes it;
 * - `/pods`: the `pods --json` document;
 * - `/healthz`: `ok` while the server runs;
 * - `/`: a small HTML page of the node's pods, with their picture.
 *
 * Scans are coalesced and rate-limited: a request finds the last scan's result if it is younger
 * than `minInterval`, else starts one, and every request that arrives meanwhile waits for that
 * same scan. A long-running server keeps what it read of each process (keyed by pid and start
 * time, {@link createScanCache}) and reads again only what can change.
 *
 * Nothing of a request reaches the file system or the scan: the path picks one of the routes
 * (a query string is ignored), and every answer is computed from the scan alone. Limits keep a
 * slow, hostile or numerous client from holding memory: header size and time, request time,
 * idle keep-alive time, open connections; each response body is one buffer shared by every
 * client that asks for it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { NsviewError, shorten } from '../errors.js';
import { DEFAULT_PORT, parseListen } from './listen.js';
import { findLeaks, type LeakReport } from '../model/leaks.js';
import { renderMetrics } from '../render/metrics.js';
import { renderPodsPage } from '../render/html.js';
import { renderJson } from '../render/json.js';
import { podsJson } from '../render/pods.js';
import { createScanCache, scan, type ScanCache, type ScanOptions } from '../scan.js';
import type { Snapshot } from '../types.js';

/** Options of {@link startServer}. */
export interface ServeOptions {
  /** Scan this root (a host tree mounted elsewhere, or a capture); default `/`. */
  root?: string;
  /** Scan with this instead of `root` (the demo, tests): called for every scan with the options the server adds (cache, holders). */
  scan?: (options: ScanOptions) => Snapshot | Promise<Snapshot>;
  /** The node label of every series; default the snapshot's node name, else this machine's hostname. */
  node?: string;
  /** `host:port` to listen on; default `127.0.0.1:9717`. Port 0 picks a free one. */
  listen?: string;
  /** Seconds a scan's result is served before a request starts a new one; default 5. */
  minInterval?: number;
  /**
   * Seconds a process's reused files may be old: at least this often a scan reads every
   * process again; 0 never reuses. Default 300.
   */
  refresh?: number;
  /** What else holds namespaces to read for `leaks` (see `ScanOptions.holders`); default `mounts`. */
  holders?: 'mounts' | 'all' | false;
  /** Most connections open at once; more are refused at accept. Default 64. */
  maxConnections?: number;
  /**
   * Limits on slow clients, in milliseconds (tests shorten them): the request's headers
   * (default 5000; answered 408 and closed), the whole request (default 10000), an idle
   * keep-alive connection (default 5000), and a connection on which nothing moves, such as
   * a client that stops reading its response (default 30000; closed). `headersMs` may not
   * exceed `requestMs`.
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number; idleMs?: number };
  /** One line per event worth logging (start, failed scans, stop). */
  log?: (line: string) => void;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port/` it answers on. */
  url: string;
  port: number;
  /** The node label it uses. */
  node: string;
  /** Scan counters, for tests and logs. */
  stats(): { scans: number; failures: number; reused: number };
  /**
   * Stop: refuse new connections, let the responses in flight finish (at most `graceMs`,
   * default 5000, then every connection is cut), close the idle ones; resolves once all are closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** What one scan produced: the snapshot and the bodies made from it, each made once when first asked for. */
interface Generation {
  snapshot: Snapshot;
  leaks?: LeakReport;
  at: number;
  seconds: number;
  reused: number;
  bodies: Map<string, Buffer>;
  /** {@link Generation.snapshot} with the node's name, once asked for. */
  labelled?: Snapshot;
}

const ROUTES = ['/', '/metrics', '/snapshot', '/pods', '/healthz'] as const;
type Route = (typeof ROUTES)[number];

const TYPES: Record<Route, string> = {
  '/': 'text/html; charset=utf-8',
  '/metrics': 'text/plain; version=0.0.4; charset=utf-8',
  '/snapshot': 'application/json; charset=utf-8',
  '/pods': 'application/json; charset=utf-8',
  '/healthz': 'text/plain; charset=utf-8',
};

/** Start serving; resolves once it listens. Throws an {@link NsviewError} if the address cannot be used. */
export async function startServer(o: ServeOptions = {}): Promise<RunningServer> {
  const { host, port } = parseListen(o.listen ?? `127.0.0.1:${DEFAULT_PORT}`);
  const minInterval = (o.minInterval ?? 5) * 1000;
  const refresh = (o.refresh ?? 300) * 1000;
  const log = o.log ?? (() => undefined);
  const holders = o.holders === undefined ? 'mounts' : o.holders;
  const scanner = o.scan ?? ((options: ScanOptions) => scan({ ...options, root: o.root ?? '/' }));
  let cache: ScanCache | undefined = refresh > 0 ? createScanCache() : undefined;
  let cacheSince = Date.now();
  let current: Generation | undefined;
  let pending: Promise<Generation> | undefined;
  /** When the last scan ended, and its error if it failed: a failed scan is rate-limited as a good one is. */
  let attempt: { at: number; error?: Error } | undefined;
  let scans = 0;
  let failures = 0;
  let node = o.node;
  /** Requests answered, by route and status. */
  const requests = new Map<string, { path: string; code: number; count: number }>();

  /** One scan (synchronous: it runs between two turns of the event loop). */
  const runScan = async (): Promise<Generation> => {
    if (cache && Date.now() - cacheSince > refresh) {
      cache = createScanCache();
      cacheSince = Date.now();
    }
    const started = performance.now();
    const snapshot = await scanner({ holders: holders || undefined, cache });
    const seconds = (performance.now() - started) / 1000;
    node ??= snapshot.node ?? hostname();
    return {
      snapshot,
      leaks: holders ? findLeaks(snapshot) : undefined,
      at: Date.now(),
      seconds,
      reused: cache?.reused ?? 0,
      bodies: new Map(),
    };
  };

  /** The current generation, or a new scan's: coalesced (one scan at a time, shared by all who wait) and rate-limited. */
  const latest = (): Promise<Generation> => {
    // Within minInterval of the last scan, good or failed, no new one: the last good result (its
    // age shows in nsview_scan_timestamp_seconds), or, if there is none, the last error (503).
    if (attempt && Date.now() - attempt.at < minInterval) return current ? Promise.resolve(current) : Promise.reject(attempt.error as Error);
    pending ??= new Promise<Generation>((resolve, reject) => {
      // After this turn: requests that arrived in it join this scan.
      setImmediate(async () => {
        scans++;
        try {
          current = await runScan();
          attempt = { at: current.at };
          resolve(current);
        } catch (err) {
          failures++;
          const error = err instanceof Error ? err : new Error(String(err));
          attempt = { at: Date.now(), error };
          log(`nsview serve: scan failed: ${error.message}`);
          if (current) resolve(current);
          else reject(error);
        } finally {
          pending = undefined;
        }
      });
    });
    return pending;
  };

  /** The scan's snapshot with the node's name, made once per scan (its lookup index is then built once too). */
  const labelled = (g: Generation): Snapshot => (g.labelled ??= g.snapshot.node === node ? g.snapshot : { ...g.snapshot, node: node as string });

  const body = (g: Generation, route: Route): Buffer => {
    let b = g.bodies.get(route);
    if (b) return b;
    let text: string;
    if (route === '/metrics') {
      // Not cached: its counters move with every request.
      const self = process.memoryUsage();
      const cpu = process.cpuUsage();
      return Buffer.from(
        renderMetrics({
          node: node as string,
          snapshot: g.snapshot,
          leaks: g.leaks,
          scan: { durationSeconds: g.seconds, timestampSeconds: g.at / 1000, total: scans, failures, reusedProcesses: g.reused },
          self: {
            cpuSecondsTotal: (cpu.user + cpu.system) / 1e6,
            residentMemoryBytes: self.rss,
            heapUsedBytes: self.heapUsed,
            startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
          },
          requests: [...requests.values()],
        }),
      );
    }
    // As `nsview snapshot` and `nsview pods --json` write them.
    else if (route === '/snapshot') text = renderJson(labelled(g), 0);
    else if (route === '/pods') text = renderJson(podsJson(labelled(g)));
    else text = renderPodsPage(labelled(g), { leaks: g.leaks });
    b = Buffer.from(text);
    g.bodies.set(route, b);
    return b;
  };

  const count = (route: string, code: number): void => {
    const k = `${route} ${code}`;
    const r = requests.get(k);
    if (r) r.count++;
    else requests.set(k, { path: route, code, count: 1 });
  };

  /** Responses begun and not yet closed (sent in full, or cut), for {@link RunningServer.close}. */
  const inflight = new Set<ServerResponse>();
  let stopping = false;
  let drained: (() => void) | undefined;

  const send = (res: ServerResponse, code: number, type: string, data: Buffer | string, head: boolean, route: string): void => {
    count(route, code);
    if (res.destroyed || res.headersSent) return;
    res.writeHead(code, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(data),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      // The page has no external resources and no script: nothing may be loaded.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
      // Stopping: this is the connection's last response.
      ...(stopping ? { Connection: 'close' } : {}),
    });
    res.end(head ? undefined : data);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A client that goes away mid-response: nothing to do but drop it.
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    inflight.add(res);
    res.on('close', () => {
      inflight.delete(res);
      if (inflight.size === 0) drained?.();
    });
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = (ROUTES as readonly string[]).includes(path) ? (path as Route) : undefined;
    const head = req.method === 'HEAD';
    if (!route) return send(res, 404, 'text/plain; charset=utf-8', `not found: nsview serves ${ROUTES.join(' ')}\n`, head, 'other');
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed: GET or HEAD\n', head, route);
    }
    if (route === '/healthz') return send(res, 200, TYPES[route], 'ok\n', head, route);
    latest().then(
      (g) => {
        let data: Buffer;
        try {
          data = body(g, route);
        } catch (err) {
          // A body that cannot be made (a renderer's bug, a snapshot too large for one string):
          // this request fails, the server goes on.
          log(`nsview serve: cannot answer ${route}: ${(err as Error).message}`);
          return send(res, 500, 'text/plain; charset=utf-8', `nsview: cannot answer ${route}\n`, head, route);
        }
        send(res, 200, TYPES[route], data, head, route);
      },
      (err: Error) => send(res, 503, 'text/plain; charset=utf-8', `nsview: no scan yet: ${err.message}\n`, head, route),
    );
  };

  const t = o.timeouts ?? {};
  const headersMs = t.headersMs ?? 5_000;
  const server: Server = createServer(
    {
      // Slow or silent clients: the headers within 5 s (408), the whole request within 10 s.
      headersTimeout: headersMs,
      requestTimeout: t.requestMs ?? 10_000,
      keepAliveTimeout: t.keepAliveMs ?? 5_000,
      // Node checks those two limits every connectionsCheckingInterval (default 30 s, which
      // would let a client that sends a byte now and then hold its connection 35 s).
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersMs / 4))),
      // Larger headers are answered 431 by Node before they reach the handler.
      maxHeaderSize: 8 * 1024,
    },
    handle,
  );
  server.maxConnections = o.maxConnections ?? 64;
  // A connection on which nothing moves (a client that stopped reading its response) is cut:
  // else a few such clients would hold every connection the server allows.
  server.setTimeout(t.idleMs ?? 30_000);
  // Bad requests (400), too large headers (431), slow ones (408): no clientError listener, so
  // Node answers them itself, writing the status only if no response is under way on the
  // connection, and destroys the connection (a listener that only ended it would leave it
  // half open for as long as the client keeps sending).
  // Stopping: a new connection is cut at once.
  server.on('connection', (socket: Socket) => {
    if (stopping) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const fail = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'the address is in use' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message;
      reject(new NsviewError('bad-argument', `cannot listen on ${shorten(where)}: ${why}${err.code && !why.includes(err.code) ? ` (${err.code})` : ''}`));
    };
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (err) => log(`nsview serve: ${err.message}`));
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  // The node label: known now, so the first page names it.
  if (node === undefined) {
    await latest().catch(() => undefined);
    node ??= hostname();
  }
  let closed: Promise<void> | undefined;
  return {
    url: `http://${shown}:${addr.port}/`,
    port: addr.port,
    node: node as string,
    stats: () => ({ scans, failures, reused: current?.reused ?? 0 }),
    close: (graceMs = 5_000) =>
      (closed ??= new Promise<void>((resolve) => {
        stopping = true;
        // Node's server.close() cuts every connection it deems idle, among them those still
        // sending a response already ended (a large body to a slow reader): so it is called
        // once the responses in flight are done. Meanwhile new connections are cut at once,
        // and each open one gets `Connection: close` with its next response.
        const timer = setTimeout(() => {
          drained = undefined;
          if (server.listening) server.close();
          server.closeAllConnections();
        }, graceMs);
        timer.unref();
        server.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        drained = () => {
          drained = undefined;
          server.close();
        };
        if (inflight.size === 0) drained();
      })),
  };
}

/**
 * What the tests of `nsview serve` (lib/serve/server.ts) share: the demo node as the scan, a
 * scan that records its calls, a big snapshot, and two HTTP clients: `request` (node:http, one
 * connection per request) and `raw` (bytes on a socket, for what an HTTP client will not send).
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { Snapshot } from '../../lib/model/types.js';
import { scanSync, type ScanOptions } from '../../lib/scan.js';
import type { Source } from '../../lib/source/source.js';
import { specSource } from '../../lib/source/spec.js';
import { demoSpec } from '../helpers/host.js';

/** A source that counts the reads of `inner` (every method that touches a path). */
export function countingSource(inner: Source): { source: Source; reads: string[] } {
  const reads: string[] = [];
  const note = <T>(p: string, f: () => T): T => {
    reads.push(p);
    return f();
  };
  return {
    reads,
    source: {
      root: inner.root,
      readText: (p, o) => note(p, () => inner.readText(p, o)),
      readBytes: (p, o) => note(p, () => inner.readBytes(p, o)),
      readLink: (p) => note(p, () => inner.readLink(p)),
      readDir: (p) => note(p, () => inner.readDir(p)),
      readNames: (p) => note(p, () => inner.readNames(p)),
      exists: (p) => note(p, () => inner.exists(p)),
    },
  };
}

/** A scan of the demo node that records the options of every call and every path it reads. */
export function recordedDemo(): { scan: (o: ScanOptions) => Snapshot; calls: ScanOptions[]; reads: string[] } {
  const { source, reads } = countingSource(specSource(demoSpec, 'demo'));
  const calls: ScanOptions[] = [];
  return {
    calls,
    reads,
    scan: (o) => {
      calls.push(o);
      return scanSync({ ...o, source });
    },
  };
}

/** The demo node scanned directly, as the server scans it (holders: mounts). */
export function directDemo(): Snapshot {
  return scanSync({ source: specSource(demoSpec, 'demo'), holders: 'mounts' });
}

/**
 * The demo with `count` more processes, each with a command line of `argBytes` characters: a
 * snapshot of some megabytes, so its response is still being sent when a client goes away.
 */
export function bigDemo(count: number, argBytes: number): (o: ScanOptions) => Snapshot {
  const source = specSource(demoSpec, 'demo');
  return (o) => {
    const s = scanSync({ ...o, source });
    const model = s.processes[s.processes.length - 1] as Snapshot['processes'][number];
    const extra = Array.from({ length: count }, (_, i) => ({ ...model, pid: 1_000_000 + i, cmdline: [`synthetic-${i}`, 'x'.repeat(argBytes)] }));
    return { ...s, processes: [...s.processes, ...extra] };
  };
}

/** What a request got. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One request on its own connection (no keep-alive); rejects on a connection error or after `timeoutMs`. */
export function request(url: string, o: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: o.method ?? 'GET', headers: o.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error(`no answer from ${url} within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** What came back on a raw connection: every byte until the server closed it, and the status of the first response line. */
export interface RawAnswer {
  status: number | undefined;
  text: string;
  /** The connection ended (server closed it, or it errored) before `timeoutMs`. */
  closed: boolean;
  error?: string;
}

/** Write `data` on a new connection and read until the server closes it (or `timeoutMs` passes). */
export function raw(port: number, data: string | Buffer, o: { host?: string; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, o.host ?? '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      resolve({ status: m ? Number(m[1]) : undefined, text, closed, ...(error ? { error } : {}) });
    };
    const timer = setTimeout(() => done(false), o.timeoutMs ?? 10_000);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => (error = e.message));
    socket.on('close', () => done(true));
    socket.write(data);
  });
}

/** Text of an HTML document: its tags removed, the five escapes undone. */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] as string);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

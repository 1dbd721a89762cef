/**
 * The per-process read cache of repeated scans (`ScanOptions.cache`, lib/read/processes.ts):
 * a process whose pid, start time and name are unchanged, and which is no zombie, keeps its
 * command line, uid and NSpid from the scan before and its `cmdline` and `status` are not read
 * again; its namespace links and cgroups are read every time. A process seen with another start
 * time (a reused pid) or name (an exec) is read again, an exited one is forgotten, and a read that
 * was denied or malformed is not kept. Hosts are the demo node's spec, changed between scans, on
 * the in-memory source, with every read recorded.
 */
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../lib/model/types.js';
import type { ProcessCache } from '../../lib/read/processes.js';
import { createScanCache, scanSync, type ScanCache } from '../../lib/scan.js';
import type { Source } from '../../lib/source/source.js';
import { specSource, type HostSpec, type ProcSpec } from '../../lib/source/spec.js';
import { faultySource, type Faults } from '../helpers/faulty.js';
import { countingSource } from '../serve/helpers.js';
import { demoSpec } from '../helpers/host.js';

/** The demo spec, with `change` applied to a deep copy. */
function spec(change: (s: HostSpec) => void = () => undefined): HostSpec {
  const s = structuredClone(demoSpec);
  change(s);
  return s;
}

const proc = (s: HostSpec, pid: number): ProcSpec => s.processes.find((p) => p.pid === pid) as ProcSpec;

/** One scan of `host` (faults injected if given), with every path read recorded. */
function scan(host: HostSpec, cache?: ScanCache, faults?: Faults): { snap: Snapshot; reads: string[] } {
  let source: Source = specSource(host, 'test');
  if (faults) source = faultySource(source, faults);
  const counted = countingSource(source);
  return { snap: scanSync({ source: counted.source, cache }), reads: counted.reads };
}

/** The pids whose `cmdline` (or `status`) a scan read. */
const readOf = (reads: string[], file: 'cmdline' | 'status'): number[] =>
  [...new Set(reads.map((r) => new RegExp(`^/proc/(\\d+)/${file}$`).exec(r)?.[1]).filter((x): x is string => x !== undefined))]
    .map(Number)
    .sort((a, b) => a - b);

/** A snapshot without its time, for comparing two scans. */
const timeless = (s: Snapshot): Omit<Snapshot, 'scannedAt'> => {
  const { scannedAt: _, ...rest } = s;
  return rest;
};

const entries = (c: ScanCache): Map<number, unknown> => (c as ProcessCache).entries;
const procOf = (s: Snapshot, pid: number) => s.processes.find((p) => p.pid === pid);
const ALL = demoSpec.processes.map((p) => p.pid).sort((a, b) => a - b);

describe('the process cache of repeated scans', () => {
  it('a second scan reuses every unchanged process and gives the snapshot a scan without cache gives', () => {
    const cache = createScanCache();
    const first = scan(spec(), cache);
    expect(cache.reused).toBe(0);
    expect(readOf(first.reads, 'cmdline')).toEqual(ALL);
    const second = scan(spec(), cache);
    expect(cache.reused).toBe(ALL.length);
    // Neither cmdline nor status read again; ns links and cgroup of every process are.
    expect(readOf(second.reads, 'cmdline')).toEqual([]);
    expect(readOf(second.reads, 'status')).toEqual([]);
    for (const pid of ALL) {
      expect(second.reads, String(pid)).toContain(`/proc/${pid}/stat`);
      expect(second.reads, String(pid)).toContain(`/proc/${pid}/cgroup`);
      expect(second.reads, String(pid)).toContain(`/proc/${pid}/ns/net`);
    }
    const uncached = scan(spec()).snap;
    expect(timeless(second.snap)).toEqual(timeless(uncached));
    expect(timeless(first.snap)).toEqual(timeless(uncached));
    // And a third, the same again.
    const third = scan(spec(), cache);
    expect(cache.reused).toBe(ALL.length);
    expect(timeless(third.snap)).toEqual(timeless(uncached));
  });

  it('a pid reused by a new process (another start time) is read again', () => {
    const cache = createScanCache();
    scan(spec(), cache);
    const changed = spec((s) => Object.assign(proc(s, 1110), { start: 99_999, cmdline: ['sleep', '7'], uid: 1000 }));
    const second = scan(changed, cache);
    expect(cache.reused).toBe(ALL.length - 1);
    expect(readOf(second.reads, 'cmdline')).toEqual([1110]);
    expect(readOf(second.reads, 'status')).toEqual([1110]);
    expect(procOf(second.snap, 1110)).toMatchObject({ cmdline: ['sleep', '7'], uid: 1000, startTime: 99_999 });
    expect(timeless(second.snap)).toEqual(timeless(scan(changed).snap));
  });

  it('a process that exec()ed (another name, same start time) is read again', () => {
    const cache = createScanCache();
    scan(spec(), cache);
    const changed = spec((s) => Object.assign(proc(s, 1150), { comm: 'app-v2', cmdline: ['/bin/app-v2', '--serve'] }));
    const second = scan(changed, cache);
    expect(cache.reused).toBe(ALL.length - 1);
    expect(readOf(second.reads, 'cmdline')).toEqual([1150]);
    expect(procOf(second.snap, 1150)).toMatchObject({ comm: 'app-v2', cmdline: ['/bin/app-v2', '--serve'] });
    expect(timeless(second.snap)).toEqual(timeless(scan(changed).snap));
  });

  it('a zombie is never reused, nor a process that became one', () => {
    const cache = createScanCache();
    const withZombie = spec((s) => s.processes.push({ pid: 1170, ppid: 1160, comm: 'defunct', state: 'Z', cmdline: [], start: 11_700 }));
    scan(withZombie, cache);
    expect(entries(cache).has(1170)).toBe(false);
    const second = scan(withZombie, cache);
    expect(cache.reused).toBe(ALL.length);
    expect(readOf(second.reads, 'cmdline')).toEqual([1170]);
    expect(readOf(second.reads, 'status')).toEqual([1170]);
    // 1110 exits and is not yet reaped: same pid, start time and name, state Z, no command line.
    const reaped = spec((s) => Object.assign(proc(s, 1110), { state: 'Z', cmdline: [] }));
    const third = scan(reaped, cache);
    expect(cache.reused).toBe(ALL.length - 1);
    expect(readOf(third.reads, 'cmdline')).toEqual([1110]);
    expect(procOf(third.snap, 1110)).toMatchObject({ state: 'Z', cmdline: [] });
    expect(entries(cache).has(1110)).toBe(false);
  });

  it('a changed namespace link or cgroup shows on the next scan, for a reused process too', () => {
    const cache = createScanCache();
    scan(spec(), cache);
    // 1110 joins another network namespace (setns) and is moved to another cgroup.
    const moved = spec((s) => {
      const p = proc(s, 1110);
      p.ns = { ...p.ns, net: 4026531840 };
      p.cgroup = '/system.slice/moved.scope';
    });
    const second = scan(moved, cache);
    expect(cache.reused).toBe(ALL.length);
    expect(procOf(second.snap, 1110)?.ns.net).toBe(4026531840);
    expect(procOf(second.snap, 1110)?.cgroups.unified).toBe('/system.slice/moved.scope');
    expect(timeless(second.snap)).toEqual(timeless(scan(moved).snap));
  });

  it('a process that exited is dropped from the cache', () => {
    const cache = createScanCache();
    scan(spec(), cache);
    expect(entries(cache).has(1160)).toBe(true);
    const gone = spec((s) => (s.processes = s.processes.filter((p) => p.pid !== 1160)));
    scan(gone, cache);
    expect(cache.reused).toBe(ALL.length - 1);
    expect(entries(cache).has(1160)).toBe(false);
    expect(entries(cache).size).toBe(ALL.length - 1);
    // Were it kept, a process with its pid, start time and name would show the old command line.
    const back = spec((s) => (proc(s, 1160).cmdline = ['sleep', 'again']));
    const third = scan(back, cache);
    expect(readOf(third.reads, 'cmdline')).toEqual([1160]);
    expect(procOf(third.snap, 1160)?.cmdline).toEqual(['sleep', 'again']);
  });

  it('a read that was denied is not cached: the next scan reads it again', () => {
    const cache = createScanCache();
    const first = scan(spec(), cache, { '/proc/1070/cmdline': 'EACCES', '/proc/1090/status': 'EPERM' });
    expect(procOf(first.snap, 1070)).toMatchObject({ partial: true, cmdline: [] });
    expect(procOf(first.snap, 1090)).toMatchObject({ partial: true, uid: null });
    expect(entries(cache).has(1070)).toBe(false);
    expect(entries(cache).has(1090)).toBe(false);
    const second = scan(spec(), cache);
    expect(cache.reused).toBe(ALL.length - 2);
    expect(readOf(second.reads, 'cmdline')).toEqual([1070, 1090]);
    expect(procOf(second.snap, 1070)).toMatchObject({ partial: false, cmdline: ['/app/api', '--port', '8080'] });
    expect(procOf(second.snap, 1090)).toMatchObject({ partial: false, uid: 0 });
    expect(timeless(second.snap)).toEqual(timeless(scan(spec()).snap));
  });

  it('a malformed status or unreadable stat is not cached either', () => {
    const cache = createScanCache();
    const broken = spec((s) => {
      s.files = { ...s.files, '/proc/1070/status': 'Name:\tapi\nState:\tS\n' };
    });
    const first = scan(broken, cache, { '/proc/1090/stat': 'EACCES' });
    expect(first.snap.warnings).toContainEqual(expect.objectContaining({ code: 'malformed', pid: 1070 }));
    expect(entries(cache).has(1070)).toBe(false);
    expect(entries(cache).has(1090)).toBe(false);
    const second = scan(spec(), cache);
    expect(readOf(second.reads, 'status')).toEqual([1070, 1090]);
    expect(procOf(second.snap, 1070)?.uid).toBe(0);
    expect(timeless(second.snap)).toEqual(timeless(scan(spec()).snap));
  });
});

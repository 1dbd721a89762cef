/**
 * The write side of `nsview capture` and `snapshot -o` (lib/source/write.ts), on temp dirs:
 * - nothing is written outside the destination: a mount point or directory name with `..`
 *   (as a hostile capture's mountinfo lists it) is skipped, never joined on as text;
 * - nothing is written through a link: a link planted in the destination during the run (a
 *   directory or a file, planted by the source at the moment it is read), or a directory of
 *   the destination swapped for a link after it was made, stops the capture and nothing
 *   lands outside;
 * - ENOSPC, EROFS and EPERM (from an injected file system), a budget for the whole capture
 *   and a destination on a kernel file system end in one NsviewError naming the path, and
 *   the partial capture is removed;
 * - `snapshot -o` writes all or nothing (no truncated file, no temporary file left), never
 *   through a link; `--from` refuses a file or stream past its budget.
 */
import { spawn } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NsviewError } from '../../lib/errors.js';
import { scanSync } from '../../lib/scan.js';
import { captureHost } from '../../lib/read/capture.js';
import { readUserFile, writeUserFile } from '../../lib/source/files.js';
import { createFsSource, type FsLike } from '../../lib/source/fs-source.js';
import type { Source } from '../../lib/source/source.js';
import { buildVolume } from '../helpers/volume.js';
import type { WriteFs } from '../../lib/source/write.js';
import { listTree, writeScenarioCapture } from '../helpers/capture-dir.js';
import { loadSpec } from '../helpers/host.js';

const fs = nodeFs;
const linux = process.platform === 'linux';
const tmp = fs.realpathSync(fs.mkdtempSync(join(tmpdir(), 'nsview-capture-write-')));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  expect(fs.existsSync(tmp), 'temp dir removed').toBe(false);
});

let serial = 0;
/** A new empty directory under the temp dir. */
function fresh(label: string): string {
  const d = join(tmp, `${label}-${++serial}`);
  fs.mkdirSync(d);
  return d;
}

/** What `f` threw. */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** `err` is one NsviewError whose one-line message matches every pattern. */
function expectOneLine(err: unknown, ...patterns: Array<string | RegExp>): NsviewError {
  expect(err, String(err)).toBeInstanceOf(NsviewError);
  const e = err as NsviewError;
  expect(e.message).not.toContain('\n');
  for (const p of patterns) {
    if (typeof p === 'string') expect(e.message).toContain(p);
    else expect(e.message).toMatch(p);
  }
  return e;
}

type Volume = ReturnType<typeof buildVolume>;
/** The k8s-seed-pod scenario as a memfs volume (changed by `edit`) and an unconfined source over it. */
function seed(edit?: (vol: Volume) => void): Source {
  const vol = buildVolume(loadSpec('k8s-seed-pod'));
  edit?.(vol);
  return createFsSource('/', { fs: vol as unknown as FsLike, confine: false });
}

/** `src`, running `act` once just before `path` is read: the moment to plant something in the destination. */
function onRead(src: Source, path: string, act: () => void): Source {
  let done = false;
  return new Proxy(src, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (typeof value !== 'function' || key === 'exists') return value;
      return (p: string, ...rest: unknown[]): unknown => {
        if (p === path && !done) {
          done = true;
          act();
        }
        return (value as (...a: unknown[]) => unknown).call(target, p, ...rest);
      };
    },
  });
}

/** An errno error as node:fs throws it. */
const errno = (code: string, syscall: string, path: string): Error =>
  Object.assign(new Error(`${code}: injected, ${syscall} '${path}'`), { code, syscall, path });

const WRITE_BITS = fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT;

/** Faults to inject into node:fs: a code to throw for a call, or a write that runs out of room after so many bytes. */
interface Faults {
  open?: (path: string, count: number) => string | undefined;
  mkdir?: (path: string) => string | undefined;
  rename?: (path: string) => string | undefined;
  close?: (path: string) => string | undefined;
  write?: { after: number; code: string };
  fsType?: number;
}

/** node:fs with faults: opens for writing, mkdir, rename, close and write fail as told (the rest is node:fs). */
function faulty(f: Faults): WriteFs {
  const real = fs as unknown as WriteFs;
  const paths = new Map<number, string>();
  let written = 0;
  let opens = 0;
  const fail = (code: string | undefined, syscall: string, path: string): void => {
    if (code) throw errno(code, syscall, path);
  };
  return {
    ...real,
    openSync(path, flags, mode) {
      if (flags & WRITE_BITS) fail(f.open?.(String(path), ++opens), 'open', String(path));
      const fd = real.openSync(path, flags, mode);
      paths.set(fd, String(path));
      return fd;
    },
    writeSync(fd, buffer, offset, length) {
      if (f.write) {
        const room = f.write.after - written;
        if (room <= 0) throw errno(f.write.code, 'write', paths.get(fd) ?? `fd ${fd}`);
        length = Math.min(length, room);
      }
      const n = real.writeSync(fd, buffer, offset, length);
      written += n;
      return n;
    },
    mkdirSync(path, mode) {
      fail(f.mkdir?.(String(path)), 'mkdir', String(path));
      return real.mkdirSync(path, mode);
    },
    renameSync(from, to) {
      fail(f.rename?.(String(to)), 'rename', String(to));
      real.renameSync(from, to);
    },
    closeSync(fd) {
      const path = paths.get(fd) ?? '';
      paths.delete(fd);
      real.closeSync(fd);
      fail(f.close?.(path), 'close', path);
    },
    statfsSync: f.fsType === undefined ? real.statfsSync : () => ({ type: f.fsType as number }),
  };
}

/** The names of a host path below `/`: `/a/b` → 2. */
const depthOf = (p: string): number => p.split('/').filter(Boolean).length;
const cgroupLine = (mp: string): string => `99 23 0:99 / ${mp} rw,relatime - cgroup cgroup rw,pids\n`;

describe('capture writes only inside its destination', () => {
  /** A case directory: the destination to capture into and a directory beside it that must stay empty. */
  function beside(label: string): { base: string; dest: string; outside: string } {
    const base = fresh(label);
    const outside = join(base, 'outside');
    fs.mkdirSync(outside);
    return { base, dest: join(base, 'dest'), outside };
  }
  /** A cgroup directory at `dir` (of a memfs volume or the disk) with a limit and no processes. */
  function cgroupAt(to: { mkdirSync(p: string, o: { recursive: true }): unknown; writeFileSync(p: string, d: string): void }, dir: string): void {
    to.mkdirSync(dir, { recursive: true });
    to.writeFileSync(`${dir}/pids.max`, 'max\n');
    to.writeFileSync(`${dir}/cgroup.procs`, '');
  }
  /** Capture: `skipped` is skipped, nothing lands in `outside`, and the rest reads back whole. */
  function expectSkipped(src: Source, at: { dest: string; outside: string }, skipped: string): void {
    const r = captureHost(at.dest, src);
    expect(fs.readdirSync(at.outside), `nothing written outside ${at.dest}`).toEqual([]);
    expect(r.skipped).toContain(`${skipped} (EXDEV)`);
    expect(scanSync({ root: at.dest }).processes).toHaveLength(11);
  }

  it("skips a mount point with `..` (`/../../…/x`, as the issue's mountinfo lists it) instead of writing where it leads", () => {
    const at = beside('dotdot');
    const target = join(at.outside, 'pids-x');
    const mp = '/..'.repeat(depthOf(at.dest) + 2) + target;
    const src = seed((vol) => {
      cgroupAt(vol, target);
      vol.appendFileSync('/proc/self/mountinfo', cgroupLine(mp));
    });
    expectSkipped(src, at, mp);
  });

  it('skips a mount point that a link inside the capture root lets climb back out (the read stays inside, the text would not)', () => {
    const at = beside('climb');
    const root = join(at.base, 'root');
    writeScenarioCapture('k8s-seed-pod', root);
    // root/sys/fs/cgroup/deep → root/chain/d0/…/dN: as many `..` from it as the chain is deep are
    // the capture root again; joined on the destination as text, the same `..` climb out of it.
    const chain = ['chain', ...Array.from({ length: depthOf(at.dest) + 4 }, (_, i) => `d${i}`)];
    fs.mkdirSync(join(root, ...chain), { recursive: true });
    fs.symlinkSync(`../../../${chain.join('/')}`, join(root, 'sys/fs/cgroup/deep'));
    const target = join(at.outside, 'cg');
    cgroupAt(fs, join(root, target));
    const mp = `/sys/fs/cgroup/deep/${'../'.repeat(chain.length)}${target.slice(1)}`;
    fs.appendFileSync(join(root, 'proc/self/mountinfo'), cgroupLine(mp));
    const src = createFsSource(root);
    expect(
      src
        .readDir(mp)
        .map((e) => e.name)
        .sort(),
      'the source reads the mount point inside the root',
    ).toEqual(['cgroup.procs', 'pids.max']);
    expectSkipped(src, at, mp);
  });

  it('skips a directory entry whose name climbs out (a Source that is not a file system)', () => {
    const at = beside('entry');
    const target = join(at.outside, 'cg');
    const inner = seed((vol) => cgroupAt(vol, target));
    const name = `${'../'.repeat(depthOf(at.dest) + 4)}${target.slice(1)}`;
    const src: Source = { ...inner, readDir: (p) => [...inner.readDir(p), ...(p === '/sys/fs/cgroup' ? [{ name, isDirectory: true }] : [])] };
    expectSkipped(src, at, `/sys/fs/cgroup/${name}`);
  });
});

describe('capture writes names as the bytes they are', () => {
  it.runIf(linux)('a cgroup directory whose name is not UTF-8 and a link text that is not come out as the same bytes', () => {
    const base = fresh('bytes');
    const root = join(base, 'root');
    const dest = join(base, 'dest');
    writeScenarioCapture('k8s-seed-pod', root);
    const name = Buffer.from([0x63, 0x67, 0xff, 0xfe, 0x2d, 0x78]);
    const parent = join(root, 'sys/fs/cgroup/kubepods.slice');
    fs.mkdirSync(Buffer.concat([Buffer.from(`${parent}/`), name]));
    fs.writeFileSync(Buffer.concat([Buffer.from(`${parent}/`), name, Buffer.from('/cgroup.procs')]), '');
    const text = Buffer.from([0x6e, 0x65, 0x74, 0x3a, 0x5b, 0xff, 0x5d]);
    fs.rmSync(join(root, 'proc/5001/ns/net'));
    fs.symlinkSync(text, join(root, 'proc/5001/ns/net'));
    captureHost(dest, createFsSource(root));
    const names = fs.readdirSync(join(dest, 'sys/fs/cgroup/kubepods.slice'), { encoding: 'buffer' });
    expect(
      names.some((n) => n.equals(name)),
      names.map((n) => n.toString('hex')).join(' '),
    ).toBe(true);
    expect(fs.readlinkSync(join(dest, 'proc/5001/ns/net'), { encoding: 'buffer' }).equals(text)).toBe(true);
  });
});

describe('capture writes through no link', () => {
  it('a link planted in the destination where a process directory is about to be made stops the capture; nothing lands where it points', () => {
    const base = fresh('plant-dir');
    const dest = join(base, 'dest');
    const victim = join(base, 'victim');
    fs.mkdirSync(victim);
    const src = onRead(seed(), '/proc/5001/stat', () => fs.symlinkSync(victim, join(dest, 'proc/5001')));
    const err = thrown(() => captureHost(dest, src));
    expect(fs.readdirSync(victim), 'nothing written through the planted link').toEqual([]);
    expectOneLine(err, `${dest}/proc/5001: appeared in the destination during the capture`);
    // What nsview made is gone; the planted link (not nsview's) is all that is left.
    expect(listTree(dest)).toEqual({ files: [], links: ['proc/5001'], dirs: ['proc'] });
  });

  it('a link planted where a file is about to be written stops the capture; the file it points to is untouched', () => {
    const base = fresh('plant-file');
    const dest = join(base, 'dest');
    const victim = join(base, 'precious');
    fs.writeFileSync(victim, 'precious\n');
    const src = onRead(seed(), '/proc/5001/status', () => fs.symlinkSync(victim, join(dest, 'proc/5001/status')));
    const err = thrown(() => captureHost(dest, src));
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expectOneLine(err, `${dest}/proc/5001/status: appeared in the destination`);
    expect(listTree(dest).files).toEqual([]);
  });

  it.runIf(linux)(
    'a directory of the destination swapped for a link after it was made: the kernel says where the file landed, it is removed, the capture stops',
    () => {
      const base = fresh('swap');
      const dest = join(base, 'dest');
      const victim = join(base, 'victim');
      fs.mkdirSync(victim);
      fs.writeFileSync(join(victim, 'stat'), "the victim's own file\n");
      const src = onRead(seed(), '/proc/5001/status', () => {
        fs.renameSync(join(dest, 'proc/5001'), join(dest, 'proc/5001.moved'));
        fs.symlinkSync(victim, join(dest, 'proc/5001'));
      });
      const err = thrown(() => captureHost(dest, src));
      expect(fs.readdirSync(victim), 'the file created through the link was removed; the removal did not go through the link').toEqual(['stat']);
      expect(fs.readFileSync(join(victim, 'stat'), 'utf8')).toBe("the victim's own file\n");
      expectOneLine(err, `${dest}/proc/5001/status: landed on ${victim}/status, outside the destination`);
    },
  );
});

describe('capture failures end in one line and leave nothing behind', () => {
  it('ENOSPC part way: one line naming the file, the partial capture removed', () => {
    const base = fresh('enospc');
    const dest = join(base, 'dest');
    const err = thrown(() => captureHost(dest, seed(), { fs: faulty({ write: { after: 1500, code: 'ENOSPC' } }) }));
    expectOneLine(err, /^cannot write \/.*: no space left on device \(ENOSPC\); removed the partial capture /, dest);
    expect(fs.readdirSync(base)).toEqual([]);
  });

  it('ENOSPC when a file is closed (as on NFS), in a destination whose parents it made: all of it removed', () => {
    const base = fresh('enospc-close');
    const dest = join(base, 'a/b/dest');
    let closes = 0;
    const err = thrown(() => captureHost(dest, seed(), { fs: faulty({ close: (p) => (p.endsWith('/status') && ++closes === 3 ? 'ENOSPC' : undefined) }) }));
    expectOneLine(err, /^cannot write \/.*\/proc\/\d+\/status: no space left on device \(ENOSPC\); removed the partial capture/);
    expect(fs.readdirSync(base)).toEqual([]);
  });

  it('EROFS: one line naming the destination, nothing written', () => {
    const base = fresh('erofs');
    const dest = join(base, 'dest');
    const err = thrown(() => captureHost(dest, seed(), { fs: faulty({ mkdir: () => 'EROFS' }) }));
    expectOneLine(err, `cannot write ${dest}: read-only file system (EROFS); nothing was written`);
    expect(fs.readdirSync(base)).toEqual([]);
  });

  it('EPERM on the 20th file, in an empty destination that was there before: it stays, empty', () => {
    const dest = fresh('eperm');
    const err = thrown(() => captureHost(dest, seed(), { fs: faulty({ open: (_, n) => (n === 20 ? 'EPERM' : undefined) }) }));
    expectOneLine(err, /^cannot write \/.*: operation not permitted \(EPERM\); removed what it had written in /);
    expect(fs.readdirSync(dest)).toEqual([]);
  });

  it('a budget for the whole capture: past it, one line naming the file where it stopped and the budget, nothing kept', () => {
    const base = fresh('budget');
    const dest = join(base, 'dest');
    const err = thrown(() => captureHost(dest, seed(), { maxBytes: 5000 }));
    expectOneLine(
      err,
      /^capture stopped at \/\S+: it would hold more than 4\.9 KiB, the most a whole capture may hold \(.* in \d+ files before it\); removed the partial capture /,
    );
    expect(fs.readdirSync(base)).toEqual([]);
    // Within the budget (the default, 1 GiB): the capture is whole, its manifest renamed into place.
    const ok = join(base, 'ok');
    captureHost(ok, seed());
    const t = listTree(ok);
    expect(t.files).toContain('nsview-capture.json');
    expect(t.files.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a destination on a kernel file system (cgroupfs, by statfs) is refused before anything is made', () => {
    const base = fresh('kernelfs');
    const dest = join(base, 'dest');
    const err = thrown(() => captureHost(dest, seed(), { fs: faulty({ fsType: 0x27e0eb }) }));
    expectOneLine(err, `${dest}: ${base} is on cgroupfs, a kernel file system, not storage`);
    expect((err as NsviewError).code).toBe('bad-argument');
    expect(fs.readdirSync(base)).toEqual([]);
  });

  it('a destination that is a link to an empty directory is refused; nothing written where it points', () => {
    const base = fresh('dest-link');
    const target = join(base, 'target');
    fs.mkdirSync(target);
    fs.symlinkSync(target, join(base, 'dest'));
    const err = thrown(() => captureHost(join(base, 'dest'), seed()));
    expectOneLine(err, `${join(base, 'dest')}: a symbolic link`);
    expect(fs.readdirSync(target)).toEqual([]);
  });
});

describe('snapshot -o writes all or nothing, through no link', () => {
  const text = `{"format":"nsview-snapshot","pad":"${'x'.repeat(100_000)}"}\n`;

  it('ENOSPC writing a new file: one line, no file, no temporary file', async () => {
    const dir = fresh('snap-enospc');
    const file = join(dir, 'snap.json');
    const opened: string[] = [];
    const err = thrown(() => writeUserFile(file, text, { fs: faulty({ open: (p) => void opened.push(p), write: { after: 30_000, code: 'ENOSPC' } }) }));
    expectOneLine(err, `cannot write ${file}: no space left on device (ENOSPC); nothing was written`);
    expect(fs.readdirSync(dir)).toEqual([]);
    // It wrote under a temporary name beside the file, one that tests checking writes can tell.
    const { isTemporaryFor } = await import('../../lib/source/write.js');
    expect(opened).toHaveLength(1);
    expect(isTemporaryFor(opened[0] as string, file), opened[0]).toBe(true);
    expect(isTemporaryFor(`${file}.tmp`, file)).toBe(false);
  });

  it('ENOSPC replacing a file: the old one is whole, no temporary file', () => {
    const dir = fresh('snap-replace');
    const file = join(dir, 'snap.json');
    fs.writeFileSync(file, 'old snapshot\n');
    const err = thrown(() => writeUserFile(file, text, { fs: faulty({ write: { after: 30_000, code: 'ENOSPC' } }) }));
    expectOneLine(err, `cannot write ${file}: no space left on device (ENOSPC); ${file} is unchanged`);
    expect(fs.readdirSync(dir)).toEqual(['snap.json']);
    expect(fs.readFileSync(file, 'utf8')).toBe('old snapshot\n');
  });

  it('EROFS and EPERM: one line naming the path, nothing left', () => {
    const dir = fresh('snap-erofs');
    const file = join(dir, 'snap.json');
    expectOneLine(
      thrown(() => writeUserFile(file, text, { fs: faulty({ open: () => 'EROFS' }) })),
      `cannot write ${file}: read-only file system (EROFS)`,
    );
    expectOneLine(
      thrown(() => writeUserFile(file, text, { fs: faulty({ rename: () => 'EPERM' }) })),
      `cannot write ${file}: operation not permitted (EPERM)`,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a link to a file, or to nothing, is refused: nothing written through it', () => {
    const dir = fresh('snap-link');
    const victim = join(dir, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    fs.symlinkSync(victim, join(dir, 'to-file.json'));
    fs.symlinkSync(join(dir, 'made-through-link'), join(dir, 'dangling.json'));
    const errs = [thrown(() => writeUserFile(join(dir, 'to-file.json'), text)), thrown(() => writeUserFile(join(dir, 'dangling.json'), text))];
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['dangling.json', 'to-file.json', 'victim']);
    for (const err of errs) expectOneLine(err, 'a symbolic link; nsview writes through no link');
  });

  it('a stream is written as one (/dev/null); a new file comes out whole; a file replaced keeps its mode', () => {
    writeUserFile('/dev/null', text);
    const dir = fresh('snap-ok');
    const file = join(dir, 'snap.json');
    writeUserFile(file, text);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    fs.chmodSync(file, 0o600);
    writeUserFile(file, 'new\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['snap.json']);
  });
});

describe('--from reads no more than a snapshot may hold', () => {
  it('a file past the budget is refused, naming it and the budget', () => {
    const file = join(fresh('from-big'), 'big.json');
    fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0x20));
    expectOneLine(
      thrown(() => readUserFile(file, { maxBytes: 16 * 1024 })),
      `${file}: too large for a snapshot`,
      '16 KiB',
    );
    expect(readUserFile(file, { maxBytes: 64 * 1024 })).toHaveLength(64 * 1024);
  });

  it.runIf(linux)('a stream (a FIFO with a writer that has more to give) is cut at the budget with an error', async () => {
    const fifo = join(fresh('from-fifo'), 'fifo');
    const mk = spawn('mkfifo', [fifo]);
    await new Promise((r) => mk.on('close', r));
    const writer = spawn('sh', ['-c', `head -c 3145728 /dev/zero > '${fifo}'`], { stdio: 'ignore' });
    const ended = new Promise((r) => writer.on('close', r));
    try {
      expectOneLine(
        thrown(() => readUserFile(fifo, { maxBytes: 1024 * 1024 })),
        `${fifo}: too large for a snapshot (more than 1 MiB read from a stream`,
      );
    } finally {
      await ended; // the writer ends on EPIPE once nsview has closed its end
    }
  });
});

describe('a capture keeps what holds namespaces', () => {
  it('copies one mountinfo per mount namespace and every namespace fd, so holders and leaks read back the same', async () => {
    const { scenarioSource } = await import('../helpers/host.js');
    const { findLeaks } = await import('../../lib/model/leaks.js');
    const dest = join(tmp, `holders-${serial++}`);
    const src = scenarioSource('holders');
    const r = captureHost(dest, src);
    // Only namespace fds are copied: not /dev/null, sockets or pipes.
    expect(fs.readdirSync(join(dest, 'proc/400/fd'))).toEqual(['3']);
    expect(fs.readlinkSync(join(dest, 'proc/400/fd/3'))).toBe('net:[4026532500]');
    // One mountinfo per mount namespace (pid 1 stands for the node's), not one per process.
    const withMountinfo = fs.readdirSync(join(dest, 'proc')).filter((p) => fs.existsSync(join(dest, 'proc', p, 'mountinfo')) && p !== 'self');
    const direct = scanSync({ source: src, holders: 'all' });
    expect(withMountinfo.length).toBe(new Set(direct.processes.map((p) => p.ns.mnt)).size);
    const back = scanSync({ root: dest, holders: 'all' });
    expect(back.namespaces).toEqual(direct.namespaces);
    expect(back.warnings).toEqual([]);
    expect(findLeaks(back)).toEqual(findLeaks(direct));
    expect(r.skipped).toEqual([]);
  });
});

/**
 * A capture is untrusted: whoever made it controls every name and link in it. Reads under
 * its root are confined by what the kernel does, not by what the path looks like as text:
 * `s/..` with `s` a link goes to the parent of the link's target, and a directory swapped for
 * a link between a check and the open must not lead the read outside.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { createFsSource } from '../../lib/source/fs-source.js';
import { errorCode } from '../../lib/source/source.js';

const linux = process.platform === 'linux';
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A minimal capture (one process, a v2 cgroup tree) and a directory outside it holding secrets. */
function capture(): { root: string; outside: string } {
  const root = mkdtempSync(join(tmpdir(), 'nsview-confine-'));
  const outside = mkdtempSync(join(tmpdir(), 'nsview-outside-'));
  made.push(root, outside);
  mkdirSync(join(root, 'proc/7/ns'), { recursive: true });
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  writeFileSync(join(root, 'proc/7/stat'), '7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70 0 0\n');
  writeFileSync(join(root, 'proc/7/cgroup'), '0::/\n');
  writeFileSync(join(root, 'proc/self/mountinfo'), '30 23 0:26 / /sys/fs/cgroup/s/.. rw - cgroup2 cgroup2 rw\n');
  mkdirSync(join(root, 'sys/fs/cgroup'), { recursive: true });
  writeFileSync(join(root, 'sys/fs/cgroup/cgroup.procs'), '7\n');
  mkdirSync(join(outside, 'a/b'), { recursive: true });
  writeFileSync(join(outside, 'a/cgroup.procs'), '424242\n');
  writeFileSync(join(outside, 'a/secret'), 'SECRET\n');
  writeFileSync(join(outside, 'secret'), 'SECRET\n');
  return { root, outside };
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return errorCode(err);
  }
  return undefined;
};

describe.runIf(process.platform !== 'win32')('reads under a capture root', () => {
  it('follow a link before `..` as the kernel does: `s/..` with s leading out is refused', () => {
    const { root, outside } = capture();
    symlinkSync(join(outside, 'a/b'), join(root, 'sys/fs/cgroup/s'));
    const src = createFsSource(root);
    // As text, /sys/fs/cgroup/s/../cgroup.procs is /sys/fs/cgroup/cgroup.procs; the kernel reads outside/a/cgroup.procs.
    expect(code(() => src.readText('/sys/fs/cgroup/s/../cgroup.procs'))).toBe('EXDEV');
    expect(code(() => src.readText('/sys/fs/cgroup/s/../secret'))).toBe('EXDEV');
    expect(code(() => src.readDir('/sys/fs/cgroup/s/..'))).toBe('EXDEV');
    expect(code(() => src.readNames('/sys/fs/cgroup/s/..'))).toBe('EXDEV');
  });

  it('refuse a relative link that climbs out, and `..` above the root', () => {
    const { root, outside } = capture();
    const up = '../'.repeat(root.split('/').length + 2);
    symlinkSync(`${up}${outside.slice(1)}/a/b`, join(root, 'sys/fs/cgroup/s'));
    const src = createFsSource(root);
    expect(code(() => src.readText('/sys/fs/cgroup/s/../secret'))).toBe('EXDEV');
    expect(code(() => src.readText('/../../../../../../etc/passwd'))).toBe('EXDEV');
  });

  it('follow links that stay inside, relative or absolute, with `..` after them', () => {
    const { root } = capture();
    mkdirSync(join(root, 'data/deep'), { recursive: true });
    writeFileSync(join(root, 'data/file'), 'inside\n');
    symlinkSync('../data/deep', join(root, 'proc/rel'));
    symlinkSync(join(root, 'data/deep'), join(root, 'proc/abs'));
    const src = createFsSource(root);
    expect(src.readText('/proc/rel/../file')).toBe('inside\n');
    expect(src.readText('/proc/abs/../file')).toBe('inside\n');
    expect(src.exists('/proc/rel/../file')).toBe(true);
  });

  it('a scan of a capture whose mountinfo names `/sys/fs/cgroup/s/..` reads nothing outside', () => {
    const { root, outside } = capture();
    symlinkSync(join(outside, 'a/b'), join(root, 'sys/fs/cgroup/s'));
    const s = scanSync({ root });
    const pids = JSON.stringify(s.hierarchies);
    expect(pids).not.toContain('424242');
    expect(s.warnings).toContainEqual(expect.objectContaining({ code: 'unreadable', message: expect.stringContaining('link leads outside the root') }));
  });

  it.runIf(linux)('a directory swapped for a link while reading never leads outside (thousands of reads under a swapping process)', async () => {
    const { root, outside } = capture();
    mkdirSync(join(outside, 'p'));
    writeFileSync(join(outside, 'p/stat'), 'SECRET\n');
    writeFileSync(join(root, 'proc/7/stat'), 'inside\n');
    const dir = join(root, 'proc');
    // Swap proc/7 between the real directory and a link out, as fast as a shell can.
    const script = `cd '${dir}' || exit 1; while :; do mv 7 7.d; ln -s '${outside}/p' 7; rm 7; mv 7.d 7; done`;
    const swapper = spawn('sh', ['-c', script], { stdio: 'ignore' });
    const seen = { inside: 0, refused: 0, missing: 0, secret: 0, other: 0 };
    try {
      await new Promise((r) => setTimeout(r, 100));
      const src = createFsSource(root);
      const deadline = Date.now() + 3000;
      while (Date.now() < deadline) {
        for (let i = 0; i < 200; i++) {
          try {
            const text = src.readText('/proc/7/stat');
            if (text === 'inside\n') seen.inside++;
            else if (text.includes('SECRET')) seen.secret++;
            else seen.other++;
          } catch (err) {
            const c = errorCode(err);
            if (c === 'EXDEV' || c === 'ELOOP') seen.refused++;
            else if (c === 'ENOENT' || c === 'ENOTDIR') seen.missing++;
            else seen.other++;
          }
        }
        // Let the swapper run between batches.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      swapper.kill('SIGKILL');
      await new Promise((r) => (swapper.exitCode !== null || swapper.signalCode !== null ? r(undefined) : swapper.once('exit', r)));
    }
    expect(seen.secret, JSON.stringify(seen)).toBe(0);
    expect(seen.other, JSON.stringify(seen)).toBe(0);
    // The race was run: reads saw the directory and were refused through the link.
    expect(seen.inside, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.refused, JSON.stringify(seen)).toBeGreaterThan(0);
  });
});

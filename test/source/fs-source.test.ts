import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createFsSource } from '../../lib/source/fs-source.js';
import { MAX_FILE_BYTES, errorCode } from '../../lib/source/source.js';
import { scanSync } from '../../lib/scan.js';

const dir = mkdtempSync(join(tmpdir(), 'nsview-src-'));
const outside = mkdtempSync(join(tmpdir(), 'nsview-outside-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});
const canSymlink = process.platform !== 'win32';
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return errorCode(err);
  }
  return undefined;
};

writeFileSync(join(outside, 'secret'), 'do not read\n');
mkdirSync(join(dir, 'proc/7/ns'), { recursive: true });
writeFileSync(join(dir, 'proc/7/stat'), '7 (x) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70 0 0\n');
writeFileSync(join(dir, 'proc/7/cmdline'), 'x\0');
writeFileSync(join(dir, 'proc/7/huge'), Buffer.alloc(MAX_FILE_BYTES + 10, 0x41));
writeFileSync(join(dir, 'proc/7/ns/uts'), 'uts:[4026531838]\n');
if (canSymlink) {
  symlinkSync('net:[4026531840]', join(dir, 'proc/7/ns/net'));
  symlinkSync(join(outside, 'secret'), join(dir, 'proc/7/status'));
  symlinkSync('../../../../', join(dir, 'proc/7/escape'));
  symlinkSync('loop-b', join(dir, 'proc/7/loop-a'));
  symlinkSync('loop-a', join(dir, 'proc/7/loop-b'));
}

describe('a source over a capture directory', () => {
  const src = createFsSource(dir);

  it('reads files and directories under the root', () => {
    expect(src.readText('/proc/7/cmdline')).toBe('x\0');
    expect(src.readDir('/proc').map((e) => e.name)).toEqual(['7']);
  });

  it.runIf(canSymlink)('reads namespace links as text, never following them', () => {
    expect(src.readLink('/proc/7/ns/net')).toBe('net:[4026531840]');
  });

  it('reads a link stored as a plain file (a checkout without symlinks) as its text', () => {
    expect(src.readLink('/proc/7/ns/uts')).toBe('uts:[4026531838]');
  });

  it.runIf(canSymlink)('refuses a file that links outside the root', () => {
    expect(code(() => src.readText('/proc/7/status'))).toBe('EXDEV');
    expect(code(() => src.readDir('/proc/7/escape'))).toBe('EXDEV');
  });

  it.runIf(canSymlink)('fails on a link loop with ELOOP instead of hanging', () => {
    expect(code(() => src.readText('/proc/7/loop-a'))).toBe('ELOOP');
  });

  it('refuses a file larger than the cap', () => {
    expect(code(() => src.readText('/proc/7/huge'))).toBe('EFBIG');
  });

  it.runIf(process.platform === 'linux')('does not block on a FIFO', () => {
    execFileSync('mkfifo', [join(dir, 'proc/7/fifo')]);
    expect(src.readText('/proc/7/fifo')).toBe('');
  });

  it("replays what the captured host denied, from the capture's manifest", () => {
    writeFileSync(
      join(dir, 'nsview-capture.json'),
      JSON.stringify({ format: 'nsview-capture', version: 1, denied: [{ path: '/proc/7/ns/pid', code: 'EACCES' }] }),
    );
    try {
      expect(code(() => src.readLink('/proc/7/ns/pid'))).toBe('EACCES');
      expect(code(() => src.readLink('/proc/7/ns/ipc'))).toBe('ENOENT');
    } finally {
      rmSync(join(dir, 'nsview-capture.json'));
    }
  });

  it.runIf(canSymlink)('scans the capture without reading outside it, naming the refused path', () => {
    const s = scanSync({ root: dir });
    expect(s.processes.map((p) => p.pid)).toEqual([7]);
    expect(s.processes[0]!.uid).toBeNull();
    expect(s.warnings).toContainEqual(expect.objectContaining({ path: '/proc/7/status', message: 'cannot read /proc/7/status: link leads outside the root' }));
  });
});

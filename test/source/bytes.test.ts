/**
 * Names are bytes: a cgroup (or mount point) whose name is not UTF-8 is kept, byte for byte
 * (U+DC80–U+DCFF for each byte that is not UTF-8, as Python's surrogateescape), so the
 * directory can be read again and its processes are placed, never dropped.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { scanSync } from '../../lib/scan.js';
import { decodeEscaped, encodeEscaped, fsPath, hasEscapedBytes } from '../../lib/source/bytes.js';
import { createFsSource } from '../../lib/source/fs-source.js';
import type { CgroupNode } from '../../lib/model/types.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('decodeEscaped and encodeEscaped', () => {
  it('decode as Python surrogateescape does', () => {
    // bytes.decode('utf-8', 'surrogateescape') of each
    expect(decodeEscaped(Buffer.from([0x61, 0xff, 0xe2, 0x82, 0xac, 0xed, 0xa0, 0x80]))).toBe('a\udcff€\udced\udca0\udc80');
    expect(decodeEscaped(Buffer.from([0xc0, 0xaf, 0xf4, 0x90, 0x80, 0x80]))).toBe('\udcc0\udcaf\udcf4\udc90\udc80\udc80');
    expect(decodeEscaped(Buffer.from([0xe2, 0x82]))).toBe('\udce2\udc82');
    expect(decodeEscaped(Buffer.from('pod-ü-😀', 'utf8'))).toBe('pod-ü-😀');
  });

  it('give back the same bytes for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const s = decodeEscaped(bytes);
        expect(encodeEscaped(s).equals(Buffer.from(bytes))).toBe(true);
        expect(hasEscapedBytes(s)).toBe(!Buffer.from(s, 'utf8').equals(Buffer.from(bytes)));
      }),
      { numRuns: 5000 },
    );
  });

  it('leave valid text and paired surrogates alone', () => {
    expect(fsPath('/sys/fs/cgroup/😀')).toBe('/sys/fs/cgroup/😀');
    expect(fsPath('/x/\udcff')).toEqual(Buffer.from([0x2f, 0x78, 0x2f, 0xff]));
  });
});

describe.runIf(process.platform === 'linux')('a capture with a cgroup named in bytes that are not UTF-8', () => {
  const root = mkdtempSync(join(tmpdir(), 'nsview-bytes-'));
  made.push(root);
  const bad = Buffer.from([0x70, 0x6f, 0x64, 0xff, 0xfe, 0x2d, 0x1b]); // "pod\xff\xfe-\x1b"
  const name = decodeEscaped(bad);
  const cg = Buffer.concat([Buffer.from(join(root, 'sys/fs/cgroup/kubepods/')), bad]);
  mkdirSync(join(root, 'proc/7/ns'), { recursive: true });
  mkdirSync(join(root, 'proc/8/ns'), { recursive: true });
  mkdirSync(join(root, 'proc/self'), { recursive: true });
  for (const pid of [7, 8]) {
    writeFileSync(join(root, `proc/${pid}/stat`), `${pid} (x) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70 0 0\n`);
    writeFileSync(join(root, `proc/${pid}/status`), `Name:\tx\nPid:\t${pid}\nUid:\t0\t0\t0\t0\nNSpid:\t${pid}\n`);
    writeFileSync(join(root, `proc/${pid}/cmdline`), 'x\0');
  }
  writeFileSync(join(root, 'proc/7/cgroup'), '0::/\n');
  writeFileSync(join(root, 'proc/8/cgroup'), Buffer.concat([Buffer.from('0::/kubepods/'), bad, Buffer.from('\n')]));
  writeFileSync(join(root, 'proc/self/mountinfo'), '30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n');
  mkdirSync(cg, { recursive: true });
  writeFileSync(join(root, 'sys/fs/cgroup/cgroup.procs'), '7\n');
  writeFileSync(Buffer.concat([cg, Buffer.from('/cgroup.procs')]), '8\n');

  it('lists the name with its bytes kept, and reads the directory back', () => {
    const src = createFsSource(root);
    expect(src.readNames('/sys/fs/cgroup/kubepods')).toEqual([name]);
    expect(src.readText(`/sys/fs/cgroup/kubepods/${name}/cgroup.procs`)).toBe('8\n');
    expect(src.readText('/proc/8/cgroup', { names: true })).toBe(`0::/kubepods/${name}\n`);
    expect(src.readText('/proc/8/cgroup')).toContain('\ufffd'); // without `names`, text as before
  });

  it('places the process in that cgroup in every profile, with no warning', () => {
    for (const profile of ['all', 'tree'] as const) {
      const s = scanSync({ root, profile });
      const flat: CgroupNode[] = [];
      const stack = [s.hierarchies[0]!.root];
      while (stack.length) {
        const n = stack.pop()!;
        flat.push(n);
        for (const c of n.children) stack.push(c);
      }
      expect(flat.find((n) => n.path === `/kubepods/${name}`)?.pids, profile).toEqual([8]);
      if (profile === 'all') expect(s.processes.find((p) => p.pid === 8)?.cgroups.unified).toBe(`/kubepods/${name}`);
      expect(
        s.warnings.map((w) => w.message),
        profile,
      ).toEqual([]);
    }
  });

  it('round-trips through snapshot JSON', () => {
    const s = scanSync({ root });
    const back = JSON.parse(JSON.stringify(s)) as typeof s;
    expect(back.processes.find((p) => p.pid === 8)?.cgroups.unified).toBe(`/kubepods/${name}`);
    expect(JSON.stringify(s)).toContain('\\udcff\\udcfe');
  });
});

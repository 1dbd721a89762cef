/**
 * Live, as root: the write side of `nsview capture` and `snapshot -o` against hostile input
 * and failing disks, with the built CLI.
 * - A capture root whose mountinfo lists mount points with `..` (the issue's
 *   `/../../../../sys/fs/cgroup/pids/x`, and ones a link inside the root lets climb back in)
 *   aimed at the host's real cgroupfs and at a directory outside: `capture --root` skips
 *   them (`EXDEV`, listed with -v), no cgroup appears, nothing appears outside; under
 *   strace every write lands in the destination and every open in the root, the
 *   destination or node's own files (RESOLVED paths: the fd strace saw opened, or the path's
 *   directory resolved by the kernel after the run), and every file it creates is opened
 *   `O_CREAT|O_EXCL|O_NOFOLLOW`.
 * - A link planted in the destination during the run (strace holds the `mkdir` of a process
 *   directory for a moment while a watcher swaps it for a link): the capture stops with one
 *   line and nothing lands where the link points.
 * - A destination under /proc ends at once (it used to loop for ever) and one under cgroupfs
 *   is refused before a cgroup is made.
 * - ENOSPC (a tiny tmpfs), EROFS (a read-only tmpfs) and EPERM (an immutable directory),
 *   each in a private mount namespace (`unshare --mount`, gone when the run ends): one line
 *   naming the path, exit 1, the partial capture removed; `snapshot -o` on a full tmpfs
 *   leaves no truncated file and no temporary file, and an old snapshot whole.
 * - `--from /dev/zero` is refused at the snapshot budget (it used to read until memory ran out).
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeScenarioCapture } from '../helpers/capture-dir.js';
import {
  describeRun,
  parseStrace,
  plainEnv,
  run,
  stackTrace,
  straceStatus,
  under,
  worldReadableBuild,
  workClock,
  WRITE_FLAGS,
  type Build,
  type FileEvent,
  type RunResult,
} from '../helpers/cli.js';
import { cgroupHierarchies, liveStatus, which } from '../helpers/lab.js';

const live = liveStatus(['mount', 'chattr']);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const strace = live.ok ? straceStatus() : { reason: live.reason };
/** A run that takes longer than this has hung. */
const HANG_MS = 15_000;

if (!live.ok) {
  console.warn(`live tests skipped: hostile writes need Linux as root (mounts, cgroupfs): ${live.reason}`);
  describe('live: hostile writes', () => {
    it.skip(`hostile writes need Linux as root: ${live.reason}`, () => undefined);
  });
}
if (live.ok && !strace.path) console.warn(`hostile writes: no strace check: ${strace.reason}`);

const TRACE = [
  '?open',
  'openat',
  '?openat2',
  '?creat',
  'readlink',
  '?readlinkat',
  '?mkdir',
  'mkdirat',
  '?rmdir',
  '?unlink',
  'unlinkat',
  '?rename',
  '?renameat',
  '?renameat2',
  '?link',
  '?linkat',
  '?symlink',
  'symlinkat',
  '?truncate',
  '?ftruncate',
  'write',
  '?pwrite64',
  '?writev',
  '?pwritev',
  '?pwritev2',
  '?chmod',
  '?fchmod',
  '?fchmodat',
  '?utimensat',
].join(',');
const OPEN = /^(open|openat|openat2|creat)$/;
const FD_WRITE = /^(write|pwrite64|writev|pwritev2?|ftruncate|fchmod)$/;
const PATH_WRITE = /^(mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat2?|link|linkat|symlink|symlinkat|truncate|chmod|fchmodat|utimensat)$/;

/**
 * Where `p` really is now, as the kernel resolves it: its deepest existing ancestor by
 * `realpath(3)` (links followed, `..` after them), the rest of the names appended.
 */
function resolved(p: string): string {
  let head = p;
  let rest = '';
  for (;;) {
    try {
      const real = fs.realpathSync.native(head);
      return real === '/' ? rest || '/' : real + rest;
    } catch {
      const cut = head.lastIndexOf('/');
      if (cut <= 0) return p;
      rest = head.slice(cut) + rest;
      head = head.slice(0, cut);
    }
  }
}

/** Where a traced call landed: the file the kernel opened (strace -y), else its path resolved now. */
const landing = (e: FileEvent): string => e.real ?? resolved(e.path);

/** Writes (opens for writing, fd writes to files, mkdir, unlink, rename, link, chmod…) that landed outside every directory of `inside`. */
function writesOutside(events: FileEvent[], inside: string[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    let where: string | undefined;
    if (OPEN.test(e.syscall)) {
      if (e.syscall !== 'creat' && !WRITE_FLAGS.test(e.flags ?? '')) continue;
      where = landing(e);
    } else if (FD_WRITE.test(e.syscall)) {
      if (!e.real?.startsWith('/') || /^\/dev\/(null|pts\/|tty)/.test(e.real)) continue; // pipes (stdout, stderr), the terminal
      where = e.real;
    } else if (PATH_WRITE.test(e.syscall)) {
      where = resolved(e.path);
    } else continue;
    if (!inside.some((d) => under(where, d))) out.push(`${e.syscall} ${e.path} lands on ${where}${e.failed ? ' (failed)' : ''}: ${e.line}`);
  }
  return [...new Set(out)];
}

/** Opens and readlinks outside `inside` that are not node's own (`baseline`, from a clean run) nor the build's. */
function readsOutside(events: FileEvent[], inside: string[], baseline: Set<string>, allowed: string[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (!OPEN.test(e.syscall) && !/^readlink(at)?$/.test(e.syscall)) continue;
    if (WRITE_FLAGS.test(e.flags ?? '')) continue;
    // readlink of the process's own descriptors: the kernel saying where a file nsview opened is.
    if (/^\/proc\/(self|\d+)\/fd\/\d+$/.test(e.path)) continue;
    const where = landing(e);
    if (inside.some((d) => under(where, d) || under(d, e.path))) continue;
    if (baseline.has(e.path) || allowed.some((d) => under(where, d) || under(e.path, d))) continue;
    out.push(`${e.syscall} ${e.path}${where !== e.path ? ` (lands on ${where})` : ''}${e.failed ? ' (failed)' : ''}`);
  }
  return [...new Set(out)];
}

/** stderr as lines; every one nsview's own, no stack trace. */
function stderrLines(r: RunResult): string[] {
  expect(stackTrace(r.stderr), describeRun(r)).toBeUndefined();
  const lines = r.stderr === '' ? [] : r.stderr.replace(/\n$/, '').split('\n');
  for (const l of lines) expect(l, describeRun(r)).toMatch(/^nsview: \S/);
  return lines;
}

/** A run that ended by itself with `status` and one line on stderr matching `what`. */
function expectOneLineError(r: RunResult, status: number, what: RegExp | string): void {
  expect(r.timedOut, `hung: ${describeRun(r)}`).toBe(false);
  expect(r.status, describeRun(r)).toBe(status);
  const lines = stderrLines(r);
  expect(lines, describeRun(r)).toHaveLength(1);
  if (typeof what === 'string') expect(lines[0]).toContain(what);
  else expect(lines[0]).toMatch(what);
  expect(r.stdout).toBe('');
}

describe.skipIf(!live.ok)('live: hostile writes (capture, snapshot -o, --from)', () => {
  let build: Build;
  let clock: ReturnType<typeof workClock> | undefined;
  let tmp: string;
  let clean: string;
  const tag = `nsview-hostile-write-${randomBytes(6).toString('hex')}`;
  /** Real cgroup directories a hostile capture aims at; none may ever exist (removed in afterAll if one does). */
  const cgroupTargets: string[] = [];
  let hierarchy: string;
  let baseline: Set<string>;
  let allowed: string[];
  const figures: string[] = [];

  /** Run the CLI, under full strace when there is one (log parsed and removed). */
  async function nsview(args: string[], label: string, traced = true): Promise<{ r: RunResult; events: FileEvent[] }> {
    const argv = [process.execPath, build.cli, ...args];
    if (!traced || !strace.path) return { r: await run(argv, { env: plainEnv(), timeoutMs: HANG_MS, cwd: tmp }), events: [] };
    const log = nodePath.join(tmp, `strace-${label}.txt`);
    const r = await run([strace.path, '-f', '-qq', '-y', '-o', log, '-e', `trace=${TRACE}`, ...argv], { env: plainEnv(), timeoutMs: HANG_MS, cwd: tmp });
    const events = fs.existsSync(log) ? parseStrace(fs.readFileSync(log, 'utf8')) : [];
    fs.rmSync(log, { force: true });
    return { r: { ...r, argv }, events };
  }

  /**
   * Run `script` (sh) in a private mount namespace, with `$CLI` the nsview command, `$MNT` a
   * directory to mount on and `$OUT` a directory for results; what is mounted there is gone
   * when the script ends. Returns the files the script left in `$OUT`.
   */
  async function inMountNs(label: string, script: string): Promise<{ r: RunResult; out: (name: string) => string }> {
    const mnt = nodePath.join(tmp, `mnt-${label}`);
    const out = nodePath.join(tmp, `out-${label}`);
    fs.mkdirSync(mnt);
    fs.mkdirSync(out);
    const env = plainEnv({ CLI: `${process.execPath} ${build.cli}`, MNT: mnt, OUT: out, CLEAN: clean, STRACE: strace.path ?? '', TRACE });
    const r = await run(['unshare', '--mount', '--propagation', 'private', 'sh', '-ec', script], { env, timeoutMs: HANG_MS * 2, cwd: tmp });
    expect(r.timedOut, `hung: ${describeRun(r)}`).toBe(false);
    expect(fs.readdirSync(mnt), `${mnt} is empty outside the namespace (the tmpfs was private)`).toEqual([]);
    return { r, out: (name) => (fs.existsSync(nodePath.join(out, name)) ? fs.readFileSync(nodePath.join(out, name), 'utf8') : '') };
  }

  beforeAll(async () => {
    clock = workClock();
    build = worldReadableBuild(repo);
    tmp = fs.realpathSync(fs.mkdtempSync('/tmp/nsview-hostile-write-'));
    clean = nodePath.join(tmp, 'clean');
    writeScenarioCapture('k8s-seed-pod', clean);
    const hs = cgroupHierarchies();
    hierarchy = (hs.find((h) => h.key === 'pids') ?? hs[0])!.mountPoint;
    allowed = [build.dir, fs.realpathSync(nodePath.join(repo, 'node_modules'))];
    // node's own files: what a clean capture opens outside its root and destination.
    baseline = new Set();
    const dest = nodePath.join(tmp, 'clean-dest');
    const { r, events } = await nsview(['capture', '--root', clean, dest], 'clean');
    expect(r.status, describeRun(r)).toBe(0);
    for (const e of events) if (!under(e.path, clean) && !under(e.path, dest)) baseline.add(e.path);
  }, 180_000);

  afterAll(() => {
    // Only an old nsview writes these: remove what it made, deepest first, and say so.
    for (const t of cgroupTargets) {
      if (!fs.existsSync(t)) continue;
      console.warn(`hostile-write: removing ${t}, which nsview made in cgroupfs`);
      const dirs: string[] = [];
      const walk = (d: string): void => {
        dirs.push(d);
        for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(nodePath.join(d, e.name));
      };
      walk(t);
      for (const d of dirs.reverse()) fs.rmdirSync(d);
    }
    if (figures.length) console.log(`hostile writes:\n  ${figures.join('\n  ')}`);
    if (clock) console.log(clock.report('hostile-write.test.ts'));
    build?.remove();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    expect(fs.existsSync(tmp ?? ''), 'temp dir removed').toBe(false);
  });

  it('mount points with `..` aimed at cgroupfs and outside: skipped; nothing written or read outside the root and the destination (strace, resolved paths)', async () => {
    const root = nodePath.join(tmp, 'hostile');
    const dest = nodePath.join(tmp, 'hostile-dest');
    const outside = nodePath.join(tmp, 'outside');
    fs.mkdirSync(outside);
    writeScenarioCapture('k8s-seed-pod', root);
    const cgA = `${hierarchy}/${tag}-a`;
    const cgB = `${hierarchy}/${tag}-b`;
    cgroupTargets.push(cgA, cgB);
    // A chain of directories inside the root, deeper than the destination, and a link to its end:
    // from the link, as many `..` as the chain is deep are the root again for the kernel, while
    // joined on the destination as text they climb out of it.
    const chain = ['chain', ...Array.from({ length: dest.split('/').length + 4 }, (_, i) => `d${i}`)];
    fs.mkdirSync(nodePath.join(root, ...chain), { recursive: true });
    fs.symlinkSync(`../../../${chain.join('/')}`, nodePath.join(root, 'sys/fs/cgroup/deep'));
    const climb = (target: string): string => `/sys/fs/cgroup/deep/${'../'.repeat(chain.length)}${target.slice(1)}`;
    const points = ['/..'.repeat(8) + cgA, climb(cgB), climb(`${outside}/cg`)];
    for (const t of [cgA, cgB, `${outside}/cg`]) {
      fs.mkdirSync(nodePath.join(root, t), { recursive: true });
      fs.writeFileSync(nodePath.join(root, t, 'pids.max'), 'max\n');
      fs.writeFileSync(nodePath.join(root, t, 'cgroup.procs'), '');
    }
    // Each a hierarchy of its own (a named one), so none hides another.
    fs.appendFileSync(
      nodePath.join(root, 'proc/self/mountinfo'),
      points.map((p, i) => `${90 + i} 23 0:${90 + i} / ${p} rw,relatime - cgroup cgroup rw,name=${tag}-${i}\n`).join(''),
    );

    const { r, events } = await nsview(['capture', '-v', '--root', root, dest], 'hostile');
    expect(fs.existsSync(cgA) || fs.existsSync(cgB), `a cgroup was made in ${hierarchy}`).toBe(false);
    expect(fs.readdirSync(outside), `something was written in ${outside}`).toEqual([]);
    expect(r.timedOut, describeRun(r)).toBe(false);
    expect(r.status, describeRun(r)).toBe(0);
    const lines = stderrLines(r);
    for (const p of points) expect(lines, describeRun(r)).toContain(`nsview: skipped ${p} (EXDEV)`);
    expect(fs.existsSync(nodePath.join(dest, 'nsview-capture.json')), 'the rest was captured').toBe(true);
    figures.push(`capture of a hostile mountinfo: exit ${r.status} in ${r.ms} ms, ${points.length} mount points skipped`);
    if (!strace.path) return;
    expect(events.length, `strace saw ${describeRun(r)}`).toBeGreaterThan(0);
    const inside = [fs.realpathSync(dest)];
    expect(writesOutside(events, inside), 'writes outside the destination').toEqual([]);
    expect(readsOutside(events, [fs.realpathSync(root), ...inside], baseline, allowed), 'opens outside the root and the destination').toEqual([]);
    const creates = events.filter((e) => OPEN.test(e.syscall) && /\bO_CREAT\b/.test(e.flags ?? ''));
    expect(creates.length, 'strace saw the files created').toBeGreaterThan(10);
    expect(
      creates.filter((e) => !/\bO_EXCL\b/.test(e.flags ?? '') || !/\bO_NOFOLLOW\b/.test(e.flags ?? '')).map((e) => e.line),
      'files created without O_EXCL|O_NOFOLLOW',
    ).toEqual([]);
    figures.push(`strace: ${events.length} calls, ${creates.length} files created O_CREAT|O_EXCL|O_NOFOLLOW, all in the destination`);
  });

  (strace.path ? it : it.skip)(
    `the strace check has teeth: a shell writing through a link in a directory is flagged where it lands${strace.path ? '' : ` (skipped: ${strace.reason})`}`,
    async () => {
      const dir = nodePath.join(tmp, 'control');
      const away = nodePath.join(tmp, 'control-away');
      fs.mkdirSync(dir);
      fs.mkdirSync(away);
      fs.symlinkSync(away, nodePath.join(dir, 'link'));
      const log = nodePath.join(tmp, 'strace-control.txt');
      const r = await run(
        [strace.path as string, '-f', '-qq', '-y', '-o', log, '-e', `trace=${TRACE}`, 'sh', '-c', `echo x >'${dir}/link/file'; mkdir '${dir}/link/sub'`],
        { cwd: tmp },
      );
      expect(r.status, describeRun(r)).toBe(0);
      const flagged = writesOutside(parseStrace(fs.readFileSync(log, 'utf8')), [dir]);
      expect(
        flagged.some((f) => f.includes(`lands on ${away}/file`)),
        flagged.join('\n'),
      ).toBe(true);
      expect(
        flagged.some((f) => f.includes(`lands on ${away}/sub`)),
        flagged.join('\n'),
      ).toBe(true);
    },
  );

  (strace.path ? it : it.skip)(
    `a link planted in the destination during the run (a process directory swapped for a link): one line, nothing written where it points${strace.path ? '' : ` (skipped: ${strace.reason})`}`,
    async () => {
      const dest = nodePath.join(tmp, 'planted-dest');
      const victim = nodePath.join(tmp, 'victim');
      fs.mkdirSync(victim);
      const dir = `${dest}/proc/5001`;
      // strace holds nsview's mkdir of proc/5001 for 1.5 s after the kernel made it; meanwhile the
      // watcher moves the directory away and puts a link to the victim in its place.
      const log = nodePath.join(tmp, 'strace-planted.txt');
      const argv = [
        strace.path as string,
        '-f',
        '-qq',
        '-o',
        log,
        '-P',
        dir,
        '-e',
        'trace=mkdir,mkdirat',
        '-e',
        'inject=mkdir,mkdirat:delay_exit=1500000',
        process.execPath,
        build.cli,
        'capture',
        '--root',
        clean,
        dest,
      ];
      const watch = `while [ ! -d '${dir}' ]; do sleep 0.01; done; mv '${dir}' '${dir}.moved'; ln -s '${victim}' '${dir}'`;
      const [r, w] = await Promise.all([run(argv, { env: plainEnv(), timeoutMs: HANG_MS, cwd: tmp }), run(['sh', '-c', watch], { timeoutMs: HANG_MS })]);
      expect(w.status, `the watcher swapped ${dir}: ${describeRun(w)}`).toBe(0);
      expect(fs.readFileSync(log, 'utf8'), 'strace held the mkdir').toContain('(DELAYED)');
      expect(fs.readdirSync(victim), 'written through the planted link').toEqual([]);
      expectOneLineError({ ...r, argv: argv.slice(-5) }, 1, `nsview: ${dir}: became a link or a file during the capture`);
      figures.push(`planted link: exit ${r.status} in ${r.ms} ms`);
    },
  );

  it('a destination under /proc ends at once with one line (it used to loop for ever)', async () => {
    const { r } = await nsview(['capture', '--root', clean, `/proc/${tag}/capture`], 'proc', false);
    expectOneLineError(r, 2, `nsview: /proc/${tag}/capture: /proc is on procfs, a kernel file system, not storage`);
    expect(r.ms).toBeLessThan(5000);
    figures.push(`capture under /proc: exit ${r.status} in ${r.ms} ms`);
  });

  it('a destination under cgroupfs is refused before a cgroup is made', async () => {
    const dest = `${hierarchy}/${tag}-dest`;
    cgroupTargets.push(dest);
    const { r } = await nsview(['capture', '--root', clean, dest], 'cgroupfs', false);
    expect(fs.existsSync(dest), `${dest} was made`).toBe(false);
    expectOneLineError(r, 2, new RegExp(`^nsview: ${dest}: ${hierarchy} is on cgroup(fs|2), a kernel file system`));
  });

  it('ENOSPC (a 64 KiB tmpfs): one line naming the file, exit 1, the partial capture removed; strace: nothing written outside it', async () => {
    const { r, out } = await inMountNs(
      'enospc',
      `
      mount -t tmpfs -o size=64k nsview-full "$MNT"
      rc=0; if [ -n "$STRACE" ]; then "$STRACE" -f -qq -y -o "$OUT/strace" -e trace="$TRACE" $CLI capture --root "$CLEAN" "$MNT/capture" 2>"$OUT/err" || rc=$?
      else $CLI capture --root "$CLEAN" "$MNT/capture" 2>"$OUT/err" || rc=$?; fi
      echo $rc >"$OUT/rc"; ls -A "$MNT" >"$OUT/ls"`,
    );
    expect(r.status, describeRun(r)).toBe(0);
    expect(out('rc').trim(), out('err')).toBe('1');
    expect(out('err')).toMatch(
      new RegExp(
        `^nsview: cannot write ${tmp}/mnt-enospc/capture/\\S+: no space left on device \\(ENOSPC\\); removed the partial capture ${tmp}/mnt-enospc/capture\\n$`,
      ),
    );
    expect(out('ls'), 'left on the full file system').toBe('');
    if (strace.path) {
      const events = parseStrace(out('strace'));
      expect(events.length).toBeGreaterThan(0);
      // The tmpfs is gone now: resolve by the path under the mount point, which is a plain directory.
      expect(
        writesOutside(events, [`${tmp}/mnt-enospc/capture`, `${tmp}/out-enospc/err`]),
        'writes outside the destination (and the file stderr went to)',
      ).toEqual([]);
      expect(
        events.some((e) => /^(unlink|unlinkat|rmdir)$/.test(e.syscall)),
        'it removed what it wrote',
      ).toBe(true);
    }
    figures.push(`ENOSPC: ${out('err').trim()}`);
  });

  it('EROFS (a read-only tmpfs) and EPERM (an immutable directory): one line naming the path, exit 1, nothing left', async () => {
    const { r, out } = await inMountNs(
      'erofs',
      `
      mount -t tmpfs -o size=1m nsview-rw "$MNT"
      mkdir "$MNT/locked" "$MNT/ro"; chattr +i "$MNT/locked"
      mount -t tmpfs -o ro,size=64k nsview-ro "$MNT/ro"
      rc=0; $CLI capture --root "$CLEAN" "$MNT/ro/capture" 2>"$OUT/err-ro" || rc=$?; echo $rc >"$OUT/rc-ro"
      rc=0; $CLI capture --root "$CLEAN" "$MNT/locked/capture" 2>"$OUT/err-perm" || rc=$?; echo $rc >"$OUT/rc-perm"
      ls -A "$MNT/ro" >"$OUT/ls-ro"; ls -A "$MNT/locked" >"$OUT/ls-perm"; chattr -i "$MNT/locked"`,
    );
    expect(r.status, describeRun(r)).toBe(0);
    const m = `${tmp}/mnt-erofs`;
    expect(out('rc-ro').trim(), out('err-ro')).toBe('1');
    expect(out('err-ro')).toBe(`nsview: cannot write ${m}/ro/capture: read-only file system (EROFS); nothing was written\n`);
    expect(out('rc-perm').trim(), out('err-perm')).toBe('1');
    expect(out('err-perm')).toBe(`nsview: cannot write ${m}/locked/capture: operation not permitted (EPERM); nothing was written\n`);
    expect(out('ls-ro') + out('ls-perm'), 'left behind').toBe('');
  });

  it('snapshot -o on a full tmpfs: no truncated file, no temporary file, an old snapshot whole', async () => {
    const { r, out } = await inMountNs(
      'snap',
      `
      mount -t tmpfs -o size=64k nsview-snap "$MNT"
      echo old >"$MNT/old.json"
      head -c 53248 /dev/zero >"$MNT/filler" || true
      rc=0; $CLI snapshot --root "$CLEAN" -o "$MNT/new.json" 2>"$OUT/err-new" || rc=$?; echo $rc >"$OUT/rc-new"
      rc=0; $CLI snapshot --root "$CLEAN" -o "$MNT/old.json" 2>"$OUT/err-old" || rc=$?; echo $rc >"$OUT/rc-old"
      ls -A "$MNT" >"$OUT/ls"; cat "$MNT/old.json" >"$OUT/old"`,
    );
    expect(r.status, describeRun(r)).toBe(0);
    const m = `${tmp}/mnt-snap`;
    expect(out('rc-new').trim(), out('err-new')).toBe('1');
    expect(out('err-new')).toBe(`nsview: cannot write ${m}/new.json: no space left on device (ENOSPC); nothing was written\n`);
    expect(out('rc-old').trim(), out('err-old')).toBe('1');
    expect(out('err-old')).toBe(`nsview: cannot write ${m}/old.json: no space left on device (ENOSPC); ${m}/old.json is unchanged\n`);
    expect(out('ls')).toBe('filler\nold.json\n');
    expect(out('old')).toBe('old\n');
  });

  it('--from /dev/zero is refused at the snapshot budget, in time (it used to read until memory ran out)', async () => {
    expect(which('sh')).toBeDefined();
    // A cap on address space, so an nsview that reads without end fails instead of starving the machine.
    const r = await run(['sh', '-c', `ulimit -v 4000000; exec "${process.execPath}" "${build.cli}" pods --from /dev/zero`], {
      env: plainEnv(),
      timeoutMs: HANG_MS,
      cwd: tmp,
    });
    expectOneLineError(r, 1, 'nsview: /dev/zero: too large for a snapshot (more than 128 MiB read from a stream; a snapshot is at most 128 MiB)');
    figures.push(`--from /dev/zero: exit ${r.status} in ${r.ms} ms`);
  });
});

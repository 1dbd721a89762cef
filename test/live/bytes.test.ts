/**
 * Live: a cgroup whose name is not UTF-8 (bytes 0xff 0xfe) holding a process, in every
 * hierarchy. systemd-cgls shows it (raw bytes); nsview must show it too, escaped (`\xff\xfe`),
 * with its process, in `tree` and in `tree -c memory`, and keep it in a capture read back
 * with `--root`. Before names were kept as bytes, the cgroup and its process vanished with
 * no warning.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEscaped } from '../../lib/source/bytes.js';
import { Lab, liveStatus, poll, procStat } from '../helpers/lab.js';
import { closeLabAndBuild, privateBuild, runCli } from './oracles.js';

const live = liveStatus(['systemd-cgls']);
const repo = fileURLToPath(new URL('../../', import.meta.url));

if (!live.ok) {
  console.warn(`live tests skipped: live tests need Linux as root: ${live.reason}`);
  describe('live: a cgroup named in bytes that are not UTF-8', () => {
    it.skip(`live tests need Linux as root: ${live.reason}`, () => undefined);
  });
}

describe.skipIf(!live.ok)('live: a cgroup named in bytes that are not UTF-8', () => {
  let lab: Lab;
  let buildDir: string;
  let build: { lib: string; cli: string };
  let child: ChildProcess | undefined;
  let pid = 0;
  let start = 0;
  const prefix = `nsview-lab-bytes-${randomBytes(4).toString('hex')}-`;
  const raw = Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe])]);
  const shown = `${prefix}\\xff\\xfe`;
  const dirs: Buffer[] = [];
  const cli = (...args: string[]): string[] => [process.execPath, build.cli, ...args];

  beforeAll(async () => {
    buildDir = fs.mkdtempSync('/tmp/nsview-live-build-');
    build = privateBuild(repo, buildDir);
    lab = await Lab.open();
    for (const h of lab.hierarchies) {
      const d = Buffer.concat([Buffer.from(`${h.mountPoint}/`), raw]);
      fs.mkdirSync(d);
      dirs.push(d);
      if (h.version === 1) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          const file = Buffer.concat([d, Buffer.from(`/${f}`)]);
          if (fs.existsSync(file)) fs.writeFileSync(file, fs.readFileSync(`${h.mountPoint}/${f}`, 'utf8').trim());
        }
      }
    }
    // The shell writes itself into each hierarchy's cgroup.procs (names built with printf), then becomes sleep.
    const moves = lab.hierarchies.map((h) => `echo $$ > "${h.mountPoint}/$d/cgroup.procs" || exit 97`).join('; ');
    child = spawn('setpriv', ['--pdeathsig', 'KILL', 'sh', '-c', `d=$(printf '${prefix}\\377\\376'); ${moves}; exec sleep infinity`], { stdio: 'ignore' });
    pid = child.pid as number;
    await poll('the process in the cgroup named in bytes', () => {
      const st = procStat(pid);
      if (st?.comm !== 'sleep') return undefined;
      start = st.start;
      return fs.readFileSync(Buffer.concat([dirs[0]!, Buffer.from('/cgroup.procs')]), 'utf8').trim() === String(pid) ? true : undefined;
    });
  }, 300_000);

  afterAll(async () => {
    try {
      if (pid && procStat(pid)?.start === start) process.kill(pid, 'SIGKILL');
      await poll('the process to exit', () => (procStat(pid) && procStat(pid)?.state !== 'Z' ? undefined : true), 10_000).catch(() => undefined);
      for (const d of dirs) {
        await poll(
          `rmdir ${d.toString('latin1')}`,
          () => {
            try {
              fs.rmdirSync(d);
              return true;
            } catch (err) {
              return (err as NodeJS.ErrnoException).code === 'ENOENT' ? true : undefined;
            }
          },
          5000,
        );
      }
      expect(
        dirs.filter((d) => fs.existsSync(d)),
        'cgroups left',
      ).toEqual([]);
    } finally {
      await closeLabAndBuild(lab, buildDir);
    }
  }, 60_000);

  /** The line naming the cgroup, and the pid lines right under it. */
  function under(text: string, name: string): { found: boolean; pids: number[] } {
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes(name));
    if (at < 0) return { found: false, pids: [] };
    const pids: number[] = [];
    for (const l of lines.slice(at + 1)) {
      const m = /^[│ ]*[├└]─\s*(\d+) /.exec(l);
      if (!m) break;
      pids.push(Number(m[1]));
    }
    return { found: true, pids };
  }

  it('systemd-cgls shows it with its process (raw bytes)', () => {
    const r = spawnSync('systemd-cgls', ['--no-pager', '--full', '-a', '-k'], {
      env: { ...process.env, SYSTEMD_COLORS: '0', COLUMNS: '4000' },
      maxBuffer: 64 << 20,
    });
    expect(under(decodeEscaped(r.stdout), decodeEscaped(raw))).toEqual({ found: true, pids: [pid] });
  });

  it('nsview tree and tree -c memory show it, escaped, with its process, and no raw byte', () => {
    for (const args of [['tree', '-a', '-k', '-l'], ...(lab.hierarchies.some((h) => h.key === 'memory') ? [['tree', '-c', 'memory', '-a', '-k', '-l']] : [])]) {
      const out = runCli(cli(...args)).stdout;
      expect(under(out, shown), args.join(' ')).toEqual({ found: true, pids: [pid] });
      expect(out.includes('\ufffd'), `${args.join(' ')}: no replacement character`).toBe(false);
    }
  });

  it('nsview capture keeps the name byte for byte, and tree --root shows it', () => {
    const dest = `${buildDir}/capture`;
    runCli(cli('capture', dest));
    const copied = Buffer.concat([Buffer.from(`${dest}${lab.hierarchies[0]!.mountPoint}/`), raw, Buffer.from('/cgroup.procs')]);
    expect(fs.readFileSync(copied, 'utf8').trim()).toBe(String(pid));
    expect(under(runCli(cli('tree', '-a', '-k', '-l', '--root', dest)).stdout, shown)).toEqual({ found: true, pids: [pid] });
  });
});

/**
 * Running the nsview CLI in live tests: a private build any user can run, a
 * runner with a hard deadline (the whole process group is killed when it
 * passes), strace output parsed into file accesses, and the checks every
 * view's output must pass (no raw control character reaches the terminal,
 * no stack trace on stderr).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { privateBuild } from '../live/oracles.js';
import { which } from './lab.js';

/** A private build of lib/ and bin/ (see `privateBuild`). */
export interface Build {
  dir: string;
  cli: string;
  lib: string;
  /** Remove the build directory. */
  remove(): void;
}

/**
 * Build lib/ and bin/ into a new directory under /tmp that every user can read
 * and traverse (for runs as `nobody`), so a concurrent `npm run build` of dist/
 * cannot interfere.
 */
export function worldReadableBuild(repo: string): Build {
  const dir = fs.mkdtempSync('/tmp/nsview-live-build-');
  try {
    const b = privateBuild(repo, dir);
    const open = (p: string): void => {
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) return;
      fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) open(nodePath.join(p, e));
    };
    open(dir);
    return { dir, cli: b.cli, lib: b.lib, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** What one run printed and how it ended. */
export interface RunResult {
  argv: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  /** stdout as bytes (for the raw-byte checks) and as UTF-8 text. */
  stdoutBytes: Buffer;
  stdout: string;
  stderr: string;
  /** The deadline passed and the process group was killed. */
  timedOut: boolean;
  ms: number;
  pid: number | undefined;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Kill the process group after this long (default 10 s). */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Run a command in its own process group, with stdin closed, collecting its
 * output; when `timeoutMs` passes, SIGKILL the whole group and report
 * `timedOut`. Never rejects for the command's own failure.
 */
export function run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const [cmd, ...args] = argv as [string, ...string[]];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: options.env ?? process.env, cwd: options.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // gone already
      }
    }, timeoutMs);
    const finish = (status: number | null, signal: NodeJS.Signals | null, extra = ''): void => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        argv,
        status,
        signal,
        stdoutBytes,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extra,
        timedOut,
        ms: Date.now() - started,
        pid: child.pid,
      });
    };
    child.on('error', (e) => finish(null, null, String(e)));
    child.on('close', (code, signal) => finish(code, signal));
  });
}

/** The environment for CLI runs: no colour, no width from the caller's terminal. */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  delete env.COLUMNS;
  delete env.FORCE_COLOR;
  delete env.NSVIEW_DEBUG;
  return env;
}

/** One line describing a run, for assertion messages. */
export function describeRun(r: RunResult): string {
  const tail = (s: string): string => (s.length > 1500 ? `…${s.slice(-1500)}` : s);
  return `${r.argv.slice(1).join(' ')}: exit ${r.status ?? r.signal}${r.timedOut ? ' (timed out)' : ''} after ${r.ms} ms; stderr: ${JSON.stringify(tail(r.stderr))}`;
}

// ---------------------------------------------------------------------------
// output checks

/** A character that must never reach a terminal raw, with where it was found. */
export interface RawControl {
  offset: number;
  char: string;
  context: string;
}

// C0 (tab and CR included), DEL, C1, and the invisible direction controls (U+202E among them).
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Raw control characters in printed output: C0 but newline, DEL, C1
 * (U+0080–U+009F, which some terminals take as CSI) and bidi overrides.
 * Also reports bytes that are not valid UTF-8 (a terminal may read them as C1).
 */
export function rawControls(bytes: Buffer | string): RawControl[] {
  const out: RawControl[] = [];
  let text: string;
  if (typeof bytes === 'string') text = bytes;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      const t = bytes.toString('utf8');
      const at = t.indexOf('\ufffd');
      out.push({ offset: at, char: 'invalid UTF-8', context: JSON.stringify(t.slice(Math.max(0, at - 40), at + 40)) });
      text = t;
    }
  }
  for (const m of text.matchAll(RAW)) {
    if (out.length >= 10) break;
    const i = m.index ?? 0;
    out.push({
      offset: i,
      char: `U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
      context: JSON.stringify(text.slice(Math.max(0, i - 40), i + 40)),
    });
  }
  return out;
}

/** Signs of an uncaught error on stderr: a stack frame, or the CLI's own "unexpected error". */
export function stackTrace(stderr: string): string | undefined {
  const frame = /^\s+at .+(\(.*:\d+:\d+\)|:\d+:\d+)$/m.exec(stderr);
  if (frame) return frame[0];
  if (/unexpected error/i.test(stderr)) return 'nsview: unexpected error';
  if (/^(?:\w*Error|TypeError|RangeError):/m.test(stderr)) return 'an uncaught error name';
  return undefined;
}

/** The arguments of a live process as the kernel has them, decoded as UTF-8 (invalid bytes become U+FFFD, as nsview decodes them). */
export function realCmdline(pid: number): string[] {
  const buf = fs.readFileSync(`/proc/${pid}/cmdline`);
  if (buf.length === 0) return [];
  const text = buf.toString('utf8');
  const args = text.split('\0');
  if (args[args.length - 1] === '') args.pop();
  return args;
}

/** The kernel's name of a live process (`/proc/<pid>/comm`), decoded as UTF-8. */
export function realComm(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/comm`).toString('utf8').replace(/\n$/, '');
}

// ---------------------------------------------------------------------------
// strace

/** strace, if installed, or why not. */
export function straceStatus(): { path?: string; reason: string } {
  if (process.platform !== 'linux') return { reason: `strace is Linux-only (this is ${process.platform})` };
  const path = which('strace');
  if (!path) return { reason: 'strace is not installed (the tests install nothing)' };
  const probe = spawnSync(path, ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=openat', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.status !== 0) return { reason: `strace cannot trace here: ${(probe.stderr ?? '').trim() || String(probe.error)}` };
  return { path, reason: '' };
}

/** One traced system call that names a path. */
export interface FileEvent {
  pid: number;
  syscall: string;
  /** The path as the call named it, made absolute against its directory fd (strace -y shows the fd's path). */
  path: string;
  /** Open flags (`O_RDONLY|O_CLOEXEC`), for open calls. */
  flags?: string;
  /** Where the call really landed, as `-y` shows the fd an open returned (or the fd a write went to). */
  real?: string;
  /** The call failed (`= -1 ENOENT …`). */
  failed: boolean;
  line: string;
}

/** Undo strace's C-style string escapes (`\"`, `\\`, `\n`, `\x1b`, octal). */
function unescapeStrace(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      bytes.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = s[++i] ?? '';
    if (n === 'x') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (/[0-7]/.test(n)) {
      let j = i;
      while (j < i + 3 && /[0-7]/.test(s[j] ?? '')) j++;
      bytes.push(parseInt(s.slice(i, j), 8));
      i = j - 1;
    } else {
      const map: Record<string, number> = { n: 10, t: 9, r: 13, v: 11, f: 12, a: 7, b: 8, e: 27 };
      bytes.push(map[n] ?? n.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

const STR = '"((?:[^"\\\\]|\\\\.)*)"';
// A directory fd: AT_FDCWD or a number, with the path -y prints after it (`AT_FDCWD</tmp>`, `3</sys/fs/cgroup>`).
const DIRFD = '(?:AT_FDCWD|\\d+)(?:<((?:[^>\\\\]|\\\\.)*)>)?';
type Kind = 'path' | 'at' | 'symlinkat' | 'two' | 'twoAt' | 'write';
const PATTERNS: Array<{ re: RegExp; kind: Kind }> = [
  { re: new RegExp(`^(open|creat)\\(${STR}(?:, ([A-Z0-9_|]+))?`), kind: 'path' },
  { re: new RegExp(`^(openat|openat2)\\(${DIRFD}, ${STR}, (?:\\{flags=)?([A-Z0-9_|]+)`), kind: 'at' },
  { re: new RegExp(`^(readlinkat|mkdirat|unlinkat|fchmodat|utimensat|newfstatat|statx)\\(${DIRFD}, ${STR}`), kind: 'at' },
  { re: new RegExp(`^(symlinkat)\\(${STR}, ${DIRFD}, ${STR}`), kind: 'symlinkat' },
  { re: new RegExp(`^(readlink|mkdir|rmdir|unlink|truncate|chmod|utime|utimes|stat|lstat)\\(${STR}`), kind: 'path' },
  { re: new RegExp(`^(rename|link|symlink)\\(${STR}, ${STR}`), kind: 'two' },
  { re: new RegExp(`^(renameat|renameat2|linkat)\\(${DIRFD}, ${STR}, ${DIRFD}, ${STR}`), kind: 'twoAt' },
  { re: /^(write|pwrite64|writev|pwritev|pwritev2|ftruncate|fchmod)\((\d+)(?:<((?:[^>\\]|\\.)*)>)?/, kind: 'write' },
];
/** The result of a call: `= 3</path>` or `= -1 ENOENT (…)`. */
const RESULT = /\)\s+= (-?\d+)(?:<((?:[^>\\]|\\.)*)>)?(?: ([A-Z0-9_]+))?/;

/**
 * Parse `strace -f -y` output (one call per line, `<pid> call(args) = ret`,
 * `<unfinished ...>` and `<... resumed>` halves joined) into the paths the calls
 * name and where they landed. `-y` makes strace print each fd's path, so
 * writes, `*at` calls and the fd an open returned resolve.
 */
export function parseStrace(text: string): FileEvent[] {
  const out: FileEvent[] = [];
  const pending = new Map<number, FileEvent[]>();
  const abs = (dir: string | undefined, p: string): string => (p.startsWith('/') || dir === undefined ? p : nodePath.posix.join(unescapeStrace(dir), p));
  const finish = (events: FileEvent[], rest: string): void => {
    const r = RESULT.exec(rest);
    if (!r) return;
    const failed = Number(r[1]) < 0;
    for (const e of events) {
      e.failed = failed;
      if (r[2] !== undefined && e.real === undefined && /^open|^creat/.test(e.syscall)) e.real = unescapeStrace(r[2]);
    }
  };
  for (const line of text.split('\n')) {
    const m = /^(?:\[pid\s+)?(\d+)\]?\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const call = m[2] as string;
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(call);
    if (resumed) {
      const events = pending.get(pid);
      pending.delete(pid);
      if (events) finish(events, `)${resumed[1]}`.replace(/^\)+/, ')'));
      continue;
    }
    const events: FileEvent[] = [];
    for (const { re, kind } of PATTERNS) {
      const c = re.exec(call);
      if (!c) continue;
      const syscall = c[1] as string;
      const ev = (path: string, extra: Partial<FileEvent> = {}): FileEvent => ({ pid, syscall, path, failed: false, line, ...extra });
      switch (kind) {
        case 'path':
          events.push(ev(unescapeStrace(c[2] as string), { flags: c[3] }));
          break;
        case 'at':
          events.push(ev(abs(c[2], unescapeStrace(c[3] as string)), { flags: c[4] }));
          break;
        case 'symlinkat':
          // symlinkat(target, dirfd, linkpath): the target is text, not a file touched.
          events.push(ev(abs(c[3], unescapeStrace(c[4] as string))));
          break;
        case 'two':
          // symlink(target, linkpath): the target is text, not a file touched.
          if (syscall !== 'symlink') events.push(ev(unescapeStrace(c[2] as string)));
          events.push(ev(unescapeStrace(c[3] as string)));
          break;
        case 'twoAt':
          events.push(ev(abs(c[2], unescapeStrace(c[3] as string))), ev(abs(c[4], unescapeStrace(c[5] as string))));
          break;
        case 'write': {
          const real = c[3] === undefined ? undefined : unescapeStrace(c[3]);
          events.push(ev(real ?? `fd ${c[2]}`, { real }));
          break;
        }
      }
      break;
    }
    if (events.length === 0) continue;
    out.push(...events);
    if (/<unfinished \.\.\.>$/.test(call)) pending.set(pid, events);
    else finish(events, call);
  }
  return out;
}

/** Open flags that can change a file. */
export const WRITE_FLAGS = /\b(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)\b/;

/** Is `p` the directory `dir` or under it? */
export function under(p: string, dir: string): boolean {
  const d = dir.replace(/\/+$/, '');
  return d === '' ? p.startsWith('/') : p === d || p.startsWith(`${d}/`);
}

/** Time a live suite spends on its own work, the wait for the live-test lock left out. */
export function workClock(): { locked<T>(f: () => Promise<T>): Promise<T>; report(label: string): string } {
  const start = Date.now();
  let lock = 0;
  return {
    async locked<T>(f: () => Promise<T>): Promise<T> {
      const t = Date.now();
      try {
        return await f();
      } finally {
        lock += Date.now() - t;
      }
    },
    report: (label) =>
      `${label}: ${((Date.now() - start - lock) / 1000).toFixed(1)} s of its own work, ${(lock / 1000).toFixed(1)} s waiting for the live-test lock`,
  };
}

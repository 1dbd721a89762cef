import { describe, expect, it } from 'vitest';
import { PF_KTHREAD, parseProcStat, type ProcStat } from '../../lib/parse/proc-stat.js';

/** The 49 fields after the command, from a real `/proc/self/stat` (kernel 6.x). */
const TAIL_SELF =
  'R 3409 3409 2607 0 -1 4194304 102 0 0 0 0 0 0 0 20 0 1 0 38980 3133440 389 18446744073709551615 94618611085312 94618611105193 140729839706176 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 94618611121200 94618611122816 94619131424768 140729839708896 140729839708916 140729839708916 140729839710187 0';
const TAIL_INIT =
  'S 0 0 0 0 -1 4194560 30755 299148 0 154 39 228 734 394 10 -10 13 0 24 43118592 3157 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
const TAIL_KTHREADD =
  'S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
const TAIL_KWORKER =
  'I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
const TAIL_ZOMBIE =
  'Z 5113 5111 2607 0 -1 4227148 223 0 0 0 0 0 0 0 20 0 1 0 46144 0 0 18446744073709551615 0 0 0 0 0 0 0 16781312 2 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0';
/** The short line the test host builder writes (22 fields). */
const TAIL_SHORT = 'S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70';

const stat = (pid: number, comm: string, state: string, ppid: number, flags: number, startTime: number): ProcStat => ({
  pid,
  comm,
  state,
  ppid,
  flags,
  startTime,
});

describe('parseProcStat', () => {
  it.each<[string, string, ProcStat]>([
    ['a real process', `3411 (cat) ${TAIL_SELF}\n`, stat(3411, 'cat', 'R', 3409, 4194304, 38980)],
    ['init', `1 (systemd) ${TAIL_INIT}\n`, stat(1, 'systemd', 'S', 0, 4194560, 24)],
    ['kthreadd', `2 (kthreadd) ${TAIL_KTHREADD}\n`, stat(2, 'kthreadd', 'S', 0, 2129984, 24)],
    [
      'a kernel worker (I, slash and colon in comm)',
      `10 (kworker/0:0H-events_highpri) ${TAIL_KWORKER}\n`,
      stat(10, 'kworker/0:0H-events_highpri', 'I', 2, 69238880, 24),
    ],
    ['a zombie', `5154 (python3) ${TAIL_ZOMBIE}\n`, stat(5154, 'python3', 'Z', 5113, 4227148, 46144)],
    ['comm with spaces', `7 (tmux: server) ${TAIL_SHORT}\n`, stat(7, 'tmux: server', 'S', 1, 0, 70)],
    ['comm with ) and spaces: (a) b)', `7 (a) b) ${TAIL_SHORT}\n`, stat(7, 'a) b', 'S', 1, 0, 70)],
    ['comm that looks like fields', `7 (x) S 99 99 ) ${TAIL_SHORT}\n`, stat(7, 'x) S 99 99 ', 'S', 1, 0, 70)],
    ['comm with parentheses', `7 ((sd-pam)) ${TAIL_SHORT}\n`, stat(7, '(sd-pam)', 'S', 1, 0, 70)],
    ['comm with an open parenthesis only', `7 (a(b) ${TAIL_SHORT}\n`, stat(7, 'a(b', 'S', 1, 0, 70)],
    ['comm with a newline', `7 (a\nb) ${TAIL_SHORT}\n`, stat(7, 'a\nb', 'S', 1, 0, 70)],
    ['empty comm', `7 () ${TAIL_SHORT}\n`, stat(7, '', 'S', 1, 0, 70)],
    ['unicode comm', `7 (naïve ☃) ${TAIL_SHORT}`, stat(7, 'naïve ☃', 'S', 1, 0, 70)],
    ['no trailing newline', `7 (a) ${TAIL_SHORT}`, stat(7, 'a', 'S', 1, 0, 70)],
    ['CRLF', `7 (a) ${TAIL_SHORT}\r\n`, stat(7, 'a', 'S', 1, 0, 70)],
    ['field 22 last, with newline', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70\n', stat(7, 'a', 'S', 1, 0, 70)],
    ['trailing garbage after field 22', `7 (a) ${TAIL_SHORT} x y z`, stat(7, 'a', 'S', 1, 0, 70)],
    ['malformed flags default to 0', '7 (a) S 1 7 7 0 -1 zz 0 0 0 0 0 0 0 0 20 0 1 0 70', stat(7, 'a', 'S', 1, 0, 70)],
    ['large start time', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 9007199254740991', stat(7, 'a', 'S', 1, 0, 9007199254740991)],
    ['pid 4194304 (pid_max)', `4194304 (a) ${TAIL_SHORT}`, stat(4194304, 'a', 'S', 1, 0, 70)],
  ])('%s', (_name, text, want) => {
    expect(parseProcStat(text)).toEqual(want);
  });

  it.each<[string, string]>([
    ['empty', ''],
    ['newline only', '\n'],
    ['no parentheses', '7 a S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['no close', '7 (a S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['close before open', '7 )a( S 1'],
    ['no pid', `(a) ${TAIL_SHORT}`],
    ['blank pid', ` (a) ${TAIL_SHORT}`],
    ['pid 0', `0 (a) ${TAIL_SHORT}`],
    ['negative pid', `-7 (a) ${TAIL_SHORT}`],
    ['hex pid', `0x7 (a) ${TAIL_SHORT}`],
    ['exponent pid', `7e2 (a) ${TAIL_SHORT}`],
    ['pid past 2^53', `9007199254740993 (a) ${TAIL_SHORT}`],
    ['no space before (', `7(a) ${TAIL_SHORT}`],
    ['no space after )', '7 (a)S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['two spaces after ) (empty state)', '7 (a)  S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['nothing after )', '7 (a) '],
    ['state is a word', '7 (a) sleeping 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['state is a digit', '7 (a) 1 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['empty ppid (double space)', '7 (a) S  7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['negative ppid', '7 (a) S -1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['hex ppid', '7 (a) S 0x1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 70'],
    ['truncated before field 22', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0'],
    ['truncated after state', '7 (a) S'],
    ['start time not a number', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 soon'],
    ['start time past 2^53', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615'],
    ['start time fractional', '7 (a) S 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7.5'],
    ['tabs instead of spaces', '7\t(a)\tS\t1\t7\t7\t0\t-1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t20\t0\t1\t0\t70'],
    ['status file by mistake', 'Name:\tcat\nState:\tR (running)\n'],
  ])('%s → undefined', (_name, text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });

  it('PF_KTHREAD is set in kernel threads only', () => {
    expect(parseProcStat(`2 (kthreadd) ${TAIL_KTHREADD}`)!.flags & PF_KTHREAD).toBe(PF_KTHREAD);
    expect(parseProcStat(`10 (kworker/0:0H-events_highpri) ${TAIL_KWORKER}`)!.flags & PF_KTHREAD).toBe(PF_KTHREAD);
    expect(parseProcStat(`3411 (cat) ${TAIL_SELF}`)!.flags & PF_KTHREAD).toBe(0);
    expect(parseProcStat(`5154 (python3) ${TAIL_ZOMBIE}`)!.flags & PF_KTHREAD).toBe(0);
  });
});

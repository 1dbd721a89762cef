/** Fields nsview uses from `/proc/<pid>/stat`. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  /** Flags (field 9); `PF_KTHREAD` marks kernel threads. */
  flags: number;
  /** Start time in clock ticks after boot (field 22). */
  startTime: number;
}

/** The kernel's `PF_KTHREAD` process flag. */
export const PF_KTHREAD = 0x00200000;

/** One state letter (R, S, D, Z, T, t, X, I, P, W, K, x). */
const STATE = /^[A-Za-z]$/;

/**
 * Parse `/proc/<pid>/stat`. The command sits in parentheses and may itself
 * contain `)` and spaces, so the fields after it are found from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  let end = text.length;
  while (end > 0 && (text[end - 1] === '\n' || text[end - 1] === '\r')) end--;
  const line = text.slice(0, end);
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  // `<pid> (<comm>) <state> ...`: exactly one space on either side of the command.
  if (open < 2 || close < open || line[open - 1] !== ' ' || line[close + 1] !== ' ') return undefined;
  const pid = decimal(line.slice(0, open - 1));
  const rest = line.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const state = rest[0];
  const ppid = decimal(rest[1]);
  const flags = decimal(rest[6]);
  const startTime = decimal(rest[19]);
  if (pid === undefined || pid < 1 || state === undefined || !STATE.test(state) || ppid === undefined || startTime === undefined) return undefined;
  return { pid, comm: line.slice(open + 1, close), state, ppid, flags: flags ?? 0, startTime };
}

/** A non-negative decimal that is a safe integer (`Number()` alone would take '', ' 1', '0x1f', '1e3'). */
function decimal(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

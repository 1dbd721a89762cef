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

/**
 * Parse `/proc/<pid>/stat`. The command sits in parentheses and may itself
 * contain `)` and spaces, so the fields after it are found from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const state = rest[0];
  const ppid = Number(rest[1]);
  const flags = Number(rest[6]);
  const startTime = Number(rest[19]);
  if (!Number.isSafeInteger(pid) || !state || !Number.isSafeInteger(ppid) || !Number.isSafeInteger(startTime)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, flags: Number.isSafeInteger(flags) ? flags : 0, startTime };
}

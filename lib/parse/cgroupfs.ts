/** The files nsview reads in each cgroup directory: its processes and the limits it shows. */
export const CGROUP_FILES = ['cgroup.procs', 'memory.max', 'cpu.max', 'pids.max', 'memory.limit_in_bytes', 'cpu.cfs_quota_us', 'cpu.cfs_period_us'] as const;

/** v1 `memory.limit_in_bytes` at or above this means "no limit" (the kernel reports PAGE_COUNTER_MAX pages). */
const V1_UNLIMITED = 2 ** 62;

/** Parse a single limit value: a non-negative integer or `max`. */
export function parseMaxValue(text: string): number | 'max' | undefined {
  const t = text.trim();
  if (t === 'max') return 'max';
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : 'max';
}

/** Parse v2 `cpu.max`: `"<quota|max> <period>"`. */
export function parseCpuMax(text: string): { quota: number | 'max'; period: number } | undefined {
  const [q, p, extra] = text.trim().split(/\s+/);
  if (q === undefined || extra !== undefined) return undefined;
  const quota = parseMaxValue(q);
  const period = p === undefined ? 100000 : /^\d+$/.test(p) ? Number(p) : NaN;
  if (quota === undefined || !Number.isSafeInteger(period) || period <= 0) return undefined;
  return { quota, period };
}

/** Parse v1 `memory.limit_in_bytes`; huge values mean unlimited. */
export function parseV1Memory(text: string): number | 'max' | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  // Past 2^53 a byte count is no longer exact, and far beyond any machine's memory: unlimited.
  return n >= V1_UNLIMITED || !Number.isSafeInteger(n) ? 'max' : n;
}

/** Parse v1 `cpu.cfs_quota_us` with `cpu.cfs_period_us`; a quota of -1 means unlimited. */
export function parseV1Cpu(quotaText: string, periodText: string): { quota: number | 'max'; period: number } | undefined {
  const qt = quotaText.trim();
  const pt = periodText.trim();
  // Decimal only: `Number()` would also take '', '0x1f' and '1e5'.
  if (!/^-?\d+$/.test(qt) || !/^\d+$/.test(pt)) return undefined;
  const q = Number(qt);
  const period = Number(pt);
  if (!Number.isSafeInteger(period) || period <= 0) return undefined;
  return { quota: qt.startsWith('-') || !Number.isSafeInteger(q) ? 'max' : q, period };
}

/** Parse `cgroup.procs`: one pid per line. Returns `undefined` if a line is not a pid. */
export function parseCgroupProcs(text: string): number[] | undefined {
  const pids: number[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const n = Number(line);
    if (!/^\d+$/.test(line) || !Number.isSafeInteger(n)) return undefined;
    pids.push(n);
  }
  return pids;
}

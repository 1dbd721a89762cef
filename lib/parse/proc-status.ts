/** Fields nsview uses from `/proc/<pid>/status`. */
export interface ProcStatus {
  /** Real uid (first of the four `Uid:` values). */
  uid: number | null;
  /** `NSpid:` values, outermost pid namespace first. */
  nspid: number[] | null;
  name: string | null;
}

/** Parse `/proc/<pid>/status`; fields that are missing or malformed are `null`. */
export function parseProcStatus(text: string): ProcStatus {
  const out: ProcStatus = { uid: null, nspid: null, name: null };
  // Only three of the ~55 lines matter: look at those lines only.
  const lines: string[] = [];
  for (const key of ['Name:', 'Uid:', 'NSpid:']) {
    const at = text.startsWith(key) ? 0 : text.indexOf('\n' + key) + 1;
    if (at > 0 || text.startsWith(key)) {
      const end = text.indexOf('\n', at);
      lines.push(text.slice(at, end < 0 ? text.length : end));
    }
  }
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'Uid') {
      const uid = decimal(value.split(/\s+/)[0]);
      out.uid = uid ?? null;
    } else if (key === 'NSpid') {
      const pids = value.split(/\s+/).map(decimal);
      out.nspid = value !== '' && pids.every((p) => p !== undefined && p > 0) ? (pids as number[]) : null;
    } else if (key === 'Name') {
      // `Name:\t<comm>`: the command may start or end with spaces; the kernel escapes only `\n` and `\`.
      const name = line.slice(colon + 1);
      out.name = unescapeName(name.startsWith('\t') ? name.slice(1) : name.trimStart());
    }
  }
  return out;
}

/** A non-negative decimal that is a safe integer (`Number()` alone would take '', '0x1f', '1e3', '-0'). */
function decimal(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Undo `seq_escape_str(..., "\n\\")`: `\n` → newline, `\\` → `\`. */
function unescapeName(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([n\\])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

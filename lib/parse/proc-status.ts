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
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (key === 'Uid') {
      const uid = Number(value.split(/\s+/)[0]);
      out.uid = value !== '' && Number.isSafeInteger(uid) && uid >= 0 ? uid : null;
    } else if (key === 'NSpid') {
      const pids = value.split(/\s+/).map(Number);
      out.nspid = value !== '' && pids.every((p) => Number.isSafeInteger(p) && p > 0) ? pids : null;
    } else if (key === 'Name') {
      out.name = value;
    }
  }
  return out;
}

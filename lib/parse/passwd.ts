/** Parse `/etc/passwd` into a map from uid to user name; malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    // A decimal uid only: `Number()` would also take ' 1', '0x1f', '1e3' and '-1'.
    if (!f[0] || f[2] === undefined || !/^\d+$/.test(f[2])) continue;
    const uid = Number(f[2]);
    if (Number.isSafeInteger(uid) && !users.has(uid)) users.set(uid, f[0]);
  }
  return users;
}

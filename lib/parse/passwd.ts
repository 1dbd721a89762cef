/** Parse `/etc/passwd` into a map from uid to user name; malformed lines are skipped. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    if (f[0] && f[2] !== undefined && f[2] !== '' && Number.isSafeInteger(uid) && !users.has(uid)) users.set(uid, f[0]);
  }
  return users;
}

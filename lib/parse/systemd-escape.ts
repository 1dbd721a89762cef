/**
 * Undo systemd's unit-name escaping (`cg_unescape` and `unit_name_unescape`):
 * `\x2d` → `-`, and a leading `_` that systemd adds when a name would clash
 * with a kernel file is dropped.
 */
export function unescapeSystemd(name: string): string {
  const s = name.startsWith('_') ? name.slice(1) : name;
  if (!s.includes('\\x')) return s;
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

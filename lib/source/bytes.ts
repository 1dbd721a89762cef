/**
 * Names are bytes. Linux file names (cgroup names, mount points) need not be UTF-8; a reader
 * that decodes them with U+FFFD loses the name, and the directory cannot be opened again.
 * nsview decodes such bytes the way Python's "surrogateescape" does: each byte that is not
 * part of valid UTF-8 becomes the lone surrogate U+DC00 + byte (U+DC80–U+DCFF). Valid UTF-8
 * never decodes to a lone surrogate, so the mapping is reversible: {@link encodeEscaped}
 * gives the original bytes back, to open the file again, to write it into a capture, or to
 * show it as `\xNN` (lib/render/safe.ts). JSON carries the surrogates as `\udcNN` escapes.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as text, each byte that is not valid UTF-8 kept as U+DC00 + byte. */
export function decodeEscaped(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    return decodeSlow(bytes);
  }
}

function decodeSlow(b: Uint8Array): string {
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    let need = 0;
    let cp = 0;
    let min = 0;
    if (c < 0x80) {
      out.push(String.fromCharCode(c));
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [need, cp, min] = [1, c & 0x1f, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [need, cp, min] = [2, c & 0x0f, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [need, cp, min] = [3, c & 0x07, 0x10000];
    let ok = need > 0 && i + need < b.length;
    for (let k = 1; ok && k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (d & 0x3f);
    }
    if (ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
      out.push(String.fromCodePoint(cp));
      i += need + 1;
    } else {
      out.push(String.fromCharCode(0xdc00 + c));
      i++;
    }
  }
  return out.join('');
}

/** True if `s` holds a byte kept by {@link decodeEscaped} (a lone U+DC80–U+DCFF). */
export function hasEscapedBytes(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) return true;
  }
  return false;
}

/** The bytes {@link decodeEscaped} read `s` from: UTF-8, with each U+DC80–U+DCFF back as its byte. */
export function encodeEscaped(s: string): Buffer {
  if (!hasEscapedBytes(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const lone = c >= 0xdc80 && c <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff);
    if (!lone) continue;
    parts.push(Buffer.from(s.slice(start, i), 'utf8'), Buffer.from([c - 0xdc00]));
    start = i + 1;
  }
  parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** A path for `node:fs`: the string itself, or its bytes where it holds bytes that are not UTF-8. */
export function fsPath(s: string): string | Buffer {
  return hasEscapedBytes(s) ? encodeEscaped(s) : s;
}

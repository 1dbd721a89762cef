/**
 * A small, strict XML well-formedness checker (and parser) for the documents nsview writes:
 * an optional XML declaration, then one root element; tags balanced and properly nested;
 * attribute values quoted, names not repeated; no raw `<` and no `&` other than the five
 * predefined entities or a numeric reference to an XML character; CDATA sections, comments
 * and processing instructions; no DOCTYPE (nsview never writes one); and no control
 * characters anywhere (C0 other than tab, newline and carriage return, DEL and C1), no lone
 * surrogates, no U+FFFE or U+FFFF — stricter than XML 1.0 on DEL and C1, as nsview escapes them.
 * Linear in the length of the text; no namespaces, no validation.
 */

/** An element: its name, attributes in document order, children and text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities resolved. */
  text: string;
}

/** A well-formedness error: where and why. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const SPACE = /[ \t\r\n]*/y;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** `text` with its references resolved; throws on a raw `&` or `<`, an unknown entity, or a reference to no XML character. */
function unescape(text: string, at: number, inAttr: boolean): string {
  if (inAttr && text.includes('<')) throw new XmlError('raw < in an attribute value', at + text.indexOf('<'));
  return text.replace(/&([^;&<\s]*)(;?)/g, (m, ref: string, semi: string, i: number) => {
    if (!semi) throw new XmlError(`& not starting a reference (${JSON.stringify(m.slice(0, 12))})`, at + i);
    const num = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (num) {
      const cp = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2] as string, 10);
      const ok = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!ok) throw new XmlError(`&${ref}; refers to no XML character`, at + i);
      return String.fromCodePoint(cp);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) throw new XmlError(`unknown entity &${ref};`, at + i);
    return v;
  });
}

/** Parse `xml`, throwing an {@link XmlError} at the first thing that is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const bad = BAD_CHAR.exec(xml);
  if (bad) throw new XmlError(`control or non-XML character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}`, bad.index);
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(xml);
    if (!m) throw new XmlError('expected a name', i);
    i += m[0].length;
    return m[0];
  };
  const space = (): number => {
    SPACE.lastIndex = i;
    const n = (SPACE.exec(xml) as RegExpExecArray)[0].length;
    i += n;
    return n;
  };
  const until = (end: string, what: string): string => {
    const j = xml.indexOf(end, i);
    if (j < 0) throw new XmlError(`unterminated ${what}`, i);
    const body = xml.slice(i, j);
    i = j + end.length;
    return body;
  };
  if (xml.startsWith('<?xml ')) {
    i = 6;
    const decl = until('?>', 'XML declaration');
    if (!/^version="1\.[0-9]"( encoding="[A-Za-z][-A-Za-z0-9._]*")?( standalone="(yes|no)")? ?$/.test(decl)) throw new XmlError('malformed XML declaration', 0);
  }
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (text.includes(']]>')) throw new XmlError(']]> in text', i + text.indexOf(']]>'));
    const top = stack[stack.length - 1];
    if (top) top.text += unescape(text, i, false);
    else if (text.trim()) throw new XmlError('text outside the root element', i);
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      i += 4;
      const body = until('-->', 'comment');
      if (body.includes('--') || body.endsWith('-')) throw new XmlError('-- inside a comment', i);
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (!top) throw new XmlError('CDATA outside the root element', i);
      i += 9;
      top.text += until(']]>', 'CDATA section');
    } else if (xml.startsWith('<?', i)) {
      i += 2;
      if (/^xml[ ?]/i.test(xml.slice(i, i + 4))) throw new XmlError('XML declaration not at the start', i);
      name();
      until('?>', 'processing instruction');
    } else if (xml.startsWith('<!', i)) {
      throw new XmlError('DOCTYPE or other declaration', i);
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const n = name();
      space();
      if (xml[i] !== '>') throw new XmlError(`malformed end tag </${n}`, i);
      i++;
      const open = stack.pop();
      if (!open) throw new XmlError(`end tag </${n}> with nothing open`, i);
      if (open.name !== n) throw new XmlError(`end tag </${n}> closes <${open.name}>`, i);
    } else {
      i++;
      if (!top && root) throw new XmlError('a second root element', i);
      const el: XmlElement = { name: name(), attrs: Object.create(null) as Record<string, string>, children: [], text: '' };
      for (;;) {
        const gap = space();
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (!gap) throw new XmlError('expected space between attributes', i);
        const a = name();
        space();
        if (xml[i] !== '=') throw new XmlError(`attribute ${a} without a value`, i);
        i++;
        space();
        const q = xml[i];
        if (q !== '"' && q !== "'") throw new XmlError(`value of ${a} not quoted`, i);
        i++;
        const at = i;
        const raw = until(q, `value of ${a}`);
        if (Object.hasOwn(el.attrs, a)) throw new XmlError(`attribute ${a} repeated`, at);
        el.attrs[a] = unescape(raw, at, true);
      }
      if (top) top.children.push(el);
      else root = el;
      if (xml[i] === '>') stack.push(el);
      i += xml[i] === '>' ? 1 : 2;
    }
  }
  if (stack.length) throw new XmlError(`<${(stack[stack.length - 1] as XmlElement).name}> not closed`, xml.length);
  if (!root) throw new XmlError('no root element', xml.length);
  return root;
}

/** The well-formedness errors of `xml`: empty when it is well-formed, else the first one found. */
export function xmlErrors(xml: string): string[] {
  try {
    parseXml(xml);
    return [];
  } catch (e) {
    if (e instanceof XmlError) return [e.message];
    throw e;
  }
}

/** Every element under `el` (itself included), depth first, in document order. */
export function descendants(el: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const todo = [el];
  while (todo.length) {
    const e = todo.pop() as XmlElement;
    out.push(e);
    for (let k = e.children.length - 1; k >= 0; k--) todo.push(e.children[k] as XmlElement);
  }
  return out;
}

/** All text of `el` and its descendants, joined by newlines. */
export function allText(el: XmlElement): string {
  return descendants(el)
    .map((e) => e.text)
    .filter((t) => t)
    .join('\n');
}

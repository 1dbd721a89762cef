import { NS_TYPES, type NsType } from '../types.js';

/** The links under `/proc/<pid>/ns/`: the eight types plus the `*_for_children` ones. */
export const NS_LINK_NAMES = [...NS_TYPES, 'pid_for_children', 'time_for_children'] as const;

/** A parsed namespace link: `net:[4026531840]` → `{ type: 'net', inode: 4026531840 }`. */
export interface NsLink {
  type: string;
  inode: number;
}

const LINK = /^([a-z_]+):\[(\d+)\]$/;

/** Parse the text of a `/proc/<pid>/ns/<type>` link; `undefined` if it is not one. */
export function parseNsLink(text: string): NsLink | undefined {
  const m = LINK.exec(text.trim());
  if (!m) return undefined;
  const inode = Number(m[2]);
  if (!Number.isSafeInteger(inode)) return undefined;
  return { type: m[1] as string, inode };
}

/** True if `name` is one of the eight namespace types. */
export function isNsType(name: string): name is NsType {
  return (NS_TYPES as readonly string[]).includes(name);
}

import * as fs from 'node:fs';
import { NsviewError } from '../errors.js';
import { errorCode } from './source.js';
import { MAX_FILE_BYTES } from './source.js';

/** Read a user-named file (a snapshot) as text; throws {@link NsviewError} naming the path. */
export function readUserFile(path: string): string {
  try {
    const st = fs.statSync(path);
    if (st.isDirectory()) throw new NsviewError('unreadable-file', `${path}: is a directory`);
    if (st.size > 16 * MAX_FILE_BYTES) throw new NsviewError('unreadable-file', `${path}: too large for a snapshot (${st.size} bytes)`);
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof NsviewError) throw err;
    throw new NsviewError('unreadable-file', `cannot read ${path}: ${errorCode(err) ?? (err as Error).message}`);
  }
}

/** Write text to a user-named file; throws {@link NsviewError} naming the path. */
export function writeUserFile(path: string, text: string): void {
  try {
    fs.writeFileSync(path, text);
  } catch (err) {
    throw new NsviewError('unreadable-file', `cannot write ${path}: ${errorCode(err) ?? (err as Error).message}`);
  }
}

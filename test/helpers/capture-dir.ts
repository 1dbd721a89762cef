/**
 * Capture directories on disk for tests: a scenario fixture written out as
 * `nsview capture` lays a host out (`proc/<pid>/…`, `proc/self/mountinfo`,
 * `sys/fs/cgroup/…`, `etc/passwd`, namespace links as symbolic links), which a
 * test can then damage.
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { buildVolume } from '../helpers/volume.js';
import { loadSpec } from './host.js';

interface VolLike {
  readdirSync(path: string): Array<string | Buffer>;
  lstatSync(path: string): { isDirectory(): boolean; isSymbolicLink(): boolean };
  readlinkSync(path: string): string | Buffer;
  readFileSync(path: string): Buffer | string;
}

/** Write the scenario fixtures/scenarios/<name>.json into `dir` (created if missing) as a capture. */
export function writeScenarioCapture(name: string, dir: string): void {
  const vol = buildVolume(loadSpec(name)) as unknown as VolLike;
  const copy = (from: string): void => {
    const to = nodePath.join(dir, from);
    const st = vol.lstatSync(from);
    if (st.isSymbolicLink()) {
      fs.mkdirSync(nodePath.dirname(to), { recursive: true });
      fs.symlinkSync(String(vol.readlinkSync(from)), to);
    } else if (st.isDirectory()) {
      fs.mkdirSync(to, { recursive: true });
      for (const e of vol.readdirSync(from)) copy(nodePath.posix.join(from, String(e)));
    } else {
      fs.mkdirSync(nodePath.dirname(to), { recursive: true });
      const data = vol.readFileSync(from);
      fs.writeFileSync(to, typeof data === 'string' ? data : Buffer.from(data));
    }
  };
  copy('/');
}

/** Every regular file and symbolic link under `dir`, as paths relative to it. */
export function listTree(dir: string): { files: string[]; links: string[]; dirs: string[] } {
  const out = { files: [] as string[], links: [] as string[], dirs: [] as string[] };
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(nodePath.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) out.links.push(r);
      else if (e.isDirectory()) {
        out.dirs.push(r);
        walk(r);
      } else out.files.push(r);
    }
  };
  walk('');
  return out;
}

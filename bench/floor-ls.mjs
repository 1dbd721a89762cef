/* global process, Buffer */
/**
 * The floor of a whole `ls -J` command in Node: a plain script, no
 * dependencies, that prints what `lsns -J` prints (NS TYPE NPROCS PID USER
 * COMMAND for every namespace a process is in) reading only what that needs:
 * the eight ns/* links of every process, then status (uid) and cmdline of just
 * the lowest pid of each namespace. Not nsview: a yardstick for what the CLI
 * could cost on this machine.
 */
import * as fs from 'node:fs';

const TYPES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'time', 'user', 'uts'];
const buf = Buffer.allocUnsafe(64 * 1024);
// Read until a read returns 0: cgroupfs hands out cgroup.procs a page per read.
function read(path) {
  const fd = fs.openSync(path, 'r');
  try {
    let n = 0;
    for (let m; n < buf.length && (m = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += m;
    return buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

const pids = [];
for (const name of fs.readdirSync('/proc')) {
  const c = name.charCodeAt(0);
  if (c >= 48 && c <= 57) pids.push(Number(name));
}
pids.sort((a, b) => a - b);

// type → inode → { nprocs, pid }
const byType = TYPES.map(() => new Map());
for (const pid of pids) {
  for (let t = 0; t < TYPES.length; t++) {
    let link;
    try {
      link = fs.readlinkSync(`/proc/${pid}/ns/${TYPES[t]}`);
    } catch {
      continue;
    }
    const inode = Number(link.slice(link.indexOf('[') + 1, -1));
    const m = byType[t];
    const e = m.get(inode);
    if (e) e.nprocs++;
    else m.set(inode, { nprocs: 1, pid });
  }
}

const users = new Map();
try {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f.length > 2) users.set(Number(f[2]), f[0]);
  }
} catch {
  // uids only
}
const about = new Map();
function describe(pid) {
  let a = about.get(pid);
  if (a) return a;
  a = { user: null, command: null };
  try {
    const st = read(`/proc/${pid}/status`);
    const i = st.indexOf('\nUid:\t');
    const uid = Number(st.slice(i + 6, st.indexOf('\t', i + 6)));
    a.user = users.get(uid) ?? String(uid);
    const cmd = read(`/proc/${pid}/cmdline`);
    a.command = cmd ? cmd.replace(/\0$/, '').replaceAll('\0', ' ') : st.slice(6, st.indexOf('\n'));
  } catch {
    // gone
  }
  about.set(pid, a);
  return a;
}

const rows = [];
for (let t = 0; t < TYPES.length; t++) {
  for (const [inode, e] of byType[t]) {
    const a = describe(e.pid);
    rows.push({ ns: inode, type: TYPES[t], nprocs: e.nprocs, pid: e.pid, user: a.user, command: a.command });
  }
}
rows.sort((a, b) => a.ns - b.ns);
process.stdout.write(JSON.stringify({ namespaces: rows }, null, 2) + '\n');

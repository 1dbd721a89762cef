/* global process, Buffer */
/**
 * The floor of a whole `tree` command in Node: a plain script, no
 * dependencies, that prints the v2 cgroup tree (or `name=systemd` without one)
 * the way `systemd-cgls` does — groups, then their processes' command lines,
 * kernel threads and empty groups hidden, lines cut to 80 columns — reading
 * only what that needs: each cgroup's `cgroup.procs` and each process's
 * cmdline (stat only when the cmdline is empty, to tell kernel threads).
 * Not nsview: a yardstick for what the CLI could cost on this machine.
 */
import * as fs from 'node:fs';

const WIDTH = 80;
const PF_KTHREAD = 0x00200000;
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

let mount;
for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
  const sep = line.indexOf(' - ');
  if (sep < 0) continue;
  const left = line.slice(0, sep).split(' ');
  const right = line.slice(sep + 3).split(' ');
  if (left[3] !== '/') continue;
  if (right[0] === 'cgroup2') mount = left[4];
  else if (!mount && right[0] === 'cgroup' && right[2]?.includes('name=systemd')) mount = left[4];
}
if (!mount) throw new Error('no cgroup v2 or name=systemd hierarchy');

function command(pid) {
  try {
    const cmd = read(`/proc/${pid}/cmdline`);
    if (cmd) return cmd.replace(/\0$/, '').replaceAll('\0', ' ');
    const st = read(`/proc/${pid}/stat`);
    const close = st.lastIndexOf(')');
    const flags = Number(st.slice(close + 2).split(' ')[6]);
    if (flags & PF_KTHREAD) return null;
    return `[${st.slice(st.indexOf('(') + 1, close)}]`;
  } catch {
    return null;
  }
}

function walk(dir) {
  const procs = [];
  try {
    for (const l of read(`${dir}/cgroup.procs`).split('\n')) if (l) procs.push(Number(l));
  } catch {
    // gone
  }
  const lines = [];
  for (const pid of procs.sort((a, b) => a - b)) {
    const cmd = command(pid);
    if (cmd !== null) lines.push({ pid, cmd });
  }
  const kids = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const sub = walk(`${dir}/${e.name}`);
    if (sub) kids.push({ name: e.name, sub });
  }
  kids.sort((a, b) => (a.name < b.name ? -1 : 1));
  return lines.length || kids.length ? { lines, kids } : null;
}

const cut = (s) => (s.length > WIDTH ? s.slice(0, WIDTH - 1) + '…' : s);
const out = ['Control group /:', '-.slice'];
function render(node, prefix) {
  const w = Math.max(0, ...node.lines.map((l) => String(l.pid).length));
  const total = node.lines.length + node.kids.length;
  let i = 0;
  for (const l of node.lines) out.push(cut(`${prefix}${++i === total ? '└─' : '├─'}${String(l.pid).padStart(w)} ${l.cmd}`));
  for (const k of node.kids) {
    const last = ++i === total;
    out.push(cut(`${prefix}${last ? '└─' : '├─'}${k.name}`));
    render(k.sub, prefix + (last ? '  ' : '│ '));
  }
}
const root = walk(mount);
if (root) render(root, '');
process.stdout.write(out.join('\n') + '\n');

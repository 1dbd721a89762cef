#!/usr/bin/env node
/**
 * nsview's command line: arguments to library calls, one call per command.
 * Exit codes: 0 success (warnings included), 1 an error the user can act on,
 * 2 bad usage.
 */
import type { Argv } from 'yargs';
import type { Loaded, LoadOptions } from '../lib/cli.js';
import { isNsviewError, NsviewError } from '../lib/errors.js';
import type { NodeSnapshot } from '../lib/model/nodes.js';
import { NS_TYPES, type NsType, type Snapshot } from '../lib/model/types.js';
import { renderJson } from '../lib/render/json.js';
import { brief, safe } from '../lib/render/safe.js';
import type { RenderOptions } from '../lib/render/style.js';
// Start-up time counts (docs/performance.md, "Start-up"): only small modules are imported
// up front. yargs, the scan and each command's renderer are imported when they are needed, and
// the hottest argument sets skip yargs altogether (fastPath below). `npm run build` bundles this
// file with lib/ into one CommonJS file, dist/bin/nsview.js (package.json, build:cli): so no
// top-level await here. yargs stays outside the bundle (it reads its locale files next to its
// own modules) and is loaded from node_modules.

const VERSION = '0.1.0';

interface Global {
  root?: string;
  /** A file or directory; repeated, several (yargs gathers a repeated option into an array). */
  from?: string | string[];
  demo?: boolean;
  json?: boolean;
  color?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  width?: number;
}

/** The options of `nsview tree`, as yargs parses them (and {@link fastPath}). */
interface TreeArgs extends Global {
  cgroup?: string;
  controller?: string;
  all?: boolean;
  kernel?: boolean;
  full?: boolean;
  unit?: string;
  'user-unit'?: string;
  pod?: string;
  ns?: boolean;
}

/** The options of `nsview ls`, as yargs parses them (and {@link fastPath}). */
interface LsArgs extends Global {
  namespace?: string;
  type?: string | string[];
  task?: string;
  container?: string;
  pod?: string;
  output?: string;
  'output-all'?: boolean;
  noheadings?: boolean;
  raw?: boolean;
  notruncate?: boolean;
  'list-columns'?: boolean;
  tree?: string;
  holders?: boolean;
}

/** `leaks --exit-code` when something leaked: not 1 (an error) nor 2 (bad usage). */
const LEAKS_FOUND = 3;

const EPILOGUE = `Exit status: 0 success (warnings go to stderr; also when a reader such as
\`head\` closes the pipe early), 1 an error you can act on (unknown pid, unusable
root, malformed snapshot), 2 bad usage, 3 \`leaks --exit-code\` found something.
Try any command with --demo. Several nodes: --from n1.json --from n2.json, or --from <dir>.
Docs: docs/cli.md`;

function renderOptions(g: Global, defaultWidth: number): RenderOptions {
  if (g.width !== undefined && (!Number.isInteger(g.width) || g.width < 0)) throw new UsageError(`--width must be a whole number of columns, got "${g.width}"`);
  const env = process.env;
  let color: boolean;
  if (g.color !== undefined) color = g.color;
  else if (env.NO_COLOR) color = false;
  else if (env.FORCE_COLOR !== undefined) color = env.FORCE_COLOR !== '0';
  else color = process.stdout.isTTY === true;
  const cols = Number(env.COLUMNS);
  const width = g.width ?? (process.stdout.isTTY ? process.stdout.columns : Number.isInteger(cols) && cols > 0 ? cols : defaultWidth);
  return { color, width };
}

/**
 * A reader that stops reading (`nsview tree | head`) closes the pipe: nsview stops there
 * quietly with status 0, as a pager or `head` expects (see docs/cli.md), instead of a
 * stack trace. The same for stderr.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // A failure already decided (a pid not found) keeps its status; a closed pipe adds none.
    const pending = typeof process.exitCode === 'number' ? process.exitCode : 0;
    if (err.code === 'EPIPE') process.exit(pending);
    // Any other write error (a full disk behind `> file`): one line where it can still go, status 1.
    if (stream !== process.stderr) process.stderr.write(`nsview: cannot write the output: ${safe(err.code ?? err.message)}\n`);
    process.exit(1);
  });
}
quietOnClosedPipe(process.stdout);
quietOnClosedPipe(process.stderr);

/** Render options of a view whose lines are cut to the terminal unless `-l` asks for them whole (no width known: whole). */
function fullWidth(g: Global & { full?: boolean }): RenderOptions {
  const r = renderOptions(g, 0);
  return g.full ? { ...r, width: 0 } : r;
}

function out(text: string): void {
  process.stdout.write(text);
}

function json(value: unknown): void {
  out(renderJson(value));
}

/** How many characters of one message stderr shows; longer ones are cut in the middle. */
const LINE_CHARS = 1000;

/**
 * One line on stderr, cut short and escaped ({@link brief}). Every error,
 * warning, code and path nsview prints goes through here: a message can
 * carry text from a host, a capture or a snapshot.
 */
function say(line: string): void {
  process.stderr.write(`${brief(line, LINE_CHARS)}\n`);
}

/** Where the data of the command being run comes from, for messages. */
let where: Pick<Global, 'root' | 'from' | 'demo'> = {};

/**
 * Load what a view shows — one snapshot, or several nodes' (`--from` repeated or a directory) —
 * and report each one's warnings (over several nodes, one summary line per node).
 */
async function loadAll(g: Global, scan: LoadOptions['scan']): Promise<Loaded> {
  where = { root: g.root, from: g.from, demo: g.demo };
  const { loadViews, summariseWarnings } = await import('../lib/cli.js');
  const loaded = await loadViews({ ...where, scan });
  // A directory that held one snapshot: messages name its file.
  if (loaded.from !== undefined) where = { ...where, from: loaded.from };
  const isRoot = process.getuid?.() === 0;
  for (const { node, snapshot } of loaded.nodes ?? [{ node: undefined, snapshot: loaded.snapshot }]) {
    const summary = summariseWarnings(snapshot.warnings, isRoot, node);
    if (summary && !g.quiet) say(summary);
    if (g.verbose) for (const w of snapshot.warnings) say(`nsview: ${node === undefined ? '' : `node ${node}: `}${w.code}: ${w.message}`);
  }
  return loaded;
}

/** Load the one snapshot a command that shows one node reads (`leaks`, `snapshot`); several `--from` snapshots are bad usage. */
async function load(g: Global, scan: LoadOptions['scan'], command: string): Promise<Snapshot> {
  const loaded = await loadAll(g, scan);
  if (loaded.nodes) throw new UsageError(`${command} reads one node: --from names ${loaded.nodes.length} snapshots; give one`);
  return loaded.snapshot;
}

function pidArg(name: string, v: unknown, shown = String(v)): number {
  const text = String(v);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be a process id (a positive integer), got "${shown}"`);
  return n;
}

/**
 * A pid that may name its node (`n1:1070`, over several nodes): the pid checked now, the prefix
 * read once the nodes are known. On one node a prefix is the usage error it always was.
 */
function nodePidArg(name: string, v: unknown): string {
  const text = String(v);
  const colon = text.lastIndexOf(':');
  pidArg(name, colon > 0 ? text.slice(colon + 1) : text, text);
  return text;
}

/** `-t net -t uts`, `-t net,uts`: the namespace types asked for, checked. */
function nsTypes(given: string[] | undefined): NsType[] | undefined {
  if (given === undefined) return undefined;
  const types: NsType[] = [];
  for (const t of given.flatMap((g) => g.split(','))) {
    const type = t.trim();
    if (!(NS_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${NS_TYPES.join(', ')}, got "${type}"`);
    if (!types.includes(type as NsType)) types.push(type as NsType);
  }
  return types;
}

function inodeArg(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`a namespace is given by its inode number (as lsns and nsview ls show it), got "${v}"`);
  return n;
}

/** A process argument: a pid (checked), or a container or pod selector (looked up after the scan). */
function targetArg(name: string, v: unknown): string {
  const text = String(v);
  // No container or pod name is empty or starts with '-': such an argument is a mistyped pid.
  if (text === '' || text.startsWith('-')) throw new UsageError(`${name} must be a pid (a positive integer), a container or pod/<pod>, got "${text}"`);
  if (/^\d+$/.test(text)) pidArg(name, text);
  return text;
}

class UsageError extends Error {}

function globals(y: Argv): Argv<Global> {
  return y
    .option('root', { type: 'string', describe: 'scan a captured host tree (see `nsview capture`) instead of this host', group: 'Source:' })
    .option('from', {
      type: 'string',
      describe: 'show a saved snapshot (from `nsview snapshot`); repeat it, or name a directory of *.json snapshots, for several nodes',
      group: 'Source:',
    })
    .option('demo', { type: 'boolean', describe: 'show an embedded capture of a small Kubernetes node', group: 'Source:' })
    .option('json', { alias: 'J', type: 'boolean', describe: 'print JSON instead of text', group: 'Output:' })
    .option('color', { type: 'boolean', describe: 'colour output (default: on a terminal; NO_COLOR/FORCE_COLOR respected)', group: 'Output:' })
    .option('width', { type: 'number', describe: 'output width (default: terminal, $COLUMNS, or 80)', group: 'Output:', hidden: true })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'list every warning on stderr', group: 'Output:' })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'no summary line of warnings on stderr (-v still lists them)', group: 'Output:' })
    .option('pager', {
      type: 'boolean',
      describe: 'accepted as --no-pager for systemd-cgls habits; nsview never pages',
      group: 'Output:',
      hidden: true,
    }) as unknown as Argv<Global>;
}

/** `nsview tree`: run by yargs, or by {@link fastPath} for the argument sets it knows. */
async function treeCommand(a: TreeArgs): Promise<void> {
  const hierarchies = a.controller ? [a.controller.replace(/^systemd$/, 'name=systemd')] : 'primary';
  const loaded = await loadAll(a, { profile: 'tree', hierarchies, limits: false });
  if (loaded.nodes) return treeNodes(a, loaded.nodes);
  let snap = loaded.snapshot;
  const [{ renderTree, treeJson, unitCgroup }, { pickHierarchy }] = await Promise.all([import('../lib/render/tree.js'), import('../lib/model/cgroup-tree.js')]);
  if (a.controller && !snap.hierarchies.length) {
    // Only the asked hierarchy is walked: to name the mounted ones, read the processes' cgroup files.
    const { loadSnapshot } = await import('../lib/cli.js');
    const all = await loadSnapshot({ ...where, scan: { profile: 'leaders', namespaces: false, cgroups: true, hierarchies: 'none', limits: false } });
    snap = { ...snap, processes: all.processes };
    pickHierarchy(snap, a.controller);
  }
  const unit = a.unit ?? a['user-unit'];
  if (unit === '') throw new UsageError(`${a.unit === '' ? '--unit' : '--user-unit'} needs a unit name`);
  let cgroup = unit === undefined ? a.cgroup : unitCgroup(snap, unit, { controller: a.controller, user: userOfUnit(a) });
  if (a.pod !== undefined) {
    const { selectPod } = await import('../lib/model/select.js');
    const pod = selectPod(snap, a.pod);
    if (pod.cgroup === null) throw new NsviewError('not-found', `pod ${a.pod} has no cgroup of its own (an inferred pod): use nsview pods`);
    cgroup = pod.cgroup;
  }
  const o = { cgroup, controller: a.controller, all: a.all, kernel: a.kernel, full: a.full, ns: a.ns };
  if (a.json) json(treeJson(snap, o));
  else out(renderTree(snap, o, renderOptions(a, 80)));
}

/** `--user-unit` looks under the manager of the user running nsview; `-u` outside users' managers. */
const userOfUnit = (a: TreeArgs): number | undefined => (a.unit === undefined ? (process.getuid?.() ?? 0) : undefined);

/** `nsview tree` over several nodes: a tree per node (lib/model/nodes.ts decides what each shows). */
async function treeNodes(a: TreeArgs, nodes: NodeSnapshot[]): Promise<void> {
  const unit = a.unit ?? a['user-unit'];
  if (unit === '') throw new UsageError(`${a.unit === '' ? '--unit' : '--user-unit'} needs a unit name`);
  const [{ renderTreeNodes, treeJsonNodes }, { treesOnNodes }] = await Promise.all([import('../lib/render/tree.js'), import('../lib/model/nodes.js')]);
  const trees = treesOnNodes(nodes, { cgroup: a.cgroup, controller: a.controller, unit, user: userOfUnit(a), pod: a.pod });
  const o = { controller: a.controller, all: a.all, kernel: a.kernel, full: a.full, ns: a.ns };
  if (a.json) json(treeJsonNodes(trees, o));
  else out(renderTreeNodes(trees, o, renderOptions(a, 80)));
}

/** `nsview ls`: run by yargs, or by {@link fastPath} for the argument sets it knows. */
async function lsCommand(a: LsArgs): Promise<void> {
  const { LS_COLUMNS, lsColumns, lsJson, lsJsonNodes, renderLs, renderLsColumnList, renderLsNodes } = await import('../lib/render/ls.js');
  if (a['list-columns']) return out(renderLsColumnList());
  let columns = a['output-all'] ? LS_COLUMNS.map((c) => c.name) : a.output?.split(',').map((c) => c.trim());
  if (columns && columns.some((c) => c === '')) throw new UsageError(`--output needs column names separated by commas, got "${a.output}"`);
  if (a.holders && !(columns ?? []).some((c) => /^\+?holders$/i.test(c))) columns = columns?.length ? [...columns, 'HOLDERS'] : ['+HOLDERS'];
  const needs = lsColumns(columns).map((c) => c.needs);
  const holders = needs.includes('all') ? 'all' : needs.includes('mounts') ? 'mounts' : undefined;
  const types = nsTypes(a.type === undefined ? undefined : ([] as unknown[]).concat(a.type).map(String));
  const ns = a.namespace === undefined ? undefined : inodeArg(a.namespace);
  const tree = a.tree as 'parent' | 'owner' | 'process' | undefined;
  const o = {
    columns,
    types,
    ns,
    pid: undefined as number | undefined,
    pids: undefined as number[] | undefined,
    noHeadings: a.noheadings,
    raw: a.raw,
    noTruncate: a.notruncate,
    tree,
  };
  const task = a.task === undefined ? undefined : nodePidArg('--task', a.task);
  const select = a.container !== undefined || a.pod !== undefined;
  const cgroups = select || (columns ?? []).some((c) => /^\+?(container|pod)$/i.test(c));
  const loaded = await loadAll(a, { profile: 'leaders', cgroups, hierarchies: 'none', limits: false, holders });
  if (loaded.nodes) {
    const { lsOnNodes } = await import('../lib/model/nodes.js');
    const nodes = lsOnNodes(loaded.nodes, { ns, types, task, container: a.container, pod: a.pod });
    if (a.json) json(lsJsonNodes(nodes, o));
    else out(renderLsNodes(nodes, o, renderOptions(a, 0)));
    return;
  }
  const snap = loaded.snapshot;
  if (task !== undefined) o.pid = pidArg('--task', task);
  if (select) {
    const { selectionPids } = await import('../lib/model/select.js');
    o.pids = selectionPids(snap, { pod: a.pod, container: a.container });
  }
  if (a.json) json(lsJson(snap, o));
  else out(renderLs(snap, o, renderOptions(a, 0)));
}

/**
 * Flags {@link fastPath} reads exactly as yargs does: each token (no `=value`, no bundled
 * short flags) and the option it sets. The handlers read only the long names.
 */
const FAST_GLOBAL: Readonly<Record<string, readonly [string, boolean]>> = {
  '-J': ['json', true],
  '--json': ['json', true],
  '-v': ['verbose', true],
  '--verbose': ['verbose', true],
  '-q': ['quiet', true],
  '--quiet': ['quiet', true],
  '--color': ['color', true],
  '--no-color': ['color', false],
  '--demo': ['demo', true],
  '--no-pager': ['pager', false],
};

const FAST_COMMANDS: Readonly<Record<string, { run: (a: Record<string, unknown>) => Promise<void>; flags: Readonly<Record<string, string>> }>> = {
  tree: { run: treeCommand, flags: { '-a': 'all', '--all': 'all', '-k': 'kernel', '--kernel': 'kernel', '-l': 'full', '--full': 'full', '--ns': 'ns' } },
  ls: {
    run: lsCommand,
    flags: {
      '-n': 'noheadings',
      '--noheadings': 'noheadings',
      '-r': 'raw',
      '--raw': 'raw',
      '-u': 'notruncate',
      '--notruncate': 'notruncate',
      '-l': 'list',
      '--list': 'list',
      '-W': 'nowrap',
      '--nowrap': 'nowrap',
    },
  },
};

/**
 * The hottest argument sets, run without building yargs (importing and building it is
 * most of what `nsview ls -J` on a small node spends before its first read; see
 * docs/performance.md): `--version` alone, and `tree` or `ls` followed only by boolean
 * flags of {@link FAST_GLOBAL} and the command's own list, each at most once. Anything
 * else — a positional, a value, `--help`, a flag before the command, a repeated or unknown
 * flag — returns `undefined` and goes to yargs, which stays the parser users see: the
 * handlers get the same options yargs would give them (test/cli/fast-path.test.ts checks both paths).
 */
function fastPath(argv: readonly string[]): 'version' | (() => Promise<void>) | undefined {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return 'version';
  const command = argv[0] === undefined ? undefined : Object.hasOwn(FAST_COMMANDS, argv[0]) ? FAST_COMMANDS[argv[0]] : undefined;
  if (!command) return undefined;
  const a: Record<string, unknown> = {};
  for (const token of argv.slice(1)) {
    const own = Object.hasOwn(command.flags, token) ? command.flags[token] : undefined;
    const global = Object.hasOwn(FAST_GLOBAL, token) ? FAST_GLOBAL[token] : undefined;
    const [key, value] = own !== undefined ? [own, true] : global !== undefined ? global : [undefined, undefined];
    if (key === undefined || Object.hasOwn(a, key)) return undefined;
    a[key] = value;
  }
  return () => command.run(a);
}

/** Every other argument set: yargs parses it, prints help, usage errors, completion. */
async function parseWithYargs(): Promise<void> {
  const [{ default: yargs }, { hideBin }] = await Promise.all([import('yargs'), import('yargs/helpers')]);
  const cli = globals(yargs(hideBin(process.argv)))
    .scriptName('nsview')
    .usage(
      `nsview — what is this process, which container and pod is it in, and what does it share?\n\n` +
        `Reads /proc/*/ns/*, /proc/*/cgroup and the cgroup trees (no container-engine API) and shows\n` +
        `namespaces (like lsns), the cgroup tree (like systemd-cgls), containers, Kubernetes pods and\n` +
        `what any two processes share. Run as root for the full picture.\n\nUsage: $0 <command> [options]`,
    )
    .command(
      'tree [cgroup]',
      'the cgroup tree with its processes, containers and pods (like systemd-cgls)',
      (y) =>
        y
          .positional('cgroup', { type: 'string', describe: 'show only this cgroup and below (e.g. /kubepods.slice)' })
          .option('controller', { alias: 'c', type: 'string', describe: 'show a v1 controller tree (memory, cpu, pids, systemd…) instead of the v2 tree' })
          .option('all', { alias: 'a', type: 'boolean', describe: 'show empty cgroups too' })
          .option('kernel', { alias: 'k', type: 'boolean', describe: 'show kernel threads' })
          .option('full', { alias: 'l', type: 'boolean', describe: 'do not ellipsize lines to the width' })
          .option('unit', { alias: 'u', type: 'string', describe: 'show only the cgroup of this systemd unit (".service" if no suffix), as systemd-cgls -u' })
          .option('user-unit', { type: 'string', describe: "show only the cgroup of this unit of your user's systemd instance, as systemd-cgls --user-unit" })
          .option('pod', { type: 'string', describe: 'show only the cgroup of this pod (namespace/name, name or uid)' })
          .option('ns', { type: 'boolean', describe: 'mark how each pod shares namespaces (pod/ctr/node)' })
          .conflicts('unit', ['user-unit', 'cgroup', 'pod'])
          .conflicts('user-unit', ['cgroup', 'pod'])
          .conflicts('pod', 'cgroup')
          .example('$0 tree', 'the whole v2 tree (on a hybrid host too, as systemd-cgls)')
          .example('$0 tree /kubepods.slice --ns --demo', 'only the pods, with namespace sharing')
          .example('$0 tree -u containerd --demo', 'the cgroup of containerd.service')
          .example('$0 tree -c memory -a', 'the v1 memory controller tree with empty cgroups'),
      (a) => treeCommand(a),
    )
    .command(
      'ls [namespace]',
      'list namespaces with their processes (like lsns)',
      (y) =>
        y
          .positional('namespace', { type: 'string', describe: 'show only this namespace (its inode number, as lsns <ns>)' })
          // Not `array: true`: that would swallow the namespace argument (`-t net 4026532910`); a repeated -t still arrives as an array.
          .option('type', { alias: 't', type: 'string', describe: `only namespaces of these types (repeat or comma-separate: ${NS_TYPES.join(', ')})` })
          .option('task', { alias: 'p', type: 'string', describe: 'only the namespaces of this pid' })
          .option('container', { type: 'string', describe: 'only the namespaces of this container (name or id prefix)' })
          .conflicts('container', 'pod')
          .option('pod', { type: 'string', describe: 'only the namespaces of this pod (namespace/name, name or uid)' })
          .option('output', {
            alias: 'o',
            type: 'string',
            describe: 'columns to show, comma-separated (see --list-columns; also NODE); +COL adds to the defaults',
          })
          .option('output-all', { type: 'boolean', describe: 'show every column' })
          .option('noheadings', { alias: 'n', type: 'boolean', describe: "don't print headings" })
          .option('raw', { alias: 'r', type: 'boolean', describe: 'raw output: no alignment' })
          .option('notruncate', { alias: 'u', type: 'boolean', describe: "don't truncate text in columns" })
          .option('list', { alias: 'l', type: 'boolean', describe: 'list output (accepted as lsns -l; nsview always lists)' })
          .option('nowrap', { alias: 'W', type: 'boolean', describe: 'one line per namespace (accepted as lsns -W; nsview never wraps)' })
          .option('list-columns', { alias: 'H', type: 'boolean', describe: 'list the available columns' })
          .option('tree', {
            alias: 'T',
            type: 'string',
            choices: ['parent', 'owner', 'process'],
            describe: "a tree, as lsns -T: under the parent namespace, the owning user namespace, or the parent process's namespace",
          })
          .option('holders', {
            type: 'boolean',
            describe: 'also read what holds namespaces (nsfs mounts, open fds) and list namespaces held only that way (NPROCS 0); adds HOLDERS',
          })
          .conflicts('output-all', 'output')
          .example('$0 ls --demo', 'every namespace: NS TYPE NPROCS PID USER COMMAND')
          .example('$0 ls -t net,uts -o NS,TYPE,NPROCS,PID,CONTAINER,POD', 'network and UTS namespaces with their container and pod')
          .example('$0 ls -J', 'the JSON of `lsns -J -l`, for scripts written for lsns')
          .example('$0 ls -T parent -t pid', 'pid namespaces nested under their parents')
          .example('$0 ls --holders -t net', 'network namespaces, also those held only by a bind mount or an fd'),
      (a) => lsCommand(a),
    )
    .command(
      'pods [pod]',
      'Kubernetes pods (and pods inferred from shared namespaces): names, QoS, sandbox, containers, sharing, limits',
      (y) =>
        y
          .positional('pod', { type: 'string', describe: 'only this pod: namespace/name, name, or uid (prefix)' })
          .option('full', { alias: 'l', type: 'boolean', describe: 'do not cut the table to the width' })
          .option('svg', {
            type: 'boolean',
            describe: 'a picture of the pods (sandbox, containers, shared namespaces and volumes) as one SVG document on stdout',
          })
          .conflicts('svg', 'json')
          .example('$0 pods --demo', 'one row per pod; NET…USER columns say pod, ctr (container) or node')
          .example('$0 pods default/foo --svg --demo > foo.svg', 'a picture of pod foo, for a browser')
          .example('$0 pods --json', '{"pods":[{"node","uid","name","qos","cgroup","sandbox","containers","namespaces"}]}')
          .example('$0 pods --from snaps/', 'the pods of every node saved in snaps/*.json, with a NODE column'),
      async (a) => {
        const loaded = await loadAll(a, {});
        if (loaded.nodes) {
          const [{ podsJsonNodes, renderPodsNodes }, { podsOnNodes }] = await Promise.all([import('../lib/render/pods.js'), import('../lib/model/nodes.js')]);
          const shown = podsOnNodes(loaded.nodes, a.pod);
          if (a.svg) {
            if (shown.length > 1) throw new UsageError('--svg draws the pods of one node: name the pod as <node>:<pod>, or give one --from');
            const { renderPodsSvg } = await import('../lib/render/svg.js');
            out(renderPodsSvg(shown[0]!.snapshot));
          } else if (a.json) json(podsJsonNodes(shown));
          else out(renderPodsNodes(shown, fullWidth(a)));
          return;
        }
        let snap = loaded.snapshot;
        const [{ podsJson, renderPods }, { onlyPod }] = await Promise.all([import('../lib/render/pods.js'), import('../lib/model/select.js')]);
        if (a.pod !== undefined) snap = onlyPod(snap, a.pod);
        if (a.svg) {
          const { renderPodsSvg } = await import('../lib/render/svg.js');
          out(renderPodsSvg(snap));
        } else if (a.json) json(podsJson(snap));
        else out(renderPods(snap, fullWidth(a)));
      },
    )
    .command(
      'diff <a> <b>',
      'compare two processes: namespaces shared or distinct, cgroups, container and pod',
      (y) =>
        y
          .positional('a', { type: 'string', describe: 'first process: a pid, a container name or id prefix, or pod/<pod>', demandOption: true })
          .positional('b', { type: 'string', describe: 'second process, the same way', demandOption: true })
          .option('full', { alias: 'l', type: 'boolean', describe: 'do not cut lines to the width' })
          .example('$0 diff 1070 1090 --demo', 'two containers of one pod: share net, ipc, uts; separate mnt, pid')
          .example('$0 diff n1:1070 n2:api --from snaps/', 'over several nodes, <node>: names the node'),
      async (a) => {
        const loaded = await loadAll(a, { limits: false });
        if (loaded.nodes) {
          const [{ diffOnNodes }, { renderDiff }] = await Promise.all([import('../lib/model/nodes.js'), import('../lib/render/diff.js')]);
          const d = diffOnNodes(loaded.nodes, targetArg('<a>', a.a), targetArg('<b>', a.b));
          if (a.json) json(d);
          else out(renderDiff(d, fullWidth(a)));
          return;
        }
        const snap = loaded.snapshot;
        const [{ diff }, { renderDiff }, { selectPid }] = await Promise.all([
          import('../lib/model/diff.js'),
          import('../lib/render/diff.js'),
          import('../lib/model/select.js'),
        ]);
        const d = diff(snap, selectPid(snap, targetArg('<a>', a.a)), selectPid(snap, targetArg('<b>', a.b)));
        if (a.json) json(d);
        else out(renderDiff(d, fullWidth(a)));
      },
    )
    .command(
      'inspect <pid>',
      'everything about one process: namespaces and who shares them, cgroups, container, pod, limits',
      (y) =>
        y
          .positional('pid', { type: 'string', describe: 'a pid, a container name or id prefix, or pod/<pod> (its sandbox)', demandOption: true })
          .option('full', { alias: 'l', type: 'boolean', describe: 'do not cut lines to the width' })
          .example('$0 inspect 1040 --demo', 'a pod sandbox (pause) process')
          .example('$0 inspect pod/default/foo --demo', 'the sandbox of pod foo in namespace default'),
      async (a) => {
        const loaded = await loadAll(a, {});
        const [{ inspectProcess }, { renderInspect }, { selectPid }] = await Promise.all([
          import('../lib/model/inspect.js'),
          import('../lib/render/inspect.js'),
          import('../lib/model/select.js'),
        ]);
        const target = targetArg('<pid>', a.pid);
        // Over several nodes, `[<node>:]<selector>` on one node, and the view names it.
        const on = loaded.nodes ? (await import('../lib/model/nodes.js')).selectPidOnNodes(loaded.nodes, target) : undefined;
        const snap = on ? on.node.snapshot : loaded.snapshot!;
        const pid = on ? on.pid : selectPid(snap, target);
        if (a.json)
          json(on ? { node: on.node.node, ...inspectProcess(snap, pid, Number.MAX_SAFE_INTEGER) } : inspectProcess(snap, pid, Number.MAX_SAFE_INTEGER));
        else out(renderInspect(inspectProcess(snap, pid), fullWidth(a), on?.node.node));
      },
    )
    .command(
      'which <pid..>',
      'which container and pod each pid is in (pids from top, ss -p, nvidia-smi…), in one scan',
      (y) =>
        y
          .positional('pid', { type: 'string', array: true, describe: 'process ids (over several nodes, <node>:<pid> asks one node)', demandOption: true })
          .option('in', { type: 'string', describe: 'the pids are as seen inside this container (name or id prefix) or pod/<pod>' })
          .example('$0 which 1070 1150 500 --demo', '1150 → container … in pod …; 500 → node-level')
          .example('$0 which 1 --in api --demo', 'pid 1 inside container api, as a host pid'),
      async (a) => {
        const asks = (a.pid as string[]).map((p) => nodePidArg('<pid>', p));
        const loaded = await loadAll(a, { limits: false, volumes: false });
        const [{ which }, { whichOnNodes }, { renderWhich }] = await Promise.all([
          import('../lib/model/select.js'),
          import('../lib/model/nodes.js'),
          import('../lib/render/which.js'),
        ]);
        const answers = loaded.nodes
          ? whichOnNodes(loaded.nodes, asks, a.in)
          : which(
              loaded.snapshot,
              asks.map((p) => pidArg('<pid>', p)),
              a.in,
            );
        if (a.json) json({ pids: answers });
        else out(renderWhich(answers));
        // As lsns -p and ps -p: a pid that is not there makes the exit status 1.
        if (answers.some((x) => x.pid === null)) process.exitCode = 1;
      },
    )
    .command(
      'leaks',
      'what no live pod or container explains: namespaces held only by mounts or fds, empty pod and container cgroups, pods without a sandbox',
      (y) =>
        y
          .option('exit-code', { type: 'boolean', describe: `exit with status ${LEAKS_FOUND} when anything is found (default: 0, findings are not errors)` })
          .option('full', { alias: 'l', type: 'boolean', describe: 'do not cut lines to the width' })
          .example('$0 leaks --demo', 'a leaked CNI network namespace and an empty pod cgroup')
          .example('$0 leaks --json --exit-code', `{"leaks":[{"kind","subject","evidence"}],"skipped":[]}, status ${LEAKS_FOUND} if any`),
      async (a) => {
        const snap = await load(a, { limits: false, holders: 'all' }, 'leaks');
        const [{ findLeaks }, { renderLeaks }] = await Promise.all([import('../lib/model/leaks.js'), import('../lib/render/leaks.js')]);
        const report = findLeaks(snap);
        if (a.json) json(report);
        else out(renderLeaks(report, fullWidth(a)));
        if (a['exit-code'] && report.leaks.length) process.exitCode = LEAKS_FOUND;
      },
    )
    .command(
      'snapshot',
      'the whole model as JSON; every view reads it back with --from',
      (y) =>
        y
          .option('output', { alias: 'o', type: 'string', describe: 'write to this file instead of stdout' })
          .example('$0 snapshot -o node1.json', 'then: nsview pods --from node1.json'),
      async (a) => {
        const snap = await load(a, { holders: 'all' }, 'snapshot');
        const text = renderJson(snap, 0);
        const { writeUserFile } = await import('../lib/source/files.js');
        if (a.output) writeUserFile(a.output, text);
        else out(text);
      },
    )
    .command(
      'capture <dir>',
      'copy the files nsview reads into a directory that --root reads back, on any OS',
      (y) =>
        y
          .positional('dir', { type: 'string', describe: 'a new or empty directory', demandOption: true })
          .example('$0 capture /tmp/node1 && tar czf node1.tgz -C /tmp node1', 'then: nsview tree --root node1'),
      async (a) => {
        if (a.from || a.demo) throw new UsageError('capture reads a host (or --root), not a snapshot');
        if (process.platform !== 'linux' && a.root === undefined)
          throw new NsviewError('unusable-root', 'this system has no /proc to capture; use --root <dir>');
        const [{ captureHost }, { createFsSource }] = await Promise.all([import('../lib/read/capture.js'), import('../lib/source/fs-source.js')]);
        const r = captureHost(a.dir as string, createFsSource(a.root ?? '/'));
        say(
          `nsview: captured ${r.processes} processes, ${r.cgroups} cgroups (${r.files} files, ${r.links} links) into ${a.dir}` +
            (r.skipped.length ? `; ${r.skipped.length} skipped: unreadable or refused (-v lists them)` : ''),
        );
        if (a.verbose) for (const s of r.skipped) say(`nsview: skipped ${s}`);
      },
    )
    .command(
      'serve',
      'run as a node agent: an HTTP server with Prometheus /metrics, /snapshot, /pods, /healthz and a page of the pods at /',
      (y) =>
        y
          .option('listen', { type: 'string', default: '127.0.0.1:9717', describe: 'host:port to listen on (loopback unless you ask for another address)' })
          .option('node', { type: 'string', describe: "the node label of every series (default: the host's name)" })
          .option('min-interval', { type: 'number', default: 5, describe: 'seconds a scan is served before a request starts a new one' })
          .option('refresh', {
            type: 'number',
            default: 300,
            describe: "seconds a process's reused command line and uid may be old (0: read everything every scan)",
          })
          .option('holders', {
            type: 'string',
            choices: ['mounts', 'all', 'none'],
            default: 'mounts',
            describe: 'what else holds namespaces to read for leaks: nsfs mounts, also every fd (costly), or nothing',
          })
          .example('$0 serve', 'serve this host on http://127.0.0.1:9717/ (metrics at /metrics)')
          .example('$0 serve --root /host --listen 0.0.0.0:9717 --node "$NODE_NAME"', 'in a DaemonSet (deploy/kubernetes), the host mounted at /host')
          .example('$0 serve --demo --listen 127.0.0.1:0', 'the demo node on a free port'),
      async (a) => {
        if (a.from !== undefined) throw new UsageError('serve scans a host (this one, --root or --demo), not a snapshot');
        for (const [flag, v] of [
          ['--min-interval', a['min-interval']],
          ['--refresh', a.refresh],
        ] as const)
          if (!Number.isFinite(v) || v < 0) throw new UsageError(`${flag} must be a number of seconds (0 or more), got "${v}"`);
        if (a.node === '') throw new UsageError('--node needs a name');
        // Listen for the stop signals first: one that comes while the server starts stops it as cleanly.
        const stop = new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        const [{ scanner }, { startServer }] = await Promise.all([import('../lib/cli.js'), import('../lib/serve/server.js')]);
        const scan = await scanner({ root: a.root, demo: a.demo });
        const server = await startServer({
          scan,
          node: a.node,
          listen: a.listen,
          minInterval: a['min-interval'],
          refresh: a.refresh,
          holders: a.holders === 'none' ? false : (a.holders as 'mounts' | 'all'),
          log: a.quiet ? undefined : say,
        });
        if (!a.quiet) say(`nsview: serving node ${server.node} on ${server.url} (metrics at ${server.url}metrics); SIGTERM or Ctrl-C stops`);
        await stop;
        await server.close();
        if (!a.quiet) say('nsview: stopped');
      },
    )
    .completion('completion', 'print a bash/zsh completion script')
    .demandCommand(1, 'Name a command: tree, ls, pods, which, diff, inspect, leaks, snapshot, capture or serve.')
    .recommendCommands()
    .strict()
    .version(VERSION)
    .alias('h', 'help')
    .alias('V', 'version')
    .epilogue(EPILOGUE)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  await cli.parseAsync();
}

async function main(argv: string[]): Promise<number> {
  try {
    // NSVIEW_NO_FAST_PATH=1 sends every argument set to yargs (test/cli/fast-path.test.ts compares both paths).
    const fast = process.env.NSVIEW_NO_FAST_PATH ? undefined : fastPath(argv);
    if (fast === 'version') out(`${VERSION}\n`);
    else if (fast) await fast();
    else await parseWithYargs();
  } catch (caught) {
    // Only an error that can name where the data came from needs lib/cli.js (a usage error is printed without it).
    const err = isNsviewError(caught) && caught.relocate ? (await import('../lib/cli.js')).explain(caught, where) : caught;
    if (err instanceof UsageError) {
      say(`nsview: ${err.message}`);
      process.stderr.write(`Run 'nsview --help' for usage.\n`);
      return 2;
    }
    if (isNsviewError(err)) {
      say(`nsview: ${err.message}`);
      return err.code === 'bad-argument' ? 2 : 1;
    }
    const e = err as Error;
    say(`nsview: unexpected error: ${e.message}`);
    if (process.env.NSVIEW_DEBUG) process.stderr.write(`${String(e.stack).split('\n').map(safe).join('\n')}\n`);
    else process.stderr.write('Set NSVIEW_DEBUG=1 for details and please report it.\n');
    return 1;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}

// process.argv less node and the script, as yargs's hideBin gives it under Node.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    say(`nsview: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);

import { describe, expect, it } from 'vitest';
import { parseProcStatus, type ProcStatus } from '../../lib/parse/proc-status.js';

/** The head of a real `/proc/self/status` (kernel 6.x), tabs and all. */
const SELF = [
  'Name:\tcat',
  'Umask:\t0022',
  'State:\tR (running)',
  'Tgid:\t3412',
  'Ngid:\t0',
  'Pid:\t3412',
  'PPid:\t3409',
  'TracerPid:\t0',
  'Uid:\t1000\t1000\t1000\t1000',
  'Gid:\t1000\t1000\t1000\t1000',
  'FDSize:\t256',
  'Groups:\t ',
  'NStgid:\t3412',
  'NSpid:\t3412',
  'NSpgid:\t3409',
  'NSsid:\t2607',
  'Kthread:\t0',
  'VmPeak:\t    3060 kB',
  'Threads:\t1',
  'Cpus_allowed_list:\t0-1',
  'Mems_allowed:\t00000000,00000001',
  'voluntary_ctxt_switches:\t0',
  '',
].join('\n');

/** A process in two nested pid namespaces, with different real and effective uids. */
const NESTED = 'Name:\tnginx\nState:\tS (sleeping)\nUid:\t101\t0\t0\t0\nGid:\t101\t101\t101\t101\nNStgid:\t48211\t7\nNSpid:\t48211\t7\nNSpgid:\t48200\t1\n';
/** A zombie keeps Name, Uid and NSpid. */
const ZOMBIE =
  'Name:\tpython3\nState:\tZ (zombie)\nTgid:\t5154\nPid:\t5154\nPPid:\t5113\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t0\nGroups:\t \nNStgid:\t5154\nNSpid:\t5154\n';
/** Kernels before 4.1 have no NSpid line. */
const OLD_KERNEL = 'Name:\tbash\nState:\tS (sleeping)\nTgid:\t812\nPid:\t812\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n';

const st = (uid: number | null, nspid: number[] | null, name: string | null): ProcStatus => ({ uid, nspid, name });

describe('parseProcStatus', () => {
  it.each<[string, string, ProcStatus]>([
    ['a real file', SELF, st(1000, [3412], 'cat')],
    ['nested pid namespaces, real uid first', NESTED, st(101, [48211, 7], 'nginx')],
    ['a zombie', ZOMBIE, st(0, [5154], 'python3')],
    ['no NSpid (kernel < 4.1)', OLD_KERNEL, st(0, null, 'bash')],
    ['CRLF', 'Name:\tcat\r\nUid:\t5\t5\t5\t5\r\nNSpid:\t9\t1\r\n', st(5, [9, 1], 'cat')],
    ['no trailing newline', 'Name:\tcat\nUid:\t5\t5\t5\t5\nNSpid:\t9', st(5, [9], 'cat')],
    ['empty file', '', st(null, null, null)],
    ['garbage', '\0\0\0 not a status file', st(null, null, null)],
    ['Name with spaces (kept at both ends)', 'Name:\t a b \nUid:\t0\t0\t0\t0\n', st(0, null, ' a b ')],
    ['Name with ) and :', 'Name:\ta) b:c\n', st(null, null, 'a) b:c')],
    ['Name with escaped newline and backslash', 'Name:\t a\\\\b\\n)c \n', st(null, null, ' a\\b\n)c ')],
    ['empty Name', 'Name:\t\n', st(null, null, '')],
    ['Name without a tab', 'Name: cat\n', st(null, null, 'cat')],
    ['uid 4294967294', 'Uid:\t4294967294\t4294967294\t4294967294\t4294967294\n', st(4294967294, null, null)],
    ['uid separated by spaces', 'Uid: 7 7 7 7\n', st(7, null, null)],
    ['single uid', 'Uid:\t7\n', st(7, null, null)],
    ['empty Uid', 'Uid:\t\n', st(null, null, null)],
    ['negative uid', 'Uid:\t-1\t0\t0\t0\n', st(null, null, null)],
    ['hex uid', 'Uid:\t0x10\t0\t0\t0\n', st(null, null, null)],
    ['exponent uid', 'Uid:\t1e3\t0\t0\t0\n', st(null, null, null)],
    ['fractional uid', 'Uid:\t1.5\t0\t0\t0\n', st(null, null, null)],
    ['uid past 2^53', 'Uid:\t9007199254740993\t0\t0\t0\n', st(null, null, null)],
    ['empty NSpid', 'NSpid:\t\n', st(null, null, null)],
    ['NSpid with 0', 'NSpid:\t5\t0\n', st(null, null, null)],
    ['NSpid with a word', 'NSpid:\t5\tx\n', st(null, null, null)],
    ['NSpid negative', 'NSpid:\t-5\n', st(null, null, null)],
    ['NSpid huge', 'NSpid:\t5\t99999999999999999999\n', st(null, null, null)],
    ['NSpgid is not NSpid', 'NSpgid:\t3\nNStgid:\t4\n', st(null, null, null)],
    ['keys are case-sensitive', 'uid:\t5\nname:\tx\nnspid:\t3\n', st(null, null, null)],
    ['trailing garbage', `${SELF}\0\0garbage:::\n`, st(1000, [3412], 'cat')],
  ])('%s', (_name, text, want) => {
    expect(parseProcStatus(text)).toEqual(want);
  });
});

import { describe, expect, it } from 'vitest';
import { parseCgroupProcs, parseCpuMax, parseMaxValue, parseV1Cpu, parseV1Memory } from '../../lib/parse/cgroupfs.js';

describe('parseMaxValue (memory.max, pids.max)', () => {
  it.each<[string, number | 'max' | undefined]>([
    ['max\n', 'max'],
    ['max', 'max'],
    ['536870912\n', 536870912],
    ['0\n', 0],
    ['4194304\n', 4194304],
    ['  42  ', 42],
    ['42\r\n', 42],
    ['9007199254740991\n', 9007199254740991],
    ['9007199254740993\n', 'max'],
    ['18446744073709551615\n', 'max'],
    ['', undefined],
    ['\n', undefined],
    ['MAX', undefined],
    ['max max', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['1e9', undefined],
    ['0x10', undefined],
    ['12 34', undefined],
    ['12\n34\n', undefined],
    ['\0', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseMaxValue(text)).toEqual(want);
  });
});

describe('parseCpuMax (cpu.max)', () => {
  it.each<[string, { quota: number | 'max'; period: number } | undefined]>([
    ['max 100000\n', { quota: 'max', period: 100000 }],
    ['50000 100000\n', { quota: 50000, period: 100000 }],
    ['200000 100000\n', { quota: 200000, period: 100000 }],
    ['1000 1000\n', { quota: 1000, period: 1000 }],
    ['max\n', { quota: 'max', period: 100000 }],
    ['  50000\t100000  ', { quota: 50000, period: 100000 }],
    ['50000 100000\r\n', { quota: 50000, period: 100000 }],
    ['', undefined],
    ['\n', undefined],
    ['max 0', undefined],
    ['max -100000', undefined],
    ['max max', undefined],
    ['max 1e5', undefined],
    ['max 0x186a0', undefined],
    ['max 100000.5', undefined],
    ['max 99999999999999999999', undefined],
    ['-1 100000', undefined],
    ['50000 100000 7', undefined],
    ['half 100000', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseCpuMax(text)).toEqual(want);
  });
});

describe('parseV1Memory (memory.limit_in_bytes)', () => {
  it.each<[string, number | 'max' | undefined]>([
    ['9223372036854771712\n', 'max'],
    ['9223372036854710272\n', 'max'],
    ['4611686018427387904\n', 'max'],
    ['4611686018427387903\n', 'max'],
    ['9007199254740993\n', 'max'],
    ['9007199254740991\n', 9007199254740991],
    ['536870912\n', 536870912],
    ['0\n', 0],
    ['  4096  ', 4096],
    ['', undefined],
    ['max', undefined],
    ['-1', undefined],
    ['1e9', undefined],
    ['512M', undefined],
    ['1 2', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseV1Memory(text)).toEqual(want);
  });
});

describe('parseV1Cpu (cpu.cfs_quota_us, cpu.cfs_period_us)', () => {
  it.each<[string, string, { quota: number | 'max'; period: number } | undefined]>([
    ['-1\n', '100000\n', { quota: 'max', period: 100000 }],
    ['50000\n', '100000\n', { quota: 50000, period: 100000 }],
    ['150000\n', '100000\n', { quota: 150000, period: 100000 }],
    ['-1', '1000', { quota: 'max', period: 1000 }],
    ['-2', '100000', { quota: 'max', period: 100000 }],
    ['99999999999999999999', '100000', { quota: 'max', period: 100000 }],
    ['  50000  ', '\t100000\r\n', { quota: 50000, period: 100000 }],
    ['', '100000', undefined],
    ['-', '100000', undefined],
    ['max', '100000', undefined],
    ['1e5', '100000', undefined],
    ['50000', '', undefined],
    ['50000', '0', undefined],
    ['50000', '-100000', undefined],
    ['50000', '1e5', undefined],
    ['50000', '0x186a0', undefined],
    ['50000', '99999999999999999999', undefined],
    ['50000 1', '100000', undefined],
  ])('%j %j → %j', (quota, period, want) => {
    expect(parseV1Cpu(quota, period)).toEqual(want);
  });
});

describe('parseCgroupProcs (cgroup.procs)', () => {
  it.each<[string, number[] | undefined]>([
    ['1\n2\n3\n4\n5\n', [1, 2, 3, 4, 5]],
    ['812\n', [812]],
    ['', []],
    ['\n', []],
    ['7', [7]],
    ['7\r\n8\r\n', [7, 8]],
    ['7\n\n8\n', [7, 8]],
    ['0\n0\n9\n', [0, 0, 9]],
    ['4194304\n', [4194304]],
    ['-1\n', undefined],
    [' 7\n', undefined],
    ['7 \n', undefined],
    ['7\t8\n', undefined],
    ['0x7\n', undefined],
    ['1e3\n', undefined],
    ['9007199254740993\n', undefined],
    ['7\ngarbage\n', undefined],
    ['7\n\0', undefined],
  ])('%j → %j', (text, want) => {
    expect(parseCgroupProcs(text)).toEqual(want);
  });
});

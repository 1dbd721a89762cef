import { describe, expect, it } from 'vitest';
import { isNsType, parseNsLink } from '../../lib/parse/ns-link.js';

describe('parseNsLink', () => {
  // Real `readlink /proc/self/ns/*` output (kernel 6.x).
  it.each([
    ['cgroup:[4026531835]', 'cgroup', 4026531835],
    ['ipc:[4026531839]', 'ipc', 4026531839],
    ['mnt:[4026531832]', 'mnt', 4026531832],
    ['net:[4026531833]', 'net', 4026531833],
    ['pid:[4026531836]', 'pid', 4026531836],
    ['time:[4026531834]', 'time', 4026531834],
    ['user:[4026531837]', 'user', 4026531837],
    ['uts:[4026531838]', 'uts', 4026531838],
    ['net:[4026532281]\n', 'net', 4026532281],
    ['  pid:[1]  ', 'pid', 1],
    ['net:[0]', 'net', 0],
    ['pid_for_children:[4026531836]', 'pid_for_children', 4026531836],
    ['newtype:[42]', 'newtype', 42],
    ['net:[9007199254740991]', 'net', 9007199254740991],
  ])('%j → %s %d', (text, type, inode) => {
    expect(parseNsLink(text)).toEqual({ type, inode });
  });

  it.each([
    [''],
    ['\n'],
    ['net'],
    ['net:'],
    ['net:[]'],
    ['net:[abc]'],
    ['net:[-1]'],
    ['net:[1.5]'],
    ['net:[0x10]'],
    ['net:4026531833'],
    ['net:[4026531833'],
    ['net:[4026531833]x'],
    ['net:[4026531833] (deleted)'],
    ['NET:[4026531833]'],
    [':[4026531833]'],
    ['net :[1]'],
    ['/proc/1/ns/net'],
    ['net:[9007199254740993]'],
    ['net:[99999999999999999999999]'],
    ['anon_inode:[eventpoll]'],
    ['socket:[12345]\0'],
  ])('%j → undefined', (text) => {
    expect(parseNsLink(text)).toBeUndefined();
  });
});

describe('isNsType', () => {
  it.each([
    ['cgroup', true],
    ['ipc', true],
    ['mnt', true],
    ['net', true],
    ['pid', true],
    ['time', true],
    ['user', true],
    ['uts', true],
    ['pid_for_children', false],
    ['time_for_children', false],
    ['', false],
    ['NET', false],
    ['socket', false],
  ])('%j → %s', (name, ok) => {
    expect(isNsType(name)).toBe(ok);
  });
});

import { describe, expect, it } from 'vitest';
import { parseCmdline } from '../../lib/parse/cmdline.js';

describe('parseCmdline', () => {
  it.each<[string, string, string[]]>([
    ['empty (kernel thread, zombie)', '', []],
    ['one argument', 'cat\0', ['cat']],
    ['real sleep', 'sleep\0infinity\0', ['sleep', 'infinity']],
    ['spaces inside an argument', 'sh\0-c\0echo a b\0', ['sh', '-c', 'echo a b']],
    ['empty argument in the middle', 'printf\0\0x\0', ['printf', '', 'x']],
    ['empty last argument', 'a\0\0', ['a', '']],
    ['only a NUL', '\0', ['']],
    ['setproctitle: no trailing NUL', 'nginx: worker process', ['nginx: worker process']],
    ['setproctitle: padded', 'postgres: checkpointer   ', ['postgres: checkpointer   ']],
    ['newline inside an argument', 'a\nb\0', ['a\nb']],
    ['CRLF is data', 'a\r\n\0', ['a\r\n']],
    ['unicode', 'ëcho\0☃\0', ['ëcho', '☃']],
  ])('%s', (_name, text, args) => {
    expect(parseCmdline(text)).toEqual(args);
  });
});

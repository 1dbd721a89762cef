import { describe, expect, it } from 'vitest';
import { parsePasswd } from '../../lib/parse/passwd.js';

const REAL = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'bin:x:2:2:bin:/bin:/usr/sbin/nologin',
  'systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash',
  '',
].join('\n');

describe('parsePasswd', () => {
  it.each<[string, string, Array<[number, string]>]>([
    [
      'a real file',
      REAL,
      [
        [0, 'root'],
        [1, 'daemon'],
        [2, 'bin'],
        [998, 'systemd-network'],
        [65534, 'nobody'],
        [1000, 'alice'],
      ],
    ],
    ['empty file', '', []],
    ['no trailing newline', 'root:x:0:0::/root:/bin/sh', [[0, 'root']]],
    [
      'CRLF',
      'root:x:0:0::/root:/bin/sh\r\nbob:x:7:7::/:/bin/sh\r\n',
      [
        [0, 'root'],
        [7, 'bob'],
      ],
    ],
    ['comments and blank lines', '# users\n\nroot:x:0:0::/:/bin/sh\n#bob:x:5:5::/:/bin/sh\n', [[0, 'root']]],
    ['first entry for a uid wins', 'root:x:0:0::/:/bin/sh\ntoor:x:0:0::/:/bin/sh\n', [[0, 'root']]],
    ['NIS compat lines are skipped', '+::::::\n+alice::::::\n-bob:::\nroot:x:0:0::/:/bin/sh\n', [[0, 'root']]],
    ['uid 4294967294', 'nfsnobody:x:4294967294:4294967294::/:/sbin/nologin', [[4294967294, 'nfsnobody']]],
    ['minimal three fields', 'a::5', [[5, 'a']]],
    ['empty name', ':x:5:5::/:/bin/sh', []],
    ['empty uid', 'a:x::5::/:/bin/sh', []],
    ['too few fields', 'a:x\nb\n', []],
    ['negative uid', 'a:x:-1:0::/:/bin/sh', []],
    ['hex uid', 'a:x:0x10:0::/:/bin/sh', []],
    ['exponent uid', 'a:x:1e3:0::/:/bin/sh', []],
    ['padded uid', 'a:x: 5:0::/:/bin/sh', []],
    ['fractional uid', 'a:x:1.5:0::/:/bin/sh', []],
    ['uid past 2^53', 'a:x:9007199254740993:0::/:/bin/sh', []],
    ['trailing garbage line', 'root:x:0:0::/:/bin/sh\n\0\0\0garbage', [[0, 'root']]],
  ])('%s', (_name, text, users) => {
    expect([...parsePasswd(text)]).toEqual(users);
  });
});

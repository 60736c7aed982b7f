import { describe, expect, it } from 'vitest';
import { parseUserCsv } from '../../src/features/accounts/csv-import.js';

const hash = (cost: string, variant = '2y') => `$${variant}$${cost}$${'a'.repeat(53)}`;

describe('parsing a user CSV', () => {
  it('reads login,bcrypt-hash,isAdmin lines, skipping a header, blank lines and comments', () => {
    const text = ['login,password,isAdmin', '', '# course of 2025', `ada,${hash('10')},true`, ` bob , ${hash('05', '2b')} , no `, `cyd,${hash('12', '2a')},`].join('\r\n');
    expect(parseUserCsv(text)).toEqual({
      users: [
        { username: 'ada', passwordHash: hash('10'), isAdmin: true, line: 4 },
        { username: 'bob', passwordHash: hash('05', '2b'), isAdmin: false, line: 5 },
        { username: 'cyd', passwordHash: hash('12', '2a'), isAdmin: false, line: 6 },
      ],
      errors: [],
    });
  });

  it('reports every bad line by number, and fixes none', () => {
    const text = [
      `ada,${hash('10')},true,extra`,
      `Bad Name,${hash('10')},false`,
      'eve,plaintext,false',
      `max,${hash('15')},false`,
      `min,${hash('03')},false`,
      `odd,${hash('10')},maybe`,
      `dup,${hash('10')},1`,
      `dup,${hash('10')},0`,
    ].join('\n');
    const { users, errors } = parseUserCsv(text);
    expect(users.map((u) => u.username)).toEqual(['dup']);
    expect(errors).toEqual([
      'line 1: expected 3 fields (login,bcrypt-hash,isAdmin), found 4',
      'line 2: "Bad Name" is not a valid username (3 to 32 of a-z 0-9 _ . -)',
      'line 3: the password of "eve" is not a bcrypt hash ($2a$, $2b$ or $2y$)',
      'line 4: the bcrypt cost of "max" is 15; from 4 to 14 is accepted (each step doubles the work of every sign-in)',
      'line 5: the bcrypt cost of "min" is 3; from 4 to 14 is accepted (each step doubles the work of every sign-in)',
      'line 6: isAdmin must be true or false, not "maybe"',
      'line 8: "dup" appears twice',
    ]);
  });

  it('takes a login header only on the first line', () => {
    expect(parseUserCsv(`ada,${hash('10')},true\nlogin,${hash('10')},false`).users.map((u) => u.username)).toEqual(['ada', 'login']);
  });
});

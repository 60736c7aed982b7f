import { bcryptCost, isBcrypt, MAX_BCRYPT_COST, MIN_BCRYPT_COST } from './passwords.js';

export interface ImportedUser {
  username: string;
  passwordHash: string;
  isAdmin: boolean;
  /** Where it was in the file, for messages. */
  line: number;
}

export interface ParsedImport {
  users: ImportedUser[];
  /** One sentence per bad line, naming the line. */
  errors: string[];
}

const USERNAME = /^[a-z0-9_.-]{3,32}$/;
const FLAGS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false, '': false };

/**
 * Reads `login,bcrypt-hash,isAdmin` lines (the course's pass2csv output). Blank lines,
 * `#` comments and a `login,…` header are skipped; every problem is reported, none fixed.
 */
export function parseUserCsv(text: string): ParsedImport {
  const users: ImportedUser[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line === '' || line.startsWith('#') || (index === 0 && /^login\s*,/i.test(line))) return;
    const [username = '', passwordHash = '', admin = '', ...rest] = line.split(',').map((cell) => cell.trim());
    const isAdmin = FLAGS[admin.toLowerCase()];
    if (rest.length > 0) errors.push(`${where}: expected 3 fields (login,bcrypt-hash,isAdmin), found ${rest.length + 3}`);
    else if (!USERNAME.test(username)) errors.push(`${where}: "${username}" is not a valid username (3 to 32 of a-z 0-9 _ . -)`);
    else if (!isBcrypt(passwordHash)) errors.push(`${where}: the password of "${username}" is not a bcrypt hash ($2a$, $2b$ or $2y$)`);
    else if (bcryptCost(passwordHash) > MAX_BCRYPT_COST || bcryptCost(passwordHash) < MIN_BCRYPT_COST) {
      errors.push(`${where}: the bcrypt cost of "${username}" is ${bcryptCost(passwordHash)}; from ${MIN_BCRYPT_COST} to ${MAX_BCRYPT_COST} is accepted (each step doubles the work of every sign-in)`);
    } else if (isAdmin === undefined) errors.push(`${where}: isAdmin must be true or false, not "${admin}"`);
    else if (seen.has(username)) errors.push(`${where}: "${username}" appears twice`);
    else {
      seen.add(username);
      users.push({ username, passwordHash, isAdmin, line: index + 1 });
    }
  });
  return { users, errors };
}

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** One person to import, with the paths of their reference photos. */
export interface PersonToImport {
  name: string;
  url: string | undefined;
  photos: string[];
}

export interface ParsedPeople {
  people: PersonToImport[];
  /** One sentence per bad line, naming the line. */
  errors: string[];
}

const PHOTO = /\.(jpe?g|png|webp|gif|avif)$/i;

/**
 * Reads `name,url,photo` lines (a header line `name,…` is skipped; fields may be quoted
 * with "…"). Photo paths are relative to the CSV's folder. Several lines with one name give
 * that person several reference photos.
 */
export function parsePeopleCsv(text: string, baseDir: string): ParsedPeople {
  const byName = new Map<string, PersonToImport>();
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const where = `line ${index + 1}`;
    if (line === '' || line.startsWith('#') || (index === 0 && /^"?name"?\s*,/i.test(line))) return;
    const fields = splitCsvLine(line);
    if (!fields || fields.length !== 3) return void errors.push(`${where}: expected 3 fields (name,url,photo)`);
    const [name, url, photo] = fields.map((field) => field.trim()) as [string, string, string];
    if (name === '' || name.length > 200) return void errors.push(`${where}: the name must be 1 to 200 characters`);
    if (url !== '' && !/^https?:\/\/\S+$/.test(url)) return void errors.push(`${where}: "${url}" is not an http(s) link`);
    if (!PHOTO.test(photo)) return void errors.push(`${where}: "${photo}" is not a JPEG, PNG, WebP, GIF or AVIF file name`);
    const person = byName.get(name) ?? { name, url: undefined, photos: [] };
    person.url ??= url || undefined;
    person.photos.push(path.resolve(baseDir, photo));
    byName.set(name, person);
  });
  return { people: [...byName.values()], errors };
}

/** A folder of photos: one person per file, named from the file ("Eileen_Collins.jpg" → "Eileen Collins"). */
export async function peopleFromFolder(dir: string): Promise<PersonToImport[]> {
  const files = (await readdir(dir)).filter((file) => PHOTO.test(file)).sort();
  return files.map((file) => ({ name: path.parse(file).name.replace(/[_]+/g, ' ').trim(), url: undefined, photos: [path.join(dir, file)] }));
}

export async function readPhotos(person: PersonToImport): Promise<{ name: string; bytes: Buffer }[]> {
  return Promise.all(person.photos.map(async (file) => ({ name: path.basename(file), bytes: await readFile(file) })));
}

/** Splits one CSV line; `undefined` when a quote is left open. */
function splitCsvLine(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') (field += '"'), i++;
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') fields.push(field), (field = '');
    else field += char;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * Where a photo says where it was taken, as same-length byte edits that remove it: the EXIF
 * GPS IFD is emptied (its entry count and entries zeroed, its out-of-line values zeroed;
 * IFD0's pointer then names an empty IFD, which every reader accepts) and the values of XMP
 * `exif:GPS…` properties become spaces. The file keeps its length, so a public link still
 * serves Range requests and a stable ETag from the stored blob, editing the bytes as they
 * stream (see features/files/location.ts). PNG chunks edited get their CRC recomputed.
 *
 * Runs in the image worker on hostile bytes: every read is bounded, and anything that does
 * not parse simply yields no edit (the caller compares with what exifr found).
 */
export type LocationPatch = [at: number, base64: string];

const MAX_SEGMENTS = 2000;
const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
/** ISO BMFF (AVIF) keeps its Exif and XMP items where it likes; they are looked for in the first bytes. */
const SCAN_BYTES = 4 * 1024 * 1024;

interface Edit {
  at: number;
  bytes: Buffer;
}

export async function findLocationPatches(path: string, contentType: string): Promise<LocationPatch[]> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const edits =
      contentType === 'image/jpeg' ? await jpegEdits(file, size) : contentType === 'image/png' ? await pngEdits(file, size) : contentType === 'image/webp' ? await webpEdits(file, size) : await scannedEdits(file, size);
    return edits.map((edit) => [edit.at, edit.bytes.toString('base64')]);
  } finally {
    await file.close();
  }
}

async function read(file: FileHandle, at: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, at);
  return buffer.subarray(0, bytesRead);
}

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');
const XMP_HEADER = Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1');

/** Edits of one metadata block found at `at`: EXIF (with or without its `Exif\0\0` prefix) or XMP. */
function blockEdits(block: Buffer, at: number): Edit[] {
  if (block.subarray(0, 6).equals(EXIF_HEADER)) return tiffGpsEdits(block.subarray(6), at + 6);
  if (isTiffHeader(block)) return tiffGpsEdits(block, at);
  return xmpGpsEdits(block, at);
}

async function jpegEdits(file: FileHandle, size: number): Promise<Edit[]> {
  const edits: Edit[] = [];
  let at = 2;
  for (let segment = 0; segment < MAX_SEGMENTS && at + 4 <= size; segment += 1) {
    const header = await read(file, at, 4);
    if (header.length < 4 || header[0] !== 0xff) break;
    const marker = header[1]!;
    if (marker === 0xff) {
      at += 1; // a fill byte
      continue;
    }
    // Start of scan or end of image: no more metadata segments before the image data.
    if (marker === 0xda || marker === 0xd9) break;
    const length = header.readUInt16BE(2);
    if (marker === 0xe1 && length > 2) {
      const data = await read(file, at + 4, length - 2);
      if (data.subarray(0, 6).equals(EXIF_HEADER) || data.subarray(0, XMP_HEADER.length).equals(XMP_HEADER)) edits.push(...blockEdits(data, at + 4));
    }
    at += 2 + length;
  }
  return edits;
}

async function pngEdits(file: FileHandle, size: number): Promise<Edit[]> {
  const edits: Edit[] = [];
  let at = 8;
  for (let chunk = 0; chunk < MAX_SEGMENTS * 50 && at + 12 <= size; chunk += 1) {
    const header = await read(file, at, 8);
    if (header.length < 8) break;
    const length = header.readUInt32BE(0);
    const type = header.subarray(4, 8).toString('latin1');
    if (type === 'IEND') break;
    if ((type === 'eXIf' || type === 'iTXt') && length <= MAX_BLOCK_BYTES) {
      const data = await read(file, at + 8, length);
      const inChunk = type === 'eXIf' ? blockEdits(data, at + 8) : data.subarray(0, 17).toString('latin1') === 'XML:com.adobe.xmp' ? xmpGpsEdits(data, at + 8) : [];
      if (inChunk.length > 0) edits.push(...inChunk, crcEdit(header.subarray(4, 8), data, at + 8, inChunk));
    }
    at += 12 + length;
  }
  return edits;
}

/** The chunk's CRC, recomputed over its type and its data as edited. */
function crcEdit(type: Buffer, data: Buffer, dataAt: number, edits: Edit[]): Edit {
  const edited = Buffer.from(data);
  for (const edit of edits) edit.bytes.copy(edited, edit.at - dataAt);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(edited, crc32(type)) >>> 0);
  return { at: dataAt + data.length, bytes: crc };
}

async function webpEdits(file: FileHandle, size: number): Promise<Edit[]> {
  const edits: Edit[] = [];
  let at = 12;
  for (let chunk = 0; chunk < MAX_SEGMENTS && at + 8 <= size; chunk += 1) {
    const header = await read(file, at, 8);
    if (header.length < 8) break;
    const type = header.subarray(0, 4).toString('latin1');
    const length = header.readUInt32LE(4);
    if ((type === 'EXIF' || type === 'XMP ') && length <= MAX_BLOCK_BYTES) edits.push(...blockEdits(await read(file, at + 8, length), at + 8));
    at += 8 + length + (length % 2);
  }
  return edits;
}

/**
 * The TIFF block of a WebP's EXIF chunk (exifr reads no WebP itself), or undefined.
 */
export async function webpExifBlock(path: string): Promise<Buffer | undefined> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    let at = 12;
    for (let chunk = 0; chunk < MAX_SEGMENTS && at + 8 <= size; chunk += 1) {
      const header = await read(file, at, 8);
      if (header.length < 8) break;
      const length = header.readUInt32LE(4);
      if (header.subarray(0, 4).toString('latin1') === 'EXIF' && length <= MAX_BLOCK_BYTES) {
        const block = await read(file, at + 8, length);
        return block.subarray(0, 6).equals(EXIF_HEADER) ? block.subarray(6) : block;
      }
      at += 8 + length + (length % 2);
    }
    return undefined;
  } finally {
    await file.close();
  }
}

/** AVIF and other ISO BMFF images: the Exif payload (`Exif\0\0` + TIFF) and XMP packet, found by their signatures. */
async function scannedEdits(file: FileHandle, size: number): Promise<Edit[]> {
  const head = await read(file, 0, Math.min(size, SCAN_BYTES));
  const edits: Edit[] = [];
  for (let at = head.indexOf(EXIF_HEADER); at >= 0; at = head.indexOf(EXIF_HEADER, at + 1)) {
    if (isTiffHeader(head.subarray(at + 6))) edits.push(...tiffGpsEdits(head.subarray(at + 6), at + 6));
  }
  const xmp = head.indexOf('<x:xmpmeta');
  if (xmp >= 0) {
    const end = head.indexOf('</x:xmpmeta>', xmp);
    edits.push(...xmpGpsEdits(head.subarray(xmp, end < 0 ? head.length : end), xmp));
  }
  return edits;
}

function isTiffHeader(block: Buffer): boolean {
  const order = block.subarray(0, 4).toString('latin1');
  return order === 'II*\0' || order === 'MM\0*';
}

const GPS_IFD_TAG = 0x8825;
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8 };

/** Empties the GPS IFD of a TIFF block that starts at file offset `at`. */
function tiffGpsEdits(tiff: Buffer, at: number): Edit[] {
  if (!isTiffHeader(tiff)) return [];
  const little = tiff[0] === 0x49;
  const u16 = (o: number) => (o + 2 <= tiff.length ? (little ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o)) : -1);
  const u32 = (o: number) => (o + 4 <= tiff.length ? (little ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o)) : -1);
  const ifd0 = u32(4);
  const entries = u16(ifd0);
  let gps = -1;
  for (let i = 0; i < entries && gps < 0; i += 1) if (u16(ifd0 + 2 + i * 12) === GPS_IFD_TAG) gps = u32(ifd0 + 2 + i * 12 + 8);
  const count = gps > 0 ? u16(gps) : -1;
  if (count <= 0 || gps + 2 + count * 12 > tiff.length) return [];
  const edits: Edit[] = [{ at: at + gps, bytes: Buffer.alloc(2 + count * 12) }];
  for (let i = 0; i < count; i += 1) {
    const entry = gps + 2 + i * 12;
    const bytes = (TYPE_BYTES[u16(entry + 2)] ?? 0) * u32(entry + 4);
    const offset = u32(entry + 8);
    // Values over four bytes live elsewhere in the block; the rest are inside the entry.
    if (bytes > 4 && offset >= 0 && offset + bytes <= tiff.length) edits.push({ at: at + offset, bytes: Buffer.alloc(bytes) });
  }
  return edits;
}

/** `exif:GPS…` properties of an XMP packet, as attributes or elements: their values become spaces. */
function xmpGpsEdits(block: Buffer, at: number): Edit[] {
  const text = block.toString('latin1');
  const edits: Edit[] = [];
  const property = /exif:GPS[A-Za-z]*\s*=\s*("([^"]*)"|'([^']*)')|<exif:GPS([A-Za-z]*)>([^<]*)<\/exif:GPS\4>/g;
  for (const match of text.matchAll(property)) {
    const value = match[2] ?? match[3] ?? match[5] ?? '';
    if (value.length === 0) continue;
    const start = match.index + match[0].indexOf(value, match[0].indexOf(match[1] !== undefined ? match[1]! : '>'));
    edits.push({ at: at + start, bytes: Buffer.alloc(value.length, 0x20) });
  }
  return edits;
}

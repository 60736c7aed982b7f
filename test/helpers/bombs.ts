import { crc32, deflateSync } from 'node:zlib';

/**
 * Decompression bombs for the security tests, made in memory in well under a second: small
 * files that decode to gigantic bitmaps.
 */

/**
 * The GIF LZW code stream of `pixels` pixels all of colour 0 (minimum code size 2), as a
 * general encoder would write it: for a uniform run the dictionary only ever gains the next
 * longer run, so the codes can be computed instead of searched. About 2,700 pixels a byte.
 */
function uniformLzw(pixels: number): Buffer {
  const clear = 4;
  const end = 5;
  const bytes: number[] = [];
  let bitBuffer = 0;
  let bitCount = 0;
  const emit = (code: number, width: number) => {
    bitBuffer |= code << bitCount;
    bitCount += width;
    while (bitCount >= 8) {
      bytes.push(bitBuffer & 0xff);
      bitBuffer >>>= 8;
      bitCount -= 8;
    }
  };
  const runCode = (length: number) => (length === 1 ? 0 : clear + length);
  let width = 3;
  let nextCode = end + 1;
  let longest = 1;
  let left = pixels;
  emit(clear, width);
  for (;;) {
    const run = Math.min(longest, left);
    emit(runCode(run), width);
    left -= run;
    if (left === 0) break;
    if (nextCode === 4096) {
      emit(clear, width);
      width = 3;
      nextCode = end + 1;
      longest = 1;
    } else {
      if (nextCode >= 1 << width) width += 1;
      nextCode += 1;
      longest += 1;
    }
  }
  emit(end, width);
  if (bitCount > 0) bytes.push(bitBuffer & 0xff);
  // Sub-blocks of at most 255 bytes, then the block terminator.
  const blocks: Buffer[] = [Buffer.from([2])];
  for (let i = 0; i < bytes.length; i += 255) {
    const block = bytes.slice(i, i + 255);
    blocks.push(Buffer.from([block.length, ...block]));
  }
  blocks.push(Buffer.from([0]));
  return Buffer.concat(blocks);
}

/** A GIF of `frames` frames, each the whole `width`×`height` canvas in one colour. */
export function uniformGif(width: number, height: number, frames = 1): Buffer {
  const u16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  const header = Buffer.concat([Buffer.from('GIF89a'), u16(width), u16(height), Buffer.from([0xf1, 0, 0]), Buffer.from([200, 30, 30, 0, 0, 0, 255, 255, 255, 90, 90, 90])]);
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0]);
  const frame = Buffer.concat([
    Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0xff, 0]), // graphic control: 0.1 s a frame
    Buffer.from([0x2c]),
    u16(0),
    u16(0),
    u16(width),
    u16(height),
    Buffer.from([0]),
    uniformLzw(width * height),
  ]);
  return Buffer.concat([header, ...(frames > 1 ? [loop] : []), ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

/** A one-bit palette PNG of `width`×`height` pixels, one colour: ~32 KB for 16383². */
export function uniformPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framing = Buffer.alloc(8);
    framing.writeUInt32BE(data.length, 0);
    framing.writeUInt32BE(crc32(body) >>> 0, 4);
    return Buffer.concat([framing.subarray(0, 4), body, framing.subarray(4)]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 3; // palette
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('PLTE', Buffer.from([200, 30, 30])),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** ISO BMFF boxes, just enough to assemble a HEIF file. */
const u8 = (n: number) => Buffer.from([n]);
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const box = (type: string, ...body: Buffer[]) => {
  const payload = Buffer.concat(body);
  return Buffer.concat([u32(8 + payload.length), Buffer.from(type, 'latin1'), payload]);
};
const fullBox = (type: string, version: number, ...body: Buffer[]) => box(type, Buffer.from([version, 0, 0, 0]), ...body);

/** The child boxes of a box body. */
function* boxesIn(data: Buffer): Generator<{ type: string; box: Buffer; body: Buffer }> {
  for (let at = 0; at + 8 <= data.length; ) {
    const size = data.readUInt32BE(at);
    if (size < 8) return;
    yield { type: data.toString('latin1', at + 4, at + 8), box: data.subarray(at, at + size), body: data.subarray(at + 8, at + size) };
    at += size;
  }
}
const child = (data: Buffer, type: string) => [...boxesIn(data)].find((b) => b.type === type);

/**
 * An AVIF whose primary image is a `grid` of `size`×`size` pixels made of one small tile
 * (an AVIF sharp encodes, `tile`) repeated: a few kilobytes that a decoder composes into a
 * full-size bitmap, as a single huge AV1 frame would — without minutes of encoding.
 */
export function avifGridBomb(tile: Buffer, tileSize: number, size: number): Buffer {
  const meta = child(tile, 'meta')!.body.subarray(4);
  const properties = child(child(child(meta, 'iprp')!.body, 'ipco')!.body, 'av1C')!.box;
  const coded = child(tile, 'mdat')!.body;
  const tiles = Math.ceil(size / tileSize);
  const grid = Buffer.concat([u8(0), u8(0), u8(tiles - 1), u8(tiles - 1), u16(size), u16(size)]);
  const infe = (id: number, type: string) => fullBox('infe', 2, u16(id), u16(0), Buffer.from(type, 'latin1'), u8(0));
  const build = (mdatStart: number) =>
    fullBox(
      'meta',
      0,
      fullBox('hdlr', 0, u32(0), Buffer.from('pict'), Buffer.alloc(12), u8(0)),
      fullBox('pitm', 0, u16(1)),
      fullBox('iinf', 0, u16(2), infe(1, 'grid'), infe(2, 'av01')),
      fullBox('iref', 0, box('dimg', u16(1), u16(tiles * tiles), ...Array.from({ length: tiles * tiles }, () => u16(2)))),
      fullBox('iloc', 0, u8(0x44), u8(0), u16(2), u16(1), u16(0), u16(1), u32(mdatStart + 8), u32(grid.length), u16(2), u16(0), u16(1), u32(mdatStart + 8 + grid.length), u32(coded.length)),
      box(
        'iprp',
        box('ipco', properties, fullBox('ispe', 0, u32(tileSize), u32(tileSize)), fullBox('ispe', 0, u32(size), u32(size))),
        fullBox('ipma', 0, u32(2), u16(1), u8(1), u8(3), u16(2), u8(2), u8(0x81), u8(2)),
      ),
    );
  const ftyp = box('ftyp', Buffer.from('avif'), u32(0), Buffer.from('avifmif1miaf'));
  const metaBox = build(0);
  return Buffer.concat([ftyp, build(ftyp.length + metaBox.length), box('mdat', grid, coded)]);
}

import { fileTypeFromBuffer } from 'file-type';
import type { MultipartFile } from '@fastify/multipart';
import { FaceEngineUnavailable, FaceImageError } from '../../adapters/faces/face-engine.js';
import { AppError, InvalidRequest, TooLarge, Unavailable, UnsupportedType } from '../../errors.js';
import { classify } from '../files/media-types.js';

/**
 * Turns a photo the engine refused into the API's answer: more pixels than accepted → 413,
 * anything else → 400 (its bytes passed {@link assertImageBytes}, so an image the decoder
 * cannot read is a damaged one, such as a truncated JPEG); the engine failing → 503.
 */
export function photoError(error: unknown): unknown {
  if (error instanceof FaceEngineUnavailable) return new Unavailable('face finder');
  if (!(error instanceof FaceImageError)) return error;
  if (error.problem === 'too_large') return new AppError(413, 'too_large', error.message);
  const message = error.problem === 'not_image' ? 'The photo is damaged or truncated and cannot be decoded.' : error.message;
  return new InvalidRequest(message, [{ field: 'photo', message, reason: error.problem === 'not_image' ? 'corrupt' : error.problem }]);
}

/** Only the image types Coffer accepts (API.md), judged by the bytes, reach the decoder. */
export async function assertImageBytes(bytes: Buffer, name: string): Promise<void> {
  if (bytes.length === 0) throw new InvalidRequest('The photo is empty (0 bytes).', [{ field: 'photo', message: 'The photo is empty.', reason: 'empty' }]);
  const type = classify((await fileTypeFromBuffer(bytes))?.mime);
  if (type?.kind !== 'image') throw new UnsupportedType(name);
}

/**
 * Reads one `photo` part into memory, at most `maxBytes` (the model needs the whole image;
 * the bound keeps memory flat whatever is sent). Over the limit → 413, nothing kept.
 */
export async function readPhotoPart(part: MultipartFile, maxBytes: number): Promise<Buffer> {
  if (part.fieldname !== 'photo') {
    part.file.resume();
    throw new InvalidRequest('Only parts named "photo" are accepted.', [{ field: part.fieldname, message: `"${part.fieldname}" is not an accepted part.`, reason: 'unexpected' }]);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of part.file) chunks.push(chunk as Buffer);
  if (part.file.truncated) throw new TooLarge(maxBytes);
  return Buffer.concat(chunks);
}

/**
 * A face descriptor as stored: base64 of 128 little-endian float32 (684 characters), a
 * quarter of JSON's size and decoded without parsing numbers — the per-user index reads
 * thousands at a time.
 */
export function encodeDescriptor(descriptor: Float32Array): string {
  const bytes = Buffer.alloc(descriptor.length * 4);
  descriptor.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

export function decodeDescriptor(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const descriptor = new Float32Array(bytes.length / 4);
  for (let i = 0; i < descriptor.length; i++) descriptor[i] = bytes.readFloatLE(i * 4);
  return descriptor;
}

// Placeholder until the S3 adapter lands: no bucket, so S3 profiles report S3 as missing.
export async function createTestBucket(): Promise<{ url: string; cleanup(): Promise<void> } | undefined> {
  return undefined;
}

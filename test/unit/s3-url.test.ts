import { describe, expect, it } from 'vitest';
import { parseS3Url } from '../../src/adapters/storage/s3.js';

describe('S3 storage URLs', () => {
  it('reads the bucket, endpoint, region and path style', () => {
    expect(parseS3Url('s3://coffer-media?endpoint=http://127.0.0.1:7480&region=eu-west-1&forcePathStyle=true')).toEqual({
      bucket: 'coffer-media',
      endpoint: 'http://127.0.0.1:7480',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
  });

  it('defaults to AWS S3 in us-east-1 with virtual-hosted style', () => {
    expect(parseS3Url('s3://coffer-media')).toEqual({ bucket: 'coffer-media', endpoint: undefined, region: 'us-east-1', forcePathStyle: false });
  });

  it('refuses credentials in the URL and says where they belong', () => {
    expect(() => parseS3Url('s3://AKIA:secret@coffer-media?endpoint=http://127.0.0.1:7480')).toThrow(/AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY .*role/);
  });

  it.each([
    ['s3://Coffer_Media', /not a valid bucket name/],
    ['s3://coffer-media/prefix', /key prefixes are not supported/],
    ['s3://coffer-media?endpiont=http://127.0.0.1:7480', /unknown parameters \(endpiont\)/],
    ['s3://coffer-media?endpoint=127.0.0.1:7480', /not an http\(s\):\/\/host:port address/],
    ['s3://coffer-media?forcePathStyle=yes', /use true or false/],
  ])('refuses %s with a sentence and an example', (url, problem) => {
    expect(() => parseS3Url(url)).toThrow(problem);
    expect(() => parseS3Url(url)).toThrow(/for example STORAGE_URL=s3:\/\//);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { checkModelHost, forbiddenAddressReason, parseModelUri } from './uri.ts';

describe('parseModelUri', () => {
  it('accepts https, file and plain paths', () => {
    expect(parseModelUri('https://models.example.com/telco/1.0.0')).toEqual({
      kind: 'https',
      baseUrl: new URL('https://models.example.com/telco/1.0.0/'),
    });
    expect(parseModelUri('file:///models/telco/1.0.0')).toEqual({ kind: 'file', directory: '/models/telco/1.0.0' });
    expect(parseModelUri('/models/telco')).toEqual({ kind: 'file', directory: '/models/telco' });
    expect(parseModelUri('samples/models/telco-churn').kind).toBe('file');
  });

  it.each(['http://models.example.com/telco/', 'ftp://host/x', 's3://bucket/key', 'gopher://x'])('rejects %s', (uri) => {
    expect(() => parseModelUri(uri)).toThrow(ConfigError);
    expect(() => parseModelUri(uri)).toThrow(/Unsupported model URI scheme/);
  });

  it('rejects credentials in the URL', () => {
    expect(() => parseModelUri('https://user:secret@models.example.com/telco/')).toThrow(/must not contain credentials/);
  });
});

describe('forbiddenAddressReason', () => {
  it.each([
    ['169.254.169.254', /cloud metadata/],
    ['100.100.100.200', /cloud metadata/],
    ['fd00:ec2::254', /cloud metadata/],
    ['169.254.10.1', /link-local/],
    ['fe80::1', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['127.0.0.1', /loopback/],
    ['127.10.0.1', /loopback/],
    ['::1', /loopback/],
    ['::ffff:127.0.0.1', /loopback/],
    ['::ffff:169.254.169.254', /cloud metadata/],
  ])('rejects %s', (address, reason) => {
    expect(forbiddenAddressReason(address, { allowLoopback: false })).toMatch(reason);
  });

  it('allows public and private addresses', () => {
    for (const address of ['93.184.215.14', '10.0.0.7', '192.168.1.20', '2001:db8::1']) {
      expect(forbiddenAddressReason(address, { allowLoopback: false })).toBeUndefined();
    }
  });

  it('allows loopback only with the opt-in', () => {
    expect(forbiddenAddressReason('127.0.0.1', { allowLoopback: true })).toBeUndefined();
    expect(forbiddenAddressReason('169.254.169.254', { allowLoopback: true })).toMatch(/cloud metadata/);
  });
});

describe('checkModelHost', () => {
  // Literal addresses resolve without a DNS query, so no traffic leaves the process.
  it.each([
    ['https://169.254.169.254/latest/', /169\.254\.169\.254 is a cloud metadata address/],
    ['https://[fd00:ec2::254]/bundle/', /fd00:ec2::254 is a cloud metadata address/],
    ['https://100.100.100.200/bundle/', /cloud metadata address/],
    ['https://[fe80::1]/bundle/', /link-local/],
    ['https://0.0.0.0/bundle/', /unspecified/],
    ['https://127.0.0.1:8443/bundle/', /loopback/],
    ['https://[::1]/bundle/', /loopback/],
    ['https://metadata.google.internal/computeMetadata/', /metadata\.google\.internal is a cloud metadata service/],
    ['https://METADATA.GOOGLE.INTERNAL./x/', /cloud metadata service/],
  ])('rejects %s', async (uri, message) => {
    await expect(checkModelHost(new URL(uri), { allowLoopback: false })).rejects.toThrow(message);
  });

  it('accepts a literal loopback address with the opt-in', async () => {
    await expect(checkModelHost(new URL('https://127.0.0.1:8443/bundle/'), { allowLoopback: true })).resolves.toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { parseFlags } from './run.ts';

describe('parseFlags', () => {
  it('binds the health server to every IPv4 interface by default', () => {
    expect(parseFlags([], {}).healthBindAddress).toBe('0.0.0.0');
  });

  it.each(['127.0.0.1', '::1', '10.0.0.7'])('accepts --health-bind-address %s', (address) => {
    expect(parseFlags(['--health-bind-address', address], {}).healthBindAddress).toBe(address);
  });

  it('rejects a health bind address that is no IP address', () => {
    expect(() => parseFlags(['--health-bind-address', 'localhost'], {})).toThrow(
      'Invalid --health-bind-address "localhost": expected an IPv4 or IPv6 address, such as 127.0.0.1 or 0.0.0.0',
    );
  });
});

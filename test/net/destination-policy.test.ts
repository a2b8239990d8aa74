/**
 * @file Callback destinations: which addresses count as public, the operator allow-list, the connect-time lookup
 * (a name is judged by what it resolves to when connecting), and the failure categories a partner sees.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallbackError, CallbackPoster } from '../../src/jobs/callback-post.js';
import { DestinationPolicy, isPublicAddress, parseAllowList, type Resolver } from '../../src/net/destination-policy.js';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
    '100.100.100.200', '0.0.0.0', '192.0.2.7', '198.18.0.1', '224.0.0.1', '255.255.255.255', '168.63.129.16',
    '::1', '::', 'fe80::1', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '2001:db8::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a9fe:a9fe', '64:ff9b::7f00:1', '::127.0.0.1', '2002:7f00:1::1', '[::1]',
    'not-an-address', '',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );
});

describe('parseAllowList', () => {
  it('takes host names, addresses and CIDR ranges, and names every bad entry', () => {
    const list = parseAllowList(['callbacks.internal', ' 10.1.2.3 ', '192.168.0.0/16', 'fd00::/8', '::1', 'Receiver.Example.']);
    expect([...list.hosts]).toEqual(['callbacks.internal', 'receiver.example']);
    expect(list.ranges.check('192.168.44.1', 'ipv4')).toBe(true);
    expect(list.ranges.check('10.1.2.3', 'ipv4')).toBe(true);
    expect(list.ranges.check('10.1.2.4', 'ipv4')).toBe(false);
    expect(list.ranges.check('fd12::1', 'ipv6')).toBe(true);
    expect(() => parseAllowList(['10.0.0.0/33', 'http://x', 'a b', '10.0.0.0/8/1'])).toThrow(
      'not a host name, address or CIDR range: "10.0.0.0/33", "http://x", "a b", "10.0.0.0/8/1"',
    );
  });
});

/** A resolver answering from a table, as a DNS server under an attacker's control would. */
const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  (hostname, callback) => {
    const addresses = table[hostname];
    if (!addresses) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

function lookupAll(policy: DestinationPolicy, hostname: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    policy.lookup(hostname, { all: true }, (err, addresses) =>
      err ? reject(err) : resolve((addresses as unknown as { address: string }[]).map((a) => a.address)),
    ),
  );
}

describe('DestinationPolicy.lookup (connect time)', () => {
  const dns = fakeDns({
    'rebind.example': ['10.0.0.5'],
    'mixed.example': ['127.0.0.1', '93.184.216.34'],
    'metadata.example': ['169.254.169.254', 'fd00:ec2::254'],
    'public.example': ['93.184.216.34'],
    'receiver.internal': ['10.9.9.9'],
  });

  it('refuses a name that resolves to a private, loopback or metadata address, and keeps only public ones', async () => {
    const policy = new DestinationPolicy([], dns);
    await expect(lookupAll(policy, 'rebind.example')).rejects.toMatchObject({ code: 'ERR_BLOCKED_DESTINATION' });
    await expect(lookupAll(policy, 'metadata.example')).rejects.toThrow(/169\.254\.169\.254, fd00:ec2::254, not a public address/);
    await expect(lookupAll(policy, 'localhost')).rejects.toMatchObject({ code: 'ERR_BLOCKED_DESTINATION' });
    expect(await lookupAll(policy, 'mixed.example')).toEqual(['93.184.216.34']);
    expect(await lookupAll(policy, 'public.example')).toEqual(['93.184.216.34']);
  });

  it('lets the operator allow a host name (whatever it resolves to) or an address range', async () => {
    expect(await lookupAll(new DestinationPolicy(['receiver.internal'], dns), 'receiver.internal')).toEqual(['10.9.9.9']);
    expect(await lookupAll(new DestinationPolicy(['10.0.0.0/8'], dns), 'rebind.example')).toEqual(['10.0.0.5']);
    await expect(lookupAll(new DestinationPolicy(['10.9.9.9'], dns), 'rebind.example')).rejects.toMatchObject({ code: 'ERR_BLOCKED_DESTINATION' });
  });

  it('judges address literals and localhost without DNS (refusalOf)', () => {
    const policy = new DestinationPolicy(['192.168.7.0/24'], dns);
    expect(policy.refusalOf('127.0.0.1')).toMatch(/not a public address/);
    expect(policy.refusalOf('[::ffff:7f00:1]')).toMatch(/not a public address/);
    expect(policy.refusalOf('api.localhost')).toMatch(/this machine/);
    expect(policy.refusalOf('192.168.7.9')).toBeNull();
    expect(policy.refusalOf('93.184.216.34')).toBeNull();
    expect(policy.refusalOf('anything.example')).toBeNull();
  });
});

describe('CallbackPoster', () => {
  let server: Server;
  let port: number;
  let closedPort: number;
  beforeAll(async () => {
    server = createHttpServer((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(req.url === '/fail' ? 503 : 200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    const spare = createHttpServer();
    await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
    closedPort = (spare.address() as AddressInfo).port;
    await new Promise((resolve) => spare.close(resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const failure = (poster: CallbackPoster, url: string, timeoutMs = 2000) =>
    poster.post(url, '{}', {}, timeoutMs).then(
      (status) => `status ${status}`,
      (err: unknown) => (err instanceof CallbackError ? err.category : `unexpected ${String(err)}`),
    );

  it('refuses loopback by default, by address or by name (resolved at connect time)', async () => {
    const poster = new CallbackPoster(new DestinationPolicy());
    expect(await failure(poster, `http://127.0.0.1:${port}/ok`)).toBe('blocked_destination');
    expect(await failure(poster, `http://[::ffff:127.0.0.1]:${port}/ok`)).toBe('blocked_destination');
    expect(await failure(poster, `http://localhost:${port}/ok`)).toBe('blocked_destination');
    const rebinding = new CallbackPoster(new DestinationPolicy([], fakeDns({ 'partner.example': ['127.0.0.1'] })));
    expect(await failure(rebinding, `http://partner.example:${port}/ok`)).toBe('blocked_destination');
    expect(await failure(poster, 'gopher://example.com/')).toBe('blocked_destination');
  });

  it('reports timeout, refused, tls, dns and http_status as categories', async () => {
    const poster = new CallbackPoster(new DestinationPolicy(['127.0.0.1'], fakeDns({ 'receiver.example': ['127.0.0.1'] })));
    expect(await failure(poster, `http://127.0.0.1:${port}/ok`)).toBe('status 200');
    expect(await failure(poster, `http://127.0.0.1:${port}/fail`)).toBe('status 503');
    expect(await failure(poster, `http://127.0.0.1:${port}/slow`, 300)).toBe('timeout');
    expect(await failure(poster, `http://127.0.0.1:${closedPort}/`)).toBe('refused');
    expect(await failure(poster, `https://127.0.0.1:${port}/ok`)).toBe('tls');
    expect(await failure(poster, `http://nowhere.example:${port}/`)).toBe('dns');
    expect(await failure(poster, `http://receiver.example:${port}/ok`)).toBe('status 200');
  });
});

/**
 * @file Which network destinations the server may send requests to on a partner's behalf (callbacks): public
 * addresses only, unless the operator allow-lists a host name, an address or a range. Checked on the address a name
 * resolves to at connect time (the `lookup` of the HTTP agents), so a name that resolves differently later (DNS
 * rebinding) cannot reach an internal service.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

type Family = 'ipv4' | 'ipv6';

/**
 * Ranges that are not the public internet: this network, private (RFC 1918), shared/CGNAT (RFC 6598, also Alibaba's
 * metadata 100.100.100.200), loopback, link-local (cloud metadata 169.254.169.254), IETF protocol assignments,
 * documentation, benchmarking, multicast, reserved and broadcast; for IPv6 unspecified, loopback, IPv4-compatible,
 * discard, IETF protocol assignments (Teredo, ORCHID…), documentation, 6to4, unique-local (AWS metadata fd00:ec2::254),
 * link-local, site-local and multicast. IPv4-mapped and NAT64 addresses are judged by the IPv4 address they carry.
 */
const NON_PUBLIC: ReadonlyArray<[string, number, Family]> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.88.99.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  // Azure's instance metadata and DNS endpoint sits on a public address.
  ['168.63.129.16', 32, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['2001::', 23, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['2002::', 16, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const nonPublic = new BlockList();
for (const [network, prefix, family] of NON_PUBLIC) nonPublic.addSubnet(network, prefix, family);

/** The eight 16-bit groups of an IPv6 address (which may end in a dotted IPv4 address). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = text.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The IPv4 address an IPv4-mapped (::ffff:0:0/96) or NAT64 (64:ff9b::/96) address carries, else null. */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return null;
  return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
}

/** An address (IPv4, or IPv6 with or without brackets) in the form BlockList and comparisons use. */
function normalAddress(address: string): { address: string; family: Family } | null {
  const bare = address.replace(/^\[|\]$/g, '');
  const version = isIP(bare);
  if (version === 4) return { address: bare, family: 'ipv4' };
  if (version !== 6) return null;
  const v4 = embeddedIPv4(bare);
  return v4 ? { address: v4, family: 'ipv4' } : { address: bare, family: 'ipv6' };
}

/** True for an address on the public internet (see NON_PUBLIC); false for anything else, including non-addresses. */
export function isPublicAddress(address: string): boolean {
  const a = normalAddress(address);
  return a !== null && !nonPublic.check(a.address, a.family);
}

const normalHost = (host: string) => host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');

/** Names that always mean this machine (RFC 6761), whatever DNS says. */
const isLocalhostName = (host: string) => host === 'localhost' || host.endsWith('.localhost');

export interface AllowList {
  /** Host names allowed whatever they resolve to. */
  hosts: ReadonlySet<string>;
  /** Addresses and CIDR ranges allowed even though not public. */
  ranges: BlockList;
}

/**
 * Parses operator allow-list entries: host names (`callbacks.internal`), addresses (`10.1.2.3`, `::1`) and CIDR
 * ranges (`10.0.0.0/8`, `fd00::/8`). Throws an Error naming every entry that is none of these.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  const bad: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const [base, prefixText, extra] = entry.split('/');
    const address = normalAddress(base!);
    if (prefixText !== undefined) {
      const prefix = Number(prefixText);
      const max = address?.family === 'ipv4' ? 32 : 128;
      if (!address || extra !== undefined || !/^\d{1,3}$/.test(prefixText) || prefix > max) bad.push(entry);
      else ranges.addSubnet(address.address, prefix, address.family);
    } else if (address) {
      ranges.addAddress(address.address, address.family);
    } else if (/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.?)+$/i.test(entry)) {
      hosts.add(normalHost(entry));
    } else {
      bad.push(entry);
    }
  }
  if (bad.length) throw new Error(`not a host name, address or CIDR range: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return { hosts, ranges };
}

export type Resolver = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/** The error a refused destination fails with; its `code` lets callers tell it from network errors. */
export class BlockedDestinationError extends Error {
  readonly code = 'ERR_BLOCKED_DESTINATION';
  constructor(message: string) {
    super(message);
    this.name = 'BlockedDestinationError';
  }
}

export class DestinationPolicy {
  private readonly allow: AllowList;

  constructor(
    allowEntries: readonly string[] = [],
    private readonly resolver: Resolver = systemResolver,
  ) {
    this.allow = parseAllowList(allowEntries);
  }

  /** Whether a host (name or address, from a URL) is allowed as such, before any resolution. */
  allowsHostName(host: string): boolean {
    return this.allow.hosts.has(normalHost(host));
  }

  /** Whether a resolved address may be connected to. */
  allowsAddress(address: string): boolean {
    const a = normalAddress(address);
    if (!a) return false;
    return !nonPublic.check(a.address, a.family) || this.allow.ranges.check(a.address, a.family);
  }

  /**
   * The check that needs no DNS, for validating a URL when it is submitted: an address literal must be allowed, and
   * `localhost` names are refused unless allow-listed. Other names are checked when connecting (see lookup).
   */
  refusalOf(host: string): string | null {
    if (this.allowsHostName(host)) return null;
    const bare = normalHost(host);
    if (normalAddress(bare)) return this.allowsAddress(bare) ? null : `${bare} is not a public address`;
    return isLocalhostName(bare) ? `${bare} is this machine` : null;
  }

  /**
   * A `lookup` for http(s) agents: resolves the name and keeps only allowed addresses, failing with
   * BlockedDestinationError when none is left. Node calls it for every new connection to a name (not for address
   * literals, which refusalOf covers), so the address checked is the address connected to.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const refusal = this.refusalOf(hostname);
    if (refusal) return callback(new BlockedDestinationError(refusal), '', 4);
    this.resolver(hostname, (err, addresses) => {
      if (err) return callback(err, '', 4);
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const usable = addresses.filter(
        (a) => (family === 0 || a.family === family) && (this.allowsHostName(hostname) || this.allowsAddress(a.address)),
      );
      if (!usable.length) {
        const seen = addresses.map((a) => a.address).join(', ') || 'nothing';
        return callback(new BlockedDestinationError(`${hostname} resolves to ${seen}, not a public address`), '', 4);
      }
      if (options.all) return (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, usable);
      callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

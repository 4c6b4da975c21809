import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Push endpoints come from clients and the service POSTs to them, so an endpoint must not reach the
 * service's own network: loopback, private, link-local, unique-local and other non-public ranges are
 * refused, when the subscription is made and again when each connection is opened (a name may resolve
 * elsewhere later).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

// Asks DNS directly (not the thread pool's getaddrinfo, which a flood of names that never answer would
// fill), and gives up soon: a push service's name answers at once.
const resolver = new Resolver({ timeout: 2000, tries: 1 });

/** Whether the endpoint's host is, or resolves only to, public addresses (unresolvable: no). */
export async function endpointIsPublic(endpoint: string): Promise<boolean> {
  const host = hostOf(endpoint);
  if (isIP(host)) return isPublicAddress(host);
  const answers = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
  return addresses.length > 0 && addresses.every(isPublicAddress);
}

export function hostOf(endpoint: string): string {
  return new URL(endpoint).hostname.replace(/^\[(.*)\]$/, '$1');
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for an http(s) Agent that fails a connection to a name resolving to a non-public address. */
export function publicOnlyLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) {
      const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to a non-public address`);
      error.code = 'EPUSHPRIVATE';
      return callback(error, []);
    }
    if (options.all) return callback(null, addresses);
    const [first] = addresses;
    callback(null, first!.address, first!.family);
  });
}

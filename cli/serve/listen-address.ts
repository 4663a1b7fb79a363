// Where `serve` may listen, and how. The page and the API carry every reviewer's bearer token and decisions:
// on the loopback interface they never leave the machine, so plain HTTP is fine there. On any other address
// (a team on one network) they cross the network, so `serve --host` refuses plain HTTP there unless the
// operator gives a TLS certificate and key (HTTPS) or says --insecure-lan (plain HTTP, knowingly; it warns).
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';

export const LOOPBACK = '127.0.0.1';

/** True for 127.0.0.0/8 and ::1 (and "localhost"). */
export function isLoopback(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true;
  return isIP(address) === 4 && address.startsWith('127.');
}

/** True for 0.0.0.0 and :: (every interface). */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

export type ListenPlan =
  | { ok: true; host: string; tls: boolean; warning: string | null }
  | { ok: false; reason: string };

/**
 * What `serve --host ADDRESS` may do: an IP address (or localhost); plain HTTP on loopback; HTTPS anywhere with
 * a certificate and key; plain HTTP on another address only with --insecure-lan, with a warning.
 */
export function planListen(request: { host: string; tls: boolean; insecureLan: boolean }): ListenPlan {
  const host = request.host === 'localhost' ? LOOPBACK : request.host;
  if (isIP(host) === 0) {
    return {
      ok: false,
      reason: `--host ${request.host} is not an IP address (give the address of one of this machine's interfaces, e.g. 192.168.1.20, or 0.0.0.0 for all of them)`,
    };
  }
  if (request.tls || isLoopback(host)) return { ok: true, host, tls: request.tls, warning: null };
  if (!request.insecureLan) {
    return {
      ok: false,
      reason: `--host ${request.host} is not a loopback address: over plain HTTP every reviewer's token and decisions would cross the network unencrypted, readable by anyone on it. Give --tls-cert FILE and --tls-key FILE to serve HTTPS, or --insecure-lan to serve plain HTTP anyway`,
    };
  }
  return {
    ok: true,
    host,
    tls: false,
    warning: `WARNING: serving plain HTTP on ${request.host}: every reviewer's token and decisions cross the network unencrypted, and anyone on it can read them or act as a reviewer. Use a TLS certificate (--tls-cert, --tls-key) for anything but a trusted, closed network.`,
  };
}

/** The host part of a URL for `address` (IPv6 in brackets). */
export function urlHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/**
 * The names (Host header values, without the port) the server answers to: its address; for loopback also
 * "localhost"; for every interface (0.0.0.0, ::) each interface's address and this machine's name; and any
 * `extra` names (the one in its TLS certificate).
 */
export function hostHeaderNames(address: string, extra: readonly string[] = []): string[] {
  const names = new Set<string>([urlHost(address), ...extra]);
  if (isLoopback(address)) names.add('localhost');
  if (isWildcard(address)) {
    names.add(hostname());
    names.add('localhost');
    for (const list of Object.values(networkInterfaces())) {
      for (const entry of list ?? []) {
        if (address === '0.0.0.0' && entry.family !== 'IPv4') continue;
        names.add(urlHost(entry.address));
      }
    }
  }
  return [...names];
}

/** The address to put in the links `serve` prints: for every interface, the first one other machines can use. */
export function displayAddress(address: string): string {
  if (!isWildcard(address)) return address;
  for (const list of Object.values(networkInterfaces())) {
    const external = (list ?? []).find((entry) => !entry.internal && entry.family === 'IPv4');
    if (external) return external.address;
  }
  return LOOPBACK;
}

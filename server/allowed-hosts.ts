/**
 * Which names the server answers to. `serve --host` must be an address or a hostname (an empty
 * one made Node bind every interface), and with `--allowed-hosts` a request whose Host header
 * names another server is refused: a page on another site whose name an attacker re-points at
 * this machine (DNS rebinding) sends its own name as Host, so it cannot read the API.
 *
 * The refusal is 421 Misdirected Request (RFC 9110 §15.5.20): the request is well formed, it was
 * sent to a server that does not answer for that name. 400 would say the request itself is
 * malformed.
 */
import { isIP } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createError } from '../common/errors.js';

/** RFC 1123 hostnames: dot-separated labels of letters, digits and inner hyphens, ≤ 253 chars. */
const HOSTNAME =
  /^(?=.{1,253}\.?$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** Whether a value names a host: an IPv4 or IPv6 address, or a hostname. */
export function isHostName(value: string): boolean {
  return isIP(value) !== 0 || HOSTNAME.test(value);
}

/** An allowed-hosts entry or a Host header as compared: no port, no brackets, lower case. */
export function hostPart(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') === -1 ? undefined : h.indexOf(']'));
  // An IPv6 address without brackets has several colons and no port.
  return h.split(':').length === 2 ? h.slice(0, h.indexOf(':')) : h;
}

/** Refuses, with 421, every request whose Host header is not one of `hosts`. */
export function refuseOtherHosts(app: FastifyInstance, hosts: readonly string[]): void {
  const allowed = new Set(hosts.map(hostPart));
  const listed = [...allowed].join(', ');
  app.addHook('onRequest', async (req) => {
    const header = req.headers.host ?? '';
    if (!allowed.has(hostPart(header))) {
      throw createError('HOST_NOT_ALLOWED', [listed, JSON.stringify(header)]);
    }
  });
}

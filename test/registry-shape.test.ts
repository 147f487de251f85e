/**
 * Red team F10: every refusal answers in the registry's shape, `{ error: { code, message } }`,
 * with the status the registry gives its code — Node's parser's (431, a request that is not
 * HTTP), the router's (414, a malformed %-escape), a static path climbing out of its folder
 * (was 403 with BAD_REQUEST) — and a 19-digit id is refused as it was written, not rounded.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { ERRORS } from '../common/errors.js';
import { buildApp } from '../server/app.js';
import { tempDb } from './helpers.js';

let app: Awaited<ReturnType<typeof buildApp>>;
let port: number;
before(async () => {
  app = await buildApp({ dbFile: tempDb(), token: 'x' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as net.AddressInfo).port;
});
after(() => app.close());

/** A request sent byte for byte (no client normalises it), and the answer's status and body. */
function raw(text: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (d) => {
      answer += d;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      resolve({ status, body: JSON.parse(body) });
    });
  });
}

const request = (path: string, headers = '') =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`;

test('every refusal is { error: { code, message } } with its code’s registry status', async () => {
  const cases: [string, keyof typeof ERRORS][] = [
    [request('/api/health', `X-Big: ${'a'.repeat(20_000)}\r\n`), 'HEADERS_TOO_LARGE'],
    ['NOT HTTP AT ALL\r\n\r\n', 'BAD_REQUEST'],
    [request(`/api/runs/${'1'.repeat(200)}`), 'URI_TOO_LONG'],
    [request('/api/runs/%zz'), 'BAD_REQUEST'],
    [request('/js/..'), 'NOT_FOUND'],
    [request('/api/runs/9223372036854775807'), 'INVALID_REQUEST'],
  ];
  for (const [text, name] of cases) {
    const r = await raw(text);
    const e = ERRORS[name];
    assert.equal(r.status, e.httpStatus, `${name}: ${JSON.stringify(r.body)}`);
    const body = r.body as { error: { code: string; message: string } };
    assert.deepEqual(Object.keys(body), ['error']);
    assert.equal(body.error.code, e.code);
    assert.equal(typeof body.error.message, 'string');
  }
  const big = (await raw(request('/api/runs/9223372036854775807'))).body as {
    error: { message: string };
  };
  assert.match(big.error.message, /"9223372036854775807"/, 'the id as it was written');
  assert.doesNotMatch(big.error.message, /9223372036854776000/);
});

/**
 * /openapi.json: generated from the routes' own schemas, valid OpenAPI 3, and complete — every
 * API route the server registers is described, with its method, and nothing else is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { buildApp } from '../server/app.js';
import { emptyDb } from './helpers.js';

test('/openapi.json is valid OpenAPI 3 and lists every API route with its method', async () => {
  const app = await buildApp({ dbFile: emptyDb() });
  try {
    await app.ready();
    const r = await app.inject({ url: '/openapi.json' });
    assert.equal(r.statusCode, 200);
    const spec = r.json();
    assert.match(spec.openapi, /^3\./);
    const result = await validate(structuredClone(spec));
    assert.equal(result.valid, true, JSON.stringify(result));
    const described = Object.entries(spec.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    // Fastify writes /runs/:id, OpenAPI /runs/{id}.
    const registered = app.apiRoutes
      .map((x) => `${x.method} ${x.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    assert.ok(registered.length >= 12, 'the collector saw the routes');
    assert.deepEqual(described, registered);
    assert.deepEqual(spec.paths['/api/runs'].post.security, [{ bearer: [] }]);
    // The docs page is served by the server itself.
    const docs = await app.inject({ url: '/api/docs/static/swagger-ui-bundle.js' });
    assert.equal(docs.statusCode, 200);
  } finally {
    await app.close();
  }
});

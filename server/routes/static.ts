/** The dashboard: its page and stylesheet, its compiled modules, and Chart.js from node_modules. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Third-party scripts the page loads, served from the project: no CDN, no network. A Map, so
 * that a name is looked up among these three only: /vendor/constructor found Object's own.
 */
const VENDOR: ReadonlyMap<string, string> = new Map([
  ['chart.umd.js', 'node_modules/chart.js/dist/chart.umd.js'],
  ['hammer.min.js', 'node_modules/hammerjs/hammer.min.js'],
  [
    'chartjs-plugin-zoom.min.js',
    'node_modules/chartjs-plugin-zoom/dist/chartjs-plugin-zoom.min.js',
  ],
]);

export const staticRoutes: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, {
    root: `${ROOT}dist/web`,
    prefix: '/js/',
    decorateReply: false,
  });
  const page =
    (file: string, type: string) => async (_req: unknown, reply: import('fastify').FastifyReply) =>
      reply.type(type).send(await readFile(`${ROOT}web/${file}`));
  // The page's files, not the API: kept out of /openapi.json.
  const hide = { schema: { hide: true } };
  app.get('/', hide, page('index.html', 'text/html; charset=utf-8'));
  app.get('/style.css', hide, page('style.css', 'text/css; charset=utf-8'));
  app.get<{ Params: { name: string } }>('/vendor/:name', hide, async (req, reply) => {
    const path = VENDOR.get(req.params.name);
    if (!path) return reply.callNotFound();
    reply.header('cache-control', 'public, max-age=86400');
    return reply.type('text/javascript; charset=utf-8').send(await readFile(`${ROOT}${path}`));
  });
};

/**
 * The API's description, generated from the routes' own TypeBox schemas by @fastify/swagger:
 * GET /openapi.json (OpenAPI 3.1, which takes JSON Schema as it is) and a docs page at
 * /api/docs (@fastify/swagger-ui, its assets served from the package: no CDN).
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../common/version.js';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'flushbench',
        version: VERSION,
        description:
          "Runs of flushbench's TLB-shootdown benchmarks: their cases, samples and traces, comparisons between runs, a case's history over commits, the protocol table and the cost profiles. Errors are { error: { code, message } }.",
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'POST /api/runs only: the token the server was started with (FLUSHBENCH_TOKEN)',
          },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: false,
    // The docs follow the reader's colour scheme, as the dashboard does.
    theme: { title: 'flushbench API', css: [{ filename: 'flushbench.css', content: DOCS_CSS }] },
  });
  // Swagger UI sets style attributes from its script: its pages alone may carry inline styles.
  // Scripts stay 'self' only, as on every other page.
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith(DOCS_PREFIX)) {
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') {
        reply.header(
          'content-security-policy',
          csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
        );
      }
    }
  });
}

const DOCS_PREFIX = '/api/docs';

/**
 * Swagger UI has no dark theme of its own: in a dark scheme the page is inverted with its hues
 * turned back, so its colours keep their meaning (GET green, POST blue, errors red).
 */
const DOCS_CSS = `
:root { color-scheme: light dark; }
@media (prefers-color-scheme: dark) {
  html { background: #13161c; }
  body { filter: invert(0.9) hue-rotate(180deg); background: #eceae3; }
}
`;

/** GET /openapi.json: registered after every route, so that the description lists them all. */
export function openApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/**
 * The error body every route answers with. The run record and what the store reads back are
 * defined once in data/ (run-record.ts, stored.ts); each route group's own schemas live beside
 * it (routes/*-schemas.ts). Fastify validates requests with them and serialises responses
 * through them (fields not in a response schema are dropped).
 */
import { Type } from 'typebox';

export const ErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

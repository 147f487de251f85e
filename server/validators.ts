/**
 * How requests are checked against their route schemas: two Ajv configurations, one per kind of
 * input. Fastify's default is one Ajv that coerces every part, which turned `cpus: true` in an
 * upload into 1 and `null` into 0. Here:
 *
 * - a body is JSON: it already carries types, so nothing is coerced (`true` is not an integer);
 * - a query string or route parameter is text: "20" becomes 20, but only when it is written as a
 *   JSON number and comes out finite. Ajv's own coercion takes anything `+s` accepts ("0x10",
 *   " ", "Infinity") and, once it has coerced, skips its finiteness and range checks: `Infinity`
 *   passed `maximum: 256`.
 *
 * In both, `strictNumbers` keeps NaN and ±Infinity out of every `number` and `integer`.
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

const COMMON = {
  removeAdditional: false,
  // Explicitly false, as Fastify sets it: with allErrors a crafted body costs more to check.
  allErrors: false,
  // A case is a union on its status (data/run-record.ts), checked against its own arm.
  discriminator: true,
  strictNumbers: true,
  useDefaults: true,
} as const;

function ajvWith(coerceTypes: boolean): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes });
  addFormats.default(ajv);
  return ajv;
}

const bodyAjv = ajvWith(false);
const textAjv = ajvWith(true);

/** A number as JSON writes it: no hex, no blanks, no `Infinity`. */
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

type PropertySchema = { type?: unknown };

/** The properties of a query or params schema that hold numbers, with their JSON type. */
function numericProperties(schema: unknown): [string, string][] {
  const properties = (schema as { properties?: Record<string, PropertySchema> }).properties ?? {};
  return Object.entries(properties).flatMap(([key, s]) =>
    s.type === 'number' || s.type === 'integer' ? [[key, s.type] as [string, string]] : [],
  );
}

/** Ajv's error for a text that is not a finite number, so that it is reported like any other. */
function notFinite(key: string, type: string): ErrorObject {
  return {
    instancePath: `/${key}`,
    schemaPath: `#/properties/${key}/type`,
    keyword: 'type',
    params: { type },
    message: `must be a finite ${type === 'integer' ? 'integer' : 'number'} in decimal notation`,
  };
}

/**
 * Text Ajv would coerce to a number (`s && s == +s`) but that is not a finite number as JSON
 * writes it: "0x10", " ", "Infinity", "1e400". Other text ("abc") Ajv reports as not a number.
 */
function coercedBadly(raw: unknown): boolean {
  if (typeof raw !== 'string' || raw === '' || Number.isNaN(Number(raw))) return false;
  return !(JSON_NUMBER.test(raw) && Number.isFinite(Number(raw)));
}

/** A query string or params validator: text turns into numbers only when it is a finite number. */
function textValidator(schema: FastifySchema): ValidateFunction {
  const validate = textAjv.compile(schema);
  const numeric = numericProperties(schema);
  const check = ((data: unknown, ctx?: never) => {
    const values = (data ?? {}) as Record<string, unknown>;
    const sent = numeric.filter(([key]) => Object.hasOwn(values, key));
    const bad = sent.find(([key]) => coercedBadly(values[key]));
    if (bad) {
      check.errors = [notFinite(...bad)];
      return false;
    }
    const raw = sent.map(([key]) => values[key]);
    const ok = validate(data, ctx);
    check.errors = validate.errors;
    if (!ok) {
      // A refused request reports what was sent ("9223372036854775807"), not its coerced double.
      for (const [i, [key]] of sent.entries()) values[key] = raw[i];
    }
    return ok;
  }) as ValidateFunction;
  return check;
}

/** Fastify's validator compiler: the body strictly, everything else as text. */
export const compileValidator: FastifySchemaCompiler<FastifySchema> = ({ schema, httpPart }) =>
  httpPart === 'body' ? bodyAjv.compile(schema) : textValidator(schema);

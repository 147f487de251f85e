/**
 * Numbers on the command line, for every command: decimal digits with an optional sign and,
 * where the flag takes one, a fraction — nothing else that Number() would also take (`0x10`,
 * `1e3`, `Infinity`, `''`, `' 5'`), so what runs is what was typed. Not such a number: a
 * TypeError; out of the flag's range: a RangeError; both quote the value as typed.
 */

import { invalidRange, invalidType } from '../common/errors.js';
import { CompareQuery } from '../server/routes/compare-schemas.js';

const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

/** The number a flag's text spells in decimal, or undefined when it spells none. */
export function decimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) : undefined;
}

/** The value as a number when it is a decimal one, else as typed, for validation to quote. */
export function numeric(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return decimal(value) ?? value;
}

/** The flag's number; not decimal: a TypeError, not `ok`: a RangeError, both naming the rule. */
export function flagNumber(
  flag: string,
  value: string | undefined,
  rule: string,
  ok: (n: number) => boolean,
): number | undefined {
  if (value === undefined) return undefined;
  const n = decimal(value);
  if (n === undefined || !ok(n)) {
    throw (n === undefined ? invalidType : invalidRange)(
      `${flag} must be ${rule} (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

export function intFlag(
  flag: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  const rule = `an integer from ${min} to ${max}`;
  return flagNumber(flag, value, rule, (n) => Number.isInteger(n) && n >= min && n <= max);
}

/** A list item that is a decimal integer in [min, max], or undefined. */
export const intItem = (min: number, max: number) => (s: string) => {
  const n = decimal(s);
  return n !== undefined && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
};

/** Bounds as a JSON schema states them (the API's TypeBox schemas), so both sides agree. */
export interface NumberBounds {
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  exclusiveMaximum?: number;
}

/** compare's --threshold and --alpha take what GET /api/compare takes: its schema's bounds. */
export const COMPARE_LIMITS = {
  threshold: CompareQuery.properties.threshold as NumberBounds,
  alpha: CompareQuery.properties.alpha as NumberBounds,
};

/** `from 0 to 1000`, `above 0 and at most 1`. */
export function boundsRule(b: NumberBounds): string {
  if (b.minimum !== undefined && b.maximum !== undefined)
    return `from ${b.minimum} to ${b.maximum}`;
  const low =
    b.exclusiveMinimum !== undefined ? `above ${b.exclusiveMinimum}` : `at least ${b.minimum}`;
  const high =
    b.exclusiveMaximum !== undefined ? `below ${b.exclusiveMaximum}` : `at most ${b.maximum}`;
  return `${low} and ${high}`;
}

function within(n: number, b: NumberBounds): boolean {
  return (
    (b.minimum === undefined || n >= b.minimum) &&
    (b.exclusiveMinimum === undefined || n > b.exclusiveMinimum) &&
    (b.maximum === undefined || n <= b.maximum) &&
    (b.exclusiveMaximum === undefined || n < b.exclusiveMaximum)
  );
}

/**
 * A decimal number, fraction allowed, within bounds as a JSON schema states them:
 * `--alpha must be a probability above 0 and at most 1 (got "0")`.
 */
export function numberFlag(
  flag: string,
  value: string | undefined,
  what: string,
  bounds: NumberBounds,
): number | undefined {
  return flagNumber(flag, value, `${what} ${boundsRule(bounds)}`, (n) => within(n, bounds));
}

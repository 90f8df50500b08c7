// Cases, outcomes and the small assertion vocabulary the conformance cases are written in.
import type { Answer, Exchange } from './client.js';
import type { DocKey } from './contract.js';

export type Group = 'common' | 'waitlist' | 'bookings' | 'latency';
export type Outcome = 'pass' | 'fail' | 'skip';

export interface CaseSpec {
  readonly id: string;
  readonly title: string;
  readonly group: Group;
  readonly doc: DocKey;
  /** A required case that fails makes the run fail; a recommended one is reported as a warning. */
  readonly required: boolean;
}

export interface CaseResult extends CaseSpec {
  readonly outcome: Outcome;
  readonly ms: number;
  /** Why it failed or was skipped; figures for latency cases. */
  readonly message: string;
  /** On failure: the exchanges of the case, last ones first in importance (the failing one is last). */
  readonly exchanges: readonly Exchange[];
}

/** Thrown by a check that does not hold. */
export class CaseFailure extends Error {
  constructor(
    message: string,
    readonly answer?: Answer,
  ) {
    super(message);
  }
}

/** Thrown when a case cannot run here (a method not offered, nothing to book). */
export class CaseSkip extends Error {}

export function fail(message: string, answer?: Answer): never {
  throw new CaseFailure(message, answer);
}

export function skip(reason: string): never {
  throw new CaseSkip(reason);
}

export function check(condition: unknown, message: string, answer?: Answer): asserts condition {
  if (!condition) fail(message, answer);
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The answer's HTTP status must be `status` (or one of them). */
export function expectStatus(answer: Answer, status: number | readonly number[], what = ''): void {
  const allowed = typeof status === 'number' ? [status] : status;
  if (!allowed.includes(answer.status)) {
    fail(`${what ? `${what}: ` : ''}expected HTTP ${allowed.join(' or ')}, got ${answer.status === 0 ? 'no answer' : answer.status}`, answer);
  }
}

/** A 200 whose body is a JSON object. */
export function ok(answer: Answer, what = ''): Json {
  expectStatus(answer, 200, what);
  check(isObject(answer.json), `${what ? `${what}: ` : ''}the 200 body is not a JSON object`, answer);
  return answer.json;
}

/** An int64 field (a JSON string or number, per proto3 JSON) as a decimal string; null when absent or not an integer. */
export function int64(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return String(BigInt(v));
  return null;
}

/** An int32 field: a JSON number (proto3 JSON parsers also accept a string). */
export function int32(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return null;
}

export function obj(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** JSON with object keys sorted: two answers are "identical" when these are equal. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) =>
    isObject(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, value[k]]),
        )
      : value,
  );
}

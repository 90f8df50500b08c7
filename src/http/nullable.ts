// Nullable JSON-body fields for route schemas. Fastify's Ajv coerces types, and inside a
// Type.Union([X, Type.Null()]) (anyOf) it turns null into 0 or "" before the null branch is
// tried, so `"max_queue_length": null` arrived as 0. A type list leaves alone any value that
// already matches one of its types.
import { Type } from '@fastify/type-provider-typebox';

export const nullableInteger = (options: { minimum?: number; maximum?: number } = {}) => Type.Unsafe<number | null>({ type: ['integer', 'null'], ...options });

export const nullableString = (options: { minLength?: number; maxLength?: number } = {}) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], ...options });

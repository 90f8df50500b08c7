// Closed request bodies: a field a route does not know is refused (400, naming it), not dropped.
// The admin API applies this to every route's body schema through an onRoute hook, so routes
// added later inherit the rule; Google's /v3 stays tolerant of unknown fields (proto3 JSON).
// Fastify's Ajv would otherwise remove such fields silently (its removeAdditional default);
// src/app.ts turns that off, so `additionalProperties: false` is an error.
import type { FastifySchemaValidationError, RouteOptions } from 'fastify';

type Schema = { [key: string]: unknown };

const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A copy of a JSON schema in which every object schema with `properties` and no word of its own on
 * extra fields (`additionalProperties`, `patternProperties`) refuses them. Such a schema S becomes
 * `allOf: [{properties: {name: true, ...}, additionalProperties: false}, S]`: Ajv checks an
 * object's `required` before its `additionalProperties`, so a misspelt field ("timezone") would
 * otherwise be reported as the missing one ("time_zone"); this way the unknown one is named first.
 * Members of an `allOf` of the original are left open: each would refuse the others' fields.
 */
export function closedSchema(schema: unknown, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => closedSchema(item, inAllOf));
  if (!isSchema(schema)) return schema;
  const copy: Schema = {};
  for (const key of Object.keys(schema)) {
    const value = schema[key];
    if (key === 'properties' && isSchema(value)) {
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, closedSchema(child)]));
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf' || key === 'not') {
      copy[key] = closedSchema(value);
    } else if (key === 'allOf') {
      copy[key] = closedSchema(value, true);
    } else {
      copy[key] = value;
    }
  }
  // TypeBox marks its schemas with symbol keys; keep them.
  for (const symbol of Object.getOwnPropertySymbols(schema)) (copy as Record<symbol, unknown>)[symbol] = (schema as Record<symbol, unknown>)[symbol];
  const open = schema.additionalProperties !== undefined || schema.patternProperties !== undefined;
  const isObject = schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object'));
  if (inAllOf || open || !isObject || !isSchema(schema.properties)) return copy;
  const names = Object.fromEntries(Object.keys(schema.properties).map((name) => [name, true]));
  return { allOf: [{ type: schema.type, properties: names, additionalProperties: false }, copy] };
}

/**
 * The names the object schema at `path` (JSON pointer segments into the data) accepts, if it can
 * be told, looking through the combinators closedSchema makes or keeps (allOf, anyOf, oneOf).
 */
function knownFields(schema: unknown, path: readonly string[]): string[] | null {
  if (!isSchema(schema)) return null;
  if (path.length === 0 && isSchema(schema.properties)) return Object.keys(schema.properties);
  const [head, ...rest] = path;
  if (head !== undefined && isSchema(schema.properties) && isSchema(schema.properties[head])) {
    const found = knownFields(schema.properties[head], rest);
    if (found !== null) return found;
  }
  if (head !== undefined && /^\d+$/.test(head) && schema.items !== undefined) {
    const found = knownFields(schema.items, rest);
    if (found !== null) return found;
  }
  for (const branch of [...((schema.allOf as unknown[]) ?? []), ...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])]) {
    const found = knownFields(branch, path);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Fastify's error text (`body/address must be string`), except that an unknown field is named,
 * with the fields that place takes: `body has an unknown field "timezone" (known: id, name, ...)`.
 */
export function schemaErrorFormatter(bodySchema: unknown) {
  return (errors: FastifySchemaValidationError[], dataVar: string): Error => {
    const parts = errors.map((e) => {
      const at = `${dataVar}${e.instancePath ?? ''}`;
      const field = (e.params as { additionalProperty?: unknown } | undefined)?.additionalProperty;
      if (e.keyword !== 'additionalProperties' || typeof field !== 'string') return `${at} ${e.message ?? 'is invalid'}`;
      const path = (e.instancePath ?? '').split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const known = dataVar === 'body' ? knownFields(bodySchema, path) : null;
      const hint = known === null ? '' : known.length === 0 ? ' (it takes no fields)' : ` (known: ${known.join(', ')})`;
      return `${at} has an unknown field ${JSON.stringify(field)}${hint}`;
    });
    return new Error(parts.join(', '));
  };
}

/** The body of a route that declares none (actions such as cancel): nothing, `{}`, or an empty JSON body. */
const NO_BODY: Schema = { type: 'object', properties: {}, additionalProperties: false };

/**
 * onRoute hook: close the route's body schema and name unknown fields in its errors. A POST, PUT
 * or PATCH route without a body schema takes no fields at all.
 */
export function closeRouteBody(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const body = route.schema?.body ?? (methods.some((m) => ['POST', 'PUT', 'PATCH'].includes(m)) ? NO_BODY : undefined);
  if (body === undefined) return;
  const closed = closedSchema(body);
  route.schema = { ...route.schema, body: closed };
  route.schemaErrorFormatter ??= schemaErrorFormatter(closed);
}

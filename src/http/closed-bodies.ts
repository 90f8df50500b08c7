// Closed request bodies: a field a route does not know is refused (400, naming it), not dropped.
// The admin API applies this to every route's body schema through an onRoute hook, so routes
// added later inherit the rule (and their OpenAPI document says `additionalProperties: false`);
// Google's /v3 stays tolerant of unknown fields (proto3 JSON).
// Fastify's Ajv would otherwise remove such fields silently (its removeAdditional default);
// src/app.ts turns that off, so `additionalProperties: false` is an error.
import type { FastifySchemaValidationError, RouteOptions } from 'fastify';

type Schema = { [key: string]: unknown };

const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * A copy of a JSON schema in which every object schema with `properties` and no word of its own on
 * extra fields (`additionalProperties`, `patternProperties`) refuses them. Members of an `allOf`
 * are left open: each would refuse the others' fields.
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
  if (!inAllOf && isSchema(copy.properties) && copy.additionalProperties === undefined && copy.patternProperties === undefined) {
    copy.additionalProperties = false;
  }
  return copy;
}

const unknownFieldMessage = (at: string, field: string, known: readonly string[]): string =>
  `${at} has an unknown field ${JSON.stringify(field)}${known.length === 0 ? ' (it takes no fields)' : ` (known: ${known.join(', ')})`}`;

/**
 * The first field of `value` that its closed schema does not know, as an error message, or null.
 * Ajv reports a missing required field before an unknown one, so a misspelt field ("timezone")
 * would be reported as the missing one ("time_zone"); this check runs first and names it.
 * Values of the wrong type are left to the schema validation that follows.
 */
export function unknownFieldIn(schema: unknown, value: unknown, at = 'body'): string | null {
  if (!isSchema(schema)) return null;
  if (Array.isArray(value)) {
    if (schema.items === undefined) return null;
    for (let i = 0; i < value.length; i++) {
      const found = unknownFieldIn(schema.items, value[i], `${at}/${i}`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  // An object against a union: the first object branch (the unions here pair one object with null).
  for (const branch of [...((schema.anyOf as unknown[]) ?? []), ...((schema.oneOf as unknown[]) ?? [])]) {
    if (isSchema(branch) && isSchema(branch.properties)) return unknownFieldIn(branch, value, at);
  }
  if (!isSchema(schema.properties)) return null;
  const properties = schema.properties;
  const known = Object.keys(properties);
  for (const [name, child] of Object.entries(value)) {
    if (!Object.hasOwn(properties, name)) {
      if (schema.additionalProperties === false) return unknownFieldMessage(at, name, known);
      continue;
    }
    const found = unknownFieldIn(properties[name], child, `${at}/${name}`);
    if (found !== null) return found;
  }
  return null;
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
      const path = (e.instancePath ?? '')
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      const known = dataVar === 'body' ? knownFields(bodySchema, path) : null;
      return known === null ? `${at} has an unknown field ${JSON.stringify(field)}` : unknownFieldMessage(at, field, known);
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

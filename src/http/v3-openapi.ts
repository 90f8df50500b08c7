// OpenAPI 3.1 for Google's booking server API (/v3), generated at run time from the protos' descriptors
// (the code Buf generates from proto/, so the document follows the protos) and from the routes this
// server has under /v3 (so it lists exactly the methods we serve). Schemas follow the proto3 JSON
// mapping as our codec reads and writes it: snake_case field names on output (lowerCamelCase also
// accepted on input), int64 as a decimal string (a number also accepted), enums by name.
import { ScalarType, type DescEnum, type DescField, type DescFile, type DescMessage } from '@bufbuild/protobuf';
import { file_ext_maps_booking_partner_v3_booking } from '../gen/ext/maps/booking/partner/v3/booking_pb.js';
import { file_ext_maps_booking_partner_v3_common } from '../gen/ext/maps/booking/partner/v3/common_pb.js';
import { file_ext_maps_booking_partner_v3_waitlist_waitlist } from '../gen/ext/maps/booking/partner/v3/waitlist/waitlist_pb.js';
import { ERROR_BODY_SCHEMA } from './openapi.js';

const FILES: readonly DescFile[] = [
  file_ext_maps_booking_partner_v3_common,
  file_ext_maps_booking_partner_v3_booking,
  file_ext_maps_booking_partner_v3_waitlist_waitlist,
];

type JsonSchema = Record<string, unknown>;

function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.BYTES:
      return { type: 'string', contentEncoding: 'base64' };
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return { type: 'number' };
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return { type: ['string', 'integer'], pattern: '^-?[0-9]+$', format: 'int64', description: 'int64: a decimal string (as we send it) or a JSON number' };
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return { type: ['string', 'integer'], pattern: '^[0-9]+$', format: 'uint64', description: 'uint64: a decimal string (as we send it) or a JSON number' };
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: 'integer', minimum: 0, maximum: 4_294_967_295 };
    default:
      return { type: 'integer', format: 'int32' };
  }
}

const ref = (typeName: string): JsonSchema => ({ $ref: `#/components/schemas/${typeName}` });

/** Every message and enum of the files, nested ones included. */
function collect(files: readonly DescFile[]): { messages: Map<string, DescMessage>; enums: Map<string, DescEnum> } {
  const messages = new Map<string, DescMessage>();
  const enums = new Map<string, DescEnum>();
  const visit = (message: DescMessage): void => {
    messages.set(message.typeName, message);
    for (const nested of message.nestedEnums) enums.set(nested.typeName, nested);
    for (const nested of message.nestedMessages) visit(nested);
  };
  for (const file of files) {
    for (const e of file.enums) enums.set(e.typeName, e);
    for (const m of file.messages) visit(m);
  }
  return { messages, enums };
}

function valueSchema(field: DescField): JsonSchema {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarSchema(field.scalar);
    case 'enum':
      return ref(field.enum.typeName);
    case 'message':
      return ref(field.message.typeName);
    case 'list': {
      const items =
        field.listKind === 'scalar' ? scalarSchema(field.scalar) : field.listKind === 'enum' ? ref(field.enum.typeName) : ref(field.message.typeName);
      return { type: 'array', items };
    }
    case 'map': {
      const values =
        field.mapKind === 'scalar' ? scalarSchema(field.scalar) : field.mapKind === 'enum' ? ref(field.enum.typeName) : ref(field.message.typeName);
      return { type: 'object', additionalProperties: values };
    }
  }
}

function messageSchema(message: DescMessage): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const field of message.fields) {
    const schema = valueSchema(field);
    const notes = [
      field.jsonName !== field.name ? `also accepted as "${field.jsonName}"` : '',
      field.oneof ? `one of "${field.oneof.name}": set at most one of ${field.oneof.fields.map((f) => f.name).join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    // $ref with siblings is allowed in OpenAPI 3.1 (JSON Schema 2020-12).
    properties[field.name] = notes === '' ? schema : { ...schema, description: [schema.description, notes].filter(Boolean).join('; ') };
  }
  return { type: 'object', title: message.name, properties, description: `proto message ${message.typeName}; unknown fields are ignored` };
}

function enumSchema(e: DescEnum): JsonSchema {
  return {
    title: e.name,
    description: `proto enum ${e.typeName}: the value name (as we send it) or its number`,
    oneOf: [
      { type: 'string', enum: e.values.map((v) => v.name) },
      { type: 'integer', enum: e.values.map((v) => v.number) },
    ],
  };
}

export interface V3OpenApiOptions {
  /** PATH_PREFIX in front of /v3. */
  readonly pathPrefix: string;
  readonly version: string;
  /** Methods this server serves under /v3 (route paths after the prefix, e.g. "/v3/CreateBooking"), with their HTTP method. */
  readonly routes: readonly { readonly method: string; readonly path: string }[];
}

/** The document. Throws if a POST method has no `<Method>Request` message in the protos (the route and the protos disagree). */
export function googleV3OpenApi(options: V3OpenApiOptions): Record<string, unknown> {
  const { messages, enums } = collect(FILES);
  const byName = new Map([...messages.values()].map((m) => [m.name, m] as const));
  const used = new Map<string, DescMessage>();
  const use = (message: DescMessage): void => {
    if (used.has(message.typeName)) return;
    used.set(message.typeName, message);
    for (const field of message.fields) {
      const target =
        field.fieldKind === 'message'
          ? field.message
          : (field.fieldKind === 'list' && field.listKind === 'message') || (field.fieldKind === 'map' && field.mapKind === 'message')
            ? field.message
            : undefined;
      if (target) use(target);
    }
  };
  const errors = {
    '4XX': {
      description: 'Malformed request or unknown merchant/service/booking (400), wrong credentials (401, WWW-Authenticate), too many failed attempts (429)',
      content: { 'application/json': { schema: ref('Error') } },
    },
    '5XX': {
      description: 'The store cannot take the request now (503 with Retry-After; Google retries) or an internal fault',
      content: { 'application/json': { schema: ref('Error') } },
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of options.routes) {
    const name = route.path.replace(/^\/v3\//, '');
    const path = `${options.pathPrefix}${route.path}`;
    if (route.method === 'GET') {
      paths[path] = {
        get: {
          operationId: name,
          summary: `${name}: the server answers and its database is reachable`,
          responses: {
            200: {
              description: 'Serving',
              content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'SERVING' } }, required: ['status'] } } },
            },
            ...errors,
          },
        },
      };
      continue;
    }
    const request = byName.get(`${name}Request`);
    if (request === undefined) throw new Error(`no ${name}Request message in the protos for POST ${route.path}`);
    use(request);
    const response = byName.get(`${name}Response`);
    if (response) use(response);
    paths[path] = {
      post: {
        operationId: name,
        summary: `${name} (${request.typeName})`,
        requestBody: { required: true, content: { 'application/json': { schema: ref(request.typeName) } } },
        responses: {
          200: {
            description: response
              ? `${response.name}; business failures (e.g. a slot no longer available) are 200 answers with their failure field set`
              : 'Done: an empty object (google.protobuf.Empty)',
            content: { 'application/json': { schema: response ? ref(response.typeName) : { type: 'object', maxProperties: 0 } } },
          },
          ...errors,
        },
      },
    };
  }
  const schemas: Record<string, JsonSchema> = { Error: { ...ERROR_BODY_SCHEMA } };
  for (const [typeName, message] of [...used].sort(([a], [b]) => a.localeCompare(b))) schemas[typeName] = messageSchema(message);
  // Enums referenced by the messages in use.
  for (const message of used.values()) {
    for (const field of message.fields) {
      const e =
        field.fieldKind === 'enum' || (field.fieldKind === 'list' && field.listKind === 'enum') || (field.fieldKind === 'map' && field.mapKind === 'enum')
          ? field.enum
          : undefined;
      if (e && enums.has(e.typeName)) schemas[e.typeName] = enumSchema(e);
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Google Actions Center booking server API (v3), as this server serves it',
      version: options.version,
      description:
        "Generated from the protos in proto/ext/maps/booking/partner/v3 (Google's booking server and waitlist API) and the routes this server has. Bodies are proto3 JSON. The protos stay the contract Google tests against; this document is for QA tools. Google's reference: https://developers.google.com/actions-center/verticals/reservations/e2e/reference/booking-server-api-rest",
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    components: {
      schemas,
      securitySchemes: { basicAuth: { type: 'http', scheme: 'basic', description: 'BOOKING_SERVER_CREDENTIALS (the pair set in the Partner Portal)' } },
    },
    security: [{ basicAuth: [] }],
    paths,
  };
}

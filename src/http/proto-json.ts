// Google's wire format: proto3 JSON in (snake_case or lowerCamelCase keys, int64 as string or
// number, enum names or numbers, unknown fields ignored), snake_case out.
import { fromJson, toBinary, toJsonString, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { configureTextEncoding, getTextEncoding } from '@bufbuild/protobuf/wire';
import { invalid } from '../errors.js';
import { requestHash } from '../store/idempotency.js';

// protobuf-es writes each string of a binary message (the idempotency hash of every write: messageHash
// below) through TextEncoder.encode, which for the short strings of a request costs more than the
// rest of the encoding. Buffer.from writes the same UTF-8 bytes (both replace a lone surrogate with
// U+FFFD, and a request with one is refused when parsed anyway) for less; the library's own hook
// for its text encoding takes it. proto-json.test.ts checks the bytes and pins two hashes.
const textEncoding = getTextEncoding();
configureTextEncoding({ ...textEncoding, encodeUtf8: (text: string) => Buffer.from(text, 'utf8') });

export function parseMessage<D extends DescMessage>(schema: D, body: unknown): MessageShape<D> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`request body must be a JSON object (${schema.name})`);
  }
  try {
    return fromJson(schema, body as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    throw invalid(`malformed ${schema.name}: ${decodeProblem(error instanceof Error ? error.message.replace(/^\[\w+\] /, '') : String(error))}`);
  }
}

/**
 * protobuf-es says "<value> out of range" for any integer field it cannot read, a date string or
 * 1.5 included: say that the value is not an integer, and which field (without the proto package).
 */
export function decodeProblem(message: string): string {
  const m = /^cannot decode field (?:[a-z][\w]*\.)*([A-Z][\w.]*) from JSON: expected \w+ \((\w+)\): (.*) out of range$/s.exec(message);
  if (m === null) return message;
  const [, field, type, value] = m as unknown as [string, string, string, string];
  if (/^-?\d+$/.test(value)) return `${field} ${value} is out of range for ${type}`;
  return `${field} must be an integer (${type}: a JSON number or a string of digits), got ${JSON.stringify(value)}`;
}

export function renderMessage<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  return toJsonString(schema, message, { useProtoFieldName: true });
}

/** Digest of a parsed request: the same request in either key style or int64 form hashes the same. */
export function messageHash<D extends DescMessage>(schema: D, message: MessageShape<D>): string {
  return requestHash(toBinary(schema, message));
}

export function requireText(value: string, field: string): string {
  if (value.trim() === '') throw invalid(`${field} is required`);
  return value;
}

/** int64 seconds from the wire, as a JS number (exact below 2^53, which covers every epoch second). */
export function seconds(value: bigint, field: string): number {
  if (value < 0n) throw invalid(`${field} ${value} must not be negative`);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field} ${value} is too large (at most ${Number.MAX_SAFE_INTEGER})`);
  return Number(value);
}

// Google's wire format: proto3 JSON in (snake_case or lowerCamelCase keys, int64 as string or
// number, enum names or numbers, unknown fields ignored), snake_case out.
import { fromJson, toBinary, toJsonString, type DescMessage, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { invalid } from '../errors.js';
import { requestHash } from '../store/idempotency.js';

export function parseMessage<D extends DescMessage>(schema: D, body: unknown): MessageShape<D> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(`request body must be a JSON object (${schema.name})`);
  }
  try {
    return fromJson(schema, body as JsonValue, { ignoreUnknownFields: true });
  } catch (error) {
    throw invalid(`malformed ${schema.name}: ${error instanceof Error ? error.message.replace(/^\[\w+\] /, '') : String(error)}`);
  }
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
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${field} is out of range`);
  return Number(value);
}

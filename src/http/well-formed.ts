// Text must be well-formed Unicode. A JSON body can carry lone UTF-16 surrogates ("\ud800"), which
// no UTF-8 store can hold: SQLite and PostgreSQL would silently keep U+FFFD instead. The /v3 codec
// (protobuf-es) already refuses them; the admin API refuses them with this check.

const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** The first string (value or key) in a parsed JSON value that holds a lone surrogate, or null. Iterative: bodies may nest deeply. */
export function findIllFormedText(value: unknown): string | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return next;
    } else if (Array.isArray(next)) {
      pending.push(...next);
    } else if (next !== null && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        if (LONE_SURROGATE.test(key)) return key;
        pending.push(child);
      }
    }
  }
  return null;
}

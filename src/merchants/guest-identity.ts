// A guest's e-mail address as an identity. Google: the email "is the same as the user's Google
// account and is treated as a unique identifier"; addresses compare case-insensitively. Pure.

/**
 * The key two addresses of one guest share: trimmed, Unicode NFC, lower case; null for none.
 * Migration 0005 backfilled existing rows with this same function (a frozen copy): keep them equal.
 */
export function emailKey(email: string | null | undefined): string | null {
  if (email === null || email === undefined) return null;
  const key = email.trim().normalize('NFC').toLowerCase();
  return key === '' ? null : key;
}

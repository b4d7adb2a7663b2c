import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * A 256-bit key for encryption at rest (the failure sink's entries, the dedupe store's inbox
 * records): 32 bytes, or those 32 bytes in base64 / base64url (`openssl rand -base64 32`).
 *
 * @example
 * ```ts
 * const key: EncryptionKey = process.env.CREDHOOKS_SINK_KEY!; // 44 base64 characters
 * ```
 */
export type EncryptionKey = string | Uint8Array;

/** Marks an encrypted value; a plain entry is JSON and starts with `{`. */
const PREFIX = "enc1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Thrown by the failure sink's `get`/`list` when a stored failed delivery cannot be
 * decrypted (wrong key, altered entry, an encrypted entry read without a key, or a plain
 * entry read by an encrypting sink), and by the dedupe store's `claimDue` when none of the
 * inbox records it took could be read for the same reasons.
 *
 * @example
 * ```ts
 * try {
 *   await failures.list();
 * } catch (error) {
 *   if (error instanceof FailureDecryptionError) console.error("check CREDHOOKS_SINK_KEY:", error.message);
 * }
 * ```
 */
export class FailureDecryptionError extends Error {
  override readonly name = "FailureDecryptionError";
}

/**
 * Turns the configured key(s) into 32-byte buffers. The first key encrypts; every key is
 * tried to decrypt, so a rotation lists the new key first and the old one after it until
 * the old entries are gone.
 *
 * @example
 * ```ts
 * parseEncryptionKeys([process.env.SINK_KEY_NEW!, process.env.SINK_KEY_OLD!]);
 * ```
 */
export function parseEncryptionKeys(keys: EncryptionKey | readonly EncryptionKey[]): Buffer[] {
  const list = Array.isArray(keys) ? (keys as readonly EncryptionKey[]) : [keys as EncryptionKey];
  if (list.length === 0) throw new TypeError("credhooks/redis: encryptionKey is an empty list; give at least one 32-byte key.");
  return list.map((key, index) => {
    const bytes = typeof key === "string" ? Buffer.from(key.trim(), "base64") : Buffer.from(key);
    // Node's base64 decoder skips invalid characters silently: check the text round-trips.
    const wellFormed = typeof key !== "string" || bytes.toString("base64").replace(/=+$/, "") === key.trim().replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    if (bytes.length !== 32 || !wellFormed) {
      const where = list.length > 1 ? ` (key #${index + 1})` : "";
      throw new TypeError(
        `credhooks/redis: encryptionKey${where} must be 32 bytes, or 32 bytes in base64 (44 characters, e.g. from \`openssl rand -base64 32\`); ` +
          (typeof key === "string" ? "the string given is not that." : `got ${bytes.length} bytes.`),
      );
    }
    return bytes;
  });
}

/**
 * Encrypts one entry with AES-256-GCM: a fresh random 12-byte IV per write, the 16-byte tag
 * appended, and `aad` (the entry's key) authenticated, so a ciphertext copied to another
 * entry does not decrypt. Output: `enc1:` + base64(iv ‖ ciphertext ‖ tag).
 *
 * @example
 * ```ts
 * const stored = encryptEntry(key, "proven:acme:e1", JSON.stringify(entry));
 * ```
 */
export function encryptEntry(key: Buffer, aad: string, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64");
}

/** True when a stored value is an encrypted entry. */
export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * Decrypts an entry written by {@link encryptEntry} with any of `keys`; throws a
 * {@link FailureDecryptionError} that says what to check when none fits. `what` names the
 * entry in that message (by default: the failed delivery with the key `aad`).
 *
 * @example
 * ```ts
 * const json = decryptEntry(keys, "proven:acme:e1", stored);
 * ```
 */
export function decryptEntry(keys: readonly Buffer[], aad: string, stored: string, what = `failed delivery ${JSON.stringify(aad)}`): string {
  const data = Buffer.from(stored.slice(PREFIX.length), "base64");
  if (data.length < IV_BYTES + TAG_BYTES) throw new FailureDecryptionError(`The ${what} is not a valid encrypted entry (too short); it was altered in Redis.`);
  const iv = data.subarray(0, IV_BYTES);
  const tag = data.subarray(data.length - TAG_BYTES);
  const body = data.subarray(IV_BYTES, data.length - TAG_BYTES);
  for (const key of keys) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(aad, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
    } catch {
      // Authentication failed with this key: try the next one.
    }
  }
  throw new FailureDecryptionError(
    `The ${what} could not be decrypted: it was encrypted with a different encryptionKey, or altered in Redis. ` +
      "Configure the key it was written with (during a rotation, list the new key first and the old keys after it).",
  );
}

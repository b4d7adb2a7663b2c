import { createHmac } from "node:crypto";
import { safeEqual } from "../../credentials.js";
import { WebhookError } from "../../errors.js";
import type { HeaderValue } from "../../types.js";

/**
 * Svix's own tolerance: a signed timestamp may be at most 5 minutes off, either way.
 *
 * @example
 * ```ts
 * crossmint({ secret, toleranceSeconds: DEFAULT_SVIX_TOLERANCE_SECONDS * 2 }); // a server with a drifting clock
 * ```
 */
export const DEFAULT_SVIX_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = "whsec_";
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const TIMESTAMP = /^\d{1,15}$/;

/**
 * The three Svix / Standard Webhooks headers of a delivery.
 *
 * @example
 * ```ts
 * const { id, timestamp, signature }: Partial<SvixHeaders> = readSvixHeaders(request.headers);
 * ```
 */
export interface SvixHeaders {
  /** `svix-id` / `webhook-id`: the message id, the same on every retry of a message. */
  id: string;
  /** `svix-timestamp` / `webhook-timestamp`: Unix seconds, as sent. */
  timestamp: string;
  /** `svix-signature` / `webhook-signature`: space-separated `v1,<base64>` entries. */
  signature: string;
}

/**
 * What {@link verifySvixSignature} checks.
 *
 * @example
 * ```ts
 * const input: VerifySvixSignatureInput = { headers: request.headers, rawBody, secrets: [process.env.CROSSMINT_WEBHOOK_SECRET!] };
 * verifySvixSignature(input);
 * ```
 */
export interface VerifySvixSignatureInput {
  headers: Readonly<Record<string, HeaderValue>>;
  /** The body exactly as received: the signature covers these bytes. */
  rawBody: Buffer;
  /** The configured secrets (`whsec_<base64>`); a signature made with any of them is accepted. */
  secrets: readonly string[];
  /** How far the signed timestamp may be from `nowMs`, in seconds, in both directions (default 300). */
  toleranceSeconds?: number;
  /** The current time in ms since the epoch (default `Date.now()`). */
  nowMs?: number;
}

/**
 * Reads the Svix headers, preferring the `svix-*` names and falling back to the
 * Standard Webhooks `webhook-*` names for each one (Svix's own library does the same).
 * Returns undefined fields as missing.
 *
 * @example
 * ```ts
 * readSvixHeaders(request.headers).id; // "msg_2Lh9…"
 * ```
 */
export function readSvixHeaders(headers: Readonly<Record<string, HeaderValue>>): Partial<SvixHeaders> {
  const read = (name: string): string | undefined => {
    const value = joined(headers[`svix-${name}`]) ?? joined(headers[`webhook-${name}`]);
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const out: Partial<SvixHeaders> = {};
  const id = read("id");
  const timestamp = read("timestamp");
  const signature = read("signature");
  if (id !== undefined) out.id = id;
  if (timestamp !== undefined) out.timestamp = timestamp;
  if (signature !== undefined) out.signature = signature;
  return out;
}

/**
 * Decodes a Svix secret into its HMAC key: `whsec_` (optional, as in Svix's library)
 * followed by standard base64. Throws a `TypeError` that does not contain the secret.
 *
 * @example
 * ```ts
 * svixSecretKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"); // <Buffer 31 f2 90 ...>
 * ```
 */
export function svixSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw new TypeError("A Svix secret must be whsec_ followed by base64 (copy the signing secret of the endpoint from the Crossmint console).");
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length === 0) throw new TypeError("A Svix secret must not be empty.");
  return key;
}

/**
 * Signs a message the way Svix does (`v1,` + base64 HMAC-SHA256 of
 * `${id}.${timestamp}.${body}`). credhooks' tests sign with the `svix` and
 * `standardwebhooks` packages; this is for users' own tests and tools.
 *
 * @example
 * ```ts
 * const signature = signSvixMessage("whsec_…", "msg_1", "1700000000", Buffer.from(body));
 * ```
 */
export function signSvixMessage(secret: string, id: string, timestamp: string, rawBody: Buffer | string): string {
  return `v1,${hmac(svixSecretKey(secret), id, timestamp, rawBody).toString("base64")}`;
}

/**
 * Verifies a Svix / Standard Webhooks signature over the raw body, as Crossmint's
 * deliveries are signed: HMAC-SHA256 over `${id}.${timestamp}.${rawBody}` with the
 * base64-decoded secret, compared in constant time against every `v1,` entry of the
 * signature header (Svix sends several while an endpoint secret is being rotated), for
 * every configured secret. The timestamp is checked after the signature, so that a
 * stale-but-authentic delivery (a clock problem) is told apart from a wrong secret.
 *
 * Throws `MISSING_CREDENTIALS` (a header is missing), `INVALID_SIGNATURE` (no entry
 * matches, or the timestamp is not a number), `TIMESTAMP_TOO_OLD` / `TIMESTAMP_IN_FUTURE`
 * (outside the tolerance). Returns the headers on success.
 *
 * @example
 * ```ts
 * const { id } = verifySvixSignature({ headers: request.headers, rawBody, secrets: ["whsec_…"] });
 * ```
 */
export function verifySvixSignature(input: VerifySvixSignatureInput): SvixHeaders {
  const headers = readSvixHeaders(input.headers);
  const missing = (["id", "timestamp", "signature"] as const).filter((name) => headers[name] === undefined);
  if (missing.length > 0 || headers.id === undefined || headers.timestamp === undefined || headers.signature === undefined) {
    throw new WebhookError(
      "MISSING_CREDENTIALS",
      `The ${missing.map((n) => `svix-${n}`).join(", ")} header${missing.length > 1 ? "s are" : " is"} missing (webhook-${missing[0] ?? "id"} is accepted too). ` +
        "Crossmint signs every delivery through Svix; check that no proxy strips these headers.",
    );
  }
  const { id, timestamp, signature } = headers;

  const keys = input.secrets.map((secret) => {
    try {
      return svixSecretKey(secret);
    } catch {
      throw new WebhookError(
        "CREDENTIALS_UNAVAILABLE",
        "A Crossmint signing secret configured for this tenant is not a Svix secret (whsec_ followed by base64); fix the configuration, the sender will retry.",
      );
    }
  });
  // Entries other than v1 (e.g. Standard Webhooks' asymmetric v1a) are not ours to check.
  const given = signature
    .split(/\s+/)
    .map((entry) => entry.replace(/,+$/, ""))
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => entry.slice(3))
    .filter((sig) => BASE64.test(sig))
    .map((sig) => Buffer.from(sig, "base64"));

  let matched = false;
  for (const key of keys) {
    const expected = hmac(key, id, timestamp, input.rawBody);
    // Every pair is compared, so the time taken does not tell which secret or entry matched.
    for (const candidate of given) {
      if (safeEqual(expected, candidate)) matched = true;
    }
  }
  if (!matched) {
    throw new WebhookError(
      "INVALID_SIGNATURE",
      given.length === 0
        ? "The svix-signature header has no v1,<base64> signature."
        : "No v1 signature in svix-signature matches the body signed with the Crossmint secret(s) configured for this tenant. " +
            "Check the endpoint's signing secret (whsec_…) and that nothing re-serialised the body before credhooks read it.",
    );
  }

  if (!TIMESTAMP.test(timestamp)) {
    throw new WebhookError("INVALID_SIGNATURE", "svix-timestamp must be a Unix time in whole seconds.");
  }
  const tolerance = input.toleranceSeconds ?? DEFAULT_SVIX_TOLERANCE_SECONDS;
  const nowSeconds = Math.floor((input.nowMs ?? Date.now()) / 1000);
  const age = nowSeconds - Number(timestamp);
  // Both directions, as Svix does: an old timestamp is a replay, a future one a way to make a replay last.
  if (age > tolerance) {
    throw new WebhookError(
      "TIMESTAMP_TOO_OLD",
      `svix-timestamp is ${age} s old, more than the ${tolerance} s allowed: a replayed delivery, or this server's clock runs ahead (check NTP).`,
    );
  }
  if (-age > tolerance) {
    throw new WebhookError(
      "TIMESTAMP_IN_FUTURE",
      `svix-timestamp is ${-age} s in the future, more than the ${tolerance} s allowed: this server's clock runs behind (check NTP).`,
    );
  }
  return { id, timestamp, signature };
}

function hmac(key: Buffer, id: string, timestamp: string, rawBody: Buffer | string): Buffer {
  return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(rawBody).digest();
}

/** Several values of one header (a proxy that split it) are joined with a space, as the signature list is. */
function joined(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(" ");
}

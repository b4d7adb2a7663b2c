import { z } from "zod";

// Crossmint warns that fields get added to its payloads: every object is open (unknown
// fields pass through to `payload`), and only what its documentation promises is typed.

/**
 * The issued credential in `data.credential`: a W3C Verifiable Credential in clear, or,
 * for templates with encryption, Crossmint's encrypted credential object
 * `{ credentialId, payload }` (base64 ciphertext). One open object types both shapes.
 *
 * @example
 * ```ts
 * const credential = event.payload.credential;
 * if (credential.payload !== undefined) decrypt(credential.payload, event.payload.secret);
 * ```
 */
export const crossmintCredential = z.looseObject({
  // Encrypted credential object.
  credentialId: z.string().optional(),
  payload: z.string().optional(),
  // W3C Verifiable Credential in clear.
  "@context": z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
  id: z.string().optional(),
  type: z.union([z.string(), z.array(z.string())]).optional(),
  issuer: z.union([z.string(), z.looseObject({ id: z.string().optional() })]).optional(),
  credentialSubject: z.record(z.string(), z.unknown()).optional(),
  validFrom: z.string().optional(),
  validUntil: z.string().optional(),
  issuanceDate: z.string().optional(),
  expirationDate: z.string().optional(),
  proof: z.record(z.string(), z.unknown()).optional(),
});

/**
 * `data` of `credential.creation.succeeded`. With delegated storage this delivery is the
 * only copy of the credential: store it before the handler returns. `secret` is the
 * encryption key of `crossmint-recoverable` templates: it is yours, credhooks hands it to
 * your handlers and never logs it.
 *
 * @example
 * ```ts
 * hooks.on("credential.creation.succeeded", async (event) => {
 *   await vault.put(event.payload.credential, event.payload.secret);
 *   await mailer.send(event.payload.pass);
 * });
 * ```
 */
export const crossmintCredentialCreationSucceeded = z.looseObject({
  credential: crossmintCredential,
  /**
   * The wallet credential pass: documented as a "wallet pass object" holding the link to
   * forward to the subject; a bare link string is accepted too.
   */
  pass: z.union([z.looseObject({}), z.string()]).nullable().optional(),
  /** The encryption key (encrypted templates only). A secret: never log it. */
  secret: z.string().nullable().optional(),
});

/**
 * `data` of `credential.creation.failed`: `error`, a message or an error object.
 *
 * @example
 * ```ts
 * hooks.on("credential.creation.failed", (event) => alert(event.payload.error));
 * ```
 */
export const crossmintCredentialCreationFailed = z.looseObject({
  error: z.union([
    z.string(),
    z.looseObject({ message: z.string().optional(), code: z.union([z.string(), z.number()]).optional() }),
  ]),
});

/**
 * Crossmint's Verifiable Credentials events, by canonical (dotted) name. Older Crossmint
 * pages spell them `credential:creation.succeeded|failed`; those deliveries reach the
 * same handlers.
 *
 * @example
 * ```ts
 * type Succeeded = z.output<(typeof crossmintEvents)["credential.creation.succeeded"]>;
 * ```
 */
export const crossmintEvents = {
  "credential.creation.succeeded": crossmintCredentialCreationSucceeded,
  "credential.creation.failed": crossmintCredentialCreationFailed,
} as const;

/**
 * A canonical Crossmint event name.
 *
 * @example
 * ```ts
 * const name: CrossmintEventName = "credential.creation.succeeded";
 * ```
 */
export type CrossmintEventName = keyof typeof crossmintEvents;

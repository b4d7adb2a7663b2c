import { z } from "zod";

// Truvera sends "key information about the event including the relevant resource
// identifier" and points to its API for the rest, so payloads are small and open: the
// documented fields are typed, every other field passes through to `payload` untouched.

/**
 * A W3C Verifiable Credential as Truvera embeds it in `credential_create` /
 * `credential_issued` (JSON-LD, `Sr25519Signature2020`, `Ed25519Signature2018`, … proofs).
 * Every field is optional: the credential is Truvera's to shape, credhooks only types it.
 *
 * @example
 * ```ts
 * truveraCredential.parse({ "@context": ["https://www.w3.org/2018/credentials/v1"], type: ["VerifiableCredential"] });
 * ```
 */
export const truveraCredential = z.looseObject({
  "@context": z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
  id: z.string().optional(),
  type: z.union([z.string(), z.array(z.string())]).optional(),
  issuer: z.union([z.string(), z.looseObject({ id: z.string().optional(), name: z.string().optional() })]).optional(),
  credentialSubject: z.union([z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))]).optional(),
  issuanceDate: z.string().optional(),
  expirationDate: z.string().optional(),
  credentialStatus: z.record(z.string(), z.unknown()).optional(),
  proof: z.record(z.string(), z.unknown()).optional(),
});

/**
 * `data` of `credential_create` and `credential_issued`: the credential id, the signing
 * key, how many signing operations it took and its size, and the credential itself.
 *
 * @example
 * ```ts
 * hooks.on("credential_issued", (event) => save(event.payload.id, event.payload.credential));
 * ```
 */
export const truveraCredentialEvent = z.looseObject({
  /** The credential id (a URI), the resource id to query `GET /credentials/{id}` with. */
  id: z.string(),
  signingOps: z.number().optional(),
  byteSize: z.number().optional(),
  /** The DID URL of the key that signed the credential. */
  key: z.string().optional(),
  credential: truveraCredential.optional(),
});

/**
 * `data` of the events that write to the Dock chain (revocations, DIDs, registries,
 * schemas): the status of the transaction, the encoded extrinsic and the block it landed
 * in. Truvera sometimes sends less, so nothing is required.
 *
 * @example
 * ```ts
 * hooks.on("credential_revoke", (event) => console.log(event.payload.status, event.payload.result?.InBlock));
 * ```
 */
export const truveraChainTransaction = z.looseObject({
  /** e.g. `"finalized"`. */
  status: z.string().optional(),
  /** The encoded transaction, `0x…`. */
  encodedTx: z.string().optional(),
  result: z.looseObject({ InBlock: z.string().optional() }).optional(),
});

/**
 * `data` of `proof_submitted`: deliberately minimal; the details come from the
 * proof_request API (`GET /proof-requests/{id}`).
 *
 * @example
 * ```ts
 * hooks.on("proof_submitted", (event) => event.payload.verified && grantAccess(event.payload.id));
 * ```
 */
export const truveraProofSubmitted = z.looseObject({
  /** The proof request id. */
  id: z.string(),
  verified: z.boolean().optional(),
});

/**
 * Truvera's events, by the name sent in the body's `event` field. The twelve events of
 * Truvera's webhook documentation, plus `anchor_create`, which older versions of the
 * documentation (the Dock API's anchoring endpoints) list: it is typed like the other
 * chain transactions so that receivers of older workspaces get a typed handler rather
 * than `onUnhandled`.
 *
 * @example
 * ```ts
 * type Revoked = z.output<(typeof truveraEvents)["credential_revoke"]>;
 * ```
 */
export const truveraEvents = {
  credential_create: truveraCredentialEvent,
  credential_issued: truveraCredentialEvent,
  credential_revoke: truveraChainTransaction,
  credential_unrevoke: truveraChainTransaction,
  did_create: truveraChainTransaction,
  did_update_key: truveraChainTransaction,
  // Updating a DID's controller and keyType together fires only did_update_controller.
  did_update_controller: truveraChainTransaction,
  did_delete: truveraChainTransaction,
  registry_create: truveraChainTransaction,
  registry_delete: truveraChainTransaction,
  schema_create: truveraChainTransaction,
  proof_submitted: truveraProofSubmitted,
  /** Legacy: listed by older Dock API documentation. */
  anchor_create: truveraChainTransaction,
} as const;

/**
 * A Truvera event name credhooks knows.
 *
 * @example
 * ```ts
 * const name: TruveraEventName = "credential_issued";
 * ```
 */
export type TruveraEventName = keyof typeof truveraEvents;

import { verify as verifySignature, type KeyObject } from "node:crypto";
import { isInnerList, parseDictionary, type BareItem, type InnerList, type Item } from "structured-headers";
import { WebhookError } from "../../errors.js";
import type { HeaderValue } from "../../types.js";
import { createSignatureBase, signatureBaseCandidates, type SignatureBaseOptions, type SignatureBaseVariant, type SignedRequest } from "./signature-base.js";

/**
 * Default allowed distance between a signature's `created` and now, in seconds.
 *
 * @example
 * ```ts
 * sovrin({ jwks, toleranceSeconds: DEFAULT_SIGNATURE_TOLERANCE_SECONDS * 2 });
 * ```
 */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

// A delivery carries one signature; a few more (e.g. a proxy's) are fine, hundreds are an attack.
const MAX_SIGNATURES = 8;
const MAX_COMPONENTS = 32;

/**
 * One covered component of a verified signature: its name and parameters.
 *
 * @example
 * ```ts
 * const [first]: readonly CoveredComponent[] = verified[0]!.components;
 * first?.name; // "@method"
 * ```
 */
export interface CoveredComponent {
  /** `@method`, `@path`, `content-digest`, … */
  readonly name: string;
  /** Its parameters, e.g. `key` → `"sha-256"` or `name` → `"Pet"`. */
  readonly params: ReadonlyMap<string, BareItem>;
}

/**
 * A signature that verified.
 *
 * @example
 * ```ts
 * const [signature]: VerifiedSignature[] = await verifyHttpMessageSignatures({ message, keysFor });
 * console.log(signature?.keyid, new Date(signature!.created * 1000));
 * ```
 */
export interface VerifiedSignature {
  /** The label in `Signature` / `Signature-Input`, e.g. `sig1`. */
  readonly label: string;
  readonly keyid: string;
  /** `created`, in seconds since the epoch. */
  readonly created: number;
  /** `expires`, in seconds since the epoch, when given. */
  readonly expires: number | undefined;
  /** The covered components, in signed order. */
  readonly components: readonly CoveredComponent[];
  /**
   * How the signer computed the derived components: RFC 9421, or draft-13 as MATTR's
   * library does (`@scheme` as `https:`, decoded `@query-param` values, an explicit `:443`).
   */
  readonly variant: SignatureBaseVariant;
}

/**
 * Options of {@link verifyHttpMessageSignatures}.
 *
 * @example
 * ```ts
 * const options: VerifyHttpMessageSignaturesOptions = {
 *   message: signedRequestOf(request),
 *   keysFor: (kid) => keySource.keysFor(kid, tenantId),
 *   toleranceSeconds: 600,
 * };
 * ```
 */
export interface VerifyHttpMessageSignaturesOptions extends SignatureBaseOptions {
  /** The request as its sender addressed it. */
  readonly message: SignedRequest;
  /** The Ed25519 public keys a `keyid` names; throws a {@link WebhookError} when there is none. */
  readonly keysFor: (keyid: string) => Promise<readonly KeyObject[]>;
  /** The current time in ms since the epoch (default `Date.now()`); fixed in tests. */
  readonly now?: number;
  /** Allowed distance of `created` from now, either way, in seconds (default 300). */
  readonly toleranceSeconds?: number;
}

/**
 * Verifies every signature of a request (RFC 9421) with Ed25519: parses `Signature` and
 * `Signature-Input` (RFC 8941 dictionaries), rebuilds each signature base from exactly
 * the covered components, checks `created` (within the tolerance, required) and
 * `expires` (not past), and verifies with the key `keyid` names. Throws a
 * {@link WebhookError} (`MISSING_CREDENTIALS`, `INVALID_SIGNATURE`, `TIMESTAMP_TOO_OLD`,
 * `TIMESTAMP_IN_FUTURE`, `UNKNOWN_KEY`, `CREDENTIALS_UNAVAILABLE`) unless all verify.
 *
 * What the signatures cover is the caller's policy: see {@link coversComponent}.
 *
 * @example
 * ```ts
 * const verified = await verifyHttpMessageSignatures({
 *   message: signedRequestOf(request),
 *   keysFor: (kid) => keySource.keysFor(kid, tenantId),
 * });
 * coversComponent(verified, "content-digest"); // true when the body is signed
 * ```
 */
export async function verifyHttpMessageSignatures(options: VerifyHttpMessageSignaturesOptions): Promise<VerifiedSignature[]> {
  const { message } = options;
  const signatureHeader = joinedField(message.headers["signature"]);
  const inputHeader = joinedField(message.headers["signature-input"]);
  if (signatureHeader === undefined && inputHeader === undefined) {
    throw new WebhookError("MISSING_CREDENTIALS", "The request has no Signature and Signature-Input headers; Sovrin signs every webhook with HTTP Message Signatures.");
  }
  if (signatureHeader === undefined || inputHeader === undefined) {
    throw new WebhookError("INVALID_SIGNATURE", `The request has a ${signatureHeader === undefined ? "Signature-Input" : "Signature"} header but no ${signatureHeader === undefined ? "Signature" : "Signature-Input"} header.`);
  }
  const signatures = parseField("Signature", signatureHeader);
  const inputs = parseField("Signature-Input", inputHeader);
  if (inputs.size === 0) throw new WebhookError("INVALID_SIGNATURE", "Signature-Input lists no signature.");
  if (inputs.size > MAX_SIGNATURES) throw new WebhookError("INVALID_SIGNATURE", `The request carries more than ${MAX_SIGNATURES} signatures.`);
  for (const label of signatures.keys()) {
    if (!inputs.has(label)) throw new WebhookError("INVALID_SIGNATURE", `Signature ${JSON.stringify(label)} has no entry in Signature-Input.`);
  }

  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS;
  const verified: VerifiedSignature[] = [];
  for (const [label, input] of inputs) {
    const signature = signatures.get(label);
    if (signature === undefined) throw new WebhookError("INVALID_SIGNATURE", `Signature-Input ${JSON.stringify(label)} has no value in the Signature header.`);
    if (!isInnerList(input)) throw new WebhookError("INVALID_SIGNATURE", `Signature-Input ${JSON.stringify(label)} must be an inner list of covered components.`);
    if (isInnerList(signature) || !(signature[0] instanceof ArrayBuffer)) {
      throw new WebhookError("INVALID_SIGNATURE", `Signature ${JSON.stringify(label)} must be a byte sequence (:base64:).`);
    }
    if (input[0].length > MAX_COMPONENTS) throw new WebhookError("INVALID_SIGNATURE", `Signature ${JSON.stringify(label)} covers more than ${MAX_COMPONENTS} components.`);
    const params = signatureParams(label, input);
    checkTimes(label, params, nowSeconds, tolerance);
    // Built before the key lookup: a request that cannot have been signed costs no JWKS fetch.
    // RFC 9421's base first; MATTR's draft-13 spellings only when a covered component has one.
    const candidates: Array<{ variant: SignatureBaseVariant; base: Buffer }> = [];
    const seen = new Set<string>();
    let unbuildable: unknown;
    for (const variant of signatureBaseCandidates(input)) {
      let base: string;
      try {
        base = createSignatureBase(input, message, options, variant);
      } catch (error) {
        // A spelling whose base cannot be built (e.g. a query parameter found only under
        // its decoded name) is not a candidate; RFC 9421's error is the one reported.
        unbuildable ??= error;
        continue;
      }
      if (seen.has(base)) continue;
      seen.add(base);
      candidates.push({ variant, base: Buffer.from(base, "utf8") });
    }
    if (candidates.length === 0) throw unbuildable;
    const signatureBytes = Buffer.from(signature[0]);
    const keys = await options.keysFor(params.keyid);
    const match = signatureBytes.length === 64 ? candidates.find(({ base }) => keys.some((key) => verifySignature(null, base, key, signatureBytes))) : undefined;
    if (match === undefined) {
      const covered = input[0].map((item) => String(item[0])).join(", ");
      throw new WebhookError(
        "INVALID_SIGNATURE",
        `Signature ${JSON.stringify(label)} does not verify with key ${JSON.stringify(params.keyid.slice(0, 80))}. It covers ${covered || "no component"}: ` +
          "one of them differs from what was signed (a changed header or body, or the request was addressed differently — behind a proxy, set publicOrigin).",
      );
    }
    verified.push({
      label,
      keyid: params.keyid,
      created: params.created,
      expires: params.expires,
      components: input[0].map(([name, componentParams]) => ({ name: String(name), params: componentParams })),
      variant: match.variant,
    });
  }
  return verified;
}

interface SignatureParams {
  keyid: string;
  created: number;
  expires: number | undefined;
}

function signatureParams(label: string, input: InnerList): SignatureParams {
  const params = input[1];
  const keyid = params.get("keyid");
  const created = params.get("created");
  const expires = params.get("expires");
  const alg = params.get("alg");
  const name = JSON.stringify(label);
  if (typeof keyid !== "string" || keyid === "") throw new WebhookError("INVALID_SIGNATURE", `Signature ${name} has no keyid; Sovrin names its key in keyid.`);
  if (typeof created !== "number" || !Number.isInteger(created)) {
    throw new WebhookError("INVALID_SIGNATURE", `Signature ${name} has no integer created parameter; credhooks needs it to reject replays.`);
  }
  if (expires !== undefined && (typeof expires !== "number" || !Number.isInteger(expires))) {
    throw new WebhookError("INVALID_SIGNATURE", `Signature ${name} has a non-integer expires parameter.`);
  }
  // RFC 9421 §3.3.7: a stated alg must match the key's; Sovrin's keys are Ed25519.
  if (alg !== undefined && alg !== "ed25519") {
    throw new WebhookError("INVALID_SIGNATURE", `Signature ${name} uses alg ${JSON.stringify(String(alg).slice(0, 40))}; credhooks verifies Sovrin's ed25519 signatures only.`);
  }
  return { keyid, created, expires };
}

function checkTimes(label: string, params: SignatureParams, now: number, tolerance: number): void {
  const name = JSON.stringify(label);
  if (params.expires !== undefined && params.expires < now) {
    throw new WebhookError("TIMESTAMP_TOO_OLD", `Signature ${name} expired ${now - params.expires} s ago; the sender should send a freshly signed delivery.`);
  }
  if (params.created > now + tolerance) {
    throw new WebhookError("TIMESTAMP_IN_FUTURE", `Signature ${name} was created ${params.created - now} s in the future (tolerance ${tolerance} s); check the receiving server's clock.`);
  }
  if (params.created < now - tolerance) {
    throw new WebhookError("TIMESTAMP_TOO_OLD", `Signature ${name} was created ${now - params.created} s ago (tolerance ${tolerance} s): a replay, or the receiving server's clock is wrong.`);
  }
}

function joinedField(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

function parseField(name: string, value: string): Map<string, Item | InnerList> {
  try {
    return parseDictionary(value);
  } catch {
    throw new WebhookError("INVALID_SIGNATURE", `The ${name} header is not a valid structured-field dictionary (RFC 8941).`);
  }
}

/**
 * True when any of the verified signatures covers the component `name` (with any
 * parameters).
 *
 * @example
 * ```ts
 * coversComponent(verified, "@path", "@request-target", "@target-uri");
 * ```
 */
export function coversComponent(verified: readonly VerifiedSignature[], ...names: readonly string[]): boolean {
  return verified.some((signature) => signature.components.some((component) => names.includes(component.name)));
}

/**
 * The subject id of a W3C Verifiable Credential (`credentialSubject.id`, or the first
 * subject's id when `credentialSubject` is a list), for the `subject` of normalized events.
 * Anything else (an encrypted credential, a subject without id) gives undefined.
 *
 * @example
 * ```ts
 * subjectIdOf({ credentialSubject: { id: "did:key:z6Mk…" } }); // "did:key:z6Mk…"
 * ```
 */
export function subjectIdOf(credential: unknown): string | undefined {
  if (!isRecord(credential)) return undefined;
  const subject = credential["credentialSubject"];
  const first: unknown = Array.isArray(subject) ? subject[0] : subject;
  return isRecord(first) ? nonEmptyString(first["id"]) : undefined;
}

/**
 * The value if it is a non-empty string, else undefined: for ids read from open payloads.
 *
 * @example
 * ```ts
 * nonEmptyString(payload["id"]); // "abc" | undefined
 * ```
 */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

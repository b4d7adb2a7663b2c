/**
 * Development credentials: what the example servers and `credhooks listen` accept when
 * the environment sets none, and what every builder of this package signs with by
 * default, so the two work together out of the box. They are public: never use them in
 * production.
 *
 * @example
 * ```ts
 * const provider = proven({ apiKey: DEV_CREDENTIALS.PROVEN_API_KEY });
 * ```
 */
export const DEV_CREDENTIALS = {
  PROVEN_API_KEY: "proven-dev-key",
  LISSI_API_KEY: "lissi-dev-key",
  ACAPY_API_KEY: "acapy-dev-key",
  TRUVERA_TOKEN: "truvera-dev-token",
  /** A Svix secret: `whsec_` + base64 of the HMAC key. */
  CROSSMINT_SECRET: "whsec_Y3JlZGhvb2tzLWRldi1jcm9zc21pbnQtc2VjcmV0LWtleQ==",
  /** Sovrin's public JWKS (JSON text) for the development key pair below; `SOVRIN_JWKS_URL` is used only when `SOVRIN_JWKS` is unset. */
  SOVRIN_JWKS: '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"6RcpQBSSTx0JBwNeaQX1HUHgBiFw7Po7mxLD8TL1HcQ","kid":"credhooks-dev-sovrin"}]}',
} as const;

/**
 * The name of one development credential, which is also the environment variable that
 * overrides it (`PROVEN_API_KEY`, `TRUVERA_TOKEN`, `CROSSMINT_SECRET`, `SOVRIN_JWKS`, …).
 *
 * @example
 * ```ts
 * const name: DevCredentialName = "CROSSMINT_SECRET";
 * ```
 */
export type DevCredentialName = keyof typeof DEV_CREDENTIALS;

/**
 * DEVELOPMENT ONLY — the private half of the Sovrin development key (`SOVRIN_JWKS` above).
 * `deliveries.sovrin` signs with it by default. It is public in this repository: never
 * trust it outside local development.
 *
 * @example
 * ```ts
 * const delivery = deliveries.sovrin("OpenIdCredentialIssued", undefined, { privateKey: DEV_SOVRIN_SIGNING_JWK });
 * ```
 */
export const DEV_SOVRIN_SIGNING_JWK = {
  kty: "OKP",
  crv: "Ed25519",
  x: "6RcpQBSSTx0JBwNeaQX1HUHgBiFw7Po7mxLD8TL1HcQ",
  d: "zptla2_MiN7ZDl13uGkpFf3HuhTdezI8M2px2QX2hRM",
  kid: "credhooks-dev-sovrin",
} as const;

/**
 * Reads a credential from the environment, falling back to its development default: how
 * the example servers and `credhooks listen` pick their credentials. An empty variable
 * counts as unset.
 *
 * @example
 * ```ts
 * const apiKey = devCredential(process.env, "PROVEN_API_KEY"); // $PROVEN_API_KEY or "proven-dev-key"
 * ```
 */
export function devCredential(env: Readonly<Record<string, string | undefined>>, name: DevCredentialName): string {
  const value = env[name];
  return value !== undefined && value !== "" ? value : DEV_CREDENTIALS[name];
}

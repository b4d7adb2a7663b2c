/**
 * Development credentials of the example servers, used when the environment sets none.
 * The demo (and the test kit) sign sample deliveries with these. Never use them in production.
 */
export const DEV_CREDENTIALS = {
  PROVEN_API_KEY: "proven-dev-key",
  LISSI_API_KEY: "lissi-dev-key",
  TRUVERA_TOKEN: "truvera-dev-token",
  /** A Svix secret: `whsec_` + base64 of the HMAC key. */
  CROSSMINT_SECRET: "whsec_Y3JlZGhvb2tzLWRldi1jcm9zc21pbnQtc2VjcmV0LWtleQ==",
  /** Sovrin's public JWKS (JSON text) for the development key pair below; `SOVRIN_JWKS_URL` is used only when `SOVRIN_JWKS` is unset. */
  SOVRIN_JWKS: '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"6RcpQBSSTx0JBwNeaQX1HUHgBiFw7Po7mxLD8TL1HcQ","kid":"credhooks-dev-sovrin"}]}',
} as const;

/**
 * DEVELOPMENT ONLY — the private half of the Sovrin development key (`SOVRIN_JWKS` above).
 * The demo and the test kit sign sample Sovrin deliveries with it (`signSovrinDelivery`).
 * It is public in this repository: never trust it outside local development.
 */
export const DEV_SOVRIN_SIGNING_JWK = {
  kty: "OKP",
  crv: "Ed25519",
  x: "6RcpQBSSTx0JBwNeaQX1HUHgBiFw7Po7mxLD8TL1HcQ",
  d: "zptla2_MiN7ZDl13uGkpFf3HuhTdezI8M2px2QX2hRM",
  kid: "credhooks-dev-sovrin",
} as const;

/** Reads a credential from the environment, falling back to its development default. */
export function credential(env: NodeJS.ProcessEnv, name: keyof typeof DEV_CREDENTIALS): string {
  const value = env[name];
  return value !== undefined && value !== "" ? value : DEV_CREDENTIALS[name];
}

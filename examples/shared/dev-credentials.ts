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
} as const;

/** Reads a credential from the environment, falling back to its development default. */
export function credential(env: NodeJS.ProcessEnv, name: keyof typeof DEV_CREDENTIALS): string {
  const value = env[name];
  return value !== undefined && value !== "" ? value : DEV_CREDENTIALS[name];
}

// Credentials of the benchmark only: the load generator signs with them and the receivers
// check them. They protect nothing; never reuse them outside `pnpm bench`.
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";

/** The tenant every benchmark delivery is addressed to (`/events/acme/<provider>`). */
export const BENCH_TENANT = "acme";

/** Proven's `X-API-Key`. */
export const BENCH_API_KEY = "bench-proven-api-key-3f9c1b7e";

/** Truvera's body `token`. */
export const BENCH_TRUVERA_TOKEN = "bench-truvera-token-4A_Z0fYD19q1qKZ03qAfB0zTu8XYuLPpGk0oHfP8OrvG";

/** Crossmint's Svix endpoint secret: `whsec_` + base64 of the HMAC key. */
export const BENCH_SVIX_SECRET = "whsec_f3AFT0hPBZx+0VP9WDqq7E4DSSuSEcwjPwEgNqr1Rs4=";

/** The GitHub webhook secret of the @octokit/webhooks peer and its hand-written twin. */
export const BENCH_GITHUB_SECRET = "bench-github-webhook-secret";

/** The Ed25519 key Sovrin deliveries are signed with (private part: load generator only). */
export const BENCH_SOVRIN_JWK = {
  kty: "OKP",
  crv: "Ed25519",
  kid: "bench-sovrin-key-1",
  x: "-jpdLn5Vts-H6Cb4w5Lk9v0dhJlWios_vV40713WC34",
  d: "4BOe6qeHuBnsWvU-TgQRDcoW3a1ft2oB405TOK8RFYo",
} as const;

/** The public JWKS a Sovrin receiver is configured with. */
export const BENCH_SOVRIN_JWKS = {
  keys: [{ kty: "OKP", crv: "Ed25519", kid: BENCH_SOVRIN_JWK.kid, x: BENCH_SOVRIN_JWK.x, alg: "EdDSA", use: "sig" }],
};

/** The Sovrin private key as a KeyObject. */
export function sovrinPrivateKey(): KeyObject {
  return createPrivateKey({ key: { ...BENCH_SOVRIN_JWK } as JsonWebKey, format: "jwk" });
}

/** The Sovrin public key as a KeyObject. */
export function sovrinPublicKey(): KeyObject {
  const { d: _d, ...publicJwk } = BENCH_SOVRIN_JWK;
  return createPublicKey({ key: publicJwk as JsonWebKey, format: "jwk" });
}

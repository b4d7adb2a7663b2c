import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { DEV_CREDENTIALS, DEV_SOVRIN_SIGNING_JWK } from "./dev-credentials.js";

/**
 * A public Ed25519 JWK as Sovrin publishes it: no `alg`, `kty: "OKP"`, `crv: "Ed25519"`.
 *
 * @example
 * ```ts
 * const jwk: Ed25519PublicJwk = { kty: "OKP", crv: "Ed25519", x: "6Rcp…", kid: "k1" };
 * ```
 */
export interface Ed25519PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
}

/**
 * A private Ed25519 JWK (with `d`), the form `deliveries.sovrin` signs with.
 *
 * @example
 * ```ts
 * const { privateJwk } = generateSovrinKeyPair();
 * privateJwk.d; // the private key, base64url
 * ```
 */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  readonly d: string;
}

/**
 * A Sovrin signing key pair for tests: the private JWK to sign with, and the public JWK and
 * JWKS to configure the receiver with (`sovrin({ jwks: pair.jwks })`).
 *
 * @example
 * ```ts
 * const pair = generateSovrinKeyPair("k1");
 * const provider = sovrin({ jwks: pair.jwks });
 * const d = deliveries.sovrin("OpenIdCredentialIssued", undefined, { privateKey: pair.privateJwk });
 * ```
 */
export interface SovrinKeyPair {
  readonly kid: string;
  readonly privateJwk: Ed25519PrivateJwk;
  readonly publicJwk: Ed25519PublicJwk;
  /** `{ keys: [publicJwk] }`, as served at `https://{tenant}/v1/webhooks/jwks`. */
  readonly jwks: { keys: Ed25519PublicJwk[] };
}

/**
 * Generates a fresh Ed25519 key pair and its JWKS, as Sovrin publishes its keys (without
 * `alg`). Use it to test key rotation (two pairs, one JWKS) or an unknown `keyid`.
 *
 * @example
 * ```ts
 * const [current, next] = [generateSovrinKeyPair("2024"), generateSovrinKeyPair("2025")];
 * const provider = sovrin({ jwks: { keys: [current.publicJwk, next.publicJwk] } });
 * ```
 */
export function generateSovrinKeyPair(kid: string = `test-${randomUUID()}`): SovrinKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  if (typeof jwk.x !== "string" || typeof jwk.d !== "string") throw new Error("node:crypto exported an Ed25519 JWK without x or d.");
  const publicJwk: Ed25519PublicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x, kid };
  return { kid, privateJwk: { ...publicJwk, d: jwk.d }, publicJwk, jwks: { keys: [publicJwk] } };
}

/**
 * The development Sovrin key pair of the example servers and `credhooks listen`
 * ({@link DEV_SOVRIN_SIGNING_JWK} and `DEV_CREDENTIALS.SOVRIN_JWKS`). Public: development only.
 *
 * @example
 * ```ts
 * const provider = sovrin({ jwks: DEV_SOVRIN_KEY_PAIR.jwks });
 * ```
 */
export const DEV_SOVRIN_KEY_PAIR: SovrinKeyPair = (() => {
  const { d: _d, ...publicJwk } = DEV_SOVRIN_SIGNING_JWK;
  const jwks = JSON.parse(DEV_CREDENTIALS.SOVRIN_JWKS) as SovrinKeyPair["jwks"];
  return { kid: DEV_SOVRIN_SIGNING_JWK.kid, privateJwk: DEV_SOVRIN_SIGNING_JWK, publicJwk, jwks };
})();

/**
 * A fresh Svix signing secret (`whsec_` + base64 of 24 random bytes), as Crossmint shows
 * for an endpoint. Use it to test a wrong secret or a rotation.
 *
 * @example
 * ```ts
 * const [old, current] = [generateSvixSecret(), generateSvixSecret()];
 * const provider = crossmint({ secret: [current, old] });
 * ```
 */
export function generateSvixSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

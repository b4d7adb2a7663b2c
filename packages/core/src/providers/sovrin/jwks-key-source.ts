import { createPublicKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, type JSONWebKeySet, type JWK } from "jose";
import { LRUCache } from "lru-cache";
import { WebhookError } from "../../errors.js";
import { ed25519PublicKeyProblem } from "./ed25519-public-key.js";

/**
 * Where Sovrin's public keys come from: a JWKS object, a JWKS as JSON text (handy for
 * environment variables), or the URL of a JWKS (`https://{tenant}/v1/webhooks/jwks`).
 *
 * @example
 * ```ts
 * const fromUrl: JwksSource = "https://acme.vii.mattr.global/v1/webhooks/jwks";
 * const fromEnv: JwksSource = process.env.SOVRIN_JWKS!; // '{"keys":[…]}'
 * ```
 */
export type JwksSource = JSONWebKeySet | string | URL;

/**
 * A {@link JwksSource}, or a resolver of one per tenant (the tenant id from
 * `/events/:tenantId`). A resolver returning nothing rejects the delivery with 401; a
 * resolver that throws answers 503 so the sender retries.
 *
 * @example
 * ```ts
 * // An allow-list: never build the URL from the tenant id alone, it comes from the request path.
 * const jwks: JwksOption = (tenantId) => (tenantId ? allowedTenants.get(tenantId)?.jwksUrl : undefined);
 * sovrin({ jwks });
 * ```
 */
export type JwksOption = JwksSource | ((tenantId: string | undefined) => JwksSource | null | undefined | Promise<JwksSource | null | undefined>);

/**
 * Fetching and caching of remote JWKS (passed to jose's `createRemoteJWKSet`).
 *
 * @example
 * ```ts
 * sovrin({ jwks: jwksUrl, remoteJwks: { cooldownMs: 10_000, cacheMaxAgeMs: 60 * 60_000, timeoutMs: 1_000 } });
 * ```
 */
export interface RemoteJwksOptions {
  /** Minimum time between refetches caused by an unknown `keyid`, in ms (default 30 s). */
  readonly cooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again, in ms (default 10 min). */
  readonly cacheMaxAgeMs?: number;
  /**
   * Timeout of one JWKS request, in ms. Default 1.5 s: the sender gives up after 3 s, and
   * the fetch happens before the handlers run.
   */
  readonly timeoutMs?: number;
}

/**
 * Finds the Ed25519 public keys a `keyid` names.
 *
 * @example
 * ```ts
 * const keys = createJwksKeySource({ keys: [{ kty: "OKP", crv: "Ed25519", x: "...", kid: "k1" }] });
 * await keys.keysFor("k1", "acme"); // [KeyObject]
 * ```
 */
export interface JwksKeySource {
  /**
   * The usable keys with this `kid`. Throws `UNKNOWN_KEY` (401) when there is none, even
   * after a refetch; `CREDENTIALS_UNAVAILABLE` (503) when the JWKS cannot be fetched.
   */
  keysFor(kid: string, tenantId: string | undefined): Promise<readonly KeyObject[]>;
}

type RemoteSet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Creates the key lookup of the Sovrin provider. Inline key sets are checked when the
 * provider is created. Remote sets use jose's `createRemoteJWKSet` for the fetch, the
 * cache and the cool-down: a `keyid` not in the cached set triggers one refetch (at most
 * once per cool-down), so a key Sovrin newly publishes is found without a restart. When a
 * refetch fails but the last fetched set has the key, that key is used.
 *
 * @example
 * ```ts
 * const keys = createJwksKeySource("https://acme.vii.mattr.global/v1/webhooks/jwks", { cooldownMs: 10_000 });
 * ```
 */
export function createJwksKeySource(option: JwksOption, remote: RemoteJwksOptions = {}): JwksKeySource {
  const remoteSets = new LRUCache<string, RemoteSet>({ max: 100 });
  const inlineKeys = new LRUCache<string, IndexedKeys>({ max: 100 });
  const inlineObjects = new WeakMap<object, IndexedKeys>();

  function remoteSet(url: URL): RemoteSet {
    let set = remoteSets.get(url.href);
    if (!set) {
      set = createRemoteJWKSet(url, {
        cooldownDuration: remote.cooldownMs ?? 30_000,
        cacheMaxAge: remote.cacheMaxAgeMs ?? 600_000,
        timeoutDuration: remote.timeoutMs ?? 1_500,
      });
      remoteSets.set(url.href, set);
    }
    return set;
  }

  function inline(jwks: JSONWebKeySet | string): IndexedKeys {
    if (typeof jwks === "string") {
      let keys = inlineKeys.get(jwks);
      if (!keys) inlineKeys.set(jwks, (keys = indexKeys(parseJwksText(jwks))));
      return keys;
    }
    let keys = inlineObjects.get(jwks);
    if (!keys) inlineObjects.set(jwks, (keys = indexKeys(jwks)));
    return keys;
  }

  function classify(source: JwksSource): URL | JSONWebKeySet | string {
    if (source instanceof URL) return source;
    if (typeof source === "string" && !source.trimStart().startsWith("{")) {
      try {
        return new URL(source);
      } catch {
        throw new TypeError("sovrin: jwks must be a JWKS object, JWKS JSON text or an http(s) URL.");
      }
    }
    return source;
  }

  // Static sources are checked now, so a typo fails at start-up, not on the first delivery.
  if (typeof option !== "function") {
    const source = classify(option);
    if (source instanceof URL) checkUrl(source);
    else refuseAtStart(inline(source));
  }

  async function resolve(tenantId: string | undefined): Promise<URL | JSONWebKeySet | string> {
    if (typeof option !== "function") return classify(option);
    let source: JwksSource | null | undefined;
    try {
      source = await option(tenantId);
    } catch (cause) {
      throw new WebhookError("CREDENTIALS_UNAVAILABLE", "Looking up the Sovrin JWKS for this tenant failed; the sender should retry later.", { cause });
    }
    if (source === null || source === undefined) {
      throw new WebhookError("INVALID_CREDENTIALS", "No Sovrin JWKS is configured for this tenant.");
    }
    try {
      const classified = classify(source);
      if (classified instanceof URL) checkUrl(classified);
      return classified;
    } catch (cause) {
      throw new WebhookError("CREDENTIALS_UNAVAILABLE", "The Sovrin JWKS configured for this tenant is not usable; fix the jwks resolver.", { cause });
    }
  }

  return {
    async keysFor(kid, tenantId) {
      const source = await resolve(tenantId);
      if (!(source instanceof URL)) {
        let keys;
        try {
          keys = inline(source).get(kid);
        } catch (cause) {
          throw new WebhookError("CREDENTIALS_UNAVAILABLE", "The Sovrin JWKS configured for this tenant is not a valid JWKS.", { cause });
        }
        if (!keys) throw unknownKey(kid, false);
        if (keys.found.length > 0) return keys.found;
        // Only from a resolver (a static JWKS with such a key fails at start): that key is refused, the others serve.
        throw new WebhookError("UNKNOWN_KEY", `The Sovrin JWKS configured for this tenant holds kid ${JSON.stringify(kid.slice(0, 80))}, but credhooks refuses that key: ${keys.refused}`);
      }
      const set = remoteSet(source);
      let fetchError: unknown;
      if (!set.fresh) {
        try {
          await set.reload();
        } catch (error) {
          fetchError = error;
        }
      }
      let keys = keysIn(set, kid);
      // An unknown kid may be a key Sovrin just rotated in: refetch, once per cool-down.
      if (keys.length === 0 && fetchError === undefined && !set.coolingDown) {
        try {
          await set.reload();
        } catch (error) {
          fetchError = error;
        }
        keys = keysIn(set, kid);
      }
      if (keys.length > 0) return keys;
      if (fetchError !== undefined) {
        throw new WebhookError("CREDENTIALS_UNAVAILABLE", `Fetching the Sovrin JWKS from ${source.origin} failed; the sender should retry later.`, { cause: fetchError });
      }
      throw unknownKey(kid, true);
    },
  };
}

function checkUrl(url: URL): void {
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("sovrin: a jwks URL must be http(s).");
}

function unknownKey(kid: string, remote: boolean): WebhookError {
  const shown = JSON.stringify(kid.slice(0, 80));
  return new WebhookError(
    "UNKNOWN_KEY",
    remote
      ? `No Ed25519 key with kid ${shown} is published in the Sovrin JWKS (refetched); check the tenant's /v1/webhooks/jwks.`
      : `No Ed25519 key with kid ${shown} is in the configured Sovrin JWKS; add the key Sovrin now signs with.`,
  );
}

// Remote keys by kid and x: the imported KeyObject, or why the key was refused. A refetched
// set reuses them, and a refused key is not checked again on every delivery that names it.
const remoteKeyCache = new LRUCache<string, KeyObject | { refused: string }>({ max: 500 });

function keysIn(set: RemoteSet, kid: string): KeyObject[] {
  const jwks = set.jwks();
  if (!jwks) return [];
  const found: KeyObject[] = [];
  let refused: string | undefined;
  for (const jwk of jwks.keys) {
    if (jwk.kid !== kid || !isUsableEd25519(jwk)) continue;
    const cacheKey = `${kid}\u0000${String(jwk.x)}`;
    let key = remoteKeyCache.get(cacheKey);
    if (!key) {
      try {
        key = importEd25519(jwk);
      } catch (error) {
        key = { refused: error instanceof Error ? error.message : String(error) };
      }
      remoteKeyCache.set(cacheKey, key);
    }
    if ("refused" in key) refused = key.refused;
    else found.push(key);
  }
  // A published key that is not a usable Ed25519 key is refused loudly, not taken as "unknown".
  if (found.length === 0 && refused !== undefined) {
    throw new WebhookError("UNKNOWN_KEY", `The Sovrin JWKS publishes kid ${JSON.stringify(kid.slice(0, 80))}, but credhooks refuses that key: ${refused}`);
  }
  return found;
}

function parseJwksText(text: string): JSONWebKeySet {
  try {
    return JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw new TypeError("sovrin: jwks JSON text is not valid JSON.");
  }
}

/** The Ed25519 keys of an inline JWKS by `kid`: the usable ones, and why others with that kid were refused. */
type IndexedKeys = Map<string, { found: KeyObject[]; refused?: string }>;

/** A static JWKS is checked when the provider is created: a refused key is a configuration error. */
function refuseAtStart(keys: IndexedKeys): void {
  for (const { refused } of keys.values()) if (refused !== undefined) throw new TypeError(refused);
}

/**
 * Indexes the Ed25519 keys of a JWKS by `kid`. Sovrin's JWKs carry no `alg`: the algorithm
 * follows from `kty: "OKP"` and `crv: "Ed25519"`. Keys of other types, or meant for other
 * uses, are skipped; an Ed25519 key that is not usable (small order, not on the curve, …)
 * is recorded as refused, with why.
 */
function indexKeys(jwks: JSONWebKeySet): IndexedKeys {
  if (typeof jwks !== "object" || jwks === null || !Array.isArray(jwks.keys)) {
    throw new TypeError('sovrin: jwks must look like {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "...", "kid": "..."}]}.');
  }
  const byKid: IndexedKeys = new Map();
  for (const jwk of jwks.keys) {
    if (typeof jwk !== "object" || jwk === null || typeof jwk.kid !== "string" || !isUsableEd25519(jwk)) continue;
    let entry = byKid.get(jwk.kid);
    if (!entry) byKid.set(jwk.kid, (entry = { found: [] }));
    try {
      entry.found.push(importEd25519(jwk));
    } catch (error) {
      entry.refused = error instanceof Error ? error.message : String(error);
    }
  }
  if (byKid.size === 0) {
    throw new TypeError("sovrin: the jwks holds no Ed25519 key with a kid (kty OKP, crv Ed25519, x, kid).");
  }
  return byKid;
}

function isUsableEd25519(jwk: JWK): boolean {
  return (
    jwk.kty === "OKP" &&
    jwk.crv === "Ed25519" &&
    typeof jwk.x === "string" &&
    (jwk.alg === undefined || jwk.alg === "EdDSA" || jwk.alg === "Ed25519") &&
    (jwk.use === undefined || jwk.use === "sig") &&
    (jwk.key_ops === undefined || (Array.isArray(jwk.key_ops) && jwk.key_ops.includes("verify")))
  );
}

/**
 * Imports the public part of an Ed25519 JWK (a private `d` given by mistake is never used),
 * refusing, with a TypeError that says why, an `x` that is not 32 bytes of base64url, not a
 * canonical point of the curve, a small-order point (the identity, the all-zero `x`: they
 * accept signatures made by nobody) or a point outside the prime-order subgroup. OpenSSL
 * would import all of them.
 */
function importEd25519(jwk: JWK): KeyObject {
  const x = jwk.x as string;
  const name = `sovrin: the JWK with kid ${JSON.stringify(String(jwk.kid).slice(0, 80))} is not a usable Ed25519 public key`;
  if (!/^[A-Za-z0-9_-]{43}$/.test(x)) throw new TypeError(`${name}: x must be 32 bytes in unpadded base64url (43 characters).`);
  const problem = ed25519PublicKeyProblem(Buffer.from(x, "base64url"));
  if (problem !== undefined) throw new TypeError(`${name}: ${problem}.`);
  try {
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
  } catch (cause) {
    throw new TypeError(`${name}.`, { cause });
  }
}

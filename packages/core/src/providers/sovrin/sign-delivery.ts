import { createPrivateKey, sign, type JsonWebKey, type KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { parseItem, serializeDictionary, serializeInnerList, type InnerList, type Item } from "structured-headers";
import { createContentDigest } from "./content-digest.js";
import { createSignatureBase } from "./signature-base.js";

/**
 * Options of {@link signSovrinDelivery}.
 *
 * @example
 * ```ts
 * const options: SignSovrinDeliveryOptions = { privateKey: devJwk, url: "http://localhost:3000/events/acme/sovrin", body: envelope };
 * ```
 */
export interface SignSovrinDeliveryOptions {
  /** The Ed25519 private key: a JWK with `d`, or a KeyObject. */
  readonly privateKey: JWK | KeyObject;
  /** The `keyid` to send; default the JWK's `kid`. */
  readonly keyid?: string;
  /** The URL the delivery is addressed to, e.g. `http://localhost:3000/events/acme/sovrin`. */
  readonly url: string | URL;
  /** The body: bytes, text, or a value sent as JSON. */
  readonly body: Uint8Array | string | object;
  /** Default `POST`. */
  readonly method?: string;
  /**
   * The covered components, as names (`"@method"`) or serialized identifiers
   * (`'"@query-param";name="a"'`). Default: `@method`, `@path`, `@authority`,
   * `content-type`, `content-digest`.
   */
  readonly components?: readonly string[];
  /** `created`, default now. */
  readonly created?: Date;
  /** `expires`, default none. */
  readonly expires?: Date;
  /** The signature label, default `sig1`. */
  readonly label?: string;
}

/**
 * A signed delivery: send `body` with `headers` to the URL it was signed for.
 *
 * @example
 * ```ts
 * const { body, headers }: SignedSovrinDelivery = signSovrinDelivery({ privateKey: devJwk, url, body: envelope });
 * await fetch(url, { method: "POST", headers, body });
 * ```
 */
export interface SignedSovrinDelivery {
  readonly body: Buffer;
  readonly headers: Record<string, string>;
}

const DEFAULT_COMPONENTS = ["@method", "@path", "@authority", "content-type", "content-digest"];

/**
 * **For tests and demos only.** Signs a delivery the way Sovrin does (RFC 9421, Ed25519,
 * `Content-Digest` over the body), so a receiver can be exercised without a Sovrin tenant —
 * for example with the development key of the example servers. credhooks' own tests check
 * its verifier against an independent implementation (`http-message-signatures`), never
 * only against this signer.
 *
 * @example
 * ```ts
 * const { body, headers } = signSovrinDelivery({
 *   privateKey: DEV_SOVRIN_SIGNING_JWK, // development only
 *   url: "http://localhost:3000/events/acme/sovrin",
 *   body: { deliveryId: "d1", webhookId: "w1", event: { id: "e1", type: "OpenIdCredentialIssued", payload: { credentialId: "c1" } } },
 * });
 * await fetch("http://localhost:3000/events/acme/sovrin", { method: "POST", headers, body });
 * ```
 */
export function signSovrinDelivery(options: SignSovrinDeliveryOptions): SignedSovrinDelivery {
  const url = typeof options.url === "string" ? new URL(options.url) : options.url;
  const body = options.body instanceof Uint8Array ? Buffer.from(options.body) : Buffer.from(typeof options.body === "string" ? options.body : JSON.stringify(options.body), "utf8");
  const key = isKeyObject(options.privateKey) ? options.privateKey : createPrivateKey({ key: options.privateKey as JsonWebKey, format: "jwk" });
  const keyid = options.keyid ?? (isKeyObject(options.privateKey) ? undefined : options.privateKey.kid);
  if (keyid === undefined) throw new TypeError("signSovrinDelivery: pass keyid, or a JWK with a kid.");
  const method = options.method ?? "POST";
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (body.length > 0) headers["content-digest"] = createContentDigest(body, "sha-256");

  const items: Item[] = (options.components ?? DEFAULT_COMPONENTS).map((c) => (c.startsWith('"') ? parseItem(c) : [c, new Map()]));
  const params = new Map<string, string | number>([["created", Math.floor((options.created ?? new Date()).getTime() / 1000)]]);
  if (options.expires) params.set("expires", Math.floor(options.expires.getTime() / 1000));
  params.set("keyid", keyid);
  params.set("alg", "ed25519");
  const input: InnerList = [items, params];
  const scheme = url.protocol.replace(/:$/, "");
  const base = createSignatureBase(input, {
    method,
    scheme,
    authority: url.host,
    path: url.pathname === "" ? "/" : url.pathname,
    query: url.search === "" ? undefined : url.search.slice(1),
    headers: { ...headers, host: url.host },
  });
  const label = options.label ?? "sig1";
  headers["signature-input"] = `${label}=${serializeInnerList(input)}`;
  headers["signature"] = serializeDictionary(new Map([[label, [sign(null, Buffer.from(base, "utf8"), key), new Map()]]]));
  return { body, headers };
}

function isKeyObject(value: JWK | KeyObject): value is KeyObject {
  return typeof (value as KeyObject).export === "function" && typeof (value as KeyObject).type === "string";
}

import {
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
  type BareItem,
  type InnerList,
  type Item,
  type Parameters,
} from "structured-headers";
import { WebhookError } from "../../errors.js";
import type { HeaderValue, WebhookRequest } from "../../types.js";

/**
 * The structured type of an HTTP field (RFC 8941 §3), needed to re-serialize it for `;sf`.
 *
 * @example
 * ```ts
 * sovrin({ jwks, structuredFields: { "x-custom-dict": "dictionary" } satisfies Record<string, StructuredFieldType> });
 * ```
 */
export type StructuredFieldType = "dictionary" | "list" | "item";

/**
 * Fields whose structured type is registered (RFC 9421, RFC 9530, RFC 9218, RFC 9211,
 * RFC 9209, RFC 9440). `;sf` and `;key` on any other field need its type from the
 * `structuredFields` option: re-serializing a field under the wrong type changes its bytes.
 *
 * @example
 * ```ts
 * KNOWN_STRUCTURED_FIELDS["content-digest"]; // "dictionary"
 * ```
 */
export const KNOWN_STRUCTURED_FIELDS: Readonly<Record<string, StructuredFieldType>> = {
  signature: "dictionary",
  "signature-input": "dictionary",
  "accept-signature": "dictionary",
  "content-digest": "dictionary",
  "repr-digest": "dictionary",
  "want-content-digest": "dictionary",
  "want-repr-digest": "dictionary",
  priority: "dictionary",
  "cdn-cache-control": "dictionary",
  "cache-status": "list",
  "proxy-status": "list",
  "client-cert": "item",
  "client-cert-chain": "list",
};

/**
 * An HTTP request as its sender addressed it: what derived components (`@method`,
 * `@path`, `@authority`, …) are computed from.
 *
 * @example
 * ```ts
 * const message: SignedRequest = {
 *   method: "POST", scheme: "https", authority: "example.com",
 *   path: "/foo", query: "param=Value&Pet=dog",
 *   headers: { host: "example.com", "content-type": "application/json" },
 * };
 * ```
 */
export interface SignedRequest {
  /** The method, as received. */
  readonly method: string;
  /** `https` or `http`, lower case. */
  readonly scheme: string;
  /** Host and (non-default) port, lower case; undefined when the request named none. */
  readonly authority: string | undefined;
  /** The path as sent (percent-encoding untouched), starting with `/`. */
  readonly path: string;
  /** The query as sent, without the leading `?`; undefined when the target had no `?`. */
  readonly query: string | undefined;
  /** Header fields, lower-case names. */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /**
   * Field values that replace received ones, e.g. `host` when a proxy rewrote it and the
   * public origin is configured.
   */
  readonly fieldOverrides?: Readonly<Record<string, string>>;
}

/**
 * Options of {@link createSignatureBase}.
 *
 * @example
 * ```ts
 * const options: SignatureBaseOptions = { structuredFields: { "x-custom-dict": "dictionary" } };
 * ```
 */
export interface SignatureBaseOptions {
  /** Structured types of fields beyond {@link KNOWN_STRUCTURED_FIELDS}, for `;sf` and `;key`. */
  readonly structuredFields?: Readonly<Record<string, StructuredFieldType>>;
}

/**
 * How a signer computed derived components. `rfc9421`: as RFC 9421 says. `draft-13`: as
 * MATTR's `http-signatures` library computes them (it implements
 * draft-ietf-httpbis-message-signatures-13 with Node's `url.parse`, see
 * `src/common/generateVerifyData.ts`): `@scheme` is the URL's protocol with its colon
 * (`https:`), `@query-param` values are decoded (`querystring.parse`) and looked up by the
 * decoded name, several values joined by `, ` on one line.
 *
 * @example
 * ```ts
 * const dialect: SignatureBaseDialect = "draft-13";
 * createSignatureBase(input, message, {}, { dialect, explicitDefaultPort: true });
 * ```
 */
export type SignatureBaseDialect = "rfc9421" | "draft-13";

/**
 * One way a signer may have computed the derived components (see
 * {@link signatureBaseCandidates}).
 *
 * @example
 * ```ts
 * const variant: SignatureBaseVariant = { dialect: "draft-13", explicitDefaultPort: true };
 * ```
 */
export interface SignatureBaseVariant {
  readonly dialect: SignatureBaseDialect;
  /**
   * `@authority` and `@target-uri` carry the scheme's default port (`:443`) although the
   * request's `Host` has none: MATTR's library signs the authority of the webhook URL as
   * written, and an HTTP client drops the default port from `Host`.
   */
  readonly explicitDefaultPort: boolean;
}

const RFC9421: SignatureBaseVariant = { dialect: "rfc9421", explicitDefaultPort: false };

function fail(message: string): never {
  throw new WebhookError("INVALID_SIGNATURE", message);
}

/**
 * Describes a request as its sender addressed it. `@path` comes from `originalUrl` (the
 * full path, before a mounted router stripped its prefix). Without `publicOrigin`, the
 * scheme is `https` — Sovrin only delivers to HTTPS URLs, so that is the scheme it
 * signed even when TLS ends at a proxy — and the authority is the `Host` header
 * (`:authority` on HTTP/2). `X-Forwarded-*` headers are never trusted: anyone can send
 * them. With `publicOrigin` (e.g. `https://hooks.example.com` or
 * `https://example.com/hooks` when a proxy strips `/hooks`), scheme and authority come
 * from it, its path is prefixed to the received path, and a covered `host` field reads
 * as its host too.
 *
 * @example
 * ```ts
 * signedRequestOf(request, new URL("https://hooks.example.com"));
 * // { method: "POST", scheme: "https", authority: "hooks.example.com", path: "/events/acme/sovrin", ... }
 * ```
 */
export function signedRequestOf(request: WebhookRequest, publicOrigin?: URL): SignedRequest {
  let target = request.originalUrl === "" ? request.path : request.originalUrl;
  // Absolute-form request targets (sent to proxies) carry scheme and authority: drop them.
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(target);
  if (absolute) target = target.slice(absolute[0].length);
  const hash = target.indexOf("#");
  if (hash !== -1) target = target.slice(0, hash);
  const mark = target.indexOf("?");
  let path = mark === -1 ? target : target.slice(0, mark);
  const query = mark === -1 ? undefined : target.slice(mark + 1);
  if (path === "") path = "/";

  if (publicOrigin) {
    const prefix = publicOrigin.pathname.replace(/\/+$/, "");
    return {
      method: request.method,
      scheme: publicOrigin.protocol.replace(/:$/, ""),
      authority: publicOrigin.host,
      path: prefix + path,
      query,
      headers: request.headers,
      fieldOverrides: { host: publicOrigin.host },
    };
  }
  const scheme = "https";
  const host = firstValue(request.headers["host"]) ?? firstValue(request.headers[":authority"]);
  return { method: request.method, scheme, authority: host === undefined ? undefined : normalizeAuthority(host, scheme), path, query, headers: request.headers };
}

function firstValue(value: HeaderValue): string | undefined {
  const first = typeof value === "string" ? value : value?.[0];
  return first === undefined || first.trim() === "" ? undefined : first.trim();
}

/**
 * Lower-cases an authority and drops the scheme's default port (RFC 9421 §2.2.3 follows
 * HTTP's normalization).
 *
 * @example
 * ```ts
 * normalizeAuthority("Example.COM:443", "https"); // "example.com"
 * ```
 */
export function normalizeAuthority(authority: string, scheme: string): string {
  const lower = authority.trim().toLowerCase();
  const defaultPort = scheme === "https" ? ":443" : scheme === "http" ? ":80" : undefined;
  return defaultPort !== undefined && lower.endsWith(defaultPort) ? lower.slice(0, -defaultPort.length) : lower;
}

/**
 * Encodes a query parameter name or value as RFC 9421 §2.2.8 requires: percent-encoding
 * with the `application/x-www-form-urlencoded` percent-encode set, spaces as `%20`.
 *
 * @example
 * ```ts
 * encodeQueryParamComponent("this is a big\nvalue"); // "this%20is%20a%20big%0Avalue"
 * ```
 */
export function encodeQueryParamComponent(value: string): string {
  // encodeURIComponent leaves A-Z a-z 0-9 - _ . ! ~ * ' ( ); the form set also encodes ! ~ ' ( ).
  return encodeURIComponent(value).replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/**
 * Builds the signature base (RFC 9421 §2.5) of one signature: one line per covered
 * component, in the order `Signature-Input` lists them, then `@signature-params`. Throws
 * `INVALID_SIGNATURE` when a component cannot be computed (an absent header, an
 * unsupported parameter, a duplicate), since the signer cannot have signed it.
 *
 * @example
 * ```ts
 * const input = parseDictionary('sig1=("@method" "@path");created=1618884473;keyid="k"').get("sig1") as InnerList;
 * createSignatureBase(input, message);
 * // "@method": POST
 * // "@path": /foo
 * // "@signature-params": ("@method" "@path");created=1618884473;keyid="k"
 * ```
 */
export function createSignatureBase(input: InnerList, message: SignedRequest, options: SignatureBaseOptions = {}, variant: SignatureBaseVariant = RFC9421): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of input[0]) {
    const [name, params] = item;
    if (typeof name !== "string") fail("Every covered component in Signature-Input must be a quoted string.");
    const component = name;
    if (component !== component.toLowerCase()) fail(`Covered component ${JSON.stringify(component)} must be lower case.`);
    const id = serializeItem(item);
    if (seen.has(id)) fail(`Covered component ${id} is listed twice in Signature-Input.`);
    seen.add(id);
    const values = component.startsWith("@") ? derivedComponent(component, params, message, variant) : fieldComponent(component, params, message, options);
    for (const value of values) lines.push(`${id}: ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return lines.join("\n");
}

function onlyParams(component: string, params: Parameters, allowed: readonly string[]): void {
  for (const key of params.keys()) {
    if (allowed.includes(key)) continue;
    if (key === "req") fail(`"${component}";req binds a response to its request; credhooks verifies requests, which have no related request.`);
    if (key === "tr") fail(`"${component}";tr names a trailer field; trailers are not available to credhooks.`);
    fail(`"${component}" has the parameter ;${key}, which credhooks does not support for it.`);
  }
}

function derivedComponent(component: string, params: Parameters, message: SignedRequest, variant: SignatureBaseVariant): string[] {
  onlyParams(component, params, component === "@query-param" ? ["name"] : []);
  const requestTarget = message.path + (message.query === undefined ? "" : `?${message.query}`);
  const draft13 = variant.dialect === "draft-13";
  switch (component) {
    case "@method":
      return [message.method];
    case "@scheme":
      // MATTR's library signs url.parse(url).protocol: "https:".
      return [draft13 ? `${message.scheme}:` : message.scheme];
    case "@authority":
      return [authorityOf(message, variant)];
    case "@target-uri":
      return [`${message.scheme}://${authorityOf(message, variant)}${requestTarget}`];
    case "@request-target":
      return [requestTarget];
    case "@path":
      return [message.path];
    case "@query":
      return [`?${message.query ?? ""}`];
    case "@query-param":
      return draft13 ? decodedQueryParam(params, message) : queryParam(params, message);
    case "@status":
      return fail('"@status" is a response component; a webhook delivery is a request.');
    case "@signature-params":
      return fail('"@signature-params" must not be listed as a covered component.');
    default:
      return fail(`Unknown derived component ${JSON.stringify(component)}.`);
  }
}

function requireAuthority(message: SignedRequest): string {
  if (message.authority === undefined || message.authority === "") {
    fail("The signature covers @authority or @target-uri but the request has no Host header; configure publicOrigin.");
  }
  return message.authority;
}

const DEFAULT_PORT: Readonly<Record<string, string>> = { https: "443", http: "80" };

function authorityOf(message: SignedRequest, variant: SignatureBaseVariant): string {
  const authority = requireAuthority(message);
  const port = DEFAULT_PORT[message.scheme];
  return variant.explicitDefaultPort && port !== undefined && !hasPort(authority) ? `${authority}:${port}` : authority;
}

// "host:port" or "[v6]:port"; a bare IPv6 literal "[::1]" has colons but no port.
const hasPort = (authority: string): boolean => /:\d*$/.test(authority) && !authority.endsWith("]");

// draft-13 as MATTR's library computes it: querystring.parse of the query (percent-decoded,
// "+" as a space), the value of the decoded name `name`; several values on one line.
function decodedQueryParam(params: Parameters, message: SignedRequest): string[] {
  const name = params.get("name");
  if (typeof name !== "string") return fail('"@query-param" needs a string ;name parameter.');
  const values = new URLSearchParams(message.query ?? "").getAll(name);
  if (values.length === 0) fail(`The signature covers the query parameter ${JSON.stringify(name)}, which the request does not have.`);
  return [values.join(", ").trim()];
}

/**
 * The ways a signer may have computed the signature base of `input`, first RFC 9421's;
 * MATTR's draft-13 forms only when the signature covers a component they change (`@scheme`,
 * `@authority`, `@target-uri`, `@query-param`). A verifier accepts a signature that verifies
 * over any of them: each binds the same request (scheme, host, query) — they differ in
 * spelling, not in what is covered.
 *
 * @example
 * ```ts
 * signatureBaseCandidates(input); // [{ dialect: "rfc9421", … }, { dialect: "draft-13", … }, …]
 * ```
 */
export function signatureBaseCandidates(input: InnerList): SignatureBaseVariant[] {
  const names = new Set(input[0].map((item) => item[0]));
  const variants: SignatureBaseVariant[] = [RFC9421];
  const authority = names.has("@authority") || names.has("@target-uri");
  if (authority || names.has("@scheme") || names.has("@query-param")) variants.push({ dialect: "draft-13", explicitDefaultPort: false });
  if (authority) variants.push({ dialect: "draft-13", explicitDefaultPort: true });
  return variants;
}

function queryParam(params: Parameters, message: SignedRequest): string[] {
  const name = params.get("name");
  if (typeof name !== "string") return fail('"@query-param" needs a string ;name parameter.');
  const values: string[] = [];
  for (const [key, value] of new URLSearchParams(message.query ?? "")) {
    if (encodeQueryParamComponent(key) === name) values.push(encodeQueryParamComponent(value));
  }
  // RFC 9421 §2.2.8: every occurrence gets its own line, in order; none is an error.
  if (values.length === 0) fail(`The signature covers the query parameter ${JSON.stringify(name)}, which the request does not have.`);
  return values;
}

function fieldLines(component: string, message: SignedRequest): string[] {
  const override = message.fieldOverrides?.[component];
  if (override !== undefined) return [override];
  const value = message.headers[component];
  if (value === undefined) return fail(`The signature covers the ${component} header, which the request does not have.`);
  return typeof value === "string" ? [value] : [...value];
}

// RFC 9421 §2.1: trim each field line, replace obsolete line folding with a space.
const canonicalLine = (line: string): string => line.trim().replace(/\r?\n[ \t]+/g, " ");

function fieldComponent(component: string, params: Parameters, message: SignedRequest, options: SignatureBaseOptions): string[] {
  onlyParams(component, params, ["sf", "key", "bs"]);
  const sf = params.has("sf");
  const key = params.get("key");
  const bs = params.has("bs");
  if ((sf && params.get("sf") !== true) || (bs && params.get("bs") !== true)) fail(`"${component}": ;sf and ;bs are boolean parameters.`);
  if (bs && (sf || key !== undefined)) fail(`"${component}": ;bs cannot be combined with ;sf or ;key.`);
  const lines = fieldLines(component, message);
  if (bs) return [lines.map((line) => `:${Buffer.from(canonicalLine(line), "utf8").toString("base64")}:`).join(", ")];
  const joined = lines.map(canonicalLine).join(", ");
  if (key !== undefined) {
    if (typeof key !== "string") fail(`"${component}";key must be a string.`);
    const dictionary = parseStructured(component, joined, "dictionary") as Map<string, Item | InnerList>;
    const member = dictionary.get(key);
    if (member === undefined) fail(`The signature covers the member ${JSON.stringify(key)} of ${component}, which the field does not have.`);
    return [isInnerList(member) ? serializeInnerList(member) : serializeItem(member)];
  }
  if (sf) {
    const type = options.structuredFields?.[component] ?? KNOWN_STRUCTURED_FIELDS[component];
    if (type === undefined) fail(`"${component}";sf needs the field's structured type; add it to the structuredFields option.`);
    return [serializeStructured(parseStructured(component, joined, type), type)];
  }
  return [joined];
}

type Structured = Map<string, Item | InnerList> | Array<Item | InnerList> | [BareItem, Parameters];

function parseStructured(component: string, value: string, type: StructuredFieldType): Structured {
  try {
    return type === "dictionary" ? parseDictionary(value) : type === "list" ? parseList(value) : parseItem(value);
  } catch {
    return fail(`The ${component} header is not a valid structured ${type}.`);
  }
}

function serializeStructured(value: Structured, type: StructuredFieldType): string {
  if (type === "dictionary") return serializeDictionary(value as Map<string, Item | InnerList>);
  if (type === "list") return serializeList(value as Array<Item | InnerList>);
  return serializeItem(value as Item);
}

import { isUtf8 } from "node:buffer";
import { createHmac } from "node:crypto";
import type { Provider } from "@credhooks/core";
import { acapy } from "@credhooks/core/providers/acapy";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { truvera } from "@credhooks/core/providers/truvera";
import { acapyFixtures } from "../fixtures/acapy/index.js";
import { CROSSMINT_SECRET, crossmintFixture, svixHeaders } from "../fixtures/crossmint/index.js";
import { CONNECTION_ID, lissiFixture } from "../fixtures/lissi/index.js";
import { provenFixtures } from "../fixtures/proven/index.js";
import { SOVRIN_FIXTURE_WEBHOOK_ID, sovrinFixtures } from "../fixtures/sovrin/index.js";
import { digestOf, jwksOf, signWithHms, testKey, type HmsSignOptions } from "../fixtures/sovrin/sign-with-hms.js";
import { truveraFixture } from "../fixtures/truvera/index.js";
import type { RawRequest } from "./hostile-client.js";

/**
 * Test support for the hostile-input suite: for each provider, how a valid delivery is
 * built and authenticated (as its conformance test does), which body shapes it receives,
 * and what the contract answers when a field of the envelope has the wrong JSON type.
 */

/** The one tenant that has credentials; any other tenant id is refused with 401. */
export const TENANT = "acme";

/** What the contract says a request gets. */
export type Expectation =
  /** A coded rejection: this status, one of these codes, no handler run. */
  | { kind: "reject"; status: number; codes: readonly string[] }
  /** A new event: 2xx, `onAny` runs once (`unhandled` for an event name the provider does not know). */
  | { kind: "accept"; unhandled?: boolean }
  /** A replay of a handled event: 200 `{"received":true,"duplicate":true}`, nothing runs. */
  | { kind: "duplicate" }
  /** Authenticated, and the event's schema decides: a 2xx that ran `onAny` once, or 400 INVALID_PAYLOAD that ran nothing. */
  | { kind: "schema" }
  /** Answered by Node's HTTP parser before any credhooks code: this status, nothing run. */
  | { kind: "node"; status: number };

export const reject = (status: number, ...codes: string[]): Expectation => ({ kind: "reject", status, codes });
export const accept = (unhandled = false): Expectation => ({ kind: "accept", unhandled });
export const INVALID_PAYLOAD = reject(400, "INVALID_PAYLOAD");
export const INVALID_JSON = reject(400, "INVALID_JSON");
/** Any 401 code: which one depends on what exactly is missing or wrong. */
export const UNAUTHORIZED = reject(401, "MISSING_CREDENTIALS", "INVALID_CREDENTIALS", "INVALID_SIGNATURE", "TIMESTAMP_TOO_OLD", "TIMESTAMP_IN_FUTURE", "UNKNOWN_KEY");

/** A JSON path into a body. */
export type JsonPath = ReadonlyArray<string | number>;

/** One shape of body a provider receives at one path. */
export interface BodyShape {
  name: string;
  /** Request target. */
  path: string;
  /** A fresh valid body; `uid` makes its dedupe id new. */
  envelope(uid: string): unknown;
  /** What the contract answers when the value at `at` is replaced by `value` of another JSON type; undefined = the event schema decides. */
  wrongType(at: JsonPath, value: unknown): Expectation | undefined;
  /** Where hostile keys and deep values can be added to an object of the body without changing what it means. */
  objectPaths: readonly JsonPath[];
  /** Where the event's payload object sits (a deep value there is 400; an extra field in it is accepted). */
  payloadPath: JsonPath | undefined;
}

/** Options for authenticating one request. */
export interface AuthOptions {
  /** Crossmint: the svix-id (default: fresh). */
  id?: string;
  /** Crossmint: the signed timestamp; Sovrin: `created`. */
  at?: Date;
  /** Sovrin: overrides of the signer. */
  sovrin?: Partial<HmsSignOptions>;
  /** Crossmint: sign with this secret. */
  secret?: string;
}

/** Everything the suite needs to know about one provider. */
export interface ProviderKit {
  id: "proven" | "lissi" | "truvera" | "crossmint" | "sovrin" | "acapy";
  /** Mount pattern. */
  mount: string;
  /** The tenant's mount point. */
  base: string;
  provider(): Provider;
  /** Headers that authenticate `body` at `path` (Truvera: none, its token is in the body). */
  authenticate(path: string, body: string | Buffer, options?: AuthOptions): Promise<Array<[string, string]>>;
  /** Names of the credential headers (empty for Truvera). */
  credentialHeaders: readonly string[];
  shapes: readonly BodyShape[];
  /** Configured credentials: never in a response, a log line, a handler's event or the failure sink. */
  secrets: readonly string[];
  /** The user's secrets carried in payloads (Crossmint's data.secret): never in a response or a log line, but theirs in payload, raw and the sink. */
  payloadSecrets?: readonly string[];
}

let counter = 0;
/** A new unique id for dedupe-relevant fields. */
export const uid = (): string => `hostile-${process.pid}-${++counter}`;

const JSON_TYPE = ["application/json"] as const;
const contentType = (): Array<[string, string]> => [["content-type", JSON_TYPE[0]]];

/** The JSON type class of a value: null, boolean, number, string, array, object. */
export function jsonClass(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const same = (a: JsonPath, b: JsonPath): boolean => a.length === b.length && a.every((part, i) => part === b[i]);
const isNull = (value: unknown): boolean => value === null;

/** Rules for one field: the expectation for a wrong value. */
type FieldRule = (value: unknown) => Expectation | undefined;
const requiredString: FieldRule = () => INVALID_PAYLOAD;
const optionalString: FieldRule = () => INVALID_PAYLOAD; // `.optional()` accepts absence, not null
const nullableString: FieldRule = (value) => (isNull(value) || typeof value === "string" ? accept() : INVALID_PAYLOAD);
const optionalNumber: FieldRule = () => INVALID_PAYLOAD;
const requiredObject: FieldRule = () => INVALID_PAYLOAD;
const anything: FieldRule = () => accept();

function rules(table: ReadonlyArray<readonly [JsonPath, FieldRule]>): (at: JsonPath, value: unknown) => Expectation | undefined {
  return (at, value) => table.find(([path]) => same(path, at))?.[1](value);
}

// ---------------------------------------------------------------- Proven
const PROVEN_KEY = "proven-hostile-key-0b6f3c91d2";
const provenDone = provenFixtures.find((f) => f.canonical === "credentials:done")!.body;

const provenKit: ProviderKit = {
  id: "proven",
  mount: "/events/:tenantId/proven",
  base: `/events/${TENANT}/proven`,
  provider: () => proven({ apiKey: (tenantId) => (tenantId === TENANT ? PROVEN_KEY : undefined) }),
  authenticate: async () => [...contentType(), ["x-api-key", PROVEN_KEY]],
  credentialHeaders: ["x-api-key"],
  secrets: [PROVEN_KEY],
  shapes: [
    {
      name: "credentials:done",
      path: `/events/${TENANT}/proven`,
      envelope: (id) => ({ ...provenDone, webhook: { ...provenDone.webhook, cred_ex_id: id } }),
      wrongType: rules([
        [[], requiredObject],
        [["event"], requiredString],
        [["webhook"], requiredObject],
        [["webhook", "cred_ex_id"], requiredString],
        [["webhook", "state"], optionalString],
        [["webhook", "role"], optionalString],
        [["webhook", "initiator"], optionalString],
        [["webhook", "created_at"], optionalString],
        [["webhook", "updated_at"], optionalString],
        [["webhook", "connection_id"], nullableString],
        [["webhook", "thread_id"], nullableString],
        [["webhook", "wallet_id"], nullableString],
        [["webhook", "credential_id"], nullableString],
      ]),
      objectPaths: [[], ["webhook"]],
      payloadPath: ["webhook"],
    },
  ],
};

// ---------------------------------------------------------------- Lissi
const LISSI_KEY = "lissi-hostile-key-77e1a0c4b9";
const lissiDto = lissiFixture("connection-update.json") as Record<string, unknown>;
const lissiBase = `/events/${TENANT}/lissi`;
const lissiUpdatePath = `/connections/${CONNECTION_ID}/update`;
const dtoRules = (prefix: JsonPath): ReadonlyArray<readonly [JsonPath, FieldRule]> => [
  [prefix, requiredObject],
  // A DTO without an id takes the path's: null is filled in, not refused.
  [[...prefix, "id"], (value) => (isNull(value) ? accept() : INVALID_PAYLOAD)],
  [[...prefix, "state"], requiredString],
  ...(["createdAt", "updatedAt", "myDid", "theirDid", "theirRole", "myLabel", "theirLabel", "alias", "accept"] as const).map(
    (field): readonly [JsonPath, FieldRule] => [[...prefix, field], nullableString],
  ),
];

const lissiKit: ProviderKit = {
  id: "lissi",
  mount: "/events/:tenantId/lissi",
  base: lissiBase,
  provider: () => lissi({ apiKey: (tenantId) => (tenantId === TENANT ? LISSI_KEY : undefined) }),
  authenticate: async () => [...contentType(), ["x-api-key", LISSI_KEY]],
  credentialHeaders: ["x-api-key"],
  secrets: [LISSI_KEY],
  shapes: [
    {
      name: "connection:update",
      path: lissiBase + lissiUpdatePath,
      envelope: (id) => ({ ...lissiDto, updatedAt: id }),
      wrongType: rules(dtoRules([])),
      objectPaths: [[]],
      payloadPath: [],
    },
    {
      name: "connections:delete",
      path: lissiBase + "/connections/delete",
      envelope: (id) => [id, CONNECTION_ID],
      wrongType: rules([
        [[], requiredObject],
        [[0], requiredString],
        [[1], requiredString],
      ]),
      objectPaths: [],
      payloadPath: undefined,
    },
    {
      name: "shared-topic connection:update",
      path: lissiBase,
      envelope: (id) => ({ event: lissiUpdatePath, payload: { ...lissiDto, updatedAt: id } }),
      wrongType: rules([
        [[], requiredObject],
        [["event"], requiredString],
        ...dtoRules(["payload"]),
      ]),
      objectPaths: [[], ["payload"]],
      payloadPath: ["payload"],
    },
  ],
};

// ---------------------------------------------------------------- Truvera
const TRUVERA_TOKEN = "truvera-hostile-token-5d2e8a61f0c3";
const truveraIssued = truveraFixture("credential_issued").body;
const MISSING_TOKEN = reject(401, "MISSING_CREDENTIALS");

const truveraKit: ProviderKit = {
  id: "truvera",
  mount: "/events/:tenantId/truvera",
  base: `/events/${TENANT}/truvera`,
  provider: () => truvera({ token: (tenantId) => (tenantId === TENANT ? TRUVERA_TOKEN : undefined) }),
  // Truvera's credential is the body's `token`: nothing to add.
  authenticate: async () => contentType(),
  credentialHeaders: [],
  secrets: [TRUVERA_TOKEN],
  shapes: [
    {
      name: "credential_issued",
      path: `/events/${TENANT}/truvera`,
      envelope: (id) => ({ ...truveraIssued, token: TRUVERA_TOKEN, data: { ...truveraIssued.data, id } }),
      wrongType: rules([
        // Without an object there is no token to read: the credential is missing.
        [[], () => MISSING_TOKEN],
        [["token"], () => MISSING_TOKEN],
        [["event"], requiredString],
        [["data"], requiredObject],
        [["data", "id"], requiredString],
        [["data", "signingOps"], optionalNumber],
        [["data", "byteSize"], optionalNumber],
        [["data", "key"], optionalString],
        [["data", "credential"], requiredObject],
        [["data", "credential", "id"], optionalString],
        [["data", "credential", "issuanceDate"], optionalString],
        [["data", "credential", "expirationDate"], optionalString],
      ]),
      objectPaths: [[], ["data"], ["data", "credential"]],
      payloadPath: ["data"],
    },
  ],
};

// ---------------------------------------------------------------- Crossmint
const crossmintSucceeded = crossmintFixture("credential-creation-succeeded.json").body;
const crossmintFailed = crossmintFixture("credential-creation-failed.json").body;
const crossmintBase = `/events/${TENANT}/crossmint`;

const crossmintKit: ProviderKit = {
  id: "crossmint",
  mount: "/events/:tenantId/crossmint",
  base: crossmintBase,
  provider: () => crossmint({ secret: (tenantId) => (tenantId === TENANT ? CROSSMINT_SECRET : undefined) }),
  authenticate: async (_path, body, options = {}) => {
    const id = options.id ?? `msg_${uid()}`;
    // The svix package signs strings: bytes that are not UTF-8 (the invalid-UTF-8 cases) are
    // signed here by Svix's published algorithm, so they reach the JSON check authenticated.
    if (Buffer.isBuffer(body) && !isUtf8(body)) {
      const timestamp = String(Math.floor((options.at ?? new Date()).getTime() / 1000));
      return [...contentType(), ["svix-id", id], ["svix-timestamp", timestamp], ["svix-signature", svixSign(options.secret ?? CROSSMINT_SECRET, id, timestamp, body)]];
    }
    return [...contentType(), ...Object.entries(svixHeaders({ body, id, ...(options.at ? { at: options.at } : {}), ...(options.secret ? { secret: options.secret } : {}) }))];
  },
  credentialHeaders: ["svix-id", "svix-timestamp", "svix-signature"],
  // The signing secret and its key material; data.secret is the user's credential key.
  secrets: [CROSSMINT_SECRET, CROSSMINT_SECRET.slice("whsec_".length)],
  payloadSecrets: [String(crossmintSucceeded.data["secret"])],
  shapes: [
    {
      name: "credential.creation.succeeded",
      path: crossmintBase,
      // svix-id is the dedupe id and is fresh on every request; the body can stay as it is.
      envelope: () => structuredClone(crossmintSucceeded),
      wrongType: rules([
        [[], requiredObject],
        [["type"], requiredString],
        [["data"], requiredObject],
        [["data", "credential"], requiredObject],
        [["data", "credential", "credentialId"], optionalString],
        [["data", "credential", "payload"], optionalString],
        [["data", "secret"], nullableString],
      ]),
      objectPaths: [[], ["data"], ["data", "credential"]],
      payloadPath: ["data"],
    },
    {
      name: "credential.creation.failed",
      path: crossmintBase,
      envelope: () => structuredClone(crossmintFailed),
      wrongType: rules([
        [[], requiredObject],
        [["type"], requiredString],
        [["data"], requiredObject],
        // A message, or {message?, code?}.
        [["data", "error"], (value) => (jsonClass(value) === "object" ? accept() : INVALID_PAYLOAD)],
      ]),
      objectPaths: [[], ["data"]],
      payloadPath: ["data"],
    },
  ],
};

// ---------------------------------------------------------------- Sovrin
/** Where Sovrin posts: the signature covers this origin's full path. */
export const SOVRIN_PUBLIC = "https://hooks.example.com";
export const sovrinKey = testKey("hostile-sovrin-2024");
/** Same kid, another private key: a forgery. */
export const sovrinForgerKey = testKey("hostile-sovrin-2024");
export const sovrinUnknownKey = testKey("hostile-sovrin-unknown");
const SOVRIN_JWKS = jwksOf(sovrinKey);
const sovrinIssued = sovrinFixtures.find((f) => f.body.event.type === "OpenIdCredentialIssued")!.body;
const sovrinBase = `/events/${TENANT}/sovrin`;

/** Signs a Sovrin delivery for `path` with http-message-signatures (an independent signer). */
export async function signSovrin(path: string, body: string | Buffer, overrides: Partial<HmsSignOptions> = {}): Promise<Array<[string, string]>> {
  const url = SOVRIN_PUBLIC + path;
  // The signer hashes a string body as UTF-8; for raw bytes the digest is computed here.
  const options: HmsSignOptions = Buffer.isBuffer(body)
    ? { key: sovrinKey, url, body: "", ...overrides, noDigest: true, headers: { "content-digest": digestOf(body), ...overrides.headers } }
    : { key: sovrinKey, url, body, ...overrides };
  return Object.entries(await signWithHms(options));
}

const sovrinKit: ProviderKit = {
  id: "sovrin",
  mount: "/events/:tenantId/sovrin",
  base: sovrinBase,
  provider: () =>
    sovrin({
      jwks: (tenantId) => (tenantId === TENANT ? SOVRIN_JWKS : undefined),
      webhookId: (tenantId) => (tenantId === TENANT ? SOVRIN_FIXTURE_WEBHOOK_ID : undefined),
    }),
  authenticate: (path, body, options = {}) => signSovrin(path, body, { ...(options.at ? { created: options.at } : {}), ...options.sovrin }),
  credentialHeaders: ["signature", "signature-input", "content-digest"],
  secrets: [],
  shapes: [
    {
      name: "OpenIdCredentialIssued",
      path: sovrinBase,
      envelope: (id) => ({ ...sovrinIssued, deliveryId: `delivery-${id}`, event: { ...sovrinIssued.event, id } }),
      wrongType: rules([
        // The configured webhookId is checked during authentication: no object, no webhookId.
        [[], () => reject(401, "INVALID_CREDENTIALS")],
        [["webhookId"], () => reject(401, "INVALID_CREDENTIALS")],
        [["deliveryId"], optionalString],
        [["deliveryTimestamp"], optionalString],
        [["event"], requiredObject],
        [["event", "id"], requiredString],
        [["event", "type"], requiredString],
        [["event", "timestamp"], optionalString],
        [["event", "payload"], requiredObject],
        [["event", "payload", "credentialId"], requiredString],
        [["event", "payload", "credentialConfigurationId"], optionalString],
        [["event", "payload", "credentialProfile"], optionalString],
        [["event", "payload", "format"], optionalString],
        [["event", "payload", "userId"], optionalString],
        [["event", "payload", "credential"], anything],
      ]),
      objectPaths: [[], ["event"], ["event", "payload"], ["event", "payload", "credential"]],
      payloadPath: ["event", "payload"],
    },
  ],
};

// ---------------------------------------------------------------- ACA-Py
const ACAPY_KEY = "acapy-hostile-key-3f9a61c07e";
const acapyConnection = acapyFixtures.find((f) => f.event === "connections.active")!.body;
const acapyBase = `/events/${TENANT}/acapy`;
// Every text field of an ACA-Py record is optional and nullable.
const acapyText = ["rfc23_state", "their_role", "my_did", "their_did", "their_label", "invitation_key", "invitation_msg_id", "invitation_mode", "accept", "alias", "connection_protocol", "created_at", "updated_at"] as const;

const acapyKit: ProviderKit = {
  id: "acapy",
  mount: "/events/:tenantId/acapy",
  base: acapyBase,
  provider: () => acapy({ apiKey: (tenantId) => (tenantId === TENANT ? ACAPY_KEY : undefined) }),
  authenticate: async () => [...contentType(), ["x-api-key", ACAPY_KEY]],
  credentialHeaders: ["x-api-key"],
  secrets: [ACAPY_KEY],
  shapes: [
    {
      name: "connections.active",
      // ACA-Py posts the bare record to <webhook url>/topic/<topic>/.
      path: `${acapyBase}/topic/connections/`,
      envelope: (id) => ({ ...acapyConnection, connection_id: id }),
      wrongType: rules([
        [[], requiredObject],
        [["connection_id"], requiredString],
        // A record without a usable state is named by its topic alone: an event credhooks
        // does not know, answered 2xx and handed to onUnhandled.
        [["state"], () => accept(true)],
        ...acapyText.map((field): readonly [JsonPath, FieldRule] => [[field], nullableString]),
      ]),
      objectPaths: [[]],
      payloadPath: [],
    },
  ],
};

/** Every provider of the suite. */
export const kits: readonly ProviderKit[] = [provenKit, lissiKit, truveraKit, crossmintKit, sovrinKit, acapyKit];

/** Every configured credential of every provider. */
export const configuredSecrets: readonly string[] = kits.flatMap((kit) => kit.secrets);
/** Every secret that must never reach a response or a log line. */
export const allSecrets: readonly string[] = kits.flatMap((kit) => [...kit.secrets, ...(kit.payloadSecrets ?? [])]);

/** A fresh valid delivery of the kit's first shape, authenticated. */
export async function validDelivery(kit: ProviderKit, id = uid()): Promise<RawRequest> {
  const shape = kit.shapes[0]!;
  const body = JSON.stringify(shape.envelope(id));
  return { method: "POST", path: shape.path, headers: await kit.authenticate(shape.path, body), body };
}

/** The Svix signature of `${id}.${timestamp}.${body}`, computed here with node:crypto (Svix's published algorithm). */
export function svixSign(secret: string, id: string, timestamp: string, body: string | Buffer): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  return "v1," + createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
}

/** Sets `value` at `at` in a deep copy of `root`. */
export function setAt(root: unknown, at: JsonPath, value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const part of at.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[at[at.length - 1]!] = value;
  return copy;
}

/** Every path of a JSON value (objects: every key; arrays: the first element), to `maxDepth`. */
export function jsonPaths(value: unknown, maxDepth = 4, prefix: JsonPath = []): JsonPath[] {
  const out: JsonPath[] = [prefix];
  if (prefix.length >= maxDepth) return out;
  if (Array.isArray(value)) {
    if (value.length > 0) out.push(...jsonPaths(value[0], maxDepth, [...prefix, 0]));
  } else if (value !== null && typeof value === "object") {
    for (const [key, child] of Object.entries(value)) out.push(...jsonPaths(child, maxDepth, [...prefix, key]));
  }
  return out;
}

/** Reads the value at `at`. */
export function getAt(root: unknown, at: JsonPath): unknown {
  let node = root;
  for (const part of at) node = (node as Record<string | number, unknown>)[part];
  return node;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveryContext, HeaderValue, Provider } from "../types.js";
import { contentHash } from "../hash.js";
import { acapy } from "./acapy/index.js";
import { canonicalJson } from "./canonical-json.js";
import { crossmint } from "./crossmint/index.js";
import { tupleId } from "./dedupe-id.js";
import { lissi } from "./lissi/index.js";
import { proven } from "./proven/index.js";
import { sovrin } from "./sovrin/index.js";
import { truvera, truveraDedupeId } from "./truvera/index.js";

// Dedupe ids must be injective: two deliveries that are different events must never share an
// id, or the second is answered "200 duplicate" and no handler runs (issue 15, finding 2).
// For each provider, many deliveries are generated from a tiny alphabet rich in separators
// and escapes (":", "|", "%", "#", "/"), so near-collisions are likely; each delivery's id
// is recorded with what makes it a distinct event (the oracle, computed independently of
// the provider's code), and no id may belong to two of them.

const SEED = 0x15_de_d0;
const RUNS = 3000;

/** Strings over a small alphabet of separators and escape characters. */
const tricky = (minLength = 0, maxLength = 5) => fc.string({ unit: fc.constantFrom(":", "|", "%", "#", "/", "a", "b", "2", "%7C", "%3A", "%23"), minLength, maxLength });

function delivery(provider: Provider, body: string | undefined, options: { path?: string; headers?: Record<string, HeaderValue> } = {}): DeliveryContext {
  const path = options.path ?? "/";
  const route = provider.route ? provider.route(path, "POST") : {};
  if (!route) throw new Error(`no route for ${path}`);
  const rawBody = Buffer.from(body ?? "", "utf8");
  return {
    request: { method: "POST", path, originalUrl: path, headers: { "content-type": "application/json", ...options.headers } },
    tenantId: "acme",
    route,
    rawBody,
    body: body === undefined ? undefined : (JSON.parse(body) as unknown),
    receivedAt: 0,
  };
}

/** Records id → oracle; returns the first id shared by two different oracles. */
function collisions(samples: ReadonlyArray<{ id: string; oracle: string }>): string[] {
  const seen = new Map<string, string>();
  const found: string[] = [];
  for (const { id, oracle } of samples) {
    const before = seen.get(id);
    if (before !== undefined && before !== oracle) found.push(`${id} ← ${before} and ${oracle}`);
    seen.set(id, oracle);
  }
  return found;
}

const sample = <T>(arbitrary: fc.Arbitrary<T>, salt: number, numRuns = RUNS): T[] => fc.sample(arbitrary, { seed: SEED + salt, numRuns });

describe("dedupe ids cannot collide", () => {
  it("tupleId: split on |, unescape and pad gives the tuple back", () => {
    const decode = (id: string, arity: number): string[] => {
      const parts = id.split("|").map((part) => (part.startsWith("#") ? `hash:${part.slice(1)}` : decodeURIComponent(part)));
      while (parts.length < arity) parts.push("");
      return parts;
    };
    fc.assert(
      fc.property(fc.array(tricky(), { minLength: 4, maxLength: 4 }), fc.constantFrom("", "é", "\u{1F600}", "\ud800", "%", "|#"), (parts, extra) => {
        const tuple = [...parts.slice(0, 3), parts[3]! + extra];
        expect(decode(tupleId(tuple), 4)).toEqual(tuple);
        expect(decode(tupleId([tuple[0]!, { hash: "AbC-_9" }]), 2)).toEqual([tuple[0], "hash:AbC-_9"]);
      }),
      { numRuns: 300, seed: SEED },
    );
  });

  it("Proven: (event, record id, state, updated_at), or (event, body) without a record id", () => {
    const provider = proven({ apiKey: "k" });
    // The red team's two collisions.
    const id = (webhook: Record<string, unknown>, event = "credentials:done"): string => provider.identify(delivery(provider, JSON.stringify({ event, webhook }))).dedupeId;
    expect(id({ cred_ex_id: "r", state: "done" })).not.toBe(id({ cred_ex_id: "r:done" }));
    expect(id({ cred_ex_id: "u", state: "z" }, "ext:u")).not.toBe(id({ cred_ex_id: "u:z" }, "ext"));
    expect(id({ cred_ex_id: "r", state: "2025" })).not.toBe(id({ cred_ex_id: "r", updated_at: "2025" }));
    expect(id({ cred_ex_id: "r", state: "done", updated_at: "2025-03-13T22:15:02Z" })).toBe("credentials:done|r|done|2025-03-13T22:15:02Z");

    const generated = sample(
      fc.record({
        // "x…" never names a known Proven event, so the record id is read from cred_ex_id.
        event: fc.oneof(fc.constant("credentials:done"), tricky(0, 4).map((s) => `x${s}`)),
        recordId: fc.option(tricky(0, 4), { nil: undefined }),
        state: fc.option(tricky(0, 3), { nil: undefined }),
        updatedAt: fc.option(tricky(0, 3), { nil: undefined }),
        note: tricky(0, 2),
      }),
      1,
    );
    const samples = generated.map(({ event, recordId, state, updatedAt, note }) => {
      const webhook = { ...(recordId === undefined ? {} : { cred_ex_id: recordId }), ...(state === undefined ? {} : { state }), ...(updatedAt === undefined ? {} : { updated_at: updatedAt }), note };
      const body = JSON.stringify({ event, webhook });
      // Absent and empty state/updated_at are one value; without a record id the body is the event.
      const oracle = recordId ? JSON.stringify([event, recordId, state ?? "", updatedAt ?? ""]) : JSON.stringify([event, body]);
      return { id: provider.identify(delivery(provider, body)).dedupeId, oracle };
    });
    expect(collisions(samples)).toEqual([]);
  });

  it("Truvera: (event, data as written), whitespace and member order aside; 1e999 and null are different data", () => {
    const provider = truvera({ token: "t" });
    const id = (text: string): string => provider.identify(delivery(provider, text)).dedupeId;
    expect(id('{"token":"t","event":"did_create","data":{"n":1e999}}')).not.toBe(id('{"token":"t","event":"did_create","data":{"n":null}}'));
    expect(id('{"token":"t","event":"did_create","data":{"n":9007199254740993}}')).not.toBe(id('{"token":"t","event":"did_create","data":{"n":9007199254740992}}'));
    expect(id('{"token":"t","event":"did_create","data":{"id":"a","id":"b"}}')).not.toBe(id('{"token":"t","event":"did_create","data":{"id":"b"}}'));
    // Ordinary bodies keep the id they had (a hash of the decoded data): stored keys stay valid.
    const ordinary = '{"token":"t","event":"credential_issued","data":{"id":"x","byteSize":1.5,"n":[1,-2,{"b":"é\\n","a":null}],"ok":true}}';
    expect(id(ordinary)).toBe(truveraDedupeId("credential_issued", (JSON.parse(ordinary) as { data: unknown }).data));
    // A retry serialised differently, or after a token rotation, is the same event.
    expect(id('{"token":"t","event":"did_create","data":{"a":1,"b":[2,{"y":1,"x":2}]}}')).toBe(id('{ "data" : { "b" : [ 2 , { "x":2, "y":1 } ], "a" : 1 }, "event":"did_create", "token":"rotated" }'));

    const lexemes = ["1e999", "null", "1", "1.0", "1E0", "-0", "0", "9007199254740993", "9007199254740992", '"A"', '"\\u0041"', '"a|b"', '"a:b"', "true", "[]", "{}", '{"k":1}'];
    const generated = sample(
      fc.record({
        event: tricky(1, 4),
        members: fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "a:b", "__proto__"), fc.constantFrom(...lexemes)), { selector: ([key]) => key, maxLength: 4 }),
        order: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
        space: fc.constantFrom("", " ", "\n  "),
      }),
      2,
    );
    const samples = generated.map(({ event, members, order, space }) => {
      const shuffled = members.map((m, i) => [order[i]!, m] as const).sort((x, y) => x[0] - y[0]).map(([, m]) => m);
      const data = `{${shuffled.map(([k, v]) => `${space}${JSON.stringify(k)}${space}:${space}${v}`).join(",")}}`;
      const body = `{"event":${JSON.stringify(event)},${space}"data":${data},"token":"t"}`;
      const oracle = JSON.stringify([event, [...members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
      return { id: id(body), oracle };
    });
    expect(collisions(samples)).toEqual([]);
  });

  it("Lissi: (event path with its record id, body as written), in path form and shared-topic form alike", () => {
    const provider = lissi({ apiKey: "k" });
    const pathId = (path: string, body: string | undefined): string => provider.identify(delivery(provider, body, { path })).dedupeId;
    const sharedId = (event: string, payload: string): string => provider.identify(delivery(provider, `{"event":${JSON.stringify(event)},"payload":${payload}}`)).dedupeId;
    expect(pathId("/connections/c1/update", '{"state":"ACTIVE","n":1e999}')).not.toBe(pathId("/connections/c1/update", '{"state":"ACTIVE","n":null}'));
    expect(sharedId("/connections/c1/update", '{"n": 1, "state":"ACTIVE"}')).toBe(pathId("/connections/c1/update", '{"state":"ACTIVE","n":1}'));
    // Ordinary bodies keep the id they had (a hash of the decoded body).
    const ordinary = '{"state":"ACTIVE","theirLabel":"é\\n","n":[1.5,{"b":null,"a":true}]}';
    expect(pathId("/connections/c1/update", ordinary)).toBe(`/connections/c1/update:${contentHash(canonicalJson(JSON.parse(ordinary)))}`);

    const generated = sample(
      fc.record({
        id: tricky(1, 4),
        event: fc.constantFrom("update", "delete", "revoke"),
        topic: fc.constantFrom("connections", "credentials"),
        value: fc.constantFrom("1e999", "null", "1", "1.0", '"x"', '"x|y"', "-0", "0"),
        shared: fc.boolean(),
      }),
      3,
    );
    const samples = generated.flatMap(({ id, event, topic, value, shared }) => {
      if (topic === "connections" && event === "revoke") return [];
      const path = `/${topic}/${encodeURIComponent(id)}/${event}`;
      const body = `{"id":${JSON.stringify(id)},"state":"ACTIVE","n":${value}}`;
      return [{ id: shared ? sharedId(path, body) : pathId(path, body), oracle: JSON.stringify([topic, id, event, value]) }];
    });
    expect(collisions(samples)).toEqual([]);
  });

  it("ACA-Py: (wallet, topic, record id, state, updated_at), or (wallet, topic, body) without a record id", () => {
    const provider = acapy({ apiKey: "k" });
    const generated = sample(
      fc.record({
        wallet: fc.option(tricky(1, 3), { nil: undefined }),
        // out_of_band adds its discriminators (connection_id, reuse_msg_id) to the id.
        topic: fc.constantFrom("connections", "custom_topic", "out_of_band"),
        recordId: fc.option(tricky(0, 4), { nil: undefined }),
        state: fc.option(fc.constantFrom("active", "done", "a-b", "a_b"), { nil: undefined }),
        updatedAt: fc.option(tricky(0, 3), { nil: undefined }),
        note: tricky(0, 2),
        connection: fc.option(tricky(0, 3), { nil: undefined }),
        reuse: fc.option(tricky(0, 3), { nil: undefined }),
      }),
      4,
    );
    const samples = generated.map(({ wallet, topic, recordId, state, updatedAt, note, connection, reuse }) => {
      const field = topic === "connections" ? "connection_id" : topic === "out_of_band" ? "oob_id" : "cred_ex_id";
      const discriminators = topic === "out_of_band" ? { ...(connection === undefined ? {} : { connection_id: connection }), ...(reuse === undefined ? {} : { reuse_msg_id: reuse }) } : {};
      const record = { ...(recordId === undefined ? {} : { [field]: recordId }), ...(state === undefined ? {} : { state }), ...(updatedAt === undefined ? {} : { updated_at: updatedAt }), ...discriminators, note };
      const body = JSON.stringify(record);
      const extra = topic === "out_of_band" ? [connection ?? "", reuse ?? ""] : [];
      const oracle = recordId ? JSON.stringify([wallet ?? "", topic, recordId, state ?? "", updatedAt ?? "", ...extra]) : JSON.stringify([wallet ?? "", topic, body]);
      const id = provider.identify(delivery(provider, body, { path: `/topic/${topic}/`, headers: wallet === undefined ? {} : { "x-wallet-id": wallet } })).dedupeId;
      return { id, oracle };
    });
    expect(collisions(samples)).toEqual([]);
  });

  it("Sovrin and Crossmint: the sender's event id itself (event.id, svix-id), which no other event shares", () => {
    const sov = sovrin({ jwks: { keys: [{ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", kid: "k" }] } });
    const cross = crossmint({ secret: "whsec_" + Buffer.alloc(24, 1).toString("base64") });
    const ids = sample(tricky(1, 6), 5, 1000);
    const sovrinSamples = ids.map((id) => ({
      id: sov.identify(delivery(sov, JSON.stringify({ deliveryId: "d", webhookId: "w", event: { id, type: "OpenIdCredentialIssued", timestamp: "t", payload: {} } }))).dedupeId,
      oracle: id,
    }));
    const crossmintSamples = ids.map((id) => ({
      id: cross.identify(delivery(cross, '{"type":"credential.creation.succeeded","data":{}}', { headers: { "svix-id": id, "svix-timestamp": "1", "svix-signature": "v1,x" } })).dedupeId,
      oracle: id,
    }));
    expect(collisions(sovrinSamples)).toEqual([]);
    expect(collisions(crossmintSamples)).toEqual([]);
  });
});

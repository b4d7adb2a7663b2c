import { describe, expect, it } from "vitest";
import { NORMALIZED_EVENT_NAMES } from "../../normalized-events.js";
import type { WebhookEvent } from "../../types.js";
import { ACAPY_RECORD_ID_FIELD, ACAPY_STATELESS_TOPICS, ACAPY_TOPIC_STATES, acapy, acapyDedupeId, acapyEvents, acapyNormalizer, verify } from "./index.js";

const body = Buffer.from("{}");

describe("acapy route", () => {
  const route = acapy({ apiKey: "k" }).route!;
  it.each([
    ["/topic/connections/", "connections"],
    ["/topic/connections", "connections"],
    ["//topic/issue_credential_v2_0/", "issue_credential_v2_0"],
    ["/topic/get-active-menu/", "get-active-menu"],
  ])("routes %s to topic %s", (path, topic) => {
    expect(route(path, "POST")).toEqual({ params: { topic } });
  });
  it.each(["/", "/topic/", "/topic//", "/topic/a/b/", "/topic/a.b/", "/topic/_x/", "/x/topic/a/", "/topic/" + "a".repeat(200) + "/"])("does not route %s", (path) => {
    expect(route(path, "POST")).toBeUndefined();
  });
});

describe("acapyDedupeId", () => {
  it("is topic, record id, state and updated_at", () => {
    expect(acapyDedupeId("issue_credential_v2_0", { cred_ex_id: "x1", updated_at: "2025-03-13T22:15:02.479961Z" }, "done", undefined, body)).toBe(
      "issue_credential_v2_0:x1:done:2025-03-13T22:15:02.479961Z",
    );
  });
  it("leaves out a missing updated_at, prefixes the wallet id and encodes colons in ids", () => {
    expect(acapyDedupeId("basicmessages", { message_id: "m:1" }, "received", "w/1", body)).toBe("w%2F1/basicmessages:m%3A1:received");
    expect(acapyDedupeId("problem_report", { "@id": "p1" }, undefined, undefined, body)).toBe("problem_report:p1:");
  });
  it("uses the topic's own id field, not another id the record carries", () => {
    expect(acapyDedupeId("issue_credential_v2_0_indy", { cred_ex_indy_id: "i1", cred_ex_id: "x1" }, undefined, undefined, body)).toBe("issue_credential_v2_0_indy:i1:");
  });
  it("finds a specific id on unknown topics and otherwise hashes the body", () => {
    expect(acapyDedupeId("issue_credential", { credential_exchange_id: "v1", connection_id: "c" }, "offer_sent", undefined, body)).toBe("issue_credential:v1:offer_sent");
    const plugin = acapyDedupeId("my_plugin", { connection_id: "c", thread_id: "t" }, "received", undefined, Buffer.from('{"thread_id":"t"}'));
    expect(plugin).toMatch(/^my_plugin:#[\w-]{22}$/);
    expect(acapyDedupeId("my_plugin", { connection_id: "c", thread_id: "t2" }, "received", undefined, Buffer.from('{"thread_id":"t2"}'))).not.toBe(plugin);
  });
  it("tells apart the done events of one multi-use invitation reused by two connections (emitted without a save)", () => {
    const done = { oob_id: "o1", state: "done", updated_at: "2026-01-01T00:00:00Z", multi_use: true };
    const alice = acapyDedupeId("out_of_band", { ...done, connection_id: "c-alice", reuse_msg_id: "r-alice" }, "done", undefined, body);
    const bob = acapyDedupeId("out_of_band", { ...done, connection_id: "c-bob", reuse_msg_id: "r-bob" }, "done", undefined, body);
    expect(alice).not.toBe(bob);
    expect(alice).toBe("out_of_band:o1:done:2026-01-01T00:00:00Z|c-alice|r-alice");
    expect(acapyDedupeId("out_of_band", { ...done }, "done", undefined, body)).toBe("out_of_band:o1:done:2026-01-01T00:00:00Z||");
  });
  it("gives every forward its own id: nothing in it tells two forwards from a retry", () => {
    const forward = { connection_id: "c", status: "queued_for_delivery", recipient_key: "did:key:z6Mk" };
    expect(acapyDedupeId("forward", forward, undefined, undefined, body)).not.toBe(acapyDedupeId("forward", forward, undefined, undefined, body));
  });
});

describe("acapy events", () => {
  it("has <topic>.<state> for every documented state (<topic>::<state> for a vocabulary noun) and the bare topic for stateless ones", () => {
    const expected = [
      ...Object.entries(ACAPY_TOPIC_STATES).flatMap(([topic, states]) => states.map((state) => (topic === "credential" ? `${topic}::${state}` : `${topic}.${state}`))),
      ...ACAPY_STATELESS_TOPICS,
    ].sort();
    expect(Object.keys(acapyEvents).sort()).toEqual(expected);
    for (const topic of [...Object.keys(ACAPY_TOPIC_STATES), ...ACAPY_STATELESS_TOPICS]) {
      if (topic !== "actionmenu" && topic !== "forward") expect(Object.hasOwn(ACAPY_RECORD_ID_FIELD, topic), topic).toBe(true);
    }
  });

  it("requires the record id, keeps unknown fields and allows nulls", () => {
    const schema = acapyEvents["connections.active"];
    const parsed = schema.parse({ topic: "connections", state: "active", record: { connection_id: "c1", alias: null, brand_new: 1 } });
    expect(parsed.record).toEqual({ connection_id: "c1", alias: null, brand_new: 1 });
    expect(schema.safeParse({ topic: "connections", state: "active", record: { alias: "x" } }).success).toBe(false);
  });
});

describe("acapyNormalizer", () => {
  const event = (name: string, record: Record<string, unknown>): WebhookEvent<string, unknown> => ({
    provider: "acapy",
    tenantId: "t",
    name,
    payload: { topic: name.split(".")[0], state: name.split(".")[1], record },
    raw: record,
    id: "id",
    receivedAt: new Date(0),
    signal: new AbortController().signal,
  });
  it("maps only what clearly corresponds", () => {
    expect(acapyNormalizer(event("connections.active", { connection_id: "c1", their_did: "did:peer:x" }))).toEqual({ name: "connection.established", recordId: "c1", subject: "did:peer:x" });
    expect(acapyNormalizer(event("issue_credential_v2_0.done", { cred_ex_id: "x1" }))).toEqual({ name: "credential.issued", recordId: "x1" });
    expect(acapyNormalizer(event("issue_credential_v2_0.credential-issued", { cred_ex_id: "x1" }))).toBeUndefined();
    expect(acapyNormalizer(event("issue_credential_v2_0.deleted", { cred_ex_id: "x1" }))).toBeUndefined();
    expect(acapyNormalizer(event("present_proof_v2_0.done", { pres_ex_id: "p1", verified: "false" }))).toBeUndefined();
    expect(acapyNormalizer(event("present_proof_v2_0.done", { pres_ex_id: "p1" }))).toBeUndefined();
    expect(acapyNormalizer(event("present_proof_v2_0.done", { pres_ex_id: "p1", verified: "true" }))).toEqual({ name: "presentation.verified", recordId: "p1" });
    expect(acapyNormalizer(event("issuer_cred_rev.revoked", { record_id: "r1" }))).toEqual({ name: "credential.revoked", recordId: "r1" });
    expect(acapyNormalizer(event("issuer_cred_rev.revoked", { record_id: "r1", cred_ex_id: "x1" }))).toEqual({ name: "credential.revoked", recordId: "x1" });
    expect(acapyNormalizer(event("toString", {}))).toBeUndefined();
  });
  it("never names a normalized event like an ACA-Py one", () => {
    for (const name of NORMALIZED_EVENT_NAMES) expect(Object.keys(acapyEvents)).not.toContain(name);
  });
});

describe("acapy verify (standalone)", () => {
  const record = { cred_ex_id: "x1", state: "done", updated_at: "2025-03-13T22:15:02Z" };
  it("authenticates and parses a delivery given its path below the mount point", async () => {
    const result = await verify({ path: "/topic/issue_credential_v2_0/", headers: { "Content-Type": "application/json", "X-API-Key": "k", "X-Wallet-Id": "w1" }, body: JSON.stringify(record), tenantId: "w1" }, { apiKey: "k", requireWalletId: true });
    expect(result.ok && result.known && result.event.name).toBe("issue_credential_v2_0.done");
    if (result.ok && result.known && result.event.name === "issue_credential_v2_0.done") {
      expect(result.event.payload).toEqual({ topic: "issue_credential_v2_0", state: "done", walletId: "w1", record });
      expect(result.event.id).toBe("w1/issue_credential_v2_0:x1:done:2025-03-13T22:15:02Z");
    }
  });
  it("returns coded errors", async () => {
    const noRoute = await verify({ headers: { "x-api-key": "k" }, body: JSON.stringify(record) }, { apiKey: "k" });
    expect(!noRoute.ok && noRoute.error.code).toBe("UNKNOWN_ROUTE");
    const wrongWallet = await verify({ path: "/topic/issue_credential_v2_0/", headers: { "content-type": "application/json", "x-api-key": "k", "x-wallet-id": "w2" }, body: JSON.stringify(record), tenantId: "w1" }, { apiKey: "k", requireWalletId: true });
    expect(!wrongWallet.ok && wrongWallet.error.code).toBe("INVALID_CREDENTIALS");
    const noTenant = await verify({ path: "/topic/issue_credential_v2_0/", headers: { "content-type": "application/json", "x-api-key": "k", "x-wallet-id": "w1" }, body: JSON.stringify(record) }, { apiKey: "k", requireWalletId: true });
    expect(!noTenant.ok && noTenant.error.message).toContain(":tenantId");
  });
});

import { createPrivateKey, createPublicKey } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { Webhook } from "svix";
import { createVerifier, httpbis } from "http-message-signatures";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebhooks, verifyWebhook, type Provider, type WebhookEvent } from "@credhooks/core";
import { acapy } from "@credhooks/core/providers/acapy";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { truvera } from "@credhooks/core/providers/truvera";
import { webhooks as nodeWebhooks } from "@credhooks/node";
import {
  ACAPY_SAMPLES,
  DEV_CREDENTIALS,
  DEV_SOVRIN_KEY_PAIR,
  DEV_SOVRIN_SIGNING_JWK,
  PROVIDER_IDS,
  SAMPLES,
  buildDelivery,
  deliveries,
  devCredential,
  eventsOf,
  generateSovrinKeyPair,
  generateSvixSecret,
  lissiEventPath,
  sendDelivery,
  toVerifiableRequest,
  type ProviderId,
  type TestDelivery,
} from "@credhooks/testing";
import * as exampleCredentials from "../examples/shared/dev-credentials.js";
import { exampleReceivers } from "../examples/shared/example-receivers.js";
import { adapters } from "./support/adapters.js";
import { lissiRoutes } from "./fixtures/lissi/index.js";
import { provenFixtures } from "./fixtures/proven/index.js";
import { truveraFixtures } from "./fixtures/truvera/index.js";
import { crossmintFixture } from "./fixtures/crossmint/index.js";
import { sovrinFixtures } from "./fixtures/sovrin/index.js";
import { ACAPY_WALLET_ID, acapyFixtures } from "./fixtures/acapy/index.js";

// The receivers the test kit's defaults are meant for: the example servers' providers,
// configured with the development credentials.
const devProviders: Record<ProviderId, Provider> = {
  proven: proven({ apiKey: DEV_CREDENTIALS.PROVEN_API_KEY }),
  lissi: lissi({ apiKey: DEV_CREDENTIALS.LISSI_API_KEY }),
  truvera: truvera({ token: DEV_CREDENTIALS.TRUVERA_TOKEN }),
  crossmint: crossmint({ secret: DEV_CREDENTIALS.CROSSMINT_SECRET }),
  sovrin: sovrin({ jwks: DEV_CREDENTIALS.SOVRIN_JWKS }),
  acapy: acapy({ apiKey: DEV_CREDENTIALS.ACAPY_API_KEY }),
};

const build = (provider: ProviderId, event: string, options: Record<string, unknown> = {}) => buildDelivery(provider, event, undefined, options);
const every = PROVIDER_IDS.flatMap((provider) => eventsOf(provider).map((event) => ({ provider, event })));
const verify = (provider: Provider, delivery: TestDelivery) => verifyWebhook(provider, toVerifiableRequest(delivery));
const withBody = (d: TestDelivery, body: string): TestDelivery => ({ ...d, body });
const withHeader = (d: TestDelivery, name: string, value: string): TestDelivery => ({ ...d, headers: { ...d.headers, [name]: value } });
const sample = (provider: ProviderId, event: string): Record<string, unknown> => (SAMPLES[provider] as Record<string, Record<string, unknown>>)[event]!;
/** What the handler receives for the builder's default payload: the sample itself, or (ACA-Py) the record in its wrapper. */
const handledPayload = (provider: ProviderId, event: string): unknown => {
  const payload = sample(provider, event);
  return provider === "acapy" ? { topic: event.split(/::|\./)[0], state: payload["state"], record: payload } : payload;
};

/** Changes a delivery after it was authenticated, the way each provider's protection must catch. */
const tampered: Record<ProviderId, { change(d: TestDelivery): TestDelivery; code: string }> = {
  // API keys authenticate the sender, not the body: a forged key is what must fail.
  proven: { change: (d) => withHeader(d, "x-api-key", d.headers["x-api-key"] + "x"), code: "INVALID_CREDENTIALS" },
  lissi: { change: (d) => withHeader(d, "x-api-key", d.headers["x-api-key"] + "x"), code: "INVALID_CREDENTIALS" },
  acapy: { change: (d) => withHeader(d, "x-api-key", d.headers["x-api-key"] + "x"), code: "INVALID_CREDENTIALS" },
  truvera: { change: (d) => withBody(d, d.body.replace(`"token":"${DEV_CREDENTIALS.TRUVERA_TOKEN}"`, '"token":"truvera-dev-tokem"')), code: "INVALID_CREDENTIALS" },
  // Signatures cover the body: one byte more must fail.
  crossmint: { change: (d) => withBody(d, d.body.replace(/}$/, ',"tampered":true}')), code: "INVALID_SIGNATURE" },
  sovrin: { change: (d) => withBody(d, d.body.replace(/}$/, ',"tampered":true}')), code: "INVALID_SIGNATURE" },
};

describe("deliveries: every provider and event", () => {
  it("covers every event of every provider's schema, with a seed payload each", () => {
    for (const id of PROVIDER_IDS) expect(eventsOf(id).sort()).toEqual(Object.keys(devProviders[id].events).sort());
    expect(every).toHaveLength(6 + 11 + 13 + 2 + 3 + 83);
  });

  it.each(every)("$provider $event passes the real verifier with the development credentials", async ({ provider, event }) => {
    const delivery = build(provider, event);
    expect(delivery).toMatchObject({ provider, event, tenantId: "acme", mountPath: `/events/acme/${provider}` });
    expect(typeof delivery.body).toBe("string");
    const result = await verify(devProviders[provider], delivery);
    if (!result.ok) throw result.error;
    expect(result.known).toBe(true);
    expect(result.event.name).toBe(event);
    expect(result.event.tenantId).toBe("acme");
    // What the builder took as the payload is what the handler receives.
    const schema = devProviders[provider].events[event]!;
    expect(result.event.payload).toEqual(schema.parse(handledPayload(provider, event)));
  });

  it.each(every)("$provider $event does not pass once tampered with", async ({ provider, event }) => {
    const delivery = build(provider, event);
    const result = await verify(devProviders[provider], tampered[provider].change(delivery));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(tampered[provider].code);
      expect(result.error.status).toBe(401);
    }
  });

  it("takes a typed payload, and the handler gets exactly it", async () => {
    const d = deliveries.proven("credentials:done", { cred_ex_id: "ex-1", state: "done", updated_at: "2025-01-01T00:00:00Z" });
    const result = await verify(devProviders.proven, d);
    expect(result.ok && result.event.payload).toEqual({ cred_ex_id: "ex-1", state: "done", updated_at: "2025-01-01T00:00:00Z" });
    expect(JSON.parse(d.body)).toEqual({ event: "credentials:done", webhook: { cred_ex_id: "ex-1", state: "done", updated_at: "2025-01-01T00:00:00Z" } });
  });

  it("builds the seed's bodies: Proven, Truvera and Crossmint envelopes match the fixtures byte for byte once parsed", () => {
    for (const fixture of provenFixtures.filter((f) => f.body.event === f.canonical && f.file !== "presentation-verified-oid4vp.json")) {
      expect(JSON.parse(build("proven", fixture.canonical).body)).toEqual(fixture.body);
    }
    for (const fixture of truveraFixtures) {
      expect(JSON.parse(build("truvera", fixture.event, { token: fixture.body.token }).body)).toEqual(fixture.body);
    }
    expect(JSON.parse(build("crossmint", "credential.creation.succeeded").body)).toEqual(crossmintFixture("credential-creation-succeeded.json").body);
    const sovrinBody = JSON.parse(build("sovrin", "OpenIdCredentialIssued").body) as { event: { payload: unknown }; webhookId: string };
    expect(sovrinBody.event.payload).toEqual(sovrinFixtures[0]!.body.event.payload);
    expect(sovrinBody.webhookId).toBe(sovrinFixtures[0]!.body.webhookId);
    // ACA-Py's fixtures are its samples (present_proof_v2_0.done: the verified one).
    for (const fixture of acapyFixtures.filter((f) => f.file !== "present-proof-v2-0-done-not-verified.json")) {
      const d = build("acapy", fixture.event);
      expect(d.path).toBe(`/events/acme/acapy/topic/${fixture.topic}/`);
      expect(JSON.parse(d.body)).toEqual(fixture.body);
    }
  });

  it("refuses unknown providers and events at run time, listing the valid names", () => {
    expect(() => buildDelivery("provn", "x")).toThrow(/Unknown provider "provn"\. Valid providers: proven, lissi, truvera, crossmint, sovrin, acapy\./);
    expect(() => buildDelivery("lissi", "connection:updated")).toThrow(/Unknown lissi event "connection:updated"\. Valid events: connection:update, connection:delete, /);
    // @ts-expect-error: the typed builders reject unknown names at compile time too.
    expect(() => deliveries.truvera("credential_issue")).toThrow(/Valid events: credential_create, credential_issued/);
  });
});

describe("without a framework", () => {
  it("feeds createWebhooks().handle() as the README shows", async () => {
    const hooks = createWebhooks({ provider: devProviders.lissi });
    const seen: string[] = [];
    hooks.onAny((event) => void seen.push(`${event.tenantId} ${event.name}`));
    for (const d of [deliveries.lissi("credential:update", undefined, { tenantId: "globex" }), deliveries.lissi("credential:delete")]) {
      const res = await hooks.handle({ method: d.method, path: toVerifiableRequest(d).path, originalUrl: d.path, headers: d.headers, params: { tenantId: d.tenantId }, body: Buffer.from(d.body) });
      expect(res.status).toBe(200);
    }
    expect(seen).toEqual(["globex credential:update", "acme credential:delete"]);
  });
});

describe("credentials", () => {
  it("fail with the provider's error when missing or wrong", async () => {
    expect(await verify(devProviders.proven, deliveries.proven("connection:completed", undefined, { apiKey: null }))).toMatchObject({ ok: false, error: { code: "MISSING_CREDENTIALS" } });
    expect(await verify(devProviders.lissi, deliveries.lissi("proof:delete", undefined, { apiKey: "other" }))).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
    expect(await verify(devProviders.truvera, deliveries.truvera("did_create", undefined, { token: null }))).toMatchObject({ ok: false, error: { code: "MISSING_CREDENTIALS" } });
    expect(await verify(devProviders.crossmint, deliveries.crossmint("credential.creation.failed", undefined, { secret: generateSvixSecret() }))).toMatchObject({ ok: false, error: { code: "INVALID_SIGNATURE" } });
    expect(await verify(devProviders.sovrin, deliveries.sovrin("OpenIdCredentialIssued", undefined, { privateKey: generateSovrinKeyPair("stranger").privateJwk }))).toMatchObject({ ok: false, error: { code: "UNKNOWN_KEY" } });
    expect(await verify(devProviders.acapy, deliveries.acapy("connections.active", undefined, { apiKey: null }))).toMatchObject({ ok: false, error: { code: "MISSING_CREDENTIALS" } });
    expect(await verify(devProviders.acapy, deliveries.acapy("connections.active", undefined, { apiKey: "other" }))).toMatchObject({ ok: false, error: { code: "INVALID_CREDENTIALS" } });
  });

  it("sign with whatever the receiver is configured with", async () => {
    const secret = generateSvixSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(await verify(crossmint({ secret }), deliveries.crossmint("credential.creation.succeeded", undefined, { secret }))).toMatchObject({ ok: true });
    expect(await verify(proven({ apiKey: "k1" }), deliveries.proven("credentials:done", undefined, { apiKey: "k1" }))).toMatchObject({ ok: true });
    expect(await verify(lissi({ apiKey: "k2" }), deliveries.lissi("credentials:revoke", undefined, { apiKey: "k2" }))).toMatchObject({ ok: true });
    expect(await verify(truvera({ token: "t3" }), deliveries.truvera("proof_submitted", undefined, { token: "t3" }))).toMatchObject({ ok: true });
    expect(await verify(acapy({ apiKey: "k4" }), deliveries.acapy("issue_credential_v2_0.done", undefined, { apiKey: "k4" }))).toMatchObject({ ok: true });
  });

  it("generate Ed25519 key pairs whose JWKS verifies their deliveries, and rotations", async () => {
    const [current, next] = [generateSovrinKeyPair("2024"), generateSovrinKeyPair("2025")];
    expect(current.jwks).toEqual({ keys: [{ kty: "OKP", crv: "Ed25519", x: current.publicJwk.x, kid: "2024" }] });
    expect(current.privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const provider = sovrin({ jwks: { keys: [current.publicJwk, next.publicJwk] } });
    for (const pair of [current, next]) {
      expect(await verify(provider, deliveries.sovrin("OpenIdCredentialIssuedSummary", undefined, { privateKey: pair.privateJwk }))).toMatchObject({ ok: true });
    }
    expect(await verify(sovrin({ jwks: current.jwks }), deliveries.sovrin("OpenIdCredentialIssuedSummary", undefined, { privateKey: next.privateJwk }))).toMatchObject({ ok: false, error: { code: "UNKNOWN_KEY" } });
  });

  it("are one source: the example servers re-export the test kit's development credentials", () => {
    expect(exampleCredentials.DEV_CREDENTIALS).toBe(DEV_CREDENTIALS);
    expect(exampleCredentials.DEV_SOVRIN_SIGNING_JWK).toBe(DEV_SOVRIN_SIGNING_JWK);
    expect(exampleCredentials.credential({ PROVEN_API_KEY: "from-env" }, "PROVEN_API_KEY")).toBe("from-env");
    expect(devCredential({ PROVEN_API_KEY: "" }, "PROVEN_API_KEY")).toBe("proven-dev-key");
    // The published development JWKS is the public half of the development signing key.
    const publicJwk = createPublicKey(createPrivateKey({ key: DEV_SOVRIN_SIGNING_JWK, format: "jwk" })).export({ format: "jwk" });
    expect(JSON.parse(DEV_CREDENTIALS.SOVRIN_JWKS)).toEqual({ keys: [{ kty: "OKP", crv: "Ed25519", x: publicJwk.x, kid: DEV_SOVRIN_SIGNING_JWK.kid }] });
    expect(DEV_SOVRIN_KEY_PAIR.jwks).toEqual(JSON.parse(DEV_CREDENTIALS.SOVRIN_JWKS));
    expect(DEV_SOVRIN_KEY_PAIR.publicJwk).not.toHaveProperty("d");
  });
});

describe("independent verifiers accept the signatures", () => {
  it("Crossmint: the svix package verifies the Svix signature", () => {
    const d = deliveries.crossmint("credential.creation.succeeded", undefined, { id: "msg_independent" });
    expect(new Webhook(DEV_CREDENTIALS.CROSSMINT_SECRET).verify(d.body, { ...d.headers })).toEqual(JSON.parse(d.body));
    expect(() => new Webhook(DEV_CREDENTIALS.CROSSMINT_SECRET).verify(d.body + " ", { ...d.headers })).toThrow();
  });

  it("Sovrin: http-message-signatures verifies the RFC 9421 signature, with and without @authority", async () => {
    const verifier = createVerifier(createPublicKey(createPrivateKey({ key: DEV_SOVRIN_SIGNING_JWK, format: "jwk" })), "ed25519");
    const keyLookup = async () => ({ id: DEV_SOVRIN_SIGNING_JWK.kid, algs: ["ed25519" as const], verify: verifier });
    for (const url of ["https://hooks.example.com/events/acme/sovrin", undefined]) {
      const d = deliveries.sovrin("OidcIssuerCredentialIssued", undefined, url === undefined ? {} : { url });
      expect(d.headers["signature-input"]).toContain(url === undefined ? '("@method" "@path" "content-type" "content-digest")' : '"@authority"');
      const ok = await httpbis.verifyMessage({ keyLookup }, { method: "POST", url: url ?? "http://anywhere.example/events/acme/sovrin", headers: { ...d.headers } });
      expect(ok).toBe(true);
    }
  });
});

describe("Lissi paths", () => {
  it.each(lissiRoutes)("$event goes to $path with the body Lissi sends", async (row) => {
    const d = build("lissi", row.event);
    expect(d.path).toBe("/events/acme/lissi" + row.path);
    expect(d.body === "").toBe(row.bodyFile === undefined);
    expect("content-type" in d.headers).toBe(row.bodyFile !== undefined);
    const result = await verify(devProviders.lissi, d);
    expect(result.ok && result.event.payload).toMatchObject(row.expected);
  });

  it("encodes record ids and names the path of bulk events without one", () => {
    expect(lissiEventPath("credential:revoke", { id: "c 1/2" })).toBe("/credentials/c%201%2F2/revoke");
    expect(lissiEventPath("proofs:delete", { ids: [] })).toBe("/proofs/delete");
    expect(() => deliveries.lissi("connection:update", { state: "INVITED" } as never)).toThrow(/needs a string "id"/);
  });

  it.each(eventsOf("lissi"))("%s in shared-topic mode reaches the same event with the same dedupe id", async (event) => {
    const pathForm = await verify(devProviders.lissi, build("lissi", event));
    const shared = build("lissi", event, { sharedTopic: true });
    expect(shared.path).toBe("/events/acme/lissi");
    expect(JSON.parse(shared.body).event).toBe(new URL(build("lissi", event).path, "http://x").pathname.slice("/events/acme/lissi".length));
    const sharedForm = await verify(devProviders.lissi, shared);
    if (!pathForm.ok || !sharedForm.ok) throw new Error("both forms must verify");
    expect(sharedForm.event.name).toBe(event);
    expect(sharedForm.event.id).toBe(pathForm.event.id);
    expect(sharedForm.event.payload).toEqual(pathForm.event.payload);
  });

  it("sends deletions as DELETE when asked", async () => {
    const d = deliveries.lissi("connections:delete", { ids: ["a", "b"] }, { method: "DELETE" });
    expect(d.method).toBe("DELETE");
    expect(await verify(devProviders.lissi, d)).toMatchObject({ ok: true, event: { name: "connections:delete", payload: { ids: ["a", "b"] } } });
  });
});

describe("ACA-Py records and headers", () => {
  const stateful = eventsOf("acapy").filter((event) => /::|\./.test(event));

  it("has a sample per event whose state is the event's, and a bare topic's sample for the others", () => {
    expect(stateful).toHaveLength(70);
    for (const event of stateful) expect(sample("acapy", event)["state"], event).toBe(event.split(/::|\./)[1]);
    expect(eventsOf("acapy").filter((event) => !/::|\./.test(event))).toEqual([
      "issue_credential_v2_0_indy",
      "issue_credential_v2_0_ld_proof",
      "issue_credential_v2_0_anoncreds",
      "problem_report",
      "discover_feature_v2_0",
      "actionmenu",
      "get-active-menu",
      "perform-menu-action",
      "keylist",
      "forward",
      "revocation-notification",
      "revocation-notification-v2",
      "connection_reuse",
    ]);
    // The derived samples keep their topic's record id and take the side of the exchange that enters the state.
    expect(ACAPY_SAMPLES["issue_credential_v2_0.offer-received"]).toMatchObject({ cred_ex_id: ACAPY_SAMPLES["issue_credential_v2_0.done"].cred_ex_id, role: "holder", initiator: "external" });
    expect(ACAPY_SAMPLES["present_proof_v2_0.request-sent"]).not.toHaveProperty("verified");
    expect(ACAPY_SAMPLES["connections.request"]).toMatchObject({ state: "request", rfc23_state: "request-received" });
  });

  it("posts the bare record to <mount>/topic/<topic>/ with x-api-key", async () => {
    const d = deliveries.acapy("present_proof_v2_0.done");
    expect(d).toMatchObject({ method: "POST", path: "/events/acme/acapy/topic/present_proof_v2_0/", headers: { "content-type": "application/json", "x-api-key": DEV_CREDENTIALS.ACAPY_API_KEY } });
    expect(d.headers).not.toHaveProperty("x-wallet-id");
    expect(JSON.parse(d.body)).toEqual(ACAPY_SAMPLES["present_proof_v2_0.done"]);
    expect(toVerifiableRequest(d).path).toBe("/topic/present_proof_v2_0/");
    const stateless = deliveries.acapy("problem_report", undefined, { mountPath: "/hooks/acapy/" });
    expect(stateless.path).toBe("/hooks/acapy/topic/problem_report/");
    expect(await verify(devProviders.acapy, stateless)).toMatchObject({ ok: true, event: { name: "problem_report", payload: { topic: "problem_report", record: { "@id": "b7d9f1a3-5c2e-4e6a-8b0d-2f4a6c8e0b15" } } } });
  });

  it("sends x-wallet-id for a sub-wallet: the handler gets it as payload.walletId, and requireWalletId accepts it", async () => {
    const d = deliveries.acapy("issue_credential_v2_0.done", { cred_ex_id: "ex-1" }, { tenantId: ACAPY_WALLET_ID, walletId: ACAPY_WALLET_ID });
    expect(d.headers["x-wallet-id"]).toBe(ACAPY_WALLET_ID);
    const result = await verify(acapy({ apiKey: DEV_CREDENTIALS.ACAPY_API_KEY, requireWalletId: true }), d);
    if (!result.ok) throw result.error;
    expect(result.event.payload).toEqual({ topic: "issue_credential_v2_0", state: "done", walletId: ACAPY_WALLET_ID, record: { cred_ex_id: "ex-1", state: "done" } });
    expect(result.event.id).toBe(`${ACAPY_WALLET_ID}/issue_credential_v2_0:ex-1:done`);
    // From the base wallet (no walletId), a receiver that requires one refuses it.
    const base = deliveries.acapy("issue_credential_v2_0.done", undefined, { tenantId: ACAPY_WALLET_ID });
    expect(await verify(acapy({ apiKey: DEV_CREDENTIALS.ACAPY_API_KEY, requireWalletId: true }), base)).toMatchObject({ ok: false, error: { code: "MISSING_CREDENTIALS" } });
  });

  it("fills in a record's missing state and refuses one of another event", () => {
    expect(JSON.parse(deliveries.acapy("connections.active", { connection_id: "c1" }).body)).toEqual({ connection_id: "c1", state: "active" });
    expect(JSON.parse(deliveries.acapy("problem_report", { "@id": "p1" }).body)).toEqual({ "@id": "p1" });
    expect(() => deliveries.acapy("issue_credential_v2_0.done", { ...ACAPY_SAMPLES["issue_credential_v2_0.abandoned"] } as never)).toThrow(
      /An ACA-Py issue_credential_v2_0\.done record has state "done", got "abandoned"/,
    );
    expect(() => buildDelivery("acapy", "connections.finished")).toThrow(/Unknown acapy event "connections\.finished"\. Valid events: connections\.init, /);
  });
});

describe("placement and redelivery options", () => {
  it("puts the delivery under another tenant or mount path", async () => {
    expect(deliveries.truvera("did_delete", undefined, { tenantId: "globex" }).path).toBe("/events/globex/truvera");
    const d = deliveries.lissi("proof:update", undefined, { mountPath: "/hooks/lissi/" });
    expect(d.path).toBe("/hooks/lissi/proofs/0a7e3b5c-1f2d-4c6e-9a8b-7d5f3e1c2b4a/update");
    expect(toVerifiableRequest(d)).toMatchObject({ path: "/proofs/0a7e3b5c-1f2d-4c6e-9a8b-7d5f3e1c2b4a/update", url: d.path, tenantId: "acme" });
    const sovrinAt = deliveries.sovrin("OpenIdCredentialIssued", undefined, { url: "https://hooks.example.com/in/sovrin" });
    expect(sovrinAt.path).toBe("/in/sovrin");
  });

  it("signs Crossmint with Standard Webhooks header names and a chosen timestamp", async () => {
    const d = deliveries.crossmint("credential.creation.failed", undefined, { unbranded: true, id: "msg_1", timestamp: 1_700_000_000 });
    expect(d.headers).toMatchObject({ "webhook-id": "msg_1", "webhook-timestamp": "1700000000" });
    expect(await verify(devProviders.crossmint, d)).toMatchObject({ ok: false, error: { code: "TIMESTAMP_TOO_OLD" } });
    expect(await verify(devProviders.crossmint, deliveries.crossmint("credential.creation.failed", undefined, { unbranded: true }))).toMatchObject({ ok: true });
  });

  it("sends alternative event spellings", async () => {
    expect(await verify(devProviders.proven, deliveries.proven("basic-message:received", undefined, { sentAs: "webhook:basic-message" }))).toMatchObject({ ok: true, event: { name: "basic-message:received" } });
    expect(await verify(devProviders.crossmint, deliveries.crossmint("credential.creation.failed", undefined, { sentAs: "credential:creation.failed" }))).toMatchObject({ ok: true, event: { name: "credential.creation.failed" } });
  });

  it("refuses a Sovrin signature made in the past beyond the tolerance", async () => {
    const old = deliveries.sovrin("OpenIdCredentialIssued", undefined, { created: new Date(Date.now() - 3_600_000) });
    expect(await verify(devProviders.sovrin, old)).toMatchObject({ ok: false, error: { code: "TIMESTAMP_TOO_OLD" } });
  });
});

describe.each(adapters)("with supertest, through the example servers' receivers on $name", (adapter) => {
  const mountAll = () => {
    const built = adapter.build(exampleReceivers({}).map((r) => ({ path: r.path, options: { provider: r.provider } })));
    const seen: WebhookEvent[] = [];
    for (const hooks of built.hooks) hooks.onAny((event) => void seen.push(event));
    return { app: built.app, seen };
  };

  it("accepts every event of every provider, once", async () => {
    const { app, seen } = mountAll();
    for (const { provider, event } of every) {
      const d = build(provider, event);
      const res = await request(app)[d.method === "POST" ? "post" : "delete"](d.path).set(d.headers).send(d.body);
      expect(res.status, `${provider} ${event}: ${res.text}`).toBe(200);
      expect(res.body).toEqual({ received: true });
    }
    expect(seen.map((e) => `${e.provider} ${e.name}`)).toEqual(every.map(({ provider, event }) => `${provider} ${event}`));
  });

  it("answers redeliveries as duplicates and tampered deliveries 401", async () => {
    const { app, seen } = mountAll();
    const first = deliveries.crossmint("credential.creation.succeeded", undefined, { id: "msg_same" });
    const again = deliveries.crossmint("credential.creation.succeeded", undefined, { id: "msg_same" });
    const sovrinEvent = { eventId: "evt-same" };
    // ACA-Py redelivers the same bytes: the same record in the same state and updated_at.
    const acapyEvent = deliveries.acapy("issue_credential_v2_0.done", undefined, { walletId: ACAPY_WALLET_ID });
    for (const d of [first, again, deliveries.sovrin("OpenIdCredentialIssued", undefined, sovrinEvent), deliveries.sovrin("OpenIdCredentialIssued", undefined, sovrinEvent), acapyEvent, acapyEvent]) {
      expect((await request(app).post(d.path).set(d.headers).send(d.body)).status).toBe(200);
    }
    expect(seen.map((e) => `${e.provider} ${e.name}`)).toEqual(["crossmint credential.creation.succeeded", "sovrin OpenIdCredentialIssued", "acapy issue_credential_v2_0.done"]);
    for (const provider of PROVIDER_IDS) {
      const d = tampered[provider].change(build(provider, eventsOf(provider)[0]!));
      const res = await request(app).post(d.path).set(d.headers).send(d.body);
      expect(res.status, provider).toBe(401);
      expect(res.body.error.code).toBe(tampered[provider].code);
    }
    expect(seen).toHaveLength(3);
  });
});

describe("with fetch, against a node:http server", () => {
  let server: Server;
  let origin: string;
  const seen: WebhookEvent[] = [];
  beforeAll(async () => {
    const handlers = exampleReceivers({}).map((r) => nodeWebhooks({ provider: r.provider, path: r.path }).onAny((event) => void seen.push(event)));
    server = createServer((req, res) => {
      let i = 0;
      const next = (): void => (handlers[i] ? handlers[i++]!(req, res, next) : void res.writeHead(404).end());
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("delivers one event of each provider with fetch(url, delivery) and with sendDelivery", async () => {
    seen.length = 0;
    for (const provider of PROVIDER_IDS) {
      const event = eventsOf(provider)[1]!;
      // Sovrin signs @authority when given the URL, as Sovrin does.
      const options = provider === "sovrin" ? { url: origin } : {};
      const d = build(provider, event, options);
      expect((await fetch(new URL(d.path, origin), d)).status, `${provider} ${event}`).toBe(200);
      const res = await sendDelivery(build(provider, eventsOf(provider)[0]!, options), origin);
      expect(res.status, `${provider}: ${await res.clone().text()}`).toBe(200);
    }
    expect(seen).toHaveLength(PROVIDER_IDS.length * 2);
  });

  it("refuses a Sovrin delivery signed for another authority", async () => {
    const d = build("sovrin", "OpenIdCredentialIssued", { url: "http://127.0.0.1:1" });
    const res = await sendDelivery(d, origin);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("INVALID_SIGNATURE");
  });
});

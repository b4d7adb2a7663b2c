import { readFileSync } from "node:fs";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { NORMALIZED_EVENT_NAMES, type NormalizedPayload, type Provider, type WebhookEvent } from "@credhooks/core";
import { acapy } from "@credhooks/core/providers/acapy";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { truvera } from "@credhooks/core/providers/truvera";
import { adapters } from "./support/adapters.js";
import { acapyFixture } from "./fixtures/acapy/index.js";
import { CROSSMINT_SECRET, crossmintFixture, svixHeaders } from "./fixtures/crossmint/index.js";
import { CONNECTION_ID, CREDENTIAL_ID, PROOF_ID, lissiFixture } from "./fixtures/lissi/index.js";
import { provenFixtures } from "./fixtures/proven/index.js";
import { sovrinFixtures } from "./fixtures/sovrin/index.js";
import { jwksOf, signWithHms, testKey } from "./fixtures/sovrin/sign-with-hms.js";
import { TRUVERA_SAMPLE_TOKEN, truveraFixture } from "./fixtures/truvera/index.js";

type Send = (app: Parameters<typeof request>[0]) => PromiseLike<request.Response>;

/** What a normalized handler must receive (the rest of the payload must be undefined). */
interface Expected {
  name: string;
  recordId?: string;
  recordIds?: string[];
  subject?: string;
}

/** One delivery of a provider's own event and the normalized events it must produce. */
interface Case {
  provider: string;
  label: string;
  event: string;
  send: Send;
  expected: Expected[];
}

const KEY = "normalized-test-key";
const sovrinKey = testKey("normalized-sovrin");
const providers: Record<string, () => Provider> = {
  proven: () => proven({ apiKey: KEY }),
  acapy: () => acapy({ apiKey: KEY }),
  truvera: () => truvera({ token: TRUVERA_SAMPLE_TOKEN }),
  crossmint: () => crossmint({ secret: CROSSMINT_SECRET }),
  sovrin: () => sovrin({ jwks: jwksOf(sovrinKey) }),
  lissi: () => lissi({ apiKey: KEY }),
};

const json = (send: request.Test, body: unknown, headers: Record<string, string>): request.Test =>
  send.set({ "content-type": "application/json", ...headers }).send(typeof body === "string" ? body : JSON.stringify(body));

// --- Proven --------------------------------------------------------------------------
const provenBody = (canonical: string, file?: string) => provenFixtures.find((f) => f.canonical === canonical && (file === undefined || f.file === file))!.body;
const provenCase = (label: string, event: string, body: unknown, expected: Expected[]): Case => ({
  provider: "proven",
  label,
  event,
  send: (app) => json(request(app).post("/events/acme/proven"), body, { "x-api-key": KEY }),
  expected,
});
const presentation = provenBody("presentation:verified", "presentation-verified.json");
const oid4vp = provenBody("oid4vc-presentation:verified", "oid4vc-presentation-verified.json");
const provenCases: Case[] = [
  provenCase("connection:completed", "connection:completed", provenBody("connection:completed"), [{ name: "connection.established", recordId: "13eeacd4-0c4e-495e-81cc-d66c6eeb8545" }]),
  provenCase("credentials:done", "credentials:done", provenBody("credentials:done"), [{ name: "credential.issued", recordId: "794657e2-187e-4642-b5f2-77dd27138a49" }]),
  provenCase("oid4vc-credential:issued", "oid4vc-credential:issued", provenBody("oid4vc-credential:issued"), [{ name: "credential.issued", recordId: "d3e347d2-e6df-45cf-bb02-27a929311260" }]),
  provenCase("oid4vc-credential:issued with a subject id", "oid4vc-credential:issued", { event: "oid4vc-credential:issued", webhook: { ...provenBody("oid4vc-credential:issued").webhook, exchange_id: "ex-2", credential_subject: { id: "did:key:z6MkAlice" } } }, [
    { name: "credential.issued", recordId: "ex-2", subject: "did:key:z6MkAlice" },
  ]),
  provenCase("presentation:verified, verified true", "presentation:verified", presentation, [{ name: "presentation.verified", recordId: "7ec0d756-58e8-402d-9688-2dc4cd48cf17" }]),
  provenCase("presentation:verified, verified false", "presentation:verified", { ...presentation, webhook: { ...presentation.webhook, verified: "false" } }, []),
  provenCase("oid4vc-presentation:verified, presentation-valid", "oid4vc-presentation:verified", oid4vp, [{ name: "presentation.verified", recordId: "28e70110-57b4-494e-b13b-aa728eac88c4" }]),
  provenCase("oid4vc-presentation:verified, presentation-invalid", "oid4vc-presentation:verified", { ...oid4vp, webhook: { ...oid4vp.webhook, state: "presentation-invalid" } }, []),
  provenCase("basic-message:received", "basic-message:received", provenBody("basic-message:received"), [{ name: "message.received", recordId: "4a977851-e5be-40fd-b3d6-3e01ae249c77" }]),
];

// --- ACA-Py --------------------------------------------------------------------------
const acapyCase = (file: string, expected: Expected[], label = file): Case => {
  const fixture = acapyFixture(file);
  return {
    provider: "acapy",
    label,
    event: fixture.event,
    send: (app) => json(request(app).post(`/events/acme/acapy/topic/${fixture.topic}/`), fixture.body, { "x-api-key": KEY, "x-wallet-id": "wallet-1" }),
    expected,
  };
};
const CONN = "9a3f1c6e-2b4d-4f8a-b1e7-5c0d9e2a7f34";
const THEIR_DID = "did:peer:4zQmWq8T5LtM6rR9n2Vb7cJk3yX1pHf4sDg8eZa2NuKc6oQw";
const CRED_EX = "e4c2a9b7-1d3f-4a6e-8b5c-7f0e2d9a1c63";
const acapyCases: Case[] = [
  acapyCase("connections-active.json", [{ name: "connection.established", recordId: CONN, subject: THEIR_DID }]),
  acapyCase("connections-deleted.json", [{ name: "connection.deleted", recordId: CONN, subject: THEIR_DID }]),
  acapyCase("issue-credential-v2-0-offer-sent.json", [{ name: "credential.offered", recordId: CRED_EX }]),
  acapyCase("issue-credential-v2-0-credential-issued.json", []),
  acapyCase("issue-credential-v2-0-done.json", [{ name: "credential.issued", recordId: CRED_EX }]),
  acapyCase("issue-credential-v2-0-abandoned.json", [{ name: "credential.failed", recordId: CRED_EX }]),
  acapyCase("issue-credential-v2-0-indy.json", []),
  acapyCase("present-proof-v2-0-done-verified.json", [{ name: "presentation.verified", recordId: "5d8e1f3a-7b2c-4e9d-a6f1-3c4b2e8d0a97" }]),
  acapyCase("present-proof-v2-0-done-not-verified.json", []),
  acapyCase("basicmessages-received.json", [{ name: "message.received", recordId: "4a977851-e5be-40fd-b3d6-3e01ae249c77" }]),
  acapyCase("issuer-cred-rev-revoked.json", [{ name: "credential.revoked", recordId: CRED_EX }]),
  acapyCase("revocation-registry-active.json", []),
  acapyCase("out-of-band-await-response.json", []),
  acapyCase("problem-report.json", []),
];

// --- Truvera -------------------------------------------------------------------------
const truveraCase = (event: Parameters<typeof truveraFixture>[0], expected: Expected[], data?: Record<string, unknown>, label: string = event): Case => {
  const body = truveraFixture(event).body;
  return { provider: "truvera", label, event, send: (app) => json(request(app).post("/events/acme/truvera"), { ...body, data: data ?? body.data }, {}), expected };
};
const truveraCases: Case[] = [
  truveraCase("credential_issued", [{ name: "credential.issued", recordId: "http://example.com/40", subject: "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy" }]),
  truveraCase("credential_create", []),
  truveraCase("credential_revoke", [{ name: "credential.revoked" }]),
  truveraCase("credential_revoke", [{ name: "credential.revoked", recordId: "reg-1" }], { ...truveraFixture("credential_revoke").body.data, id: "reg-1" }, "credential_revoke with an id"),
  truveraCase("credential_unrevoke", [{ name: "credential.unrevoked" }]),
  truveraCase("did_create", [{ name: "did.created" }]),
  truveraCase("did_update_key", [{ name: "did.updated" }]),
  truveraCase("did_update_controller", [{ name: "did.updated" }]),
  truveraCase("did_delete", [{ name: "did.deleted" }]),
  truveraCase("registry_create", [{ name: "registry.created" }]),
  truveraCase("registry_delete", [{ name: "registry.deleted" }]),
  truveraCase("schema_create", [{ name: "schema.created" }]),
  truveraCase("proof_submitted", [{ name: "presentation.verified", recordId: "7fbbe582-66d6-4fbc-92f3-c13d9cf7975a" }]),
  truveraCase("proof_submitted", [], { id: "7fbbe582-66d6-4fbc-92f3-c13d9cf7975a", verified: false }, "proof_submitted, verified false"),
  truveraCase("anchor_create", []),
];

// --- Crossmint -----------------------------------------------------------------------
const crossmintCase = (file: string, expected: Expected[]): Case => {
  const fixture = crossmintFixture(file);
  const body = JSON.stringify(fixture.body);
  return { provider: "crossmint", label: file, event: fixture.canonical, send: (app) => json(request(app).post("/events/acme/crossmint"), body, svixHeaders({ body })), expected };
};
const crossmintCases: Case[] = [
  crossmintCase("credential-creation-succeeded.json", [{ name: "credential.issued", recordId: "urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05" }]),
  crossmintCase("credential-creation-succeeded-clear.json", [{ name: "credential.issued", recordId: "urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05", subject: "did:polygon:0xabcdefabcdefabcdefabcdefabcdefabcdefabcd" }]),
  crossmintCase("credential-colon-creation-succeeded.json", [{ name: "credential.issued", recordId: "urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05", subject: "did:polygon:0xabcdefabcdefabcdefabcdefabcdefabcdefabcd" }]),
  crossmintCase("credential-creation-failed.json", [{ name: "credential.failed" }]),
];

// --- Sovrin --------------------------------------------------------------------------
// Signed by http-message-signatures when sent (the signature covers `created`).
const sovrinSend = (body: unknown): Send => async (app) => {
  const text = JSON.stringify(body);
  const headers = await signWithHms({ key: sovrinKey, url: "https://hooks.example.com/events/acme/sovrin", body: text });
  return request(app).post("/events/acme/sovrin").set(headers).send(text);
};
const sovrinNoUser = (() => {
  const base = sovrinFixtures[0]!.body;
  const { userId: _userId, ...payload } = base.event.payload;
  return { ...base, event: { ...base.event, id: "evt-no-user", payload } };
})();
const sovrinCases: Case[] = [
  ...sovrinFixtures.map(({ file, body }): Case => {
    const payload = body.event.payload as { credentialId: string; userId: string };
    return { provider: "sovrin", label: file, event: body.event.type, send: sovrinSend(body), expected: [{ name: "credential.issued", recordId: payload.credentialId, subject: payload.userId }] };
  }),
  {
    provider: "sovrin",
    label: "OpenIdCredentialIssued without userId",
    event: "OpenIdCredentialIssued",
    send: sovrinSend(sovrinNoUser),
    expected: [{ name: "credential.issued", recordId: "6c3f8bd4-5b1c-4c1a-9a7e-2f7d0e1c9b11", subject: "did:key:z6MkjBWPPa1njEKygyr3LR3pRKkqv714vyTkfnUdP6ToFSH5" }],
  },
];

// --- Lissi ---------------------------------------------------------------------------
const lissiCase = (label: string, event: string, path: string, body: unknown, expected: Expected[]): Case => ({
  provider: "lissi",
  label,
  event,
  send: (app) => {
    const req = request(app).post(`/events/acme/lissi${path}`).set("x-api-key", KEY);
    return body === undefined ? req : json(req, body, {});
  },
  expected,
});
const connection = lissiFixture("connection-update.json") as Record<string, unknown>;
const credential = lissiFixture("credential-update.json") as Record<string, unknown>;
const lissiCases: Case[] = [
  lissiCase("connection:update COMPLETED", "connection:update", `/connections/${CONNECTION_ID}/update`, { ...connection, state: "COMPLETED", theirDid: "did:peer:2.bob" }, [
    { name: "connection.established", recordId: CONNECTION_ID, subject: "did:peer:2.bob" },
  ]),
  lissiCase("connection:update INVITED", "connection:update", `/connections/${CONNECTION_ID}/update`, connection, []),
  lissiCase("connection:delete", "connection:delete", `/connections/${CONNECTION_ID}/delete`, undefined, [{ name: "connection.deleted", recordId: CONNECTION_ID }]),
  lissiCase("connections:delete", "connections:delete", "/connections/delete", lissiFixture("connections-delete.json"), [{ name: "connection.deleted", recordIds: lissiFixture("connections-delete.json") as string[] }]),
  lissiCase("credential:update CREDENTIAL_ISSUED", "credential:update", `/credentials/${CREDENTIAL_ID}/update`, credential, [{ name: "credential.issued", recordId: CREDENTIAL_ID }]),
  lissiCase("credential:update credential_offer_sent", "credential:update", `/credentials/${CREDENTIAL_ID}/update`, { ...credential, state: "credential_offer_sent" }, [{ name: "credential.offered", recordId: CREDENTIAL_ID }]),
  lissiCase("credential:update CREDENTIAL_REVOKED", "credential:update", `/credentials/${CREDENTIAL_ID}/update`, { ...credential, state: "CREDENTIAL_REVOKED" }, []),
  lissiCase("credential:revoke", "credential:revoke", `/credentials/${CREDENTIAL_ID}/revoke`, undefined, [{ name: "credential.revoked", recordId: CREDENTIAL_ID }]),
  lissiCase("credentials:revoke", "credentials:revoke", "/credentials/revoke", lissiFixture("credentials-revoke.json"), [{ name: "credential.revoked", recordIds: lissiFixture("credentials-revoke.json") as string[] }]),
  lissiCase("credential:delete", "credential:delete", `/credentials/${CREDENTIAL_ID}/delete`, undefined, [{ name: "credential.deleted", recordId: CREDENTIAL_ID }]),
  lissiCase("credentials:delete", "credentials:delete", "/credentials/delete", lissiFixture("credentials-delete.json"), [{ name: "credential.deleted", recordIds: lissiFixture("credentials-delete.json") as string[] }]),
  lissiCase("proof:update VERIFIED", "proof:update", `/proofs/${PROOF_ID}/update`, lissiFixture("proof-update.json"), [{ name: "presentation.verified", recordId: PROOF_ID }]),
  lissiCase("proof:update REQUEST_SENT", "proof:update", `/proofs/${PROOF_ID}/update`, { ...(lissiFixture("proof-update.json") as object), state: "REQUEST_SENT" }, []),
  lissiCase("proof:delete", "proof:delete", `/proofs/${PROOF_ID}/delete`, undefined, [{ name: "presentation.deleted", recordId: PROOF_ID }]),
  lissiCase("proofs:delete", "proofs:delete", "/proofs/delete", lissiFixture("proofs-delete.json"), [{ name: "presentation.deleted", recordIds: lissiFixture("proofs-delete.json") as string[] }]),
];

const cases: Case[] = [...provenCases, ...acapyCases, ...truveraCases, ...crossmintCases, ...sovrinCases, ...lissiCases];

describe.each(adapters)("normalized events on $name", (adapter) => {
  it.each(cases.map((c) => [`${c.provider} ${c.label}`, c] as const))("%s", async (_label, c) => {
    const { app, hooks } = adapter.build([{ path: `/events/:tenantId/${c.provider}`, options: { provider: providers[c.provider]!() } }]);
    const own: WebhookEvent[] = [];
    const normalized: Array<WebhookEvent<string, NormalizedPayload>> = [];
    hooks[0]!.on(c.event, (event) => void own.push(event));
    const provider = providers[c.provider]!();
    for (const name of new Set(Object.values(provider.normalizes ?? {}).flat())) hooks[0]!.on(name, (event) => void normalized.push(event as WebhookEvent<string, NormalizedPayload>));
    const res = await c.send(app);
    expect(res.status, res.text).toBe(200);
    expect(own.map((e) => e.name)).toEqual([c.event]);
    expect(normalized.map((e) => ({ name: e.name, recordId: e.payload.recordId, recordIds: e.payload.recordIds, subject: e.payload.subject }))).toEqual(
      c.expected.map((x) => ({ name: x.name, recordId: x.recordId, recordIds: x.recordIds, subject: x.subject })),
    );
    for (const event of normalized) {
      expect(event).toMatchObject({ provider: c.provider, tenantId: "acme", id: own[0]!.id });
      expect(event.payload).toMatchObject({ provider: c.provider, tenantId: "acme" });
      expect(event.payload.source).toBe(own[0]);
    }
  });
});

describe("each provider's normalizes declaration", () => {
  // The declaration types on() and payload.source; it must say exactly what the mapping does.
  const tested = cases.flatMap((c) => c.expected.map((x) => `${c.provider} ${c.event} → ${x.name}`));
  it.each(Object.keys(providers))("%s declares exactly the normalized events its mapping produces", (id) => {
    const declared = Object.entries(providers[id]!().normalizes ?? {}).flatMap(([event, names]) => names.map((name) => `${id} ${event} → ${name}`));
    expect(declared.length).toBeGreaterThan(0);
    expect(declared.sort()).toEqual([...new Set(tested.filter((row) => row.startsWith(`${id} `)))].sort());
  });

  it("declares only the provider's own events and normalized names", () => {
    for (const make of Object.values(providers)) {
      const provider = make();
      for (const [event, names] of Object.entries(provider.normalizes ?? {})) {
        expect(Object.keys(provider.events), provider.id).toContain(event);
        for (const name of names) expect(NORMALIZED_EVENT_NAMES as readonly string[]).toContain(name);
      }
    }
  });
});

describe("the mapping table in the README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Normalized events"));
  const table = section.slice(0, section.indexOf("\n## ", 1));
  const rows = table
    .split("\n")
    .filter((line) => /^\| `[a-z]+` \|/.test(line))
    .flatMap((line) => {
      const cells = line.split("|").map((cell) => cell.trim());
      const provider = cells[1]!.replaceAll("`", "");
      const events = [...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const normalized = cells[4]!.replaceAll("`", "");
      return events.map((event) => `${provider} ${event} → ${normalized}`);
    });
  const tested = cases.flatMap((c) => c.expected.map((x) => `${c.provider} ${c.event} → ${x.name}`));

  it("lists exactly the mappings the tests above check, and only normalized names", () => {
    expect(rows.length).toBeGreaterThan(30);
    expect([...new Set(rows)].sort()).toEqual([...new Set(tested)].sort());
    for (const row of rows) expect(NORMALIZED_EVENT_NAMES as readonly string[]).toContain(row.split(" → ")[1]);
  });

  it("covers every provider that has a mapping", () => {
    for (const id of Object.keys(providers)) {
      expect(providers[id]!().normalize, id).toBeTypeOf("function");
      expect(rows.some((row) => row.startsWith(`${id} `)), id).toBe(true);
    }
  });
});

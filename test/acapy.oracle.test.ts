import { createHash } from "node:crypto";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import { acapy, type AcapyOptions } from "@credhooks/core/providers/acapy";
import type { WebhookEvent } from "@credhooks/core";
import { adapters } from "./support/adapters.js";
import { ACAPY_ORACLE_API_KEY, ACAPY_ORACLE_WALLET_ID, acapyOracleFixture, acapyOracleFixtures, replayHeaders, type AcapyOracleFixture } from "./fixtures/acapy/oracle/index.js";

// Test oracle: deliveries captured from ACA-Py's own sender (records, handlers, event bus,
// admin server, outbound transport manager, aiohttp HttpTransport), replayed byte for byte.

// The event each capture must reach, written out from ACA-Py's topics and states.
const EXPECTED: Record<string, string> = {
  "connections-active": "connections.active",
  "connections-active-2": "connections.active",
  "out-of-band-await-response": "out_of_band.await-response",
  "out-of-band-multi-use-reuse-alice-out_of_band": "out_of_band.done",
  "out-of-band-multi-use-reuse-alice-connection_reuse": "connection_reuse",
  "out-of-band-multi-use-reuse-bob-out_of_band": "out_of_band.done",
  "out-of-band-multi-use-reuse-bob-connection_reuse": "connection_reuse",
  "out-of-band-receiver-await-response": "out_of_band.await-response",
  "connection-reuse-accepted-out_of_band": "out_of_band.reuse-accepted",
  "connection-reuse-accepted-out_of_band-2": "out_of_band.deleted",
  "connection-reuse-accepted-connection_reuse_accepted": "connection_reuse_accepted.accepted",
  "credential-deleted": "credential::deleted",
  "w3c-credential-deleted": "w3c_credential.deleted",
  "ping-received": "ping.received",
  "ping-response-received": "ping.response_received",
  actionmenu: "actionmenu",
  "get-active-menu": "get-active-menu",
  "perform-menu-action": "perform-menu-action",
  keylist: "keylist",
  forward: "forward",
  "revocation-notification": "revocation-notification",
  "revocation-notification-v2": "revocation-notification-v2",
  "mediation-request": "mediation.request",
  "mediation-granted": "mediation.granted",
  "discover-feature-query-sent": "discover_feature.query-sent",
  "discover-feature-disclose-received": "discover_feature.disclose-received",
  "discover-feature-v2-0": "discover_feature_v2_0",
  "endorse-transaction-transaction-created": "endorse_transaction.transaction_created",
  "endorse-transaction-transaction-endorsed": "endorse_transaction.transaction_endorsed",
  "sub-wallet-connections-active": "connections.active",
};

const mount = (adapter: (typeof adapters)[number], options: Partial<AcapyOptions> = {}) =>
  adapter.build([{ path: "/events/:tenantId/acapy", options: { provider: acapy({ apiKey: ACAPY_ORACLE_API_KEY, ...options }) } }]);

const replay = (app: Parameters<typeof request>[0], fixture: AcapyOracleFixture) =>
  request(app).post(fixture.request.path).set(replayHeaders(fixture)).send(fixture.request.body);

describe("the ACA-Py oracle fixtures", () => {
  it("are byte-exact, name ACA-Py's commit, and each has an expected event", () => {
    expect(acapyOracleFixtures.length).toBeGreaterThanOrEqual(30);
    for (const fixture of acapyOracleFixtures) {
      expect(createHash("sha256").update(fixture.request.body).digest("hex"), fixture.name).toBe(fixture.request.bodySha256);
      expect(fixture.producedBy).toMatchObject({ repository: "openwallet-foundation/acapy", commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
      expect(EXPECTED[fixture.name], fixture.name).toBeDefined();
    }
  });

  it("show what ACA-Py's HttpTransport sends: JSON by json.dumps, Content-Type, x-api-key from the URL's #key", () => {
    for (const fixture of acapyOracleFixtures) {
      const headers = replayHeaders(fixture);
      expect(headers["content-type"]).toBe("application/json");
      expect(headers["x-api-key"]).toBe(ACAPY_ORACLE_API_KEY);
      expect(fixture.request.path).toMatch(/^\/events\/acme\/acapy\/topic\/[\w-]+\/$/);
      expect(fixture.request.body).toMatch(/^\{"/);
      expect(fixture.request.body).toContain('": '); // Python's json.dumps separators
    }
  });
});

describe.each(adapters)("ACA-Py's own deliveries on $name", (adapter) => {
  it.each(acapyOracleFixtures.map((f) => [f.name, f] as const))("%s reaches its typed handler exactly once", async (name, fixture) => {
    const { app, hooks } = mount(adapter);
    const seen: WebhookEvent[] = [];
    const unhandled = vi.fn();
    hooks[0]!.on(EXPECTED[name]!, (event) => void seen.push(event)).onUnhandled(unhandled);
    const res = await replay(app, fixture);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ received: true });
    const again = await replay(app, fixture);
    expect(again.status).toBe(200);
    // forward carries nothing that tells a retry from a new forward: each delivery runs.
    if (fixture.topic !== "forward") expect(again.body).toEqual({ received: true, duplicate: true });
    expect(unhandled).not.toHaveBeenCalled();
    expect(seen).toHaveLength(fixture.topic === "forward" ? 2 : 1);
    expect(seen[0]).toMatchObject({ provider: "acapy", tenantId: "acme", name: EXPECTED[name], raw: JSON.parse(fixture.request.body) });
  });

  it("runs the done of a multi-use invitation reused by two connections twice: same oob_id, state and updated_at, other connection", async () => {
    const alice = acapyOracleFixture("out-of-band-multi-use-reuse-alice-out_of_band");
    const bob = acapyOracleFixture("out-of-band-multi-use-reuse-bob-out_of_band");
    const [a, b] = [JSON.parse(alice.request.body), JSON.parse(bob.request.body)] as Array<Record<string, unknown>>;
    expect([a!["oob_id"], a!["state"], a!["updated_at"]]).toEqual([b!["oob_id"], b!["state"], b!["updated_at"]]);
    expect(a!["connection_id"]).not.toBe(b!["connection_id"]);
    const { app, hooks } = mount(adapter);
    const connections: unknown[] = [];
    hooks[0]!.on("out_of_band.done", (event) => void connections.push((event.payload as { record: { connection_id?: string } }).record.connection_id));
    expect((await replay(app, alice)).body).toEqual({ received: true });
    expect((await replay(app, bob)).body).toEqual({ received: true });
    expect(connections).toEqual([a!["connection_id"], b!["connection_id"]]);
  });

  it("keeps a holder's credential deletion apart from the normalized credential.deleted", async () => {
    const { app, hooks } = mount(adapter);
    const own = vi.fn();
    const names: string[] = [];
    hooks[0]!.on("credential::deleted", own).onAny((event) => void names.push(event.name));
    expect((await replay(app, acapyOracleFixture("credential-deleted"))).status).toBe(200);
    expect(own).toHaveBeenCalledTimes(1);
    expect(own.mock.calls[0]![0]).toMatchObject({ name: "credential::deleted", payload: { topic: "credential", state: "deleted", record: { state: "deleted" } } });
    expect(names).toEqual(["credential::deleted"]);
  });

  it("sees x-wallet-id on a sub-wallet's event sent to the base wallet's URL", async () => {
    const fixture = acapyOracleFixture("sub-wallet-connections-active");
    expect(replayHeaders(fixture)["x-wallet-id"]).toBe(ACAPY_ORACLE_WALLET_ID);
    const { app, hooks } = mount(adapter, { requireWalletId: ACAPY_ORACLE_WALLET_ID });
    const seen: WebhookEvent[] = [];
    hooks[0]!.on("connections.active", (event) => void seen.push(event));
    expect((await replay(app, fixture)).status).toBe(200);
    expect(seen[0]!.payload).toMatchObject({ walletId: ACAPY_ORACLE_WALLET_ID });
    // The base wallet's own events carry no x-wallet-id.
    expect(replayHeaders(acapyOracleFixture("connections-active"))["x-wallet-id"]).toBeUndefined();
  });
});

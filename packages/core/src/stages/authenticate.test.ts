import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jwksOf, testKey } from "../../../../test/fixtures/sovrin/sign-with-hms.js";
import { createWebhooks } from "../create-webhooks.js";
import { readNodeBody, type NodeBodyStream } from "../read-node-body.js";
import { acapy } from "../providers/acapy/index.js";
import { crossmint } from "../providers/crossmint/index.js";
import { lissi } from "../providers/lissi/index.js";
import { proven } from "../providers/proven/index.js";
import { sovrin } from "../providers/sovrin/index.js";
import { truvera } from "../providers/truvera/index.js";
import type { Provider, WebhookRequest } from "../types.js";

// Issue 15, finding 3: a body was JSON-parsed before its X-API-Key was checked, so a 1 MB
// body of nested arrays with a wrong key cost 126–206 ms of CPU before its 401. Credentials
// in headers are now checked first; Truvera's in-body token is found by a linear scan.

const depth = 512 * 1024 - 64;
const NESTED = "[".repeat(depth) + "]".repeat(depth); // ~1 MB, under the 1 MiB limit

function request(path: string, headers: Record<string, string>, body: string | Buffer): WebhookRequest {
  return { method: "POST", path, originalUrl: `/events/acme/x${path}`, headers: { "content-type": "application/json", ...headers }, params: { tenantId: "acme" }, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

const receivers: Array<{ name: string; provider: Provider; path: string; headers: Record<string, string> }> = [
  { name: "Proven", provider: proven({ apiKey: "right" }), path: "/", headers: { "x-api-key": "wrong" } },
  { name: "Lissi", provider: lissi({ apiKey: "right" }), path: "/connections/c1/update", headers: { "x-api-key": "wrong" } },
  { name: "ACA-Py", provider: acapy({ apiKey: "right" }), path: "/topic/connections/", headers: { "x-api-key": "wrong" } },
  { name: "Crossmint", provider: crossmint({ secret: "whsec_" + Buffer.alloc(24, 7).toString("base64") }), path: "/", headers: { "svix-id": "msg_1", "svix-timestamp": String(Math.floor(Date.now() / 1000)), "svix-signature": "v1," + Buffer.alloc(32).toString("base64") } },
  { name: "Sovrin", provider: sovrin({ jwks: jwksOf(testKey("k1")) }), path: "/", headers: {} },
];

afterEach(() => {
  vi.restoreAllMocks();
});

/** Calls of JSON.parse on text longer than 1 KB while `run` runs. */
async function bigParses(run: () => Promise<unknown>): Promise<number> {
  const parse = vi.spyOn(JSON, "parse");
  await run();
  const count = parse.mock.calls.filter(([text]) => typeof text === "string" && text.length > 1024).length;
  parse.mockRestore();
  return count;
}

describe("header credentials are checked before the body is decoded", () => {
  it.each(receivers)("$name: a wrong credential on a 1 MB nested-array body is 401 without parsing it", async ({ provider, path, headers }) => {
    const hooks = createWebhooks({ provider, recovery: false });
    let status = 0;
    expect(await bigParses(async () => void (status = (await hooks.handle(request(path, headers, NESTED))).status))).toBe(0);
    expect(status).toBe(401);
    // Not JSON at all, wrong credential: 401 too (it used to be 400), nothing about the body leaks.
    expect((await hooks.handle(request(path, headers, "{not json"))).status).toBe(401);
    await hooks.close();
  });

  it("still answers 415 from headers first, and 400 INVALID_JSON once the credential is right", async () => {
    const hooks = createWebhooks({ provider: proven({ apiKey: "right" }), recovery: false });
    const typed = await hooks.handle({ ...request("/", { "x-api-key": "wrong", "content-type": "text/plain" }, "{}") });
    expect(typed.status).toBe(415);
    const invalid = await hooks.handle(request("/", { "x-api-key": "right" }, "{not json"));
    expect([invalid.status, JSON.parse(invalid.body).error.code]).toEqual([400, "INVALID_JSON"]);
    const ok = await hooks.handle(request("/", { "x-api-key": "right" }, '{"event":"connection:completed","webhook":{"connection_id":"c1"}}'));
    expect(ok.status).toBe(200);
    await hooks.close();
  });

  it("Truvera (token in the body): a wrong token is found by a scan, never a parse of the body; a bad body is still 400", async () => {
    const hooks = createWebhooks({ provider: truvera({ token: "right" }), recovery: false });
    const body = `{"token":"wrong","event":"did_create","data":{"deep":${"[".repeat(depth - 64)}${"]".repeat(depth - 64)}}}`;
    let status = 0;
    expect(await bigParses(async () => void (status = (await hooks.handle(request("/", {}, body))).status))).toBe(0);
    expect(status).toBe(401);
    // The last "token" member counts, as JSON.parse would have it.
    expect((await hooks.handle(request("/", {}, '{"token":"right","event":"did_create","data":{},"token":"wrong"}'))).status).toBe(401);
    expect((await hooks.handle(request("/", {}, '{"token":"wrong","event":"did_create","data":{},"token":"right"}'))).status).toBe(200);
    expect(JSON.parse((await hooks.handle(request("/", {}, '{"token":"right","data":[1,}'))).body).error.code).toBe("INVALID_JSON");
    expect(JSON.parse((await hooks.handle(request("/", {}, '[{"token":"right"}]'))).body).error.code).toBe("MISSING_CREDENTIALS");
    expect(JSON.parse((await hooks.handle(request("/", {}, '{"token":7}'))).body).error.code).toBe("MISSING_CREDENTIALS");
    expect(JSON.parse((await hooks.handle(request("/", {}, Buffer.from([0x7b, 0xff, 0x7d])))).body).error.code).toBe("INVALID_JSON");
    await hooks.close();
  });
});

describe("tenant identity", () => {
  const body = '{"event":"connection:completed","webhook":{"connection_id":"c1"}}';
  const to = (tenantId: string): WebhookRequest => ({ ...request("/", { "x-api-key": "k" }, body), params: { tenantId } });
  // A resolver that ignores case, as many database lookups do.
  const apiKey = (tenantId: string | undefined): string | undefined => (tenantId?.toLowerCase() === "acme" ? "k" : undefined);

  it("without canonicalTenantId, one delivery sent to /acme and /ACME runs twice (the id is as in the URL)", async () => {
    const hooks = createWebhooks({ provider: proven({ apiKey }), recovery: false });
    const seen: Array<string | undefined> = [];
    hooks.onAny((event) => void seen.push(event.tenantId));
    expect((await hooks.handle(to("acme"))).status).toBe(200);
    expect(JSON.parse((await hooks.handle(to("ACME"))).body)).toEqual({ received: true });
    expect(seen).toEqual(["acme", "ACME"]);
    await hooks.close();
  });

  it("with canonicalTenantId, resolvers, handlers and dedupe keys see one spelling: the second is a duplicate", async () => {
    const resolved: Array<string | undefined> = [];
    const hooks = createWebhooks({
      provider: proven({ apiKey: (tenantId) => (resolved.push(tenantId), apiKey(tenantId)) }),
      canonicalTenantId: (id) => id.normalize("NFC").toLowerCase(),
      recovery: false,
    });
    const seen: Array<string | undefined> = [];
    hooks.onAny((event) => void seen.push(event.tenantId));
    expect((await hooks.handle(to("acme"))).status).toBe(200);
    expect(JSON.parse((await hooks.handle(to("ACME"))).body)).toEqual({ received: true, duplicate: true });
    expect([seen, resolved]).toEqual([["acme"], ["acme", "acme"]]);
    await hooks.close();
  });

  it("a canonicaliser that returns nothing refuses the tenant with 404 before reading the body", async () => {
    const readBody = vi.fn(() => Promise.resolve(Buffer.from(body)));
    const hooks = createWebhooks({ provider: proven({ apiKey }), canonicalTenantId: (id) => (id === "acme" ? id : undefined), recovery: false });
    const { body: _body, ...unread } = to("globex");
    const response = await hooks.handle({ ...unread, readBody });
    expect([response.status, JSON.parse(response.body).error.code]).toEqual([404, "UNKNOWN_ROUTE"]);
    expect(readBody).not.toHaveBeenCalled();
    await hooks.close();
  });
});

describe("readNodeBody read deadline", () => {
  const stream = (): NodeBodyStream & PassThrough => Object.assign(new PassThrough(), { headers: { "content-length": "100" } });

  it("refuses a body that has not arrived within timeoutMs with 408 REQUEST_TIMEOUT and Connection: close, and stops listening", async () => {
    const slow = stream();
    slow.write("{");
    const started = Date.now();
    const error = await readNodeBody(slow, 1024, undefined, "fix", 80).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "REQUEST_TIMEOUT", status: 408, headers: { connection: "close" }, message: expect.stringMatching(/within 80 ms \(1 bytes came\)/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(slow.listenerCount("data") + slow.listenerCount("end")).toBe(0);
  });

  it("a body that arrives in time is read, and its timer does not linger", async () => {
    const fast = stream();
    const reading = readNodeBody(fast, 1024, undefined, "fix", 10_000);
    fast.end(Buffer.alloc(100, 0x20));
    expect((await reading).length).toBe(100);
    // No deadline given (an older caller): no timer at all.
    const untimed = stream();
    const plain = readNodeBody(untimed, 1024, undefined, "fix");
    untimed.end(Buffer.alloc(100, 0x20));
    expect((await plain).length).toBe(100);
  });

  it("the receiver passes its bodyTimeoutMs (default 10 s) to the adapter's reader", async () => {
    const readBody = vi.fn(() => Promise.resolve(Buffer.alloc(0)));
    const make = (bodyTimeoutMs?: number) => createWebhooks({ provider: proven({ apiKey: "k" }), recovery: false, ...(bodyTimeoutMs === undefined ? {} : { bodyTimeoutMs }) });
    for (const [hooks, expected] of [[make(), 10_000], [make(2_500), 2_500]] as const) {
      await hooks.handle({ method: "POST", path: "/", originalUrl: "/", headers: { "x-api-key": "k" }, readBody });
      expect(readBody).toHaveBeenLastCalledWith(1024 * 1024, expected);
      await hooks.close();
    }
  });
});

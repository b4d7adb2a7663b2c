import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { jwksOf, testKey } from "../../../../../test/fixtures/sovrin/sign-with-hms.js";
import { WebhookError } from "../../errors.js";
import { createJwksKeySource, type JwksKeySource } from "./jwks-key-source.js";

const k1 = testKey("k1");
const k2 = testKey("k2");

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return error instanceof WebhookError ? error.code : `thrown: ${String(error)}`;
  }
}

/** A JWKS endpoint on 127.0.0.1 whose answer the test changes. */
interface JwksServer {
  url: string;
  hits: number;
  respond: (status: number, body: unknown) => void;
  close: () => Promise<void>;
}
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});
async function jwksServer(initial: unknown): Promise<JwksServer> {
  let status = 200;
  let body: unknown = initial;
  const state = { hits: 0 };
  const server = createServer((req, res) => {
    state.hits++;
    res.writeHead(status, { "content-type": "application/json" }).end(typeof body === "string" ? body : JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/webhooks/jwks`,
    get hits() {
      return state.hits;
    },
    respond(s, b) {
      status = s;
      body = b;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("createJwksKeySource: inline JWKS", () => {
  it("finds alg-less Ed25519 keys by kid, from an object or JSON text", async () => {
    for (const source of [jwksOf(k1, k2), JSON.stringify(jwksOf(k1, k2))]) {
      const keys = createJwksKeySource(source);
      const [key] = await keys.keysFor("k2", undefined);
      expect(key!.asymmetricKeyType).toBe("ed25519");
      expect(key!.type).toBe("public");
    }
  });

  it("answers UNKNOWN_KEY for a kid it does not hold", async () => {
    const keys = createJwksKeySource(jwksOf(k1));
    const error = await keys.keysFor("k9", "acme").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "UNKNOWN_KEY", status: 401 });
    expect((error as Error).message).toContain('"k9"');
  });

  it("skips keys of other types and uses; accepts alg EdDSA and Ed25519; uses only the public part", async () => {
    const x = k1.publicJwk.x;
    const keys = createJwksKeySource({
      keys: [
        { kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0", kid: "ec" },
        { kty: "OKP", crv: "Ed25519", x, kid: "enc", use: "enc" },
        { kty: "OKP", crv: "Ed25519", x, kid: "ops", key_ops: ["sign"] },
        { kty: "OKP", crv: "Ed25519", x, kid: "eddsa", alg: "EdDSA" },
        { kty: "OKP", crv: "Ed25519", x, kid: "ed25519", alg: "Ed25519" },
        { kty: "OKP", crv: "Ed25519", x, kid: "rs", alg: "RS256" },
        { ...k2.privateKey.export({ format: "jwk" }), kid: "with-d" },
      ],
    });
    expect(await codeOf(keys.keysFor("ec", undefined))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("enc", undefined))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("ops", undefined))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("rs", undefined))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("eddsa", undefined))).toBe("ok");
    expect(await codeOf(keys.keysFor("ed25519", undefined))).toBe("ok");
    const [withD] = await keys.keysFor("with-d", undefined);
    expect(withD!.type).toBe("public");
  });

  it("refuses an unusable static JWKS when the provider is created", () => {
    expect(() => createJwksKeySource({ keys: [] })).toThrow(/no Ed25519 key/);
    expect(() => createJwksKeySource({ nope: true } as never)).toThrow(/must look like/);
    expect(() => createJwksKeySource("{not json")).toThrow(/not valid JSON/);
    expect(() => createJwksKeySource({ keys: [{ kty: "OKP", crv: "Ed25519", x: "short", kid: "bad" }] })).toThrow(/kid "bad" is not a usable Ed25519 public key: x must be 32 bytes/);
    expect(() => createJwksKeySource("ftp://example.com/jwks")).toThrow(/http\(s\)/);
    expect(() => createJwksKeySource("not a url")).toThrow(/JWKS object, JWKS JSON text or an http\(s\) URL/);
  });

  it("resolves a JWKS per tenant: none is 401, a failing resolver is 503", async () => {
    const keys = createJwksKeySource((tenantId) => {
      if (tenantId === "boom") throw new Error("db down");
      return tenantId === "acme" ? jwksOf(k1) : tenantId === "globex" ? jwksOf(k2) : undefined;
    });
    expect(await codeOf(keys.keysFor("k1", "acme"))).toBe("ok");
    expect(await codeOf(keys.keysFor("k1", "globex"))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("k1", "initech"))).toBe("INVALID_CREDENTIALS");
    expect(await codeOf(keys.keysFor("k1", "boom"))).toBe("CREDENTIALS_UNAVAILABLE");
    const broken = createJwksKeySource(() => "{bad json");
    expect(await codeOf(broken.keysFor("k1", "acme"))).toBe("CREDENTIALS_UNAVAILABLE");
  });
});

describe("createJwksKeySource: remote JWKS (jose createRemoteJWKSet)", () => {
  it("fetches once, then serves from the cache", async () => {
    const server = await jwksServer(jwksOf(k1));
    const keys = createJwksKeySource(server.url);
    expect(await codeOf(keys.keysFor("k1", undefined))).toBe("ok");
    expect(await codeOf(keys.keysFor("k1", undefined))).toBe("ok");
    expect(server.hits).toBe(1);
  });

  it("picks up a rotated key without a restart: an unknown kid refetches, at most once per cool-down", async () => {
    const server = await jwksServer(jwksOf(k1));
    const keys: JwksKeySource = createJwksKeySource(new URL(server.url), { cooldownMs: 200 });
    expect(await codeOf(keys.keysFor("k1", undefined))).toBe("ok");
    expect(server.hits).toBe(1);
    // Sovrin publishes k2 and starts signing with it; within the cool-down nothing is refetched.
    server.respond(200, jwksOf(k1, k2));
    expect(await codeOf(keys.keysFor("k2", undefined))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("k2", undefined))).toBe("UNKNOWN_KEY");
    expect(server.hits).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await codeOf(keys.keysFor("k2", undefined))).toBe("ok");
    expect(server.hits).toBe(2);
    // An unknown kid after the refetch: one more fetch once the cool-down is over, then 401.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await codeOf(keys.keysFor("k9", undefined))).toBe("UNKNOWN_KEY");
    expect(server.hits).toBe(3);
    expect(await codeOf(keys.keysFor("k9", undefined))).toBe("UNKNOWN_KEY");
    expect(server.hits).toBe(3);
  });

  it("answers 503 CREDENTIALS_UNAVAILABLE when the JWKS cannot be fetched or is not a JWKS", async () => {
    const server = await jwksServer(jwksOf(k1));
    server.respond(500, { error: "down" });
    const error = await createJwksKeySource(server.url).keysFor("k1", undefined).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CREDENTIALS_UNAVAILABLE", status: 503 });
    expect((error as Error).message).toContain("127.0.0.1");
    server.respond(200, "<html>not json</html>");
    expect(await codeOf(createJwksKeySource(server.url + "?2").keysFor("k1", undefined))).toBe("CREDENTIALS_UNAVAILABLE");
    server.respond(200, { keys: "nope" });
    expect(await codeOf(createJwksKeySource(server.url + "?3").keysFor("k1", undefined))).toBe("CREDENTIALS_UNAVAILABLE");
    await server.close();
    expect(await codeOf(createJwksKeySource(server.url + "?4").keysFor("k1", undefined))).toBe("CREDENTIALS_UNAVAILABLE");
  });

  it("times out a JWKS server that does not answer", async () => {
    const server = createServer(() => undefined);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
    const started = Date.now();
    expect(await codeOf(createJwksKeySource(url, { timeoutMs: 100 }).keysFor("k1", undefined))).toBe("CREDENTIALS_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(2_000);
    server.closeAllConnections();
  });

  it("keeps using a known key when a refetch of an expired cache fails", async () => {
    const server = await jwksServer(jwksOf(k1));
    const keys = createJwksKeySource(server.url, { cacheMaxAgeMs: 50, cooldownMs: 0 });
    expect(await codeOf(keys.keysFor("k1", undefined))).toBe("ok");
    server.respond(503, {});
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await codeOf(keys.keysFor("k1", undefined))).toBe("ok");
    expect(server.hits).toBe(2);
    // A kid the stale set does not have: the fetch failure decides, 503 not 401.
    expect(await codeOf(keys.keysFor("k2", undefined))).toBe("CREDENTIALS_UNAVAILABLE");
  });

  it("resolves a JWKS URL per tenant", async () => {
    const acme = await jwksServer(jwksOf(k1));
    const globex = await jwksServer(jwksOf(k2));
    const keys = createJwksKeySource((tenantId) => (tenantId === "acme" ? acme.url : tenantId === "globex" ? new URL(globex.url) : null));
    expect(await codeOf(keys.keysFor("k1", "acme"))).toBe("ok");
    expect(await codeOf(keys.keysFor("k2", "globex"))).toBe("ok");
    expect(await codeOf(keys.keysFor("k2", "acme"))).toBe("UNKNOWN_KEY");
    expect(await codeOf(keys.keysFor("k1", "nobody"))).toBe("INVALID_CREDENTIALS");
  });
});

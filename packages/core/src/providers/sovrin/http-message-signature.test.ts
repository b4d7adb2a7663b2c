import { createPublicKey, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { digestOf, signWithHms, testKey, type TestKey } from "../../../../../test/fixtures/sovrin/sign-with-hms.js";
import { WebhookError } from "../../errors.js";
import type { WebhookRequest } from "../../types.js";
import { coversComponent, verifyHttpMessageSignatures, type VerifyHttpMessageSignaturesOptions } from "./http-message-signature.js";
import { signedRequestOf, type SignedRequest } from "./signature-base.js";

// RFC 9421 Appendix B.1.4: test-key-ed25519 (public part).
const RFC_ED25519 = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs" }, format: "jwk" });
const CREATED = 1618884473;

// RFC 9421 Appendix B.2 request with the B.2.6 signature.
const b26: SignedRequest = {
  method: "POST",
  scheme: "https",
  authority: "example.com",
  path: "/foo",
  query: "param=Value&Pet=dog",
  headers: {
    host: "example.com",
    date: "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18",
    "signature-input": 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
    signature: "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
  },
};

const rfcKeys = async (kid: string): Promise<KeyObject[]> => {
  if (kid !== "test-key-ed25519") throw new WebhookError("UNKNOWN_KEY", "unknown");
  return [RFC_ED25519];
};

async function outcome(options: VerifyHttpMessageSignaturesOptions): Promise<string> {
  try {
    await verifyHttpMessageSignatures(options);
    return "ok";
  } catch (error) {
    return error instanceof WebhookError ? error.code : `thrown: ${String(error)}`;
  }
}

describe("verifyHttpMessageSignatures: RFC 9421 Appendix B.2.6 (ed25519)", () => {
  const at = (seconds: number) => seconds * 1000;

  it("verifies the RFC's signature at its creation time", async () => {
    const verified = await verifyHttpMessageSignatures({ message: b26, keysFor: rfcKeys, now: at(CREATED) });
    expect(verified).toEqual([
      expect.objectContaining({ label: "sig-b26", keyid: "test-key-ed25519", created: CREATED, expires: undefined }),
    ]);
    expect(verified[0]!.components.map((c) => c.name)).toEqual(["date", "@method", "@path", "@authority", "content-type", "content-length"]);
    expect(coversComponent(verified, "@path")).toBe(true);
    expect(coversComponent(verified, "content-digest")).toBe(false);
  });

  it.each([
    ["a covered header", { headers: { ...b26.headers, date: "Tue, 20 Apr 2021 02:07:56 GMT" } }],
    ["the method", { method: "PUT" }],
    ["the path", { path: "/foo/" }],
    ["the authority", { authority: "example.org" }],
  ])("rejects a change of %s", async (_label, change) => {
    expect(await outcome({ message: { ...b26, ...change }, keysFor: rfcKeys, now: at(CREATED) })).toBe("INVALID_SIGNATURE");
  });

  it("ignores what the signature does not cover (query, content-digest)", async () => {
    const message = { ...b26, query: "param=Other", headers: { ...b26.headers, "content-digest": "sha-256=:AA==:" } };
    expect(await outcome({ message, keysFor: rfcKeys, now: at(CREATED) })).toBe("ok");
  });

  it("rejects a created outside the tolerance, either way, with an injectable clock", async () => {
    expect(await outcome({ message: b26, keysFor: rfcKeys, now: at(CREATED + 300) })).toBe("ok");
    expect(await outcome({ message: b26, keysFor: rfcKeys, now: at(CREATED + 301) })).toBe("TIMESTAMP_TOO_OLD");
    expect(await outcome({ message: b26, keysFor: rfcKeys, now: at(CREATED - 301) })).toBe("TIMESTAMP_IN_FUTURE");
    expect(await outcome({ message: b26, keysFor: rfcKeys, now: at(CREATED + 3600), toleranceSeconds: 3600 })).toBe("ok");
    expect(await outcome({ message: b26, keysFor: rfcKeys, now: at(CREATED + 31), toleranceSeconds: 30 })).toBe("TIMESTAMP_TOO_OLD");
  });

  it("rejects an unknown keyid with the key source's error and a wrong key as invalid", async () => {
    const other = testKey("x");
    const message = { ...b26, headers: { ...b26.headers, "signature-input": String(b26.headers["signature-input"]).replace("test-key-ed25519", "nope") } };
    expect(await outcome({ message, keysFor: rfcKeys, now: at(CREATED) })).toBe("UNKNOWN_KEY");
    expect(await outcome({ message: b26, keysFor: async () => [createPublicKey(other.privateKey)], now: at(CREATED) })).toBe("INVALID_SIGNATURE");
  });
});

describe("verifyHttpMessageSignatures: signatures made by http-message-signatures", () => {
  const key = testKey("k1");
  const keysOf = (...keys: TestKey[]) => async (kid: string) => {
    const found = keys.filter((k) => k.kid === kid).map((k) => createPublicKey(k.privateKey));
    if (found.length === 0) throw new WebhookError("UNKNOWN_KEY", "unknown");
    return found;
  };
  const body = '{"event":{"id":"e1"}}';
  const request = (headers: Record<string, string>, originalUrl = "/events/acme/sovrin?a=1&b=two%20words", host = "hooks.example.com"): WebhookRequest => ({
    method: "POST",
    path: "/",
    originalUrl,
    headers: { host, ...headers },
  });

  it("verifies every component kind the verifier supports", async () => {
    const fields = ["@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query", '"@query-param";name="b"', "content-type", "content-digest", "x-custom"];
    const headers = await signWithHms({ key, url: "https://hooks.example.com/events/acme/sovrin?a=1&b=two%20words", body, fields, headers: { "x-custom": "v" } });
    const verified = await verifyHttpMessageSignatures({ message: signedRequestOf(request(headers)), keysFor: keysOf(key) });
    expect(verified[0]!.components.map((c) => c.name)).toEqual(["@method", "@target-uri", "@authority", "@scheme", "@request-target", "@path", "@query", "@query-param", "content-type", "content-digest", "x-custom"]);
  });

  it("verifies ;sf and ;key field parameters", async () => {
    const digests = `${digestOf(body)},${digestOf(body, "sha-512")}`;
    const url = "https://hooks.example.com/events/acme/sovrin";
    const headers = await signWithHms({ key, url, body, noDigest: true, headers: { "content-digest": digests }, fields: ["@path", "content-digest;sf", 'content-digest;key="sha-512"'] });
    const verified = await verifyHttpMessageSignatures({ message: signedRequestOf(request(headers, "/events/acme/sovrin")), keysFor: keysOf(key) });
    expect(verified[0]!.components.map((c) => [c.name, [...c.params.keys()]])).toEqual([["@path", []], ["content-digest", ["sf"]], ["content-digest", ["key"]]]);
    // A proxy that re-spaces the dictionary changes no ;sf or ;key value...
    const spaced = { ...headers, "content-digest": digests.replace(",", ",   ") };
    expect(await outcome({ message: signedRequestOf(request(spaced, "/events/acme/sovrin")), keysFor: keysOf(key) })).toBe("ok");
    // ...but it does change the raw field value.
    const raw = await signWithHms({ key, url, body, noDigest: true, headers: { "content-digest": digests }, fields: ["@path", "content-digest"] });
    expect(await outcome({ message: signedRequestOf(request({ ...raw, "content-digest": digests.replace(",", ",   ") }, "/events/acme/sovrin")), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
  });

  it("verifies a request addressed on a non-default port, and fails when the Host differs", async () => {
    const headers = await signWithHms({ key, url: "https://hooks.example.com:8443/events/acme/sovrin", body, fields: ["@authority", "@path", "content-digest"] });
    expect(await outcome({ message: signedRequestOf(request(headers, "/events/acme/sovrin", "hooks.example.com:8443")), keysFor: keysOf(key) })).toBe("ok");
    expect(await outcome({ message: signedRequestOf(request(headers, "/events/acme/sovrin", "hooks.example.com")), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
  });

  it("verifies every signature present: two good ones pass, one bad among them fails", async () => {
    const second = testKey("k2");
    const url = "https://hooks.example.com/events/acme/sovrin";
    const first = await signWithHms({ key, url, body, name: "sig1" });
    const both = await signWithHms({ key: second, url, body, name: "proxy", headers: { "signature-input": first["signature-input"]!, signature: first["signature"]! } });
    expect(both["signature-input"]).toMatch(/^sig1=.*, proxy=/);
    const verified = await verifyHttpMessageSignatures({ message: signedRequestOf(request(both, "/events/acme/sovrin")), keysFor: keysOf(key, second) });
    expect(verified.map((v) => v.label)).toEqual(["sig1", "proxy"]);
    // The second signature by a key nobody published: the delivery is rejected.
    expect(await outcome({ message: signedRequestOf(request(both, "/events/acme/sovrin")), keysFor: keysOf(key) })).toBe("UNKNOWN_KEY");
    // A corrupted second signature.
    const corrupted = { ...both, signature: both["signature"]!.replace(/proxy=:(.)/, (_m, c: string) => `proxy=:${c === "A" ? "B" : "A"}`) };
    expect(await outcome({ message: signedRequestOf(request(corrupted, "/events/acme/sovrin")), keysFor: keysOf(key, second) })).toBe("INVALID_SIGNATURE");
  });

  it("rejects an expired signature and honours a future expires", async () => {
    const url = "https://hooks.example.com/events/acme/sovrin";
    const now = Date.now();
    const expired = await signWithHms({ key, url, body, created: new Date(now - 60_000), expires: new Date(now - 1_000) });
    expect(await outcome({ message: signedRequestOf(request(expired, "/events/acme/sovrin")), keysFor: keysOf(key), now })).toBe("TIMESTAMP_TOO_OLD");
    const valid = await signWithHms({ key, url, body, created: new Date(now), expires: new Date(now + 60_000) });
    expect(await outcome({ message: signedRequestOf(request(valid, "/events/acme/sovrin")), keysFor: keysOf(key), now })).toBe("ok");
  });

  it("rejects a created too far in the future", async () => {
    const headers = await signWithHms({ key, url: "https://hooks.example.com/events/acme/sovrin", body, created: new Date(Date.now() + 3_600_000) });
    expect(await outcome({ message: signedRequestOf(request(headers, "/events/acme/sovrin")), keysFor: keysOf(key) })).toBe("TIMESTAMP_IN_FUTURE");
  });

  it("needs keyid and created, and accepts only alg ed25519", async () => {
    const url = "https://hooks.example.com/events/acme/sovrin";
    const headers = await signWithHms({ key, url, body });
    const input = headers["signature-input"]!;
    const withInput = (value: string) => signedRequestOf(request({ ...headers, "signature-input": value }, "/events/acme/sovrin"));
    for (const broken of [input.replace(/;keyid="k1"/, ""), input.replace(/;created=\d+/, ""), input.replace(/;created=(\d+)/, ";created=$1.5"), input.replace('alg="ed25519"', 'alg="rsa-pss-sha512"')]) {
      expect(await outcome({ message: withInput(broken), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    }
  });

  it("tells missing signature headers (401 MISSING_CREDENTIALS) from malformed ones", async () => {
    const headers = await signWithHms({ key, url: "https://hooks.example.com/", body });
    const { signature, "signature-input": input, ...rest } = headers;
    const message = (h: Record<string, string>) => signedRequestOf(request(h, "/"));
    expect(await outcome({ message: message(rest), keysFor: keysOf(key) })).toBe("MISSING_CREDENTIALS");
    expect(await outcome({ message: message({ ...rest, signature: signature! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, "signature-input": input! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, signature: "sig=:AAAA:", "signature-input": input! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, signature: "sig1=(((", "signature-input": input! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, signature: 'sig1="text"', "signature-input": input! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, signature: "sig1=:AAAA:", "signature-input": input! }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
    expect(await outcome({ message: message({ ...rest, signature: signature!, "signature-input": 'sig1="@method"' }), keysFor: keysOf(key) })).toBe("INVALID_SIGNATURE");
  });

  it("does not look up a key for a request whose signature base cannot be built", async () => {
    const headers = await signWithHms({ key, url: "https://hooks.example.com/", body, fields: ["x-gone"], headers: { "x-gone": "1" } });
    delete headers["x-gone"];
    let lookups = 0;
    const result = await outcome({ message: signedRequestOf(request(headers, "/")), keysFor: async () => (lookups++, []) });
    expect(result).toBe("INVALID_SIGNATURE");
    expect(lookups).toBe(0);
  });
});

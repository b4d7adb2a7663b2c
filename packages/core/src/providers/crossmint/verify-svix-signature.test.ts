import fc from "fast-check";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { WebhookError } from "../../errors.js";
import type { HeaderValue } from "../../types.js";
import { readSvixHeaders, signSvixMessage, svixSecretKey, verifySvixSignature } from "./verify-svix-signature.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OLD_SECRET = "whsec_" + Buffer.from("an older crossmint signing key!!").toString("base64");
const WRONG_SECRET = "whsec_" + Buffer.from("not the secret of this endpoint").toString("base64");
const NOW = Date.UTC(2025, 2, 13, 12, 0, 0);
const BODY = Buffer.from('{"type":"credential.creation.succeeded","data":{"credential":{"id":"urn:uuid:1"},"secret":"k"}}');

function svixSigned(options: { secret?: string; id?: string; at?: number; body?: Buffer } = {}): Record<string, string> {
  const id = options.id ?? "msg_2Lh9KRb0pzN4LePd3XiA";
  const at = new Date(options.at ?? NOW);
  return {
    "svix-id": id,
    "svix-timestamp": String(Math.floor(at.getTime() / 1000)),
    "svix-signature": new SvixWebhook(options.secret ?? SECRET).sign(id, at, options.body ?? BODY),
  };
}

function verify(headers: Readonly<Record<string, HeaderValue>>, overrides: { secrets?: readonly string[]; body?: Buffer; nowMs?: number; toleranceSeconds?: number } = {}) {
  return verifySvixSignature({
    headers,
    rawBody: overrides.body ?? BODY,
    secrets: overrides.secrets ?? [SECRET],
    nowMs: overrides.nowMs ?? NOW,
    ...(overrides.toleranceSeconds === undefined ? {} : { toleranceSeconds: overrides.toleranceSeconds }),
  });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookError) return error.code;
    throw error;
  }
  return undefined;
}

describe("verifySvixSignature", () => {
  it("accepts a delivery signed by the svix package and returns its headers", () => {
    const headers = svixSigned();
    expect(verify(headers)).toEqual({ id: headers["svix-id"], timestamp: headers["svix-timestamp"], signature: headers["svix-signature"] });
  });

  it("accepts a delivery signed by the standardwebhooks package under the webhook-* header names", () => {
    const at = new Date(NOW);
    const signature = new StandardWebhook(SECRET).sign("msg_std", at, BODY);
    const headers = { "webhook-id": "msg_std", "webhook-timestamp": String(at.getTime() / 1000), "webhook-signature": signature };
    expect(verify(headers).id).toBe("msg_std");
  });

  it("agrees with the svix package's own verifier on what it signs", () => {
    const headers = svixSigned();
    const ours = signSvixMessage(SECRET, headers["svix-id"]!, headers["svix-timestamp"]!, BODY);
    expect(ours).toBe(headers["svix-signature"]);
    // And the svix verifier accepts our signature (it checks the timestamp against the real clock).
    const fresh = Math.floor(Date.now() / 1000).toString();
    expect(() => new SvixWebhook(SECRET).verify(BODY, { "svix-id": "msg_x", "svix-timestamp": fresh, "svix-signature": signSvixMessage(SECRET, "msg_x", fresh, BODY) })).not.toThrow();
  });

  it("rejects a body with one byte changed", () => {
    const headers = svixSigned();
    const tampered = Buffer.from(BODY);
    const at = tampered.length - 3;
    tampered[at] = tampered[at]! ^ 0x01;
    expect(codeOf(() => verify(headers, { body: tampered }))).toBe("INVALID_SIGNATURE");
  });

  it("rejects a delivery signed with another secret", () => {
    expect(codeOf(() => verify(svixSigned({ secret: WRONG_SECRET })))).toBe("INVALID_SIGNATURE");
  });

  it("rejects a changed svix-id or svix-timestamp: both are signed", () => {
    const headers = svixSigned();
    expect(codeOf(() => verify({ ...headers, "svix-id": "msg_other" }))).toBe("INVALID_SIGNATURE");
    expect(codeOf(() => verify({ ...headers, "svix-timestamp": String(Number(headers["svix-timestamp"]) + 1) }))).toBe("INVALID_SIGNATURE");
  });

  describe("rotation", () => {
    it("accepts a header with several space-separated signatures when one matches", () => {
      const byOld = svixSigned({ secret: OLD_SECRET });
      const byNew = svixSigned({ secret: SECRET });
      const both = { ...byNew, "svix-signature": `${byOld["svix-signature"]} ${byNew["svix-signature"]}` };
      expect(verify(both).id).toBe(byNew["svix-id"]);
      const reversed = { ...byNew, "svix-signature": `${byNew["svix-signature"]} ${byOld["svix-signature"]}` };
      expect(verify(reversed, { secrets: [OLD_SECRET] }).id).toBe(byNew["svix-id"]);
    });

    it("accepts a signature by any of several configured secrets", () => {
      expect(verify(svixSigned({ secret: OLD_SECRET }), { secrets: [SECRET, OLD_SECRET] }).id).toBeDefined();
      expect(verify(svixSigned({ secret: SECRET }), { secrets: [OLD_SECRET, SECRET] }).id).toBeDefined();
      expect(codeOf(() => verify(svixSigned({ secret: WRONG_SECRET }), { secrets: [SECRET, OLD_SECRET] }))).toBe("INVALID_SIGNATURE");
    });

    it("ignores entries of other versions and unparsable entries", () => {
      const headers = svixSigned();
      const noisy = { ...headers, "svix-signature": `v1a,Zm9vYmFy v2,${headers["svix-signature"]!.slice(3)} v1,!!! ${headers["svix-signature"]}` };
      expect(verify(noisy).id).toBe(headers["svix-id"]);
      expect(codeOf(() => verify({ ...headers, "svix-signature": `v2,${headers["svix-signature"]!.slice(3)}` }))).toBe("INVALID_SIGNATURE");
      expect(codeOf(() => verify({ ...headers, "svix-signature": headers["svix-signature"]!.slice(3) }))).toBe("INVALID_SIGNATURE");
    });

    it("accepts the signature list split over repeated headers (joined by a proxy)", () => {
      const byOld = svixSigned({ secret: OLD_SECRET });
      const byNew = svixSigned();
      expect(verify({ ...byNew, "svix-signature": [byOld["svix-signature"]!, byNew["svix-signature"]!] }).id).toBe(byNew["svix-id"]);
      expect(verify({ ...byNew, "svix-signature": `${byOld["svix-signature"]}, ${byNew["svix-signature"]}` }).id).toBe(byNew["svix-id"]);
    });
  });

  describe("timestamp tolerance (±5 min by default)", () => {
    const minutes = (n: number) => n * 60_000;

    it("accepts 4 minutes old and 4 minutes ahead", () => {
      expect(verify(svixSigned({ at: NOW - minutes(4) })).id).toBeDefined();
      expect(verify(svixSigned({ at: NOW + minutes(4) })).id).toBeDefined();
    });

    it("accepts exactly 5 minutes either way and rejects one second more", () => {
      expect(verify(svixSigned({ at: NOW - minutes(5) })).id).toBeDefined();
      expect(verify(svixSigned({ at: NOW + minutes(5) })).id).toBeDefined();
      expect(codeOf(() => verify(svixSigned({ at: NOW - minutes(5) - 1000 })))).toBe("TIMESTAMP_TOO_OLD");
      expect(codeOf(() => verify(svixSigned({ at: NOW + minutes(5) + 1000 })))).toBe("TIMESTAMP_IN_FUTURE");
    });

    it("rejects 6 minutes old as TIMESTAMP_TOO_OLD and 6 minutes ahead as TIMESTAMP_IN_FUTURE", () => {
      expect(codeOf(() => verify(svixSigned({ at: NOW - minutes(6) })))).toBe("TIMESTAMP_TOO_OLD");
      expect(codeOf(() => verify(svixSigned({ at: NOW + minutes(6) })))).toBe("TIMESTAMP_IN_FUTURE");
    });

    it("follows a configured tolerance", () => {
      expect(verify(svixSigned({ at: NOW - minutes(9) }), { toleranceSeconds: 600 }).id).toBeDefined();
      expect(codeOf(() => verify(svixSigned({ at: NOW - 31_000 }), { toleranceSeconds: 30 }))).toBe("TIMESTAMP_TOO_OLD");
      expect(codeOf(() => verify(svixSigned({ at: NOW + 31_000 }), { toleranceSeconds: 30 }))).toBe("TIMESTAMP_IN_FUTURE");
    });

    it("reports a wrong secret as INVALID_SIGNATURE even when the timestamp is also stale", () => {
      expect(codeOf(() => verify(svixSigned({ secret: WRONG_SECRET, at: NOW - minutes(60) })))).toBe("INVALID_SIGNATURE");
    });

    it("rejects a timestamp that is not whole seconds, even when signed", () => {
      const body = BODY;
      const headers = { "svix-id": "msg_1", "svix-timestamp": "1741867200.5", "svix-signature": signSvixMessage(SECRET, "msg_1", "1741867200.5", body) };
      expect(codeOf(() => verify(headers))).toBe("INVALID_SIGNATURE");
    });
  });

  describe("missing headers", () => {
    it.each(["svix-id", "svix-timestamp", "svix-signature"])("is MISSING_CREDENTIALS without %s", (name) => {
      const headers: Record<string, string> = { ...svixSigned() };
      delete headers[name];
      expect(codeOf(() => verify(headers))).toBe("MISSING_CREDENTIALS");
      expect(codeOf(() => verify({ ...headers, [name]: "  " }))).toBe("MISSING_CREDENTIALS");
    });

    it("is MISSING_CREDENTIALS without any header and names them", () => {
      let error: unknown;
      try {
        verify({});
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebhookError);
      expect((error as WebhookError).code).toBe("MISSING_CREDENTIALS");
      expect((error as WebhookError).message).toContain("svix-id, svix-timestamp, svix-signature");
    });
  });

  it("never puts the secret or the expected signature in an error message", () => {
    const headers = svixSigned({ secret: WRONG_SECRET });
    const expected = signSvixMessage(SECRET, headers["svix-id"]!, headers["svix-timestamp"]!, BODY);
    try {
      verify(headers);
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain(SECRET.slice(6));
      expect(message).not.toContain(expected.slice(3));
    }
  });

  it("turns a malformed configured secret into CREDENTIALS_UNAVAILABLE without echoing it", () => {
    const headers = svixSigned();
    try {
      verify(headers, { secrets: ["whsec_not base64!"] });
      expect.unreachable();
    } catch (error) {
      expect((error as WebhookError).code).toBe("CREDENTIALS_UNAVAILABLE");
      expect((error as Error).message).not.toContain("not base64!");
    }
  });

  it("property: any body signed by svix verifies, and any single-byte change does not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (bytes, at, flip) => {
        // svix signs strings, so sign the UTF-8 text and verify its bytes.
        const text = Buffer.from(bytes).toString("base64");
        const body = Buffer.from(text);
        const headers = svixSigned({ body, id: "msg_prop" });
        expect(verify(headers, { body }).id).toBe("msg_prop");
        const changed = Buffer.from(body);
        const index = at % changed.length;
        changed[index] = changed[index]! ^ flip;
        expect(codeOf(() => verify(headers, { body: changed }))).toBe("INVALID_SIGNATURE");
      }),
      { numRuns: 200 },
    );
  });
});

describe("svixSecretKey", () => {
  it("strips whsec_ and decodes base64, as the svix package does", () => {
    expect(svixSecretKey(SECRET)).toEqual(Buffer.from("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "base64"));
    expect(svixSecretKey("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).toEqual(svixSecretKey(SECRET));
  });

  it.each(["whsec_", "", "whsec_has spaces", "whsec_abc$", "whsec_a"])("refuses %j with a TypeError that does not echo it", (secret) => {
    expect(() => svixSecretKey(secret)).toThrow(TypeError);
    try {
      svixSecretKey(secret);
    } catch (error) {
      if (secret.length > 6) expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe("readSvixHeaders", () => {
  it("prefers svix-* and falls back to webhook-* per header", () => {
    expect(readSvixHeaders({ "svix-id": "a", "webhook-id": "b", "webhook-timestamp": "1", "svix-signature": "v1,x" })).toEqual({ id: "a", timestamp: "1", signature: "v1,x" });
    expect(readSvixHeaders({})).toEqual({});
  });
});

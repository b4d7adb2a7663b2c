import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, createContentDigest, verifyContentDigest } from "./content-digest.js";

// RFC 9530 §2 / RFC 9421 Appendix B.2: the body {"hello": "world"}.
const BODY = Buffer.from('{"hello": "world"}');
const SHA256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:";
const SHA512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

const failure = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};

describe("createContentDigest", () => {
  it("matches the RFC examples", () => {
    expect(createContentDigest(BODY, "sha-256")).toBe(SHA256);
    expect(createContentDigest(BODY, "sha-512")).toBe(SHA512);
  });
});

describe("verifyContentDigest", () => {
  it("accepts the RFC's sha-256 and sha-512 digests of the raw bytes", () => {
    expect(() => verifyContentDigest(SHA256, BODY, { covered: "all" })).not.toThrow();
    expect(() => verifyContentDigest(SHA512, BODY, { covered: "all" })).not.toThrow();
    expect(() => verifyContentDigest(`${SHA256}, ${SHA512}`, BODY, { covered: "all" })).not.toThrow();
  });

  it("rejects a changed body, and a body whose JSON is the same but bytes differ", () => {
    expect(failure(() => verifyContentDigest(SHA256, Buffer.from('{"hello": "World"}'), { covered: "all" }))).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect(failure(() => verifyContentDigest(SHA256, Buffer.from('{"hello":"world"}'), { covered: "all" }))).toMatchObject({ code: "INVALID_SIGNATURE" });
  });

  it("checks every supported member: one wrong member fails the whole field", () => {
    const wrong512 = "sha-512=:" + Buffer.alloc(64).toString("base64") + ":";
    expect(failure(() => verifyContentDigest(`${SHA256}, ${wrong512}`, BODY, { covered: "all" }))).toMatchObject({ message: expect.stringMatching(/sha-512/) });
  });

  it("ignores unknown algorithms but needs at least one sha-256/sha-512", () => {
    expect(() => verifyContentDigest(`md5=:AAAA:, ${SHA256}`, BODY, { covered: "all" })).not.toThrow();
    expect(failure(() => verifyContentDigest("md5=:AAAA:", BODY, { covered: "all" }))).toMatchObject({ message: expect.stringMatching(/no signed sha-256 or sha-512/) });
  });

  it("with ;key coverage, checks only the covered member", () => {
    const wrong512 = "sha-512=:" + Buffer.alloc(64).toString("base64") + ":";
    expect(() => verifyContentDigest(`${SHA256}, ${wrong512}`, BODY, { covered: new Set(["sha-256"]) })).not.toThrow();
    expect(failure(() => verifyContentDigest(SHA256, BODY, { covered: new Set(["sha-512"]) }))).toMatchObject({ code: "INVALID_SIGNATURE" });
  });

  it("rejects a missing or malformed header", () => {
    expect(failure(() => verifyContentDigest(undefined, BODY, { covered: "all" }))).toMatchObject({ message: expect.stringMatching(/missing/) });
    expect(failure(() => verifyContentDigest("sha-256=X48E9", BODY, { covered: "all" }))).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect(failure(() => verifyContentDigest('sha-256="X48E9"', BODY, { covered: "all" }))).toMatchObject({ message: expect.stringMatching(/byte sequence/) });
  });

  it("accepts a digest of the canonical JSON only when a canonical body is offered", () => {
    const sent = Buffer.from('{ "b": 2, "a": 1 }');
    const header = createContentDigest(Buffer.from('{"a":1,"b":2}'));
    expect(failure(() => verifyContentDigest(header, sent, { covered: "all" }))).toMatchObject({ code: "INVALID_SIGNATURE" });
    expect(() => verifyContentDigest(header, sent, { covered: "all", canonicalBody: () => Buffer.from(canonicalJson(JSON.parse(sent.toString()))) })).not.toThrow();
  });
});

describe("verifyContentDigest: alternative bodies", () => {
  it("accepts a digest of JSON.stringify of the decoded body (MATTR's form) only when offered", () => {
    // MATTR's library hashes JSON.stringify(bodyObject): keys in insertion order, not sorted.
    const object = { webhookId: "w", event: { type: "T", id: "e" }, deliveryId: "d" };
    const header = createContentDigest(Buffer.from(JSON.stringify(object)));
    const sent = Buffer.from(JSON.stringify(object, null, 2));
    expect(() => verifyContentDigest(header, sent, { covered: "all" })).toThrow(/does not match/);
    expect(() => verifyContentDigest(header, sent, { covered: "all", canonicalBody: () => Buffer.from(canonicalJson(JSON.parse(sent.toString()))) })).toThrow(/does not match/);
    expect(() => verifyContentDigest(header, sent, { covered: "all", alternativeBodies: () => [Buffer.from(JSON.stringify(JSON.parse(sent.toString())))] })).not.toThrow();
  });
});

describe("canonicalJson (RFC 8785)", () => {
  it("sorts keys by UTF-16 code units and serializes numbers as ECMAScript does", () => {
    expect(canonicalJson({ b: [1e21, 0.000001, -0, 1.5], a: { d: null, c: "é\u2028" }, "\u20ac": 1, "\ud83d\ude00": 2, "\ufb33": 3 })).toBe(
      '{"a":{"c":"é\u2028","d":null},"b":[1e+21,0.000001,0,1.5],"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}',
    );
  });

  it("is stable: canonicalizing a parse of the output gives the output", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = canonicalJson(value);
        expect(canonicalJson(JSON.parse(once))).toBe(once);
      }),
    );
  });
});

import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { WebhookError } from "../../errors.js";
import { ed25519PublicKeyProblem } from "./ed25519-public-key.js";
import { createJwksKeySource } from "./jwks-key-source.js";

const P = 2n ** 255n - 19n;
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const encode = (y: bigint, sign: number): Buffer => {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) out[i] = Number((y >> BigInt(8 * i)) & 0xffn);
  out[31]! |= sign << 7;
  return out;
};
const decodeY = (x: Uint8Array): bigint => {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? x[i]! & 0x7f : x[i]!);
  return y;
};
const genuine = (): Buffer => Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x!, "base64url");

/** The identity point (y = 1): with R = identity and S = 0, "signatures" verify for any message. */
const IDENTITY = encode(1n, 0);
const ALL_ZERO = Buffer.alloc(32);
/** The red team's forged signature: R = identity, S = 0. */
const FORGED = Buffer.concat([encode(1n, 0), Buffer.alloc(32)]);

describe("ed25519PublicKeyProblem", () => {
  it("shows the threat: node:crypto imports the identity point, and before Node 24 accepts a signature made by nobody", () => {
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: b64url(IDENTITY) }, format: "jwk" });
    // Node 20 and 22 verify it. Node 24 (24.21 checked) refuses small-order points in verify
    // itself (nodejs/node#64026), but still imports the key. ed25519PublicKeyProblem refuses
    // the key on every Node, before any verify.
    const nodeRefuses = Number(process.versions.node.split(".")[0]) >= 24;
    expect(verify(null, Buffer.from("any message at all"), key, FORGED)).toBe(!nodeRefuses);
  });

  it("accepts genuine public keys", () => {
    for (let i = 0; i < 20; i++) expect(ed25519PublicKeyProblem(genuine())).toBeUndefined();
  });

  it("refuses every small-order point, in every encoding of its sign", () => {
    // The eight points of order 1, 2, 4 and 8 (their y-coordinates), libsodium's blocklist.
    const smallOrderY = [
      1n, // identity
      P - 1n, // order 2: (0, −1)
      0n, // order 4: (±sqrt(−1), 0)
      decodeY(Buffer.from("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", "hex")), // order 8
      decodeY(Buffer.from("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", "hex")), // order 8
    ];
    for (const y of smallOrderY) {
      for (const sign of [0, 1]) {
        const problem = ed25519PublicKeyProblem(encode(y, sign));
        // x = 0 with the sign bit set is not a canonical encoding: refused as such.
        expect(problem, `y=${y} sign=${sign}`).toMatch(/small-order|not a point|canonical/);
      }
    }
    expect(ed25519PublicKeyProblem(IDENTITY)).toMatch(/small-order/);
    expect(ed25519PublicKeyProblem(ALL_ZERO)).toMatch(/small-order/);
  });

  it("refuses non-canonical encodings, points off the curve, mixed-order points and wrong lengths", () => {
    expect(ed25519PublicKeyProblem(encode(P, 0))).toMatch(/canonical/);
    expect(ed25519PublicKeyProblem(encode(P + 1n, 0))).toMatch(/canonical/);
    // Some y have no x on the curve.
    let y = 2n;
    while (ed25519PublicKeyProblem(encode(y, 0)) === undefined || !/not a point/.test(ed25519PublicKeyProblem(encode(y, 0))!)) y++;
    expect(ed25519PublicKeyProblem(encode(y, 0))).toMatch(/not a point of the Ed25519 curve/);
    // A genuine key plus the point of order 2: (x, y) + (0, −1) = (−x, −y).
    const key = genuine();
    const mixed = encode(P - decodeY(key), 1 - (key[31]! >> 7));
    expect(ed25519PublicKeyProblem(mixed)).toMatch(/prime-order subgroup/);
    expect(ed25519PublicKeyProblem(Buffer.alloc(31))).toMatch(/31 bytes/);
  });
});

describe("createJwksKeySource refuses unusable keys with a clear error", () => {
  const jwk = (x: string, kid = "evil") => ({ kty: "OKP", crv: "Ed25519", x, kid });

  it("inline: at creation, naming the kid and the problem", () => {
    expect(() => createJwksKeySource({ keys: [jwk(b64url(IDENTITY))] })).toThrow(/kid "evil" is not a usable Ed25519 public key: it is a small-order point/);
    expect(() => createJwksKeySource(JSON.stringify({ keys: [jwk(b64url(ALL_ZERO))] }))).toThrow(/small-order point/);
    expect(() => createJwksKeySource({ keys: [jwk("AQAA")] })).toThrow(/32 bytes in unpadded base64url/);
    expect(() => createJwksKeySource({ keys: [jwk(b64url(genuine()), "good")] })).not.toThrow();
  });

  it("inline from a resolver: that kid is 401 UNKNOWN_KEY saying why; the JWKS's other keys still serve", async () => {
    const keys = createJwksKeySource(() => ({ keys: [jwk(b64url(IDENTITY)), jwk(b64url(genuine()), "good")] }));
    const error = await keys.keysFor("evil", "acme").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect(error).toMatchObject({ code: "UNKNOWN_KEY", message: expect.stringMatching(/holds kid "evil", but credhooks refuses that key: .*small-order point/) });
    expect(await keys.keysFor("good", "acme")).toHaveLength(1);
  });

  describe("remote", () => {
    let server: Server;
    let url = "";
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
    it("401 UNKNOWN_KEY that says the published key was refused, and why", async () => {
      server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk(b64url(IDENTITY)), jwk(b64url(genuine()), "good")] })));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
      const keys = createJwksKeySource(url);
      const error = await keys.keysFor("evil", undefined).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "UNKNOWN_KEY", message: expect.stringMatching(/publishes kid "evil", but credhooks refuses that key: .*small-order point/) });
      expect(await keys.keysFor("good", undefined)).toHaveLength(1);
    });
  });
});

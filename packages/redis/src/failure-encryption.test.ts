import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FailureDecryptionError, decryptEntry, encryptEntry, isEncrypted, parseEncryptionKeys } from "./failure-encryption.js";
import { dedupeRedisKey } from "./redis-keys.js";

const KEY = randomBytes(32);

describe("failure sink encryption (AES-256-GCM)", () => {
  it("round-trips, with a fresh IV per write, and hides the plaintext", () => {
    const plaintext = JSON.stringify({ data: { secret: "whsec_do-not-store-in-clear" } });
    const a = encryptEntry(KEY, "crossmint:acme:e1", plaintext);
    const b = encryptEntry(KEY, "crossmint:acme:e1", plaintext);
    expect(isEncrypted(a)).toBe(true);
    expect(a).not.toBe(b); // random 12-byte IV per write
    const ivA = Buffer.from(a.slice(5), "base64").subarray(0, 12);
    const ivB = Buffer.from(b.slice(5), "base64").subarray(0, 12);
    expect(ivA.equals(ivB)).toBe(false);
    expect(a).not.toContain("whsec_");
    expect(Buffer.from(a.slice(5), "base64").toString("latin1")).not.toContain("whsec_");
    expect(decryptEntry([KEY], "crossmint:acme:e1", a)).toBe(plaintext);
  });

  it("fails clearly with a wrong key, another entry's key as AAD, or an altered ciphertext", () => {
    const stored = encryptEntry(KEY, "k1", "{}");
    expect(() => decryptEntry([randomBytes(32)], "k1", stored)).toThrow(FailureDecryptionError);
    expect(() => decryptEntry([randomBytes(32)], "k1", stored)).toThrow(/different encryptionKey/);
    expect(() => decryptEntry([KEY], "k2", stored)).toThrow(FailureDecryptionError); // moved to another entry
    const bytes = Buffer.from(stored.slice(5), "base64");
    bytes[14] = bytes[14]! ^ 1;
    expect(() => decryptEntry([KEY], "k1", "enc1:" + bytes.toString("base64"))).toThrow(FailureDecryptionError);
    expect(() => decryptEntry([KEY], "k1", "enc1:AAAA")).toThrow(/too short/);
  });

  it("decrypts with any key of a rotation; the first one encrypts", () => {
    const [fresh, old] = [randomBytes(32), randomBytes(32)];
    const written = encryptEntry(old, "k", "{}");
    expect(decryptEntry([fresh, old], "k", written)).toBe("{}");
    const keys = parseEncryptionKeys([fresh.toString("base64"), old]);
    expect(keys[0]!.equals(fresh)).toBe(true);
  });

  it("accepts 32 bytes or their base64/base64url, and refuses anything else without echoing it", () => {
    expect(parseEncryptionKeys(KEY)[0]!.equals(KEY)).toBe(true);
    expect(parseEncryptionKeys(KEY.toString("base64"))[0]!.equals(KEY)).toBe(true);
    expect(parseEncryptionKeys(KEY.toString("base64url"))[0]!.equals(KEY)).toBe(true);
    expect(parseEncryptionKeys(new Uint8Array(KEY))[0]!.equals(KEY)).toBe(true);
    const passphrase = "correct horse battery staple!!!!";
    expect(() => parseEncryptionKeys(passphrase)).toThrow(/must be 32 bytes, or 32 bytes in base64/);
    try {
      parseEncryptionKeys(passphrase);
    } catch (error) {
      expect((error as Error).message).not.toContain("horse");
    }
    expect(() => parseEncryptionKeys(KEY.toString("hex"))).toThrow(TypeError); // 64 hex characters are not base64 of 32 bytes
    expect(() => parseEncryptionKeys(randomBytes(16))).toThrow(/got 16 bytes/);
    expect(() => parseEncryptionKeys([KEY, randomBytes(31)])).toThrow(/key #2/);
    expect(() => parseEncryptionKeys([])).toThrow(/empty list/);
  });
});

describe("dedupeRedisKey", () => {
  it("keeps keys up to 64 characters and hashes longer ones to 23", () => {
    expect(dedupeRedisKey("p:", "a".repeat(64))).toBe("p:d:" + "a".repeat(64));
    expect(dedupeRedisKey("p:", "a".repeat(65))).toHaveLength("p:d:".length + 23);
    expect(dedupeRedisKey("p:", "a".repeat(65))).toBe(dedupeRedisKey("p:", "a".repeat(65)));
  });
});

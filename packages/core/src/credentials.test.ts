import { describe, expect, it } from "vitest";
import { matchesAnySecret, resolveSecrets, safeEqual } from "./credentials.js";

describe("credentials", () => {
  it("resolves strings, lists and resolvers per tenant", async () => {
    expect(await resolveSecrets("a", undefined, "key")).toEqual(["a"]);
    expect(await resolveSecrets(["a", "b"], "t", "key")).toEqual(["a", "b"]);
    expect(await resolveSecrets(async (t) => `key-${t}`, "t", "key")).toEqual(["key-t"]);
  });
  it("treats a resolver returning nothing as 401 and a throwing one as 503, without leaking", async () => {
    await expect(resolveSecrets(() => undefined, "t", "key")).rejects.toMatchObject({ code: "INVALID_CREDENTIALS", status: 401 });
    await expect(resolveSecrets(() => [""], "t", "key")).rejects.toMatchObject({ code: "INVALID_CREDENTIALS" });
    const failure = resolveSecrets(() => Promise.reject(new Error("s3cr3t")), "t", "key");
    await expect(failure).rejects.toMatchObject({ code: "CREDENTIALS_UNAVAILABLE", status: 503 });
    await expect(failure).rejects.not.toThrow(/s3cr3t/);
  });
  it("compares in constant time, any length", () => {
    expect(safeEqual("abc", "abc")).toBe(true);
    expect(safeEqual("abc", "abcd")).toBe(false);
    expect(matchesAnySecret("b", ["a", "b"])).toBe(true);
    expect(matchesAnySecret("c", ["a", "b"])).toBe(false);
  });
});

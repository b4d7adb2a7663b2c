import { describe, expect, it } from "vitest";
import { LruDedupeStore } from "./lru-dedupe-store.js";

describe("LruDedupeStore", () => {
  it("moves an event from claimed to done, and remembers done for the done TTL", () => {
    let now = 1_000_000; // lru-cache treats a start time of 0 as "never stale"
    const store = new LruDedupeStore({ now: () => now });
    const claim = store.claim("k", 1000);
    expect(claim.status).toBe("claimed");
    if (claim.status !== "claimed") return;
    expect(store.claim("k", 1000).status).toBe("in-flight");
    store.complete("k", claim.token, 10_000);
    now += 9_999;
    expect(store.claim("k", 1000).status).toBe("done");
    now += 2;
    expect(store.claim("k", 1000).status).toBe("claimed");
  });

  it("keeps handler successes across a release, so the next claim skips them", () => {
    const store = new LruDedupeStore();
    const first = store.claim("k", 1000);
    if (first.status !== "claimed") throw new Error("expected a claim");
    store.handlerSucceeded("k", first.token, "a#0", 60_000);
    store.release("k", first.token, 60_000);
    const second = store.claim("k", 1000);
    expect(second.status).toBe("claimed");
    if (second.status === "claimed") expect([...second.succeeded]).toEqual(["a#0"]);
  });

  it("ignores settlement by a holder whose lease expired and was taken over", () => {
    let now = 1_000_000; // lru-cache treats a start time of 0 as "never stale"
    const store = new LruDedupeStore({ now: () => now });
    const stale = store.claim("k", 100);
    now += 101;
    const fresh = store.claim("k", 100);
    if (stale.status !== "claimed" || fresh.status !== "claimed") throw new Error("expected claims");
    store.complete("k", stale.token, 10_000);
    expect(store.claim("k", 100).status).toBe("in-flight");
    expect(store.renew("k", stale.token, 100)).toBe(false);
    expect(store.renew("k", fresh.token, 100)).toBe(true);
  });

  it("forgets the oldest events beyond max", () => {
    const store = new LruDedupeStore({ max: 2 });
    for (const key of ["a", "b", "c"]) {
      const claim = store.claim(key, 1000);
      if (claim.status === "claimed") store.complete(key, claim.token, 60_000);
    }
    expect(store.size).toBe(2);
    expect(store.claim("a", 1000).status).toBe("claimed");
    expect(store.claim("c", 1000).status).toBe("done");
  });
});

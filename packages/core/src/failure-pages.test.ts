import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWebhooks } from "./create-webhooks.js";
import { MemoryFailureSink, pageFailures, type FailedDelivery, type FailureListOptions, type FailureSink } from "./failure-sink.js";
import type { Provider } from "./types.js";

const entry = (provider: string, id: string): FailedDelivery => ({
  key: `${provider}:acme:${id}`,
  provider,
  tenantId: "acme",
  name: "thing.created",
  dedupeId: id,
  payload: { name: id },
  raw: { type: "thing.created", id, data: { name: id } },
  reason: "handler-failed",
  error: "1 of 1 handler(s) failed",
  attempts: 1,
  firstFailedAt: "2026-01-01T00:00:00.000Z",
  lastFailedAt: "2026-01-01T00:00:00.000Z",
});

const events = { "thing.created": z.looseObject({ name: z.string() }) };
const provider = (id: string): Provider<typeof events> => ({
  id,
  events,
  retries: false,
  authenticate: () => {},
  identify: () => ({ name: "thing.created", payload: {}, raw: {}, dedupeId: "x" }),
});

describe("paging failures.list({ limit, after })", () => {
  it("pageFailures: key order, keys after `after`, at most `limit`", () => {
    const all = ["b", "d", "a", "c", "e"].map((id) => entry("p", id));
    expect(pageFailures(all, { limit: 2 }).map((e) => e.dedupeId)).toEqual(["a", "b"]);
    expect(pageFailures(all, { limit: 2, after: "p:acme:b" }).map((e) => e.dedupeId)).toEqual(["c", "d"]);
    expect(pageFailures(all, { limit: 2, after: "p:acme:d" }).map((e) => e.dedupeId)).toEqual(["e"]);
    expect(pageFailures(all, { limit: 0 }).map((e) => e.dedupeId)).toEqual(["a"]); // at least one
  });

  it("MemoryFailureSink pages; without options it lists everything", () => {
    const sink = new MemoryFailureSink();
    for (const id of ["c", "a", "b"]) sink.put(entry("p", id));
    expect(sink.list().map((e) => e.dedupeId)).toEqual(["c", "a", "b"]);
    expect(sink.list({ limit: 2 }).map((e) => e.dedupeId)).toEqual(["a", "b"]);
    expect(sink.list({ limit: 2, after: "p:acme:b" }).map((e) => e.dedupeId)).toEqual(["c"]);
  });

  it("replayAll() reads the sink a page at a time, starting at its own provider's keys", async () => {
    const inner = new MemoryFailureSink();
    for (let i = 0; i < 250; i++) inner.put(entry("mine", `e${String(i).padStart(3, "0")}`));
    for (let i = 0; i < 150; i++) inner.put(entry("aaa-other", `o${i}`));
    for (let i = 0; i < 150; i++) inner.put(entry("zzz-other", `o${i}`));
    const calls: Array<FailureListOptions | undefined> = [];
    const sink: FailureSink = {
      put: (e) => inner.put(e),
      get: (key) => inner.get(key),
      delete: (key) => inner.delete(key),
      list: (options) => {
        calls.push(options);
        return inner.list(options);
      },
    };
    const hooks = createWebhooks({ provider: provider("mine"), failures: sink, recovery: false });
    const handled: string[] = [];
    hooks.on("thing.created", (event) => void handled.push(event.id));
    const outcomes = await hooks.replayAll();
    expect(outcomes).toHaveLength(250);
    expect(outcomes.every((o) => o.status === "handled")).toBe(true);
    expect(handled).toHaveLength(250);
    expect(calls).toEqual([
      { limit: 100, after: "mine:" },
      { limit: 100, after: "mine:acme:e099" },
      { limit: 100, after: "mine:acme:e199" },
    ]);
    expect(inner.list().map((e) => e.provider).sort()).toEqual([...Array(150).fill("aaa-other"), ...Array(150).fill("zzz-other")]);
  });

  it("replayAll() copes with a sink that ignores paging (everything at once, however many)", async () => {
    for (const count of [3, 100, 230]) {
      const inner = new MemoryFailureSink();
      for (let i = 0; i < count; i++) inner.put(entry("mine", `e${i}`));
      let calls = 0;
      const unpaged: FailureSink = { put: (e) => inner.put(e), get: (k) => inner.get(k), delete: (k) => inner.delete(k), list: () => (calls++, inner.list()) };
      const hooks = createWebhooks({ provider: provider("mine"), failures: unpaged, recovery: false });
      let fail = true;
      hooks.on("thing.created", () => {
        if (fail) throw new Error("still down"); // every replay fails: the entries stay, the loop must still end
      });
      const outcomes = await hooks.replayAll();
      expect(outcomes, String(count)).toHaveLength(count);
      expect(calls, String(count)).toBeLessThanOrEqual(2);
      fail = false;
      expect((await hooks.replayAll()).filter((o) => o.status === "handled"), String(count)).toHaveLength(count);
      expect(inner.list(), String(count)).toEqual([]);
    }
  });
});

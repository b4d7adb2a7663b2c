import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createWebhooks } from "./create-webhooks.js";
import { MemoryFailureSink, type FailedDelivery } from "./failure-sink.js";
import type { Logger } from "./logger.js";
import type { MetricEvent } from "./metrics.js";
import { lissi } from "./providers/lissi/index.js";
import type { Provider } from "./types.js";

const entry = (key: string, payload: unknown = { n: 1 }): FailedDelivery => ({
  key,
  provider: "p",
  tenantId: "t",
  name: "e",
  dedupeId: key,
  payload,
  raw: { payload },
  reason: "invalid-payload",
  error: "bad",
  attempts: 1,
  firstFailedAt: "2025-01-01T00:00:00.000Z",
  lastFailedAt: "2025-01-01T00:00:00.000Z",
});

describe("MemoryFailureSink bounds", () => {
  it("refuses an entry past maxEntries with an error that says what to do, and drops nothing", () => {
    const sink = new MemoryFailureSink({ maxEntries: 2 });
    sink.put(entry("a"));
    sink.put(entry("b"));
    expect(() => sink.put(entry("c"))).toThrow(/failure sink is full \(2 entries\).*"c" was not kept.*replayAll/);
    expect(sink.list().map((e) => e.key)).toEqual(["a", "b"]);
    // A redelivery of a kept event replaces its entry; deleting one makes room.
    sink.put({ ...entry("a"), attempts: 2 });
    expect(sink.get("a")?.attempts).toBe(2);
    sink.delete("b");
    sink.put(entry("c"));
    expect(sink.size).toBe(2);
  });

  it("refuses an entry past maxBytes; a deep body is counted without recursion; a shared payload counts once", () => {
    const sink = new MemoryFailureSink({ maxBytes: 10_000 });
    sink.put(entry("small", { s: "x".repeat(2_000) }));
    const counted = sink.bytes;
    expect(counted).toBeGreaterThan(2_000);
    expect(counted).toBeLessThan(3_000); // payload inside raw is not counted twice
    expect(() => sink.put(entry("big", { s: "x".repeat(9_000) }))).toThrow(/full \(10000 bytes \(this entry: \d+\)\)/);
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => sink.put(entry("deep", deep))).toThrow(/full/);
    sink.delete("small");
    expect(sink.bytes).toBe(0);
    expect(() => new MemoryFailureSink({ maxEntries: 0 })).toThrow(TypeError);
  });

  it("defaults to 10 000 entries and 64 MiB: 200 one-megabyte deliveries cannot all be kept", () => {
    const sink = new MemoryFailureSink();
    expect([sink.maxEntries, sink.maxBytes]).toEqual([10_000, 64 * 1024 * 1024]);
    const megabyte = "x".repeat(1024 * 1024);
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      try {
        sink.put(entry(`k${i}`, { pad: megabyte }));
        kept++;
      } catch {
        break;
      }
    }
    expect(kept).toBeGreaterThan(50);
    expect(kept).toBeLessThan(64);
  });
});

describe("a full failure sink loses nothing silently", () => {
  const recording = () => {
    const lines: string[] = [];
    const log = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
    return { lines, logger };
  };
  const request = (path: string, body: string) => ({
    method: "POST",
    path,
    originalUrl: `/events/acme/lissi${path}`,
    headers: { "content-type": "application/json", "x-api-key": "k" },
    params: { tenantId: "acme" },
    body: Buffer.from(body),
  });

  it("Lissi (never redelivers): an unknown route is answered 503, not 2xx, with an error log and a delivery.unkept metric", async () => {
    const failures = new MemoryFailureSink({ maxEntries: 1 });
    const { lines, logger } = recording();
    const metrics: MetricEvent[] = [];
    const hooks = createWebhooks({ provider: lissi({ apiKey: "k" }), failures, logger, metrics: (m) => void metrics.push(m), recovery: false });
    hooks.onAny(() => {});
    const first = await hooks.handle(request("/widgets/w1/explode", '{"n":1}'));
    expect([first.status, JSON.parse(first.body)]).toEqual([200, { received: true, unhandled: true }]);
    const second = await hooks.handle(request("/widgets/w2/explode", '{"n":2}'));
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body).error.code).toBe("STORE_UNAVAILABLE");
    expect(lines.some((line) => line.startsWith("error credhooks: the failure sink could not store a delivery") && line.includes("failure sink is full"))).toBe(true);
    expect(metrics).toContainEqual(expect.objectContaining({ type: "delivery.unkept", provider: "lissi", reason: "unhandled" }));
    expect(hooks.failures.list()).toHaveLength(1);
    await hooks.close();
  });

  it("Lissi: an invalid payload with a full sink is answered 400 (non-2xx) and reported, not kept silently", async () => {
    const failures = new MemoryFailureSink({ maxEntries: 1 });
    failures.put(entry("lissi:acme:occupied"));
    const { lines, logger } = recording();
    const metrics: MetricEvent[] = [];
    const hooks = createWebhooks({ provider: lissi({ apiKey: "k" }), failures, logger, metrics: (m) => void metrics.push(m), recovery: false });
    hooks.onAny(() => {});
    const response = await hooks.handle(request("/connections/c1/update", '{"state":42}'));
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).error.code).toBe("INVALID_PAYLOAD");
    expect(metrics).toContainEqual(expect.objectContaining({ type: "delivery.unkept", reason: "invalid-payload" }));
    expect(lines.filter((line) => line.startsWith("error"))).toHaveLength(1);
    await hooks.close();
  });

  it("a sender that never redelivers, handlers failing, store without an inbox: 503 instead of 500 when the sink is full", async () => {
    const provider: Provider = {
      id: "never",
      events: { thing: z.object({}) },
      retries: false,
      authenticate: () => {},
      identify: (d) => ({ name: "thing", payload: {}, raw: d.body, dedupeId: String((d.body as { id: string }).id) }),
    };
    const failures = new MemoryFailureSink({ maxEntries: 1 });
    failures.put(entry("never::occupied"));
    const store = { claim: () => ({ status: "claimed" as const, token: "t", succeeded: new Set<string>() }), complete: () => {}, release: () => {}, renew: () => true, recordSuccess: () => {} };
    const hooks = createWebhooks({ provider, failures, store: store as never, recovery: false });
    hooks.on("thing" as never, () => {
      throw new Error("boom");
    });
    const response = await hooks.handle({ method: "POST", path: "/", originalUrl: "/", headers: { "content-type": "application/json" }, body: Buffer.from('{"id":"e1"}') });
    expect(response.status).toBe(503);
    await hooks.close();
  });
});

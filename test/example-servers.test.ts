import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExample, type ExampleProcess } from "../scripts/example-process.js";
import { sampleDeliveries } from "../scripts/sample-deliveries.js";

// The example servers' public contract (README, "Example servers"), checked from outside:
// a real process, NODE_ENV=production, stdout read line by line.
const send = (server: ExampleProcess, sample: Awaited<ReturnType<typeof sampleDeliveries>>[number]) =>
  fetch(server.url + sample.path, { method: sample.method, headers: sample.headers, body: sample.body === "" ? null : sample.body });

describe.each(["express", "koa", "hono"] as const)("examples/%s", (framework) => {
  describe("with every provider", () => {
    let server: ExampleProcess;
    beforeAll(async () => {
      server = await startExample(framework, { NODE_ENV: "production" });
    });
    afterAll(() => server.stop());

    it("answers every sample delivery as documented and prints one JSON line per handled event, nothing else", async () => {
      const samples = await sampleDeliveries("tenant-" + framework, server.url);
      const expected: Array<{ provider: string; tenant: string; event: string }> = [];
      for (const sample of samples) {
        const res = await send(server, sample);
        expect(res.status, `${sample.label}: ${await res.clone().text()}`).toBe(sample.expectStatus);
        if (sample.expectEvent) expected.push({ provider: sample.path.split("/")[3]!, tenant: "tenant-" + framework, event: sample.expectEvent });
      }
      await server.waitForLines(expected.length);
      await new Promise((r) => setTimeout(r, 150));
      expect(server.lines.map(({ provider, tenant, event }) => ({ provider, tenant, event }))).toEqual(expected);
      for (const line of server.lines) {
        expect(Object.keys(line).sort()).toEqual(["event", "id", "provider", "tenant"]);
        expect(typeof line["id"]).toBe("string");
      }
      expect(server.strayLines).toEqual([]);
    });

    it("answers unknown paths with a coded 404", async () => {
      const res = await fetch(server.url + "/events/acme/nowhere", { method: "POST" });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("UNKNOWN_ROUTE");
    });
  });

  it("with EXAMPLE_FAIL_EVENT, answers the first delivery 500 and handles the redelivery", async () => {
    const server = await startExample(framework, { NODE_ENV: "production", EXAMPLE_FAIL_EVENT: "credentials:done" });
    try {
      const sample = (await sampleDeliveries("acme", server.url))[0]!;
      expect(sample.expectEvent).toBe("credentials:done");
      const first = await send(server, sample);
      expect(first.status).toBe(500);
      expect(((await first.json()) as { error: { code: string } }).error.code).toBe("HANDLER_FAILED");
      expect(server.lines).toEqual([]);
      const second = await send(server, sample);
      expect(second.status).toBe(200);
      await server.waitForLines(1);
      expect(server.lines).toEqual([expect.objectContaining({ provider: "proven", event: "credentials:done" })]);
      expect(server.stderr.join("\n")).toContain("EXAMPLE_FAIL_EVENT");
      expect(server.strayLines).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("listens on PORT and prints the listening line", async () => {
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const server = await startExample(framework, { PORT: port });
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await server.stop();
    }
  });
});

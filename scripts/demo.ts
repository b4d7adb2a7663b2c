// The credhooks demo: starts the Express example server, delivers sample events the way
// each platform sends them (valid, duplicate, wrong credentials), and shows what the
// handlers received. Exits non-zero if anything behaves otherwise.
import { startExample } from "./example-process.js";
import { sampleDeliveries } from "./sample-deliveries.js";

const out = (line = "") => process.stdout.write(line + "\n");
const server = await startExample("express");
// Ctrl-C (or a SIGTERM) stops the example server the graceful way too: it closes its
// receivers (close(): running handlers finish or stay in the inbox) before it exits.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void server.stop().finally(() => process.exit(130));
  });
}
out(`credhooks demo — example server (Express) at ${server.url}\n`);
let failures = 0;
let handled = 0;
try {
  for (const sample of await sampleDeliveries("acme", server.url)) {
    const res = await fetch(server.url + sample.path, { method: sample.method, headers: sample.headers, body: sample.body === "" ? null : sample.body });
    const text = await res.text();
    const ok = res.status === sample.expectStatus;
    if (!ok) failures++;
    out(`${ok ? "✓" : "✗"} ${sample.label}`);
    out(`    ${sample.method} ${sample.path} → ${res.status} ${text}`);
    if (sample.expectEvent) {
      handled++;
      await server.waitForLines(handled);
      const line = server.lines[handled - 1];
      const matches = line?.["event"] === sample.expectEvent;
      if (!matches) failures++;
      out(`    handler got: ${line ? JSON.stringify(line) : "(nothing)"}${matches ? "" : `  ✗ expected ${sample.expectEvent}`}`);
    }
  }
  await new Promise((r) => setTimeout(r, 200));
  if (server.lines.length !== handled) {
    failures++;
    out(`✗ handlers ran ${server.lines.length} times, expected ${handled} (duplicates and rejected deliveries must run nothing)`);
  }
} finally {
  await server.stop();
}
out();
out(failures === 0 ? `All ${(await sampleDeliveries()).length} deliveries behaved as expected: duplicates ran nothing, bad credentials were refused.` : `${failures} check(s) failed.`);
process.exit(failures === 0 ? 0 : 1);

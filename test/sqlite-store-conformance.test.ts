import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { createSqliteFailureSink, createSqliteStore } from "@credhooks/sqlite";
import { failureSinkConformance, storeConformance } from "@credhooks/testing";

// The embedded store and its sink pass the same conformance suite as every other store, on a
// real file (durable) with an injected clock, and on the real clock.

const dir = mkdtempSync(join(tmpdir(), "credhooks-sqlite-conformance-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeConformance(
  { describe, it },
  {
    name: "SqliteStore (file, injected clock)",
    inbox: true,
    durable: true,
    create: () => {
      let now = 1_000_000;
      const store = createSqliteStore({ path: join(dir, `store-${++n}.db`), now: () => now });
      return { store, advance: (ms: number) => void (now += ms), close: () => store.close() };
    },
  },
);

storeConformance(
  { describe, it },
  {
    name: "SqliteStore (file, real clock)",
    inbox: true,
    durable: true,
    create: () => {
      const store = createSqliteStore({ path: join(dir, `real-${++n}.db`) });
      return { store, close: () => store.close() };
    },
  },
);

failureSinkConformance(
  { describe, it },
  {
    name: "SqliteFailureSink",
    create: () => {
      const store = createSqliteStore({ path: join(dir, `sink-${++n}.db`) });
      return { sink: createSqliteFailureSink({ store }), close: () => store.close() };
    },
  },
);

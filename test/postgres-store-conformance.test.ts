import { afterAll, beforeAll, describe, it } from "vitest";
import { createPostgresFailureSink, createPostgresStore, type PostgresStore } from "@credhooks/postgres";
import { failureSinkConformance, storeConformance } from "@credhooks/testing";
import { describeWithPostgres, startPostgresServer, type PostgresServer } from "./support/postgres-server.js";

// The PostgreSQL store and sink pass the same conformance suite as every other store,
// unchanged. Leases are measured on the database's clock: no injected clock, so expiry uses
// short real leases. One server for the file; each test gets a table prefix of its own.

describeWithPostgres("the PostgreSQL store and sink pass the store conformance suite", () => {
  let server: PostgresServer;
  let n = 0;
  const open = async (tablePrefix: string): Promise<PostgresStore> => {
    const store = createPostgresStore({ connectionString: server.url, tablePrefix });
    await store.migrate();
    return store;
  };
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await server?.destroy();
  });

  storeConformance(
    { describe, it },
    {
      name: "PostgresStore",
      inbox: true,
      durable: true,
      create: async () => {
        const store = await open(`conformance_${++n}_`);
        return { store, close: () => store.close() };
      },
    },
  );

  failureSinkConformance(
    { describe, it },
    {
      name: "PostgresFailureSink",
      create: async () => {
        const store = await open(`sink_${++n}_`);
        return { sink: createPostgresFailureSink({ store }), close: () => store.close() };
      },
    },
  );
});

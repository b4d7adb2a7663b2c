import { createServer } from "node:http";
import express from "express";
import { webhooks } from "@credhooks/express";
import { addExampleHandlers, EXAMPLE_MOUNT, exampleProviders, serveExample } from "../../shared/example-receivers.js";
import { addStoreHandlers, openExampleStore } from "../../shared/example-store.js";

// credhooks on Express: one mount for every provider; each is served at /events/:tenantId/<provider>.
// CREDHOOKS_STORE picks where claims, the inbox and the failure sink live (memory, redis://…, postgres://…, a file).
const store = await openExampleStore(process.env);
const app = express();
app.disable("x-powered-by");
const hooks = webhooks({ providers: exampleProviders(process.env), ...store.receiverOptions });
addExampleHandlers(hooks, process.env);
addStoreHandlers(hooks, store, process.env); // on PostgreSQL: issued credentials into a table, transactionally
app.use(EXAMPLE_MOUNT, hooks);
app.use((_req, res) => {
  res.status(404).json({ error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } });
});

serveExample(createServer(app), process.env, { receivers: [hooks], store });

import { createServer } from "node:http";
import express from "express";
import { webhooks } from "@credhooks/express";
import { addExampleHandlers, exampleReceivers, serveExample } from "../../shared/example-receivers.js";
import { addStoreHandlers, openExampleStore } from "../../shared/example-store.js";

// credhooks on Express: one receiver per provider, under /events/:tenantId/<provider>.
// CREDHOOKS_STORE picks where claims, the inbox and the failure sink live (memory, redis://…, postgres://…, a file).
const store = await openExampleStore(process.env);
const app = express();
app.disable("x-powered-by");
const receivers = exampleReceivers(process.env).map((receiver) => {
  const hooks = webhooks({ provider: receiver.provider, ...store.receiverOptions });
  addExampleHandlers(hooks, process.env);
  addStoreHandlers(hooks, store, process.env); // on PostgreSQL: issued credentials into a table, transactionally
  app.use(receiver.path, hooks);
  return hooks;
});
app.use((_req, res) => {
  res.status(404).json({ error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } });
});

serveExample(createServer(app), process.env, { receivers, store });

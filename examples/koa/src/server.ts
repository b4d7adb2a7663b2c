import { createServer } from "node:http";
import Koa from "koa";
import { webhooks } from "@credhooks/koa";
import { addExampleHandlers, exampleReceivers, serveExample } from "../../shared/example-receivers.js";
import { addStoreHandlers, openExampleStore } from "../../shared/example-store.js";

// credhooks on Koa: one receiver per provider, each matching its own mount path.
// CREDHOOKS_STORE picks where claims, the inbox and the failure sink live (memory, redis://…, postgres://…, a file).
const store = await openExampleStore(process.env);
const app = new Koa();
const receivers = exampleReceivers(process.env).map((receiver) => {
  const hooks = webhooks({ provider: receiver.provider, path: receiver.path, ...store.receiverOptions });
  addExampleHandlers(hooks, process.env);
  addStoreHandlers(hooks, store, process.env); // on PostgreSQL: issued credentials into a table, transactionally
  app.use(hooks);
  return hooks;
});
app.use((ctx) => {
  ctx.status = 404;
  ctx.body = { error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } };
});

serveExample(createServer(app.callback()), process.env, { receivers, store });

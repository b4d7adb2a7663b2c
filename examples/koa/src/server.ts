import { createServer } from "node:http";
import Koa from "koa";
import { webhooks } from "@credhooks/koa";
import { addExampleHandlers, EXAMPLE_MOUNT, exampleProviders, serveExample } from "../../shared/example-receivers.js";
import { addStoreHandlers, openExampleStore } from "../../shared/example-store.js";

// credhooks on Koa: one mount for every provider; each is served at /events/:tenantId/<provider>.
// CREDHOOKS_STORE picks where claims, the inbox and the failure sink live (memory, redis://…, postgres://…, a file).
const store = await openExampleStore(process.env);
const app = new Koa();
const hooks = webhooks({ providers: exampleProviders(process.env), path: EXAMPLE_MOUNT, ...store.receiverOptions });
addExampleHandlers(hooks, process.env);
addStoreHandlers(hooks, store, process.env); // on PostgreSQL: issued credentials into a table, transactionally
app.use(hooks);
app.use((ctx) => {
  ctx.status = 404;
  ctx.body = { error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } };
});

serveExample(createServer(app.callback()), process.env, { receivers: [hooks], store });

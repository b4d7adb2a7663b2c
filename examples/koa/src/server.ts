import { createServer } from "node:http";
import Koa from "koa";
import { webhooks } from "@credhooks/koa";
import { addExampleHandlers, exampleReceivers, serveExample } from "../../shared/example-receivers.js";

// credhooks on Koa: one receiver per provider, each matching its own mount path.
const app = new Koa();
for (const receiver of exampleReceivers(process.env)) {
  const hooks = webhooks({ provider: receiver.provider, path: receiver.path });
  addExampleHandlers(hooks, process.env);
  app.use(hooks);
}
app.use((ctx) => {
  ctx.status = 404;
  ctx.body = { error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } };
});

serveExample(createServer(app.callback()), process.env);

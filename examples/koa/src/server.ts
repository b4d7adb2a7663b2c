import type { AddressInfo } from "node:net";
import Koa from "koa";
import { webhooks } from "@credhooks/koa";
import { addExampleHandlers, examplePort, exampleReceivers } from "../../shared/example-receivers.js";

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

const server = app.listen(examplePort(process.env), "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

import type { AddressInfo } from "node:net";
import express from "express";
import { webhooks } from "@credhooks/express";
import { addExampleHandlers, examplePort, exampleReceivers } from "../../shared/example-receivers.js";

// credhooks on Express: one receiver per provider, under /events/:tenantId/<provider>.
const app = express();
app.disable("x-powered-by");
for (const receiver of exampleReceivers(process.env)) {
  const hooks = webhooks({ provider: receiver.provider });
  addExampleHandlers(hooks, process.env);
  app.use(receiver.path, hooks);
}
app.use((_req, res) => {
  res.status(404).json({ error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } });
});

const server = app.listen(examplePort(process.env), "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);

import { createServer } from "node:http";
import express from "express";
import { webhooks } from "@credhooks/express";
import { addExampleHandlers, exampleReceivers, serveExample } from "../../shared/example-receivers.js";

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

serveExample(createServer(app), process.env);

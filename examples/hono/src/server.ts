import { createServer } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { webhooks } from "@credhooks/fetch";
import { addExampleHandlers, EXAMPLE_MOUNT, exampleProviders, serveExample } from "../../shared/example-receivers.js";
import { addStoreHandlers, openExampleStore } from "../../shared/example-store.js";

// credhooks through the fetch handler `(Request) => Promise<Response>`, here on Hono: one
// mount for every provider, each served at /events/:tenantId/<provider>. The same handler
// serves Next.js route handlers, Bun and Deno.
// CREDHOOKS_STORE picks where claims, the inbox and the failure sink live (memory, redis://…, postgres://…, a file).
const store = await openExampleStore(process.env);
const app = new Hono();
const hooks = webhooks({ providers: exampleProviders(process.env), path: EXAMPLE_MOUNT, ...store.receiverOptions });
addExampleHandlers(hooks, process.env);
addStoreHandlers(hooks, store, process.env); // on PostgreSQL: issued credentials into a table, transactionally
// Hono hands over the original Request: credhooks reads and authenticates its raw bytes.
app.all(`${EXAMPLE_MOUNT}/*`, (c) => hooks(c.req.raw));
app.notFound((c) => c.json({ error: { code: "UNKNOWN_ROUTE", message: "Webhooks are received at /events/:tenantId/<provider>." } }, 404));

// @hono/node-server's request listener drains bodies a handler leaves unread.
serveExample(createServer(getRequestListener(app.fetch)), process.env, { receivers: [hooks], store });

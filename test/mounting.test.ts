import { readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import request from "supertest";
import { describe, expect, it, vi } from "vitest";
import express4 from "express4";
import express5 from "express5";
import Koa2 from "koa2";
import Koa3 from "koa3";
import Router from "@koa/router";
import { bodyParser } from "@koa/bodyparser";
import { webhooks as expressWebhooks } from "@credhooks/express";
import { webhooks as koaWebhooks } from "@credhooks/koa";
import { proven } from "@credhooks/core/providers/proven";
import { lissi } from "@credhooks/core/providers/lissi";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { provenFixtures } from "./fixtures/proven/index.js";
import { CROSSMINT_SECRET } from "./fixtures/crossmint/index.js";

const KEY = "k";
const body = JSON.stringify(provenFixtures[1]!.body);
const headers = { "content-type": "application/json", "x-api-key": KEY };

describe.each([
  ["express@4", express4],
  ["express@5", express5],
] as const)("%s mountings", (_name, express) => {
  it("reads the raw body kept by express.json({ verify }) when a parser ran first", async () => {
    const app = express();
    app.use(express.json({ verify: (req: IncomingMessage, _res: unknown, buf: Buffer) => void ((req as { rawBody?: unknown }).rawBody = buf) }));
    const hooks = expressWebhooks({ provider: proven({ apiKey: KEY }) });
    const handler = vi.fn();
    hooks.on("credentials:done", handler);
    app.use("/events/:tenantId/proven", hooks);
    const res = await request(app).post("/events/acme/proven").set(headers).send(body);
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("answers 500 RAW_BODY_UNAVAILABLE at once, saying how to fix it, when a parser consumed the body", async () => {
    const app = express();
    app.use(express.json());
    const hooks = expressWebhooks({ provider: proven({ apiKey: KEY }) });
    const handler = vi.fn();
    hooks.onAny(handler);
    app.use("/events/:tenantId/proven", hooks);
    const res = await request(app).post("/events/acme/proven").set(headers).send(body).timeout(5000);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("RAW_BODY_UNAVAILABLE");
    expect(res.body.error.message).toContain("verify");
    expect(handler).not.toHaveBeenCalled();
  });

  it("still reads the stream when express.json() ran but did not match the content type", async () => {
    const app = express();
    app.use(express.json({ type: "application/vnd.other+json" }));
    app.use("/events/:tenantId/proven", expressWebhooks({ provider: proven({ apiKey: KEY }) }));
    const res = await request(app).post("/events/acme/proven").set(headers).send(body);
    expect(res.status).toBe(200);
  });

  it("receives the tenant and the original URL under a nested Router", async () => {
    const app = express();
    const router = express.Router();
    const hooks = expressWebhooks({ provider: proven({ apiKey: (tenant) => (tenant === "acme" ? KEY : undefined) }) });
    const tenants: Array<string | undefined> = [];
    hooks.onAny((event) => void tenants.push(event.tenantId));
    router.use("/events/:tenantId/proven", hooks);
    app.use("/api", router);
    expect((await request(app).post("/api/events/acme/proven").set(headers).send(body)).status).toBe(200);
    expect(tenants).toEqual(["acme"]);
  });
});

describe.each([
  ["express@4", express4],
  ["express@5", express5],
] as const)("%s one-mount receiver", (_name, express) => {
  it("serves every provider under /events/:tenantId after express.json({ verify }), and leaves other paths to the app", async () => {
    const app = express();
    app.use(express.json({ verify: (req: IncomingMessage, _res: unknown, buf: Buffer) => void ((req as { rawBody?: unknown }).rawBody = buf) }));
    const hooks = expressWebhooks({ providers: { proven: proven({ apiKey: KEY }), lissi: lissi({ apiKey: KEY }) } });
    const seen: Array<[string, string | undefined]> = [];
    hooks.onAny((event) => void seen.push([event.provider, event.tenantId]));
    app.use("/events/:tenantId", hooks);
    app.get("/health", (_req: unknown, res: { send(text: string): void }) => res.send("ok"));
    expect((await request(app).post("/events/acme/proven").set(headers).send(body)).status).toBe(200);
    expect((await request(app).post("/events/acme/lissi/connections/c-1/delete").set("x-api-key", KEY)).status).toBe(200);
    expect((await request(app).get("/health")).text).toBe("ok");
    expect(seen).toEqual([
      ["proven", "acme"],
      ["lissi", "acme"],
    ]);
  });
});

describe("an exact route for a provider with events below the mount point (the README's troubleshooting)", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8").replace(/\s+/g, " ");
  const lissiPath = "/events/acme/lissi/connections/c-1/delete";

  it.each([
    ["express@4", express4],
    ["express@5", express5],
  ] as const)("%s answers its own HTML 404, credhooks never sees the request", async (_name, express) => {
    const app = express();
    const hooks = expressWebhooks({ provider: lissi({ apiKey: KEY }) });
    const seen = vi.fn();
    hooks.onAny(seen);
    app.post("/events/:tenantId/lissi", hooks);
    const res = await request(app).post(lissiPath).set("x-api-key", KEY);
    expect([res.status, res.type]).toEqual([404, "text/html"]);
    expect(res.text).toContain(`Cannot POST ${lissiPath}`);
    expect(seen).not.toHaveBeenCalled();
  });

  it.each([
    ["koa@2", Koa2],
    ["koa@3", Koa3],
  ] as const)("%s answers its own 404 Not Found, credhooks never sees the request", async (_name, Koa) => {
    const app = new Koa();
    const router = new Router();
    const hooks = koaWebhooks({ provider: lissi({ apiKey: KEY }) });
    const seen = vi.fn();
    hooks.onAny(seen);
    router.post("/events/:tenantId/lissi", hooks);
    app.use(router.routes());
    const res = await request(app.callback()).post(lissiPath).set("x-api-key", KEY);
    expect([res.status, res.text]).toEqual([404, "Not Found"]);
    expect(seen).not.toHaveBeenCalled();
  });

  it("the README says so (and does not promise credhooks' 404 UNKNOWN_ROUTE there)", () => {
    expect(readme).not.toContain("An exact route answers 404 `UNKNOWN_ROUTE`");
    expect(readme).toContain("never sees those paths: the framework answers them with its own 404 — Express an HTML `Cannot POST /events/acme/lissi/connections/…`, Koa `Not Found`");
  });
});

describe.each([
  ["koa@2", Koa2],
  ["koa@3", Koa3],
] as const)("%s mountings", (_name, Koa) => {
  it("passes requests outside its mount path to the next middleware", async () => {
    const app = new Koa();
    app.use(koaWebhooks({ provider: proven({ apiKey: KEY }), path: "/events/:tenantId/proven" }));
    app.use((ctx) => void (ctx.body = "next"));
    const res = await request(app.callback()).get("/health");
    expect(res.text).toBe("next");
  });

  it("without a path, outside a router, takes only the provider's own routes and passes the rest on", async () => {
    const app = new Koa();
    const hooks = koaWebhooks({ provider: crossmint({ secret: CROSSMINT_SECRET }) });
    const handler = vi.fn();
    hooks.on("credential.creation.succeeded", handler);
    app.use(hooks);
    app.use((ctx) => void (ctx.body = `next ${ctx.method} ${ctx.path}`));
    const server = request(app.callback());
    const health = await server.get("/health");
    expect([health.status, health.text]).toEqual([200, "next GET /health"]); // not 405 "delivered with POST"
    expect((await server.get("/")).text).toBe("next GET /"); // the app's own GET / too
    expect((await server.post("/orders").send({})).text).toBe("next POST /orders");
    // The provider's route is still its own: POST / is authenticated (and refused without a signature).
    const unsigned = await server.post("/").set("content-type", "application/json").send("{}");
    expect([unsigned.status, unsigned.body.error.code]).toEqual([401, "MISSING_CREDENTIALS"]);
    expect(handler).not.toHaveBeenCalled();
  });

  it("without a path, outside a router, serves Lissi's routes below / and passes others on", async () => {
    const app = new Koa();
    const hooks = koaWebhooks({ provider: lissi({ apiKey: KEY }) });
    const seen: string[] = [];
    hooks.onAny((event) => void seen.push(event.name));
    app.use(hooks).use((ctx) => void (ctx.body = "next"));
    const server = request(app.callback());
    expect((await server.post("/connections/c-1/delete").set("x-api-key", KEY)).status).toBe(200);
    expect((await server.get("/connections/c-1/delete")).text).toBe("next");
    expect((await server.get("/metrics")).text).toBe("next");
    expect(seen).toEqual(["connection:delete"]);
  });

  it("uses ctx.request.rawBody after @koa/bodyparser", async () => {
    const app = new Koa();
    app.use(bodyParser());
    const hooks = koaWebhooks({ provider: proven({ apiKey: KEY }), path: "/events/:tenantId/proven" });
    const handler = vi.fn();
    hooks.on("credentials:done", handler);
    app.use(hooks);
    const res = await request(app.callback()).post("/events/acme/proven").set(headers).send(body);
    expect(res.status).toBe(200);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("mounts under @koa/router with the tenant from the route", async () => {
    const app = new Koa();
    const router = new Router({ prefix: "/api" });
    const hooks = koaWebhooks({ provider: proven({ apiKey: (tenant) => (tenant === "acme" ? KEY : undefined) }) });
    const tenants: Array<string | undefined> = [];
    hooks.onAny((event) => void tenants.push(event.tenantId));
    router.post("/events/:tenantId/proven", hooks);
    app.use(router.routes());
    const res = await request(app.callback()).post("/api/events/acme/proven").set(headers).send(body);
    expect(res.status).toBe(200);
    expect(tenants).toEqual(["acme"]);
  });

  it("serves every provider of a one-mount receiver under an @koa/router wildcard route, with the tenant from the route", async () => {
    const app = new Koa();
    const router = new Router();
    const hooks = koaWebhooks({ providers: { proven: proven({ apiKey: KEY }), lissi: lissi({ apiKey: KEY }) } });
    const seen: Array<[string, string, string | undefined]> = [];
    hooks.onAny((event) => void seen.push([event.provider, event.name, event.tenantId]));
    router.all("/events/:tenantId/{*rest}", hooks);
    app.use(router.routes());
    const server = request(app.callback());
    expect((await server.post("/events/acme/lissi/connections/c-1/delete").set("x-api-key", KEY)).status).toBe(200);
    expect((await server.post("/events/globex/proven").set(headers).send(body)).status).toBe(200);
    const unknown = await server.post("/events/acme/crossmint").set(headers).send(body);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "UNKNOWN_ROUTE"]);
    expect(unknown.body.error.message).toContain("/proven, /lissi");
    expect(seen).toEqual([
      ["lissi", "connection:delete", "acme"],
      ["proven", "credentials:done", "globex"],
    ]);
  });

  it("a one-mount receiver without a path or router takes only its providers' routes and passes the rest on", async () => {
    const app = new Koa();
    const hooks = koaWebhooks({ providers: { proven: proven({ apiKey: KEY }), lissi: lissi({ apiKey: KEY }) } });
    const seen: string[] = [];
    hooks.onAny((event) => void seen.push(event.name));
    app.use(hooks).use((ctx) => void (ctx.body = `next ${ctx.method} ${ctx.path}`));
    const server = request(app.callback());
    expect((await server.post("/proven").set(headers).send(body)).status).toBe(200);
    expect((await server.post("/lissi/connections/c-1/delete").set("x-api-key", KEY)).status).toBe(200);
    expect((await server.get("/proven")).text).toBe("next GET /proven"); // not the provider's method
    expect((await server.post("/orders").send({})).text).toBe("next POST /orders"); // not a key served
    expect((await server.get("/health")).text).toBe("next GET /health");
    expect(seen).toEqual(["credentials:done", "connection:delete"]);
  });

  it("serves Lissi's routes below the mount point under an @koa/router wildcard route", async () => {
    const app = new Koa();
    const router = new Router();
    const hooks = koaWebhooks({ provider: lissi({ apiKey: KEY }) });
    const seen: Array<[string, string | undefined, unknown]> = [];
    hooks.onAny((event) => void seen.push([event.name, event.tenantId, event.payload]));
    router.all("/events/:tenantId/lissi{/*rest}", hooks);
    app.use(router.routes());
    const server = request(app.callback());
    expect((await server.post("/events/acme/lissi/connections/c-1/delete").set("x-api-key", KEY)).status).toBe(200);
    expect((await server.post("/events/acme/lissi").set(headers).send({ event: "/proofs/p-1/delete", payload: null })).status).toBe(200);
    expect(seen).toEqual([
      ["connection:delete", "acme", { id: "c-1" }],
      ["proof:delete", "acme", { id: "p-1" }],
    ]);
  });
});

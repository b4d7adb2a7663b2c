// The receivers under test, each a node:http request listener. "Bare" receivers are what a
// careful user writes by hand: read the body, check the sender's credential the way that
// sender documents it, JSON.parse, answer 204. They do no schema validation and no dedupe;
// the credhooks receivers do both (zod, a dedupe claim per event, one no-op handler).
import { createHash, createHmac, timingSafeEqual, verify, type KeyObject } from "node:crypto";
import { createRequire } from "node:module";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Webhooks } from "@credhooks/core";
import {
  BENCH_API_KEY,
  BENCH_GITHUB_SECRET,
  BENCH_SOVRIN_JWKS,
  BENCH_SVIX_SECRET,
  BENCH_TRUVERA_TOKEN,
  sovrinPublicKey,
} from "./bench-credentials.js";
import { EVENT_OF, pathOf, type Scheme } from "./deliveries.js";
import { benchStore, type StoreKind } from "./stores.js";

const MAX_BODY = 1024 * 1024;

// raw-body is not a root dependency: take the one Express 5's body parser uses (what a Koa
// user gets from @koa/bodyparser's co-body too).
const requireFromExpress = createRequire(createRequire(import.meta.url).resolve("express5"));
const requireFromBodyParser = createRequire(requireFromExpress.resolve("body-parser"));
const getRawBody = requireFromBodyParser("raw-body") as (stream: IncomingMessage, options: { limit: number; length?: number }) => Promise<Buffer>;

// ---------------------------------------------------------------------------------------
// Bare node:http and the hand-written schemes

/** Reads the whole body and calls `done` with it; a body over 1 MiB is answered 413 instead. */
function readBody(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) {
      res.writeHead(413).end();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (size <= MAX_BODY) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8")) as unknown;
  } catch {
    return undefined;
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

type Check = (req: IncomingMessage, body: Buffer) => boolean;

/** A bare node:http receiver: read the body, run `check` (auth), JSON.parse, 204. */
function bareNode(check: Check | undefined, parsedCheck?: (json: unknown) => boolean): RequestListener {
  return (req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    readBody(req, res, (body) => {
      if (check && !check(req, body)) return void res.writeHead(401).end();
      const json = parseJson(body);
      if (json === undefined) return void res.writeHead(400).end();
      if (parsedCheck && !parsedCheck(json)) return void res.writeHead(401).end();
      res.writeHead(204).end();
    });
  };
}

/** X-API-Key, compared in constant time. */
const apiKeyCheck: Check = (req) => {
  const given = header(req, "x-api-key");
  return given !== undefined && constantTimeEqual(given, BENCH_API_KEY);
};

/** Truvera: the `token` field of the body. */
const tokenCheck = (json: unknown): boolean => {
  const token = typeof json === "object" && json !== null ? (json as Record<string, unknown>)["token"] : undefined;
  return typeof token === "string" && constantTimeEqual(token, BENCH_TRUVERA_TOKEN);
};

/** Svix: HMAC-SHA256 over `id.timestamp.body`, base64, any `v1,` entry; ±5 min. */
function svixCheck(): Check {
  const key = Buffer.from(BENCH_SVIX_SECRET.slice("whsec_".length), "base64");
  return (req, body) => {
    const id = header(req, "svix-id");
    const timestamp = header(req, "svix-timestamp");
    const signatures = header(req, "svix-signature");
    if (!id || !timestamp || !signatures) return false;
    const seconds = Number(timestamp);
    if (!Number.isInteger(seconds) || Math.abs(Date.now() / 1000 - seconds) > 300) return false;
    const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
    for (const entry of signatures.split(" ")) {
      const [version, value] = entry.split(",", 2);
      if (version !== "v1" || value === undefined) continue;
      const given = Buffer.from(value, "base64");
      if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    }
    return false;
  };
}

/** GitHub: `x-hub-signature-256: sha256=<hex HMAC of the body>`. */
const githubCheck: Check = (req, body) => {
  const given = header(req, "x-hub-signature-256");
  if (!given?.startsWith("sha256=")) return false;
  const expected = createHmac("sha256", BENCH_GITHUB_SECRET).update(body).digest();
  const sent = Buffer.from(given.slice(7), "hex");
  return sent.length === expected.length && timingSafeEqual(sent, expected);
};

/**
 * RFC 9421 with Ed25519, hand-written: parse `Signature-Input` (one label, simple
 * components), rebuild the signature base, check `created` (±5 min) and the `keyid`,
 * verify, and check `Content-Digest` (sha-256) over the raw body.
 */
function ed25519Check(): Check {
  const keys = new Map<string, KeyObject>([[BENCH_SOVRIN_JWKS.keys[0]!.kid, sovrinPublicKey()]]);
  const inputPattern = /^([A-Za-z0-9_-]+)=\(([^)]*)\)(.*)$/;
  return (req, body) => {
    const input = header(req, "signature-input");
    const signature = header(req, "signature");
    const digestHeader = header(req, "content-digest");
    if (!input || !signature || !digestHeader) return false;
    const found = inputPattern.exec(input);
    if (!found) return false;
    const [, label, list, paramText] = found as unknown as [string, string, string, string];
    const components = list.split(" ").filter(Boolean).map((c) => c.replace(/^"|"$/g, ""));
    if (!components.includes("content-digest") || !components.includes("@path")) return false;
    const created = Number(/;created=(\d+)/.exec(paramText)?.[1]);
    const keyid = /;keyid="([^"]*)"/.exec(paramText)?.[1];
    if (!Number.isFinite(created) || Math.abs(Date.now() / 1000 - created) > 300 || keyid === undefined) return false;
    const key = keys.get(keyid);
    if (!key) return false;
    const lines: string[] = [];
    for (const component of components) {
      let value: string | undefined;
      if (component === "@method") value = req.method;
      else if (component === "@path") value = (req.url ?? "/").split("?")[0];
      else if (component === "@authority") value = header(req, "host")?.toLowerCase();
      else if (component.startsWith("@")) return false;
      else value = header(req, component)?.trim();
      if (value === undefined) return false;
      lines.push(`"${component}": ${value}`);
    }
    lines.push(`"@signature-params": (${list})${paramText}`);
    const sig = new RegExp(`(?:^|,)\\s*${label}=:([A-Za-z0-9+/=]+):`).exec(signature)?.[1];
    if (sig === undefined) return false;
    if (!verify(null, Buffer.from(lines.join("\n"), "utf8"), key, Buffer.from(sig, "base64"))) return false;
    const digest = /sha-256=:([A-Za-z0-9+/=]+):/.exec(digestHeader)?.[1];
    return digest !== undefined && constantTimeEqual(digest, createHash("sha256").update(body).digest("base64"));
  };
}

// ---------------------------------------------------------------------------------------
// credhooks

async function coreProvider(scheme: Exclude<Scheme, "github">) {
  switch (scheme) {
    case "proven": {
      const { proven } = await import("@credhooks/core/providers/proven");
      return proven({ apiKey: BENCH_API_KEY });
    }
    case "truvera": {
      const { truvera } = await import("@credhooks/core/providers/truvera");
      return truvera({ token: BENCH_TRUVERA_TOKEN });
    }
    case "crossmint": {
      const { crossmint } = await import("@credhooks/core/providers/crossmint");
      return crossmint({ secret: BENCH_SVIX_SECRET });
    }
    case "sovrin": {
      const { sovrin } = await import("@credhooks/core/providers/sovrin");
      // The load generator covers @method, @path, @authority (127.0.0.1:<port>), content-type and
      // content-digest; none depends on the scheme, so no publicOrigin is needed on loopback.
      return sovrin({ jwks: BENCH_SOVRIN_JWKS });
    }
  }
}

/** credhooks on plain node:http, through its node:http adapter (@credhooks/node). */
async function credhooksNode(scheme: Exclude<Scheme, "github">): Promise<RequestListener> {
  const { webhooks } = await import("@credhooks/node");
  const hooks = webhooks({ provider: await coreProvider(scheme), path: `/events/:tenantId/${scheme}` }) as unknown as RequestListener & Webhooks<Record<string, unknown>>;
  hooks.on(EVENT_OF[scheme], () => {});
  return hooks;
}

/** The same receiver as credhooksNode("proven"), on a durable store (connected and migrated before it listens). */
async function credhooksNodeWithStore(kind: StoreKind): Promise<RequestListener> {
  const { webhooks } = await import("@credhooks/node");
  const store = await benchStore(kind);
  const hooks = webhooks({ provider: await coreProvider("proven"), path: "/events/:tenantId/proven", store }) as unknown as RequestListener & Webhooks<Record<string, unknown>>;
  hooks.on(EVENT_OF.proven, () => {});
  return hooks;
}

/**
 * The same receiver as credhooksNode("proven"), reporting to a real OpenTelemetry SDK: spans
 * through a BatchSpanProcessor (sized to export every span at this rate) to an in-memory
 * exporter, metrics read by a periodic reader every 10 s. Both exporters are emptied every
 * second so memory stays flat.
 */
async function credhooksNodeWithOpenTelemetry(): Promise<RequestListener> {
  const { webhooks } = await import("@credhooks/node");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = await import("@opentelemetry/sdk-trace-base");
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } = await import("@opentelemetry/sdk-metrics");
  const spans = new InMemorySpanExporter();
  const metricsOut = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans, { maxQueueSize: 100_000, maxExportBatchSize: 8_192, scheduledDelayMillis: 100 })] });
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: metricsOut, exportIntervalMillis: 10_000 })] });
  setInterval(() => {
    spans.reset();
    metricsOut.reset();
  }, 1_000).unref();
  const hooks = webhooks({ provider: await coreProvider("proven"), path: "/events/:tenantId/proven", telemetry: { tracerProvider, meterProvider } }) as unknown as RequestListener &
    Webhooks<Record<string, unknown>>;
  hooks.on(EVENT_OF.proven, () => {});
  return hooks;
}

async function bareExpress(): Promise<RequestListener> {
  const { default: express } = await import("express5");
  const app = express();
  app.post(pathOf("proven"), express.json({ limit: MAX_BODY }), (_req, res) => void res.status(204).end());
  return app as unknown as RequestListener;
}

async function credhooksExpress(): Promise<RequestListener> {
  const { default: express } = await import("express5");
  const { webhooks } = await import("@credhooks/express");
  const { proven } = await import("@credhooks/core/providers/proven");
  const app = express();
  const hooks = webhooks({ provider: proven({ apiKey: BENCH_API_KEY }) });
  hooks.on("credentials:done", () => {});
  app.use("/events/:tenantId/proven", hooks);
  return app as unknown as RequestListener;
}

async function bareKoa(): Promise<RequestListener> {
  const { default: Koa } = await import("koa3");
  const app = new Koa();
  const path = pathOf("proven");
  app.use(async (ctx, next) => {
    if (ctx.path !== path) return next();
    if (ctx.method !== "POST") return void (ctx.status = 405);
    const length = ctx.get("content-length");
    const raw = await getRawBody(ctx.req, /^\d+$/.test(length) ? { limit: MAX_BODY, length: Number(length) } : { limit: MAX_BODY });
    const json = parseJson(raw);
    ctx.status = json === undefined ? 400 : 204;
  });
  return app.callback();
}

async function credhooksKoa(): Promise<RequestListener> {
  const { default: Koa } = await import("koa3");
  const { webhooks } = await import("@credhooks/koa");
  const { proven } = await import("@credhooks/core/providers/proven");
  const app = new Koa();
  const hooks = webhooks({ provider: proven({ apiKey: BENCH_API_KEY }), path: "/events/:tenantId/proven" });
  hooks.on("credentials:done", () => {});
  app.use(hooks);
  return app.callback();
}

async function octokit(): Promise<RequestListener> {
  const { Webhooks, createNodeMiddleware } = await import("@octokit/webhooks");
  const webhooks = new Webhooks({ secret: BENCH_GITHUB_SECRET });
  webhooks.on("issues.opened", () => {});
  const middleware = createNodeMiddleware(webhooks, { path: pathOf("github") });
  return (req, res) => void middleware(req, res);
}

/** Every receiver, by case id. */
export const RECEIVERS: Record<string, () => RequestListener | Promise<RequestListener>> = {
  "node-bare": () => bareNode(undefined),
  "express-bare": bareExpress,
  "koa-bare": bareKoa,
  "node-apikey-hand": () => bareNode(apiKeyCheck),
  "node-credhooks-proven": () => credhooksNode("proven"),
  "node-credhooks-proven-otel": credhooksNodeWithOpenTelemetry,
  "node-credhooks-proven-redis": () => credhooksNodeWithStore("redis"),
  "node-credhooks-proven-postgres": () => credhooksNodeWithStore("postgres"),
  "express-credhooks-proven": credhooksExpress,
  "koa-credhooks-proven": credhooksKoa,
  "node-github-hmac-hand": () => bareNode(githubCheck),
  "node-octokit": octokit,
  "node-token-hand": () => bareNode(undefined, tokenCheck),
  "node-credhooks-truvera": () => credhooksNode("truvera"),
  "node-svix-hand": () => bareNode(svixCheck()),
  "node-credhooks-crossmint": () => credhooksNode("crossmint"),
  "node-ed25519-hand": () => bareNode(ed25519Check()),
  "node-credhooks-sovrin": () => credhooksNode("sovrin"),
};

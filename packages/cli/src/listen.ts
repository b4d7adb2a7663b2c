import { AsyncLocalStorage } from "node:async_hooks";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { LruDedupeStore, MemoryFailureSink, type FailedDelivery, type FailureSink, type MetricEvent, type ReplayOutcome, type WebhookEvent } from "@credhooks/core";
import { webhooks } from "@credhooks/node";
import { clock, formatPayload, redactForDisplay, stylesFor, type Styles } from "./format.js";
import { Inspector, type DeliveryRecord } from "./inspector.js";
import { listenReceivers, type ListenReceiver } from "./receivers.js";
import { sendSample } from "./send.js";
import { openListenStore, type ListenStore } from "./stores.js";

/**
 * Options of {@link startListener}.
 *
 * @example
 * ```ts
 * const options: ListenOptions = { port: 0, host: "127.0.0.1", json: true, env: process.env, write: (t) => process.stdout.write(t) };
 * ```
 */
export interface ListenOptions {
  /** The port; `0` picks a free one. Default 3000. */
  port?: number;
  /** The interface to listen on; default `127.0.0.1` (this machine only). */
  host?: string;
  /** One JSON object per line instead of the readable view. */
  json?: boolean;
  /** Where credentials are read from (`PROVEN_API_KEY`, …); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the inspector writes; default stdout. */
  write?: (text: string) => void;
  /** Colours for the readable view; default none. */
  styles?: Styles;
  /**
   * Where claims, the inbox and the failure sink live: `redis://…`, `postgres://…` or a
   * SQLite file, as the example servers' `CREDHOOKS_STORE`; default the process's memory.
   */
  store?: string;
  /** Event names (of any provider; `*` for all) whose handler throws, until turned off in the inspector. */
  fail?: readonly string[];
  /** Serve the inspector page at `/` (127.0.0.1 only); default true. */
  inspector?: boolean;
}

/**
 * A running `credhooks listen` receiver.
 *
 * @example
 * ```ts
 * const listener = await startListener({ port: 0 });
 * console.log(listener.url);
 * await listener.close();
 * ```
 */
export interface Listener {
  /** `http://<host>:<port>`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly receivers: readonly ListenReceiver[];
  /** The inspector page (`<url>/`), unless turned off. */
  readonly inspectorUrl: string | undefined;
  /** Where failed deliveries are kept (the store's failure sink, or memory). */
  readonly failures: FailureSink;
  /** Where the store lives (`memory`, the URL without its password, or the file). */
  readonly storeLocation: string;
  /** Stops accepting requests, closes open connections and the store. */
  close(): Promise<void>;
}

/** A line of `--json` output. */
type JsonLine =
  | { type: "event"; provider: string; tenant: string | null; event: string; id: string; known: boolean; payload: unknown }
  | { type: "duplicate" | "rejected" | "answered"; method: string; path: string; status: number; code?: string; message?: string };

/**
 * Starts the local receiver and inspector: a node:http server with one `@credhooks/node`
 * receiver of every provider mounted at `/events/:tenantId` (each provider served at
 * `/events/:tenantId/<provider>`), accepting the development
 * credentials unless the environment overrides them, printing each handled event and each
 * refused delivery, and serving the inspector page at `/` (127.0.0.1 only) with the
 * deliveries live, the failure sink, replay and sample sends.
 *
 * @example
 * ```ts
 * import { startListener } from "credhooks";
 * const listener = await startListener({ port: 4000, json: true, write: (line) => lines.push(line) });
 * ```
 */
export async function startListener(options: ListenOptions = {}): Promise<Listener> {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const style = options.styles ?? stylesFor(false, env);
  const receivers = listenReceivers(env);
  const emit = (line: JsonLine, readable: string) => write((options.json ? JSON.stringify(line) : readable) + "\n");

  const opened: ListenStore | undefined = options.store === undefined ? undefined : await openListenStore(options.store, quietLogger);
  const failures: FailureSink = opened?.failures ?? new MemoryFailureSink();
  const store = opened?.store ?? new LruDedupeStore();
  let url = "";
  const current = new AsyncLocalStorage<DeliveryRecord>();
  /** Records of events the recoverer runs, outside any request: by provider and id until settled. */
  const background = new Map<string, DeliveryRecord>();

  const inspector = new Inspector(
    {
      url: () => url,
      failures,
      replay: (entry) => replayEntry(entry),
      send: async (provider, event, tenant) => {
        const outcome = await sendSample(provider, event, { url, tenant }, env);
        return { status: outcome.status, body: outcome.body, path: outcome.delivery.path };
      },
    },
    options.fail ?? [],
  );

  const onEvent = (receiver: ListenReceiver, known: boolean, event: WebhookEvent<string, unknown>) => {
    const payload = redactForDisplay(receiver.id, event.payload);
    const failing = inspector.shouldFail(event.name);
    const mark = failing ? style.red("!") : style.green(known ? "✓" : "?");
    const note = failing ? style.red(" (its handler fails: --fail, or the inspector's failing handlers)") : known ? "" : style.yellow(" (an event credhooks does not know: onUnhandled)");
    const head = `${mark} ${style.dim(clock(new Date()))} ${style.bold(receiver.id)} ${style.bold(event.name)}${note}`;
    const meta = style.dim(`    tenant ${event.tenantId ?? "(none)"} · id ${event.id}`);
    emit({ type: "event", provider: receiver.id, tenant: event.tenantId ?? null, event: event.name, id: event.id, known, payload }, `${head}\n${meta}\n${formatPayload(payload, "    ")}`);

    let record = current.getStore();
    if (record === undefined) {
      // Run by the recoverer (a durable store's inbox), outside any request.
      record = inspector.begin({ kind: "recovery", provider: receiver.id, tenant: event.tenantId ?? null, event: event.name, id: event.id, verdict: "new" });
      background.set(`${receiver.id} ${event.id}`, record);
    }
    record.known = known;
    inspector.setPayload(record, receiver.id, event.payload);
    if (failing) throw new Error(`credhooks listen: the handler of ${event.name} is set to fail (turn it off in the inspector's failing handlers, or restart without --fail ${event.name}).`);
  };

  const metrics = (metric: MetricEvent): void => {
    const record = current.getStore();
    if (record === undefined) {
      if (metric.type === "delivery.settled") {
        const running = background.get(`${metric.provider} ${metric.id}`);
        if (!running) return;
        background.delete(`${metric.provider} ${metric.id}`);
        Object.assign(running, { handled: metric.ok, durationMs: metric.durationMs, pending: false });
        inspector.publish(running);
        inspector.failuresChanged();
      }
      return;
    }
    switch (metric.type) {
      case "delivery.accepted":
        Object.assign(record, { event: metric.event, id: metric.id, verdict: "new", tenant: metric.tenantId ?? record.tenant });
        break;
      case "delivery.duplicate":
        Object.assign(record, { event: metric.event, id: metric.id, verdict: metric.inFlight ? "in-flight" : "duplicate", tenant: metric.tenantId ?? record.tenant });
        if (record.payload === undefined) {
          const earlier = inspector.payloadOf(metric.provider, metric.id);
          if (earlier !== undefined) record.payload = earlier;
        }
        break;
      case "delivery.rejected":
        record.code = metric.code;
        break;
      case "delivery.settled":
        record.handled = metric.ok;
        break;
      default:
        break;
    }
  };

  // One receiver for every provider, mounted once at /events/:tenantId: each provider is served
  // at /events/:tenantId/<id>, with one store and one failure sink (dedupe keys are per
  // provider). An inbox event whose handler fails goes to the failure sink at once: no
  // retries to wait for while developing.
  const hooks = webhooks({
    providers: Object.fromEntries(receivers.map((receiver) => [receiver.id, receiver.provider])),
    path: MOUNT,
    store,
    failures,
    metrics,
    recovery: { maxAttempts: 1 },
  });
  const byId = new Map(receivers.map((receiver) => [receiver.id as string, { receiver, known: new Set(Object.keys(receiver.provider.events)) }]));
  // onAny sees every authenticated event once, known or not (unknown ones also reach onUnhandled).
  hooks.onAny((event) => {
    const served = byId.get(event.provider);
    if (served) onEvent(served.receiver, served.known.has(event.name), event);
  });

  async function replayEntry(entry: FailedDelivery): Promise<ReplayOutcome> {
    const record = inspector.begin({ kind: "replay", provider: entry.provider, tenant: entry.tenantId ?? null, event: entry.name ?? null, id: entry.dedupeId });
    inspector.publish(record);
    const started = performance.now();
    const outcome: ReplayOutcome = await current.run(record, () => hooks.replay(entry.key));
    Object.assign(record, { code: outcome.status, message: "error" in outcome ? outcome.error : null, durationMs: performance.now() - started, pending: false });
    inspector.publish(record);
    return outcome;
  }

  const inspectorOn = options.inspector !== false;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (inspectorOn && inspector.handle(req, res, path)) return;
    const record = inspector.begin({ kind: "delivery", method: req.method ?? "?", path, ...placeOf(path) });
    const started = performance.now();
    const body = captureBody(res);
    res.on("finish", () => {
      const text = body();
      report(req, res, text);
      const error = errorOf(parseJson(text));
      Object.assign(record, { status: res.statusCode, durationMs: performance.now() - started, pending: false });
      if (error.code !== undefined) record.code = error.code;
      if (error.message !== undefined) record.message = error.message;
      inspector.publish(record);
      if (res.statusCode >= 300) inspector.failuresChanged();
    });
    current.run(record, () =>
      hooks(req, res, () => {
        res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: { code: "UNKNOWN_ROUTE", message: `Nothing is mounted here. credhooks listen receives at ${MOUNT}/<provider> for ${receivers.map((r) => r.id).join(", ")}.` } }));
      }),
    );
  });

  function report(req: IncomingMessage, res: ServerResponse, text: string | undefined): void {
    const method = req.method ?? "?";
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const status = res.statusCode;
    const parsed = parseJson(text);
    if (status < 300) {
      if (isRecord(parsed) && parsed["duplicate"] === true) {
        emit({ type: "duplicate", method, path, status }, `${style.yellow("=")} ${style.dim(clock(new Date()))} ${method} ${path} → ${status}: a duplicate of an event already handled; handlers did not run again`);
      }
      return;
    }
    const { code, message } = errorOf(parsed);
    emit(
      { type: status >= 400 ? "rejected" : "answered", method, path, status, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) },
      `${style.red("✗")} ${style.dim(clock(new Date()))} ${method} ${path} → ${style.red(`${status}${code ? " " + code : ""}`)}${message ? `\n    ${message}` : ""}`,
    );
  }

  const port = options.port ?? 3000;
  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await hooks.close({ timeoutMs: 0 });
    await opened?.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  url = `http://${shownHost}:${address.port}`;
  // The page is for a browser on this machine: the loopback address whatever interface was asked for.
  const inspectorUrl = inspectorOn ? `http://${address.family === "IPv6" && address.address === "::1" ? "[::1]" : "127.0.0.1"}:${address.port}/` : undefined;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    server,
    receivers,
    inspectorUrl,
    failures,
    storeLocation: opened?.location ?? "memory",
    close: () =>
      (closing ??= (async () => {
        inspector.close();
        const closed = new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        });
        await hooks.close({ timeoutMs: 2000 });
        await closed;
        await opened?.close();
      })()),
  };
}

/** Where the one receiver is mounted: each provider at `/events/:tenantId/<id>`. */
const MOUNT = "/events/:tenantId";

/** The tenant and provider of a delivery path, `/events/<tenant>/<provider>/…`. */
function placeOf(path: string): { tenant: string | null; provider: string | null } {
  const match = /^\/events\/([^/]+)\/([^/]+)/.exec(path);
  if (!match) return { tenant: null, provider: null };
  let tenant: string;
  try {
    tenant = decodeURIComponent(match[1]!);
  } catch {
    tenant = match[1]!;
  }
  return { tenant, provider: match[2]! };
}

function errorOf(parsed: unknown): { code?: string; message?: string } {
  const error = isRecord(parsed) && isRecord(parsed["error"]) ? parsed["error"] : {};
  return {
    ...(typeof error["code"] === "string" ? { code: error["code"] } : {}),
    ...(typeof error["message"] === "string" ? { message: error["message"] } : {}),
  };
}

/** The store's connection problems go to stderr, one line each; nothing else is logged. */
const quietLogger = {
  warn: (obj: object, msg: string) => void process.stderr.write(`[credhooks listen] ${msg} ${JSON.stringify(obj)}\n`),
  error: (obj: object, msg: string) => void process.stderr.write(`[credhooks listen] ${msg} ${JSON.stringify(obj)}\n`),
};

/** Keeps a copy of the text a handler answers with, so refusals can be shown with credhooks' message. */
function captureBody(res: ServerResponse): () => string | undefined {
  let captured: string | undefined;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  // @credhooks/node answers with res.writeHead(...).end(body): the body is one string.
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (typeof chunk === "string") captured = chunk;
    else if (Buffer.isBuffer(chunk)) captured = chunk.toString("utf8");
    return end(...args);
  }) as ServerResponse["end"];
  return () => captured;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined || text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

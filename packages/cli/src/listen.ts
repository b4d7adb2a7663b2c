import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookEvent } from "@credhooks/core";
import { webhooks } from "@credhooks/node";
import { clock, formatPayload, redactForDisplay, stylesFor, type Styles } from "./format.js";
import { listenReceivers, type ListenReceiver } from "./receivers.js";

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
  /** Stops accepting requests and closes open connections. */
  close(): Promise<void>;
}

/** A line of `--json` output. */
type JsonLine =
  | { type: "event"; provider: string; tenant: string | null; event: string; id: string; known: boolean; payload: unknown }
  | { type: "duplicate" | "rejected" | "answered"; method: string; path: string; status: number; code?: string; message?: string };

/**
 * Starts the local inspector: a node:http server with every provider mounted at
 * `/events/:tenantId/<provider>` (through `@credhooks/node`), accepting the development
 * credentials unless the environment overrides them, and printing each handled event and
 * each refused delivery.
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

  const onEvent = (receiver: ListenReceiver, known: boolean) => (event: WebhookEvent<string, unknown>) => {
    const payload = redactForDisplay(receiver.id, event.payload);
    const head = `${style.green(known ? "✓" : "?")} ${style.dim(clock(new Date()))} ${style.bold(receiver.id)} ${style.bold(event.name)}${known ? "" : style.yellow(" (an event credhooks does not know: onUnhandled)")}`;
    const meta = style.dim(`    tenant ${event.tenantId ?? "(none)"} · id ${event.id}`);
    emit({ type: "event", provider: receiver.id, tenant: event.tenantId ?? null, event: event.name, id: event.id, known, payload }, `${head}\n${meta}\n${formatPayload(payload, "    ")}`);
  };

  const handlers = receivers.map((receiver) => {
    const hooks = webhooks({ provider: receiver.provider, path: receiver.path });
    const known = new Set(Object.keys(receiver.provider.events));
    // onAny sees every authenticated event once, known or not (unknown ones also reach onUnhandled).
    hooks.onAny((event) => onEvent(receiver, known.has(event.name))(event));
    return hooks;
  });

  const server = createServer((req, res) => {
    const body = captureBody(res);
    res.on("finish", () => report(req, res, body()));
    let i = 0;
    const next = (): void => {
      const handler = handlers[i++];
      if (handler) return handler(req, res, next);
      res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: { code: "UNKNOWN_ROUTE", message: `Nothing is mounted here. credhooks listen receives at ${receivers.map((r) => r.path).join(", ")}.` } }));
    };
    next();
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
    const error = isRecord(parsed) && isRecord(parsed["error"]) ? parsed["error"] : {};
    const code = typeof error["code"] === "string" ? error["code"] : undefined;
    const message = typeof error["message"] === "string" ? error["message"] : undefined;
    emit(
      { type: status >= 400 ? "rejected" : "answered", method, path, status, ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) },
      `${style.red("✗")} ${style.dim(clock(new Date()))} ${method} ${path} → ${style.red(`${status}${code ? " " + code : ""}`)}${message ? `\n    ${message}` : ""}`,
    );
  }

  const port = options.port ?? 3000;
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    server,
    receivers,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

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

import { Agent, createServer, request as httpRequest, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";

/**
 * Test support for the hostile-input suite: a real listening server per app and a small
 * HTTP client that sends exactly what it is given (duplicate header lines, raw bytes,
 * chunked bodies), which supertest cannot.
 */

/** One request as the hostile suite sends it. */
export interface RawRequest {
  method: string;
  /** Request target, e.g. `/events/acme/proven`. */
  path: string;
  /** Header lines in order; a name may repeat (sent as separate lines). */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  /** Send the body with `Transfer-Encoding: chunked` in several chunks, without Content-Length. */
  chunked?: boolean;
  /** Use a connection of its own that is not reused afterwards (`Connection: close`). */
  fresh?: boolean;
}

/** What came back. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A listening server and a client bound to it. */
export interface HostileServer {
  readonly port: number;
  send(request: RawRequest): Promise<RawResponse>;
  /** A client that keeps one connection alive and sends every request on it, one after another. */
  session(): { send(request: RawRequest): Promise<RawResponse>; close(): void };
  /** Writes raw bytes on a fresh connection, half-closes it, and returns whatever came back (maybe nothing). */
  sendRaw(bytes: Buffer | string, waitMs?: number): Promise<string>;
  /**
   * A slow sender: writes `head` on a fresh connection and keeps it open without ending it,
   * then writes `trickle` one character every `everyMs` (if given). Returns what came back
   * and when the server closed the connection (undefined if it had not after `waitMs`).
   */
  hold(head: string, options: { trickle?: string; everyMs?: number; waitMs: number }): Promise<{ answer: string; closedAfterMs: number | undefined }>;
  close(): Promise<void>;
}

/** Starts `listener` on 127.0.0.1 with an ephemeral port. */
export async function startHostileServer(listener: RequestListener): Promise<HostileServer> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  const sendWith = (agent: Agent, req: RawRequest): Promise<RawResponse> =>
    new Promise<RawResponse>((resolve, reject) => {
      const flat: string[] = [];
      const names = new Set(req.headers.map(([name]) => name.toLowerCase()));
      if (!names.has("host")) flat.push("host", `127.0.0.1:${port}`);
      for (const [name, value] of req.headers) flat.push(name, value);
      const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, "utf8");
      if (body !== undefined && !req.chunked && !names.has("content-length")) flat.push("content-length", String(body.length));
      if (req.chunked && !names.has("transfer-encoding")) flat.push("transfer-encoding", "chunked");
      let settled = false;
      const outgoing = httpRequest({ host: "127.0.0.1", port, method: req.method, path: req.path, agent: req.fresh ? false : agent, headers: flat }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") });
        });
        res.on("error", (error) => {
          if (!settled) reject(error);
        });
      });
      // The server may answer (413, 431) and close before the whole body is written: the
      // answer still counts; only a request that got no answer at all is an error.
      outgoing.on("error", (error) => {
        setTimeout(() => {
          if (!settled) reject(error);
        }, 50);
      });
      if (body === undefined) return void outgoing.end();
      if (!req.chunked) return void outgoing.end(body);
      const step = Math.max(1, Math.ceil(body.length / 4));
      for (let i = 0; i < body.length; i += step) outgoing.write(body.subarray(i, i + step));
      outgoing.end();
    });

  const send = (req: RawRequest): Promise<RawResponse> => sendWith(agent, req);
  const session = (): { send(request: RawRequest): Promise<RawResponse>; close(): void } => {
    const single = new Agent({ keepAlive: true, maxSockets: 1 });
    return { send: (req) => sendWith(single, req), close: () => single.destroy() };
  };

  const sendRaw = (bytes: Buffer | string, waitMs = 300): Promise<string> =>
    new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const chunks: Buffer[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        socket.destroy();
        resolve(Buffer.concat(chunks).toString("latin1"));
      };
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", finish);
      socket.on("close", finish);
      socket.write(bytes, () => socket.end());
      setTimeout(finish, waitMs);
    });

  const hold = (head: string, options: { trickle?: string; everyMs?: number; waitMs: number }): Promise<{ answer: string; closedAfterMs: number | undefined }> =>
    new Promise((resolve) => {
      const started = Date.now();
      const socket = connect(port, "127.0.0.1");
      const chunks: Buffer[] = [];
      let closedAfterMs: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearInterval(timer);
        clearTimeout(deadline);
        socket.destroy();
        resolve({ answer: Buffer.concat(chunks).toString("latin1"), closedAfterMs });
      };
      const deadline = setTimeout(finish, options.waitMs);
      socket.on("data", (chunk: Buffer) => chunks.push(chunk));
      socket.on("error", () => {});
      socket.on("close", () => {
        closedAfterMs = Date.now() - started;
        finish();
      });
      socket.write(head);
      const rest = options.trickle ?? "";
      let at = 0;
      if (rest.length > 0) {
        timer = setInterval(() => {
          if (at < rest.length && !socket.destroyed) socket.write(rest[at++]!);
        }, options.everyMs ?? 100);
      }
    });

  return {
    port,
    send,
    session,
    sendRaw,
    hold,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Parses the first HTTP/1.1 response of raw bytes read from a socket, or undefined if none came. */
export function parseRawResponse(raw: string): RawResponse | undefined {
  const end = raw.indexOf("\r\n\r\n");
  const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  if (end === -1 || !statusLine) return undefined;
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, end).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
  const body = raw.slice(end + 4);
  return { status: Number(statusLine[1]), headers, text: Buffer.from(length === undefined ? body : body.slice(0, length), "latin1").toString("utf8") };
}

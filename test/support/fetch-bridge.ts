import type { RequestListener } from "node:http";
import { Readable } from "node:stream";

/**
 * Serves a fetch handler `(Request) => Promise<Response>` from node:http, the way Hono's or
 * Next.js's servers do, so supertest can drive the fetch adapter like any other.
 */
export function fetchToNodeListener(handler: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else if (value !== undefined) headers.set(name, value);
    }
    const method = req.method ?? "GET";
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
      method,
      headers,
      ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: "half" } : {}),
    } as RequestInit);
    handler(request).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      },
      (error: unknown) => {
        res.writeHead(500).end(String(error));
      },
    );
  };
}

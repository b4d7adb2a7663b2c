import type { Readable } from "node:stream";
import getRawBody from "raw-body";
import { WebhookError } from "./errors.js";

/** A Node request stream, as Express, Koa and node:http hand it over. */
export interface NodeBodyStream extends Readable {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Reads the raw bytes of a Node request, at most `limit`. When a body parser already
 * consumed the stream, `saved` (the raw copy it kept, e.g. `req.rawBody`) is used;
 * without one the delivery cannot be authenticated, and the error says how to fix the app.
 *
 * @example
 * ```ts
 * readBody: (limit) => readNodeBody(req, limit, req.rawBody, "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })"),
 * ```
 */
export async function readNodeBody(stream: NodeBodyStream, limit: number, saved: unknown, fix: string): Promise<Buffer> {
  if (Buffer.isBuffer(saved)) return checkSize(saved, limit);
  if (typeof saved === "string") return checkSize(Buffer.from(saved, "utf8"), limit);
  if (stream.readableEnded || stream.readableFlowing === true) {
    throw new WebhookError(
      "RAW_BODY_UNAVAILABLE",
      `A body parser consumed the request before credhooks and kept no raw copy, so the delivery cannot be authenticated. Mount credhooks before the body parser, or keep the raw bytes: ${fix}.`,
    );
  }
  const lengthHeader = stream.headers["content-length"];
  const length = typeof lengthHeader === "string" && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
  try {
    return await getRawBody(stream, length === undefined ? { limit } : { limit, length });
  } catch (error) {
    const type = (error as { type?: unknown }).type;
    if (type === "entity.too.large") {
      throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit} bytes.`);
    }
    if (type === "stream.encoding.set") {
      throw new WebhookError("RAW_BODY_UNAVAILABLE", `Something called setEncoding() on the request before credhooks; the raw bytes are needed. ${fix}.`);
    }
    throw new WebhookError("INVALID_BODY", `The body could not be read: ${type === "request.size.invalid" ? "it is shorter or longer than Content-Length" : "the connection was aborted"}.`, { cause: error });
  }
}

function checkSize(body: Buffer, limit: number): Buffer {
  if (body.length > limit) throw new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit} bytes.`);
  return body;
}

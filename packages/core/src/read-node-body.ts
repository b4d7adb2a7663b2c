import type { Readable } from "node:stream";
import { WebhookError } from "./errors.js";

/**
 * A Node request stream, as Express, Koa and node:http hand it over.
 *
 * @example
 * ```ts
 * createServer((req: NodeBodyStream, res) => readNodeBody(req, 1024 * 1024, undefined, "mount credhooks first").then((bytes) => res.end(`${bytes.length}`)));
 * ```
 */
export interface NodeBodyStream extends Readable {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Reads the raw bytes of a Node request, at most `limit`, within `timeoutMs`. When a body
 * parser already consumed the stream, `saved` (the raw copy it kept, e.g. `req.rawBody`) is
 * used; without one the delivery cannot be authenticated, and the error says how to fix
 * the app. A body still incomplete after `timeoutMs` (a slow or stalled sender) is refused
 * with 408 `REQUEST_TIMEOUT`; that answer carries `Connection: close`, so Node closes the
 * connection once it is written instead of holding it for its own 300 s.
 *
 * @example
 * ```ts
 * readBody: (limit, timeoutMs) => readNodeBody(req, limit, req.rawBody, "express.json({ verify: (req, _res, buf) => { req.rawBody = buf } })", timeoutMs),
 * ```
 */
export function readNodeBody(stream: NodeBodyStream, limit: number, saved: unknown, fix: string, timeoutMs?: number): Promise<Buffer> {
  try {
    if (Buffer.isBuffer(saved)) return Promise.resolve(checkSize(saved, limit));
    if (typeof saved === "string") return Promise.resolve(checkSize(Buffer.from(saved, "utf8"), limit));
    if (stream.readableEnded || stream.readableFlowing === true) {
      throw new WebhookError(
        "RAW_BODY_UNAVAILABLE",
        `A body parser consumed the request before credhooks and kept no raw copy, so the delivery cannot be authenticated. Mount credhooks before the body parser, or keep the raw bytes: ${fix}.`,
      );
    }
    if (stream.readableEncoding !== null) {
      throw new WebhookError("RAW_BODY_UNAVAILABLE", `Something called setEncoding() on the request before credhooks; the raw bytes are needed. ${fix}.`);
    }
    // A destroyed stream emits nothing more: refuse it rather than wait forever.
    if (stream.destroyed) throw invalidBody("the connection was aborted");
    const lengthHeader = stream.headers["content-length"];
    const length = typeof lengthHeader === "string" && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    // A declared length over the limit is refused before a byte is read.
    if (length !== undefined && length > limit) throw tooLarge(limit);
    return readStream(stream, limit, length, timeoutMs);
  } catch (error) {
    return Promise.reject(error as Error);
  }
}

/**
 * Collects the stream's chunks. This is the hot path of every delivery, so it does only
 * what is needed: one listener per event, no copy when the body arrives in one chunk (the
 * usual case for webhook-sized bodies), and listeners removed as soon as it settles.
 */
function readStream(stream: NodeBodyStream, limit: number, length: number | undefined, timeoutMs: number | undefined): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    // One timer per body being read; unref'd, so a stalled sender never keeps the process up.
    const timer = timeoutMs === undefined || !(timeoutMs > 0) || timeoutMs === Infinity ? undefined : setTimeout(() => fail(timedOut(timeoutMs, received)), timeoutMs).unref();
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("aborted", onAborted);
      stream.off("close", onClose);
    };
    const fail = (error: WebhookError): void => {
      cleanup();
      // Stop reading: the rest of an oversized or broken body is not wanted.
      stream.unpipe();
      stream.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) return fail(tooLarge(limit));
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (length !== undefined && received !== length) return fail(invalidBody("it is shorter or longer than Content-Length"));
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => fail(invalidBody("the connection was aborted", error));
    const onAborted = (): void => fail(invalidBody("the connection was aborted"));
    // A stream closed before its end never ends: settle rather than hang.
    const onClose = (): void => {
      if (!stream.readableEnded) fail(invalidBody("the connection was aborted"));
    };
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("aborted", onAborted);
    stream.on("close", onClose);
  });
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError("PAYLOAD_TOO_LARGE", `The body is larger than ${limit} bytes.`);
}

function timedOut(timeoutMs: number, received: number): WebhookError {
  return new WebhookError("REQUEST_TIMEOUT", `The body did not arrive within ${timeoutMs} ms (${received} bytes came); the connection is closed. Send the whole body at once.`);
}

function invalidBody(why: string, cause?: unknown): WebhookError {
  return new WebhookError("INVALID_BODY", `The body could not be read: ${why}.`, cause === undefined ? undefined : { cause });
}

function checkSize(body: Buffer, limit: number): Buffer {
  if (body.length > limit) throw tooLarge(limit);
  return body;
}

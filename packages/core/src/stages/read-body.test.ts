import { describe, expect, it, vi } from "vitest";
import type { WebhookRequest } from "../types.js";
import { readBody } from "./read-body.js";

const base: WebhookRequest = { method: "POST", path: "/", originalUrl: "/", headers: {} };

describe("read-body stage", () => {
  it("returns the bytes untouched, from the request or from its reader with the limit and deadline", async () => {
    const body = Buffer.from('{"a":1}');
    expect(await readBody({ ...base, body }, 100)).toBe(body);
    const reader = vi.fn(async () => body);
    expect(await readBody({ ...base, readBody: reader }, 100, 5_000)).toBe(body);
    expect(reader).toHaveBeenCalledWith(100, 5_000);
    expect((await readBody(base, 100)).length).toBe(0);
  });

  it("refuses a body over the limit with 413", async () => {
    await expect(readBody({ ...base, body: Buffer.alloc(101) }, 100)).rejects.toMatchObject({ code: "PAYLOAD_TOO_LARGE", status: 413 });
  });
});

import { describe, expect, it } from "vitest";
import { decodeJsonBody } from "./decode-json-body.js";

const json = { "content-type": "application/json; charset=utf-8" };
describe("decodeJsonBody", () => {
  it("decodes JSON and +json media types, and an empty body without a content type", () => {
    expect(decodeJsonBody(json, Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(decodeJsonBody({ "content-type": "application/cloudevents+json" }, Buffer.from("[1]"))).toEqual([1]);
    expect(decodeJsonBody({}, Buffer.alloc(0))).toBeUndefined();
  });
  it("refuses other media types and compressed bodies with 415", () => {
    expect(() => decodeJsonBody({ "content-type": "text/plain" }, Buffer.from("{}"))).toThrow(expect.objectContaining({ code: "UNSUPPORTED_MEDIA_TYPE" }));
    expect(() => decodeJsonBody({}, Buffer.from("{}"))).toThrow(expect.objectContaining({ code: "UNSUPPORTED_MEDIA_TYPE" }));
    expect(() => decodeJsonBody({ ...json, "content-encoding": "gzip" }, Buffer.from("{}"))).toThrow(expect.objectContaining({ status: 415 }));
  });
  it("rejects invalid JSON and invalid UTF-8 with 400 INVALID_JSON", () => {
    expect(() => decodeJsonBody(json, Buffer.from("{"))).toThrow(expect.objectContaining({ code: "INVALID_JSON", status: 400 }));
    expect(() => decodeJsonBody(json, Buffer.from([0x22, 0xff, 0x22]))).toThrow(expect.objectContaining({ code: "INVALID_JSON" }));
  });
});

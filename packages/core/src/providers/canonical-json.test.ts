import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson", () => {
  it("sorts keys at every depth and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson(["x", true, 1.5])).toBe('["x",true,1.5]');
    // JSON.parse makes "__proto__" an own key (an object literal would set the prototype).
    expect(canonicalJson(JSON.parse('{"a":"é\\"","__proto__":1}'))).toBe('{"__proto__":1,"a":"é\\""}');
  });

  it("gives the same string for any key order and whitespace, and parses back to the value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        const reordered = JSON.parse(text, (_key, v: unknown) =>
          typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        ) as unknown;
        const canonical = canonicalJson(JSON.parse(text));
        expect(canonicalJson(reordered)).toBe(canonical);
        expect(canonicalJson(JSON.parse(JSON.stringify(value, null, 2)))).toBe(canonical);
        expect(JSON.parse(canonical)).toEqual(JSON.parse(text));
      }),
    );
  });
});

import { describe, expect, it } from "vitest";
import { stringifyWithoutRecursion } from "./inbox-record.js";

describe("stringifyWithoutRecursion", () => {
  it("gives JSON.stringify's output for plain JSON data", () => {
    const values: unknown[] = [null, 1, -0.5, 'a"b\u2028', true, [], {}, [1, [2, [3]], { a: undefined, b: null }], { 'k"': [{ x: 1 }, "y"], n: NaN, d: new Date(0), u: undefined }, [undefined, () => 1]];
    for (const value of values) expect(stringifyWithoutRecursion(value)).toBe(JSON.stringify(value));
  });

  it("serializes data nested deeper than JSON.stringify can, which JSON.parse reads back", () => {
    const depth = 200_000;
    const text = "[".repeat(depth) + "]".repeat(depth);
    const value: unknown = JSON.parse(text);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyWithoutRecursion(value)).toBe(text);
  });
});

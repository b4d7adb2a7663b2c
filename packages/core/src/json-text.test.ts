import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJsonText, memberRange, scanJson } from "./json-text.js";

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
const scans = (text: string): boolean => {
  try {
    scanJson(text);
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: "INVALID_JSON", status: 400 });
    return false;
  }
};

/** JSON text with a character inserted, deleted or replaced: mostly invalid, sometimes not. */
const mutated = fc
  .tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom("insert", "delete", "replace"), fc.constantFrom(..."{}[]\",:\\ \t\n-+.0123456789eEtrufalsn\u0000\u001fx/bu".split("")))
  .map(([text, at, how, char]) => {
    const i = at % (text.length + 1);
    if (how === "insert") return text.slice(0, i) + char + text.slice(i);
    if (how === "delete") return text.slice(0, i) + text.slice(i + 1);
    return text.slice(0, i) + char + text.slice(i + 1);
  });

describe("scanJson", () => {
  it("accepts exactly what JSON.parse accepts", () => {
    fc.assert(fc.property(fc.json({ maxDepth: 5 }), (text) => scans(text)), { numRuns: 400, seed: 15 });
    fc.assert(fc.property(mutated, (text) => {
      expect([text, scans(text)]).toEqual([text, parses(text)]);
    }), { numRuns: 3000, seed: 15 });
    for (const text of ["", " ", "01", "1.", ".5", "-", "1e", "+1", "[1,]", "{,}", '{"a"}', '{"a":}', "tru", "nul", '"\\x"', '"\\u12G4"', '"\t"', "[] []", "\u00a0[]", "{'a':1}", "NaN", "Infinity"]) {
      expect([text, scans(text)]).toEqual([text, parses(text)]);
    }
    for (const text of ["1e999", "-0", "0.0e-0", '"\\ud800"', ' \n\r\t{"a" : [ ] } ', '"\u2028"', "9007199254740993"]) {
      expect([text, scans(text)]).toEqual([text, true]);
    }
  });

  it("finds the top-level members of an object, the last of a repeated name, without recursion", () => {
    const { root, members, text } = scanJson(Buffer.from('{"token":"a","data":{"x":[1,{"token":"inner"}]},"tok\\u0065n":"b", "n": 1e999}'));
    expect(root).toBe("object");
    expect([...members.keys()]).toEqual(["data", "token", "n"]);
    const slice = (name: string): string => text.slice(members.get(name)!.start, members.get(name)!.end);
    expect([slice("token"), slice("data"), slice("n")]).toEqual(['"b"', '{"x":[1,{"token":"inner"}]}', "1e999"]);
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (value) => {
        const text = JSON.stringify(value, null, 1);
        const found = scanJson(text).members;
        expect([...found.keys()].sort()).toEqual(Object.keys(value).sort());
        for (const [name, at] of found) expect(JSON.parse(text.slice(at.start, at.end))).toEqual(value[name]);
      }),
      { numRuns: 200, seed: 15 },
    );
    const deep = "[".repeat(400_000) + "]".repeat(400_000);
    expect(scanJson(`{"token":"t","deep":${deep}}`).members.get("token")).toEqual({ start: 9, end: 12 });
    expect(() => scanJson(`{"token":"t","deep":${deep.slice(1)}}`)).toThrow(expect.objectContaining({ code: "INVALID_JSON" }));
    expect(scanJson(Buffer.from("\uFEFF[]")).root).toBe("array");
    expect(() => scanJson(Buffer.from([0x22, 0xff, 0x22]))).toThrow(expect.objectContaining({ code: "INVALID_JSON" }));
  });
});

describe("memberRange", () => {
  it("finds what scanJson finds in valid JSON, without validating, the last of a repeated name", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.constantFrom("", " ", "\n "), (value, space) => {
        const text = JSON.stringify(value, null, space.length > 0 ? space.length : undefined);
        const { members } = scanJson(text);
        for (const name of [...Object.keys(value), "absent"]) expect(memberRange(text, name)).toEqual(members.get(name));
      }),
      { numRuns: 300, seed: 15 },
    );
    const repeated = '{"a":1,"b":"x\\\\\\"}","a":[2,{"a":3}]}';
    const at = memberRange(repeated, "a")!;
    expect(repeated.slice(at.start, at.end)).toBe('[2,{"a":3}]');
    expect(memberRange("[1]", "a")).toBeUndefined();
    expect(memberRange("{}", "a")).toBeUndefined();
  });
});

describe("canonicalJsonText", () => {
  it("normalises whitespace and member order only", () => {
    expect(canonicalJsonText('{ "b" : 1 , "a" : [ true , null , {"d":2,"c":1} ] }')).toBe('{"a":[true,null,{"c":1,"d":2}],"b":1}');
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const compact = JSON.stringify(value);
        const pretty = JSON.stringify(value, null, 2);
        expect(canonicalJsonText(pretty)).toBe(canonicalJsonText(compact));
        const reordered = typeof value === "object" && value !== null && !Array.isArray(value) ? JSON.stringify(Object.fromEntries(Object.entries(value).reverse())) : compact;
        expect(canonicalJsonText(reordered)).toBe(canonicalJsonText(compact));
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it("keeps apart what JSON.parse makes equal: number spellings, string escapes, repeated names", () => {
    const distinct = ['{"n":1e999}', '{"n":null}', '{"n":9007199254740993}', '{"n":9007199254740992}', '{"n":-0}', '{"n":0}', '{"n":1.0}', '{"n":1}', '{"s":"\\u0041"}', '{"s":"A"}', '{"a":1,"a":2}', '{"a":2}'];
    const canonical = distinct.map((text) => canonicalJsonText(text));
    expect(new Set(canonical).size).toBe(distinct.length);
  });

  it("gives up (undefined) past the depth limit instead of recursing", () => {
    expect(canonicalJsonText("[".repeat(300) + "]".repeat(300))).toBeUndefined();
    expect(canonicalJsonText("[".repeat(20) + "]".repeat(20))).toBe("[".repeat(20) + "]".repeat(20));
  });
});

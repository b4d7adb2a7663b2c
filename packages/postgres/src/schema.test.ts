import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaSql, tablesOf } from "./schema.js";
import { fromSql, toSql } from "./text.js";

describe("the schema", () => {
  it("is documented in the README exactly as postgresSchemaSql() writes it", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const block = /```sql\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block?.trim()).toBe(postgresSchemaSql().trim());
    expect(postgresSchemaSql()).not.toContain("CREATE SCHEMA");
    expect(postgresSchemaSql({ schema: "webhooks", tablePrefix: "h_" })).toMatch(/^CREATE SCHEMA IF NOT EXISTS "webhooks";\n\nCREATE TABLE IF NOT EXISTS "webhooks"."h_meta"/);
  });

  it("refuses names that would need quoting or be truncated", () => {
    expect(() => tablesOf({ schema: 'a"; DROP TABLE x; --' })).toThrow(RangeError);
    expect(() => tablesOf({ tablePrefix: "1abc" })).toThrow(/tablePrefix/);
    expect(() => tablesOf({ tablePrefix: "x".repeat(41) })).toThrow(/at most 40/);
    expect(tablesOf({ tablePrefix: "" }).events).toBe('"public"."events"');
    expect(tablesOf().lockId).not.toBe(tablesOf({ tablePrefix: "other_" }).lockId);
  });
});

describe("strings as text holds them", () => {
  it("escapes NUL, lone surrogates and the escape prefix, one-to-one, and leaves everything else alone", () => {
    const plain = ["proven:acme:e1", "caf\u00e9 cafe\u0301 鍵 👩🏽‍💻", ""];
    for (const value of plain) expect(toSql(value)).toBe(value);
    const odd = ["a\u0000b", "\ud800", "x\udc00\ud800y", "\u0001u16:abc", "\u0001u16:"];
    const stored = odd.map(toSql);
    expect(new Set(stored).size).toBe(odd.length);
    for (const [i, value] of odd.entries()) {
      expect(stored[i]).not.toContain("\u0000");
      expect(fromSql(stored[i]!)).toBe(value);
    }
  });
});

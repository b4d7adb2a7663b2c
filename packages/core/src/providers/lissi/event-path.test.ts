import { describe, expect, it } from "vitest";
import { parseLissiEventPath } from "./event-path.js";
import { lissiEvents } from "./schemas.js";

describe("parseLissiEventPath", () => {
  const known: Array<[string, string, string | undefined, string]> = [
    ["/connections/c1/update", "connection:update", "c1", "update"],
    ["/connections/c1/delete", "connection:delete", "c1", "record"],
    ["/connections/delete", "connections:delete", undefined, "bulk"],
    ["/credentials/k1/update", "credential:update", "k1", "update"],
    ["/credentials/k1/delete", "credential:delete", "k1", "record"],
    ["/credentials/delete", "credentials:delete", undefined, "bulk"],
    ["/credentials/k1/revoke", "credential:revoke", "k1", "record"],
    ["/credentials/revoke", "credentials:revoke", undefined, "bulk"],
    ["/proofs/p1/update", "proof:update", "p1", "update"],
    ["/proofs/p1/delete", "proof:delete", "p1", "record"],
    ["/proofs/delete", "proofs:delete", undefined, "bulk"],
  ];

  it.each(known)("maps %s to %s", (path, name, id, kind) => {
    const parsed = parseLissiEventPath(path);
    expect(parsed).toMatchObject({ name, known: true, kind, path });
    expect(parsed?.id).toBe(id);
    expect(Object.hasOwn(lissiEvents, name)).toBe(true);
  });

  it("covers every event of the schema map with exactly one route", () => {
    expect(new Set(known.map(([, name]) => name))).toEqual(new Set(Object.keys(lissiEvents)));
  });

  it("accepts one trailing slash and gives the same canonical path", () => {
    expect(parseLissiEventPath("/connections/c1/update/")).toMatchObject({ name: "connection:update", path: "/connections/c1/update" });
    expect(parseLissiEventPath("/connections/delete/")).toMatchObject({ name: "connections:delete", path: "/connections/delete" });
    expect(parseLissiEventPath("/connections/delete//")).toBeUndefined();
  });

  it("accepts an event path without a leading slash (shared-topic bodies)", () => {
    expect(parseLissiEventPath("proofs/p1/update")).toMatchObject({ name: "proof:update", id: "p1", path: "/proofs/p1/update" });
  });

  it("percent-decodes the id and re-encodes it in the canonical path", () => {
    const parsed = parseLissiEventPath("/connections/a%20b%2Fc/update");
    expect(parsed?.id).toBe("a b/c");
    expect(parsed?.path).toBe("/connections/a%20b%2Fc/update");
    expect(parseLissiEventPath("/connections/100%25/delete")?.id).toBe("100%");
    // A malformed escape is kept as sent rather than rejected.
    expect(parseLissiEventPath("/connections/%E0%A4%A/delete")?.id).toBe("%E0%A4%A");
  });

  it("names unknown routes of Lissi's shape by their template, never a canonical name", () => {
    const record = parseLissiEventPath("/widgets/w1/explode");
    expect(record).toMatchObject({ name: "/widgets/:id/explode", known: false, id: "w1", topic: "widgets", event: "explode" });
    expect(record?.kind).toBeUndefined();
    expect(parseLissiEventPath("/connections/archive")).toMatchObject({ name: "/connections/archive", known: false });
    expect(parseLissiEventPath("/connections/c1/revoke")).toMatchObject({ name: "/connections/:id/revoke", known: false });
    // Plural bulk topic with a record id segment is not the bulk route.
    expect(parseLissiEventPath("/connections/c1/update/")?.known).toBe(true);
    expect(parseLissiEventPath("/Connections/c1/update")?.known).toBe(false);
  });

  it("does not treat Object.prototype keys as known routes", () => {
    expect(parseLissiEventPath("/constructor/c1/update")).toMatchObject({ known: false, name: "/constructor/:id/update" });
    expect(parseLissiEventPath("/connections/c1/toString")).toMatchObject({ known: false });
    expect(parseLissiEventPath("/__proto__/delete")).toBeUndefined();
  });

  it.each(["/", "", "/connections", "/favicon.ico", "/connections/c1/update/extra", "/connections//update", "/a.b/c", "/connections/c1/up.date", "/1connections/delete"])(
    "returns undefined for %j, which lacks Lissi's shape",
    (path) => {
      expect(parseLissiEventPath(path)).toBeUndefined();
    },
  );

  it("tolerates DELETE on deletions only", () => {
    expect(parseLissiEventPath("/connections/c1/delete")?.methods).toEqual(["POST", "DELETE"]);
    expect(parseLissiEventPath("/proofs/delete")?.methods).toEqual(["POST", "DELETE"]);
    expect(parseLissiEventPath("/connections/c1/update")?.methods).toEqual(["POST"]);
    expect(parseLissiEventPath("/credentials/k1/revoke")?.methods).toEqual(["POST"]);
    expect(parseLissiEventPath("/credentials/revoke")?.methods).toEqual(["POST"]);
    expect(parseLissiEventPath("/widgets/w1/delete")?.methods).toEqual(["POST", "DELETE"]);
    expect(parseLissiEventPath("/widgets/w1/explode")?.methods).toEqual(["POST"]);
  });
});

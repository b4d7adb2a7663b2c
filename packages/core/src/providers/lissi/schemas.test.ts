import { describe, expect, it } from "vitest";
import { connectionUpdate, credentialUpdate, lissiEvents, normalizeLissiState, proofUpdate, recordRef, recordRefs } from "./schemas.js";

describe("Lissi states", () => {
  it.each([
    ["INVITED", "INVITED"],
    ["invited", "INVITED"],
    [" Requested ", "REQUESTED"],
    ["complete", "COMPLETED"],
    ["COMPLETED", "COMPLETED"],
    ["some-new state", "SOME_NEW_STATE"],
  ])("connection state %j is exposed as %j", (sent, exposed) => {
    expect(connectionUpdate.parse({ id: "c1", state: sent }).state).toBe(exposed);
  });

  it("compares credential and proof states case-insensitively and keeps unknown ones", () => {
    expect(credentialUpdate.parse({ id: "k1", state: "credential_issued" }).state).toBe("CREDENTIAL_ISSUED");
    expect(credentialUpdate.parse({ id: "k1", state: "offer-sent" }).state).toBe("OFFER_SENT");
    expect(proofUpdate.parse({ id: "p1", state: "verified" }).state).toBe("VERIFIED");
    expect(proofUpdate.parse({ id: "p1", state: "ABANDONED" }).state).toBe("ABANDONED");
    // The COMPLETE alias belongs to connections only.
    expect(proofUpdate.parse({ id: "p1", state: "complete" }).state).toBe("COMPLETE");
  });

  it("normalizeLissiState applies aliases after normalizing", () => {
    expect(normalizeLissiState("Complete", { COMPLETE: "COMPLETED" })).toBe("COMPLETED");
    expect(normalizeLissiState("toString", {})).toBe("TOSTRING");
  });

  it("keeps unknown DTO fields and rejects an update without id or state", () => {
    expect(connectionUpdate.parse({ id: "c1", state: "INVITED", futureField: { x: 1 } })).toMatchObject({ futureField: { x: 1 } });
    expect(connectionUpdate.safeParse({ id: "c1" }).success).toBe(false);
    expect(connectionUpdate.safeParse({ state: "INVITED" }).success).toBe(false);
    expect(connectionUpdate.safeParse({ id: "c1", state: 3 }).success).toBe(false);
  });
});

describe("Lissi id payloads", () => {
  it("a record event needs a non-empty id", () => {
    expect(recordRef.parse({ id: "c1" })).toEqual({ id: "c1" });
    expect(recordRef.safeParse({ id: "" }).success).toBe(false);
  });

  it("a bulk event accepts an array of strings, including an empty one", () => {
    expect(recordRefs.parse({ ids: ["a", "b"] })).toEqual({ ids: ["a", "b"] });
    expect(recordRefs.parse({ ids: [] })).toEqual({ ids: [] });
  });

  it.each([
    [{ ids: { a: 1 } }, "ids", "got an object"],
    [{ ids: undefined }, "ids", "got no body"],
    [{ ids: null }, "ids", "got null"],
    [{ ids: "a,b" }, "ids", "got a string"],
  ])("explains what a bulk body must be: %j", (payload, path, got) => {
    const result = recordRefs.safeParse(payload);
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0];
    expect(issue?.path.join(".")).toBe(path);
    expect(issue?.message).toContain('JSON array of record ids, e.g. ["id1","id2"]');
    expect(issue?.message).toContain(got);
  });

  it("points at the element that is not a string id", () => {
    const issues = recordRefs.safeParse({ ids: ["a", 2, ""] }).error?.issues ?? [];
    expect(issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["ids.1", "each record id must be a JSON string"],
      ["ids.2", "a record id must not be empty"],
    ]);
  });

  it("has eleven distinct event names, none of them a normalized cross-provider name", () => {
    const names = Object.keys(lissiEvents);
    expect(names).toHaveLength(11);
    for (const name of names) expect(name).toMatch(/^[a-z]+:[a-z]+$/);
  });
});

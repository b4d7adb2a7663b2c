import { describe, expect, it } from "vitest";
import { compileMountPath } from "./mount-path.js";

describe("compileMountPath", () => {
  const mount = compileMountPath("/events/:tenantId/lissi");
  it("captures params and the rest below the mount point", () => {
    expect(mount.match("/events/acme/lissi")).toEqual({ params: { tenantId: "acme" }, rest: "/" });
    expect(mount.match("/events/acme/lissi/connections/1/update")).toEqual({ params: { tenantId: "acme" }, rest: "/connections/1/update" });
    expect(mount.match("/events/a%20b/lissi/")).toEqual({ params: { tenantId: "a b" }, rest: "/" });
  });
  it("matches whole segments only", () => {
    expect(mount.match("/events/acme/lissix")).toBeUndefined();
    expect(mount.match("/events/lissi")).toBeUndefined();
    expect(compileMountPath("/a.b").match("/aXb")).toBeUndefined();
  });
});

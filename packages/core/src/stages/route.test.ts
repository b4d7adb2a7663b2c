import { describe, expect, it } from "vitest";
import { stageProvider } from "../../test/stage-context.js";
import type { WebhookRequest } from "../types.js";
import { isProviderRoute, routeRequest } from "./route.js";

const request = (method: string, path: string): WebhookRequest => ({ method, path, originalUrl: path, headers: {} });

describe("route stage", () => {
  it("accepts the provider's method at its root, and an empty path as the root", () => {
    expect(routeRequest(stageProvider(), request("post", "/"))).toEqual({});
    expect(routeRequest(stageProvider(), request("POST", ""))).toEqual({});
  });

  it("refuses another method with 405 and the Allow header, another path with 404 naming it", () => {
    expect(() => routeRequest(stageProvider(), request("GET", "/"))).toThrow(expect.objectContaining({ code: "METHOD_NOT_ALLOWED", status: 405, headers: { allow: "POST" } }));
    expect(() => routeRequest(stageProvider(), request("POST", "/elsewhere"))).toThrow(expect.objectContaining({ code: "UNKNOWN_ROUTE", status: 404, message: expect.stringContaining('"/elsewhere"') }));
  });

  it("uses the provider's router and a route's own methods", () => {
    const provider = stageProvider({ methods: ["POST", "DELETE"], route: (path) => (path === "/things/1/delete" ? { event: "thing.deleted", methods: ["DELETE"] } : undefined) });
    expect(routeRequest(provider, request("DELETE", "/things/1/delete"))).toMatchObject({ event: "thing.deleted" });
    expect(() => routeRequest(provider, request("POST", "/things/1/delete"))).toThrow(expect.objectContaining({ code: "METHOD_NOT_ALLOWED", headers: { allow: "DELETE" } }));
    expect(isProviderRoute(provider, "DELETE", "/things/1/delete")).toBe(true);
    expect(isProviderRoute(provider, "GET", "/health")).toBe(false);
  });
});

import request from "supertest";
import { describe, expect, it } from "vitest";
import { signSovrinDelivery } from "@credhooks/core/providers/sovrin";
import { DEV_SOVRIN_SIGNING_JWK } from "../examples/shared/dev-credentials.js";
import { exampleReceivers } from "../examples/shared/example-receivers.js";
import { adapters } from "./support/adapters.js";

// The example servers' contract: SOVRIN_PUBLIC_ORIGIN is the sovrin provider's publicOrigin,
// so a server behind a proxy that rewrites Host and strips a path prefix verifies Sovrin.
const PUBLIC_URL = "https://hooks.example.com/base/events/acme/sovrin";
const body = { deliveryId: "d1", webhookId: "w1", event: { id: "e-public-origin", type: "OpenIdCredentialIssued", payload: { credentialId: "c1" } } };

const appWith = (env: NodeJS.ProcessEnv) => {
  const sovrin = exampleReceivers(env).find((r) => r.id === "sovrin")!;
  return adapters[0]!.build([{ path: sovrin.path, options: { provider: sovrin.provider } }]).app;
};

describe("example servers: SOVRIN_PUBLIC_ORIGIN", () => {
  const signed = signSovrinDelivery({ privateKey: DEV_SOVRIN_SIGNING_JWK, url: PUBLIC_URL, body, components: ["@method", "@scheme", "@authority", "@path", "content-digest"] });
  // The proxy forwards https://hooks.example.com/base/events/acme/sovrin to 127.0.0.1:3000/events/acme/sovrin.
  const send = (app: Parameters<typeof request>[0]) => request(app).post("/events/acme/sovrin").set({ ...signed.headers, host: "127.0.0.1:3000" }).send(signed.body.toString("utf8"));

  it("verifies a delivery signed for the public URL when it is set", async () => {
    const res = await send(appWith({ SOVRIN_PUBLIC_ORIGIN: "https://hooks.example.com/base" }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it("refuses it without (the proxy changed what was signed)", async () => {
    const res = await send(appWith({}));
    expect([res.status, res.body.error?.code]).toEqual([401, "INVALID_SIGNATURE"]);
  });

  it("refuses to start with a SOVRIN_PUBLIC_ORIGIN that is not an origin", () => {
    expect(() => exampleReceivers({ SOVRIN_PUBLIC_ORIGIN: "hooks.example.com" })).toThrow(/publicOrigin must be an absolute URL/);
  });
});

import { acapy } from "@credhooks/core/providers/acapy";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { truvera } from "@credhooks/core/providers/truvera";
import { devCredential } from "./dev-credentials.js";

/**
 * All six providers configured with the development credentials every builder signs with
 * (each overridable by its environment variable, as in `credhooks listen`), keyed by
 * provider id: mount them once with `webhooks({ providers: devProviders() })` at
 * `/events/:tenantId` and every delivery of {@link deliveries} reaches its provider at its
 * default path (`/events/acme/<provider>`). Development only: the credentials are public.
 *
 * @example
 * ```ts
 * import express from "express";
 * import request from "supertest";
 * import { webhooks } from "@credhooks/express";
 * import { deliveries, devProviders } from "@credhooks/testing";
 *
 * const hooks = webhooks({ providers: devProviders() });
 * hooks.on("credential.issued", (event) => console.log(event.payload.provider, event.payload.recordId));
 * const app = express().use("/events/:tenantId", hooks);
 * const d = deliveries.lissi("credential:update");
 * await request(app).post(d.path).set(d.headers).send(d.body); // 200
 * ```
 */
export function devProviders(env: Readonly<Record<string, string | undefined>> = {}) {
  return {
    proven: proven({ apiKey: devCredential(env, "PROVEN_API_KEY") }),
    lissi: lissi({ apiKey: devCredential(env, "LISSI_API_KEY") }),
    truvera: truvera({ token: devCredential(env, "TRUVERA_TOKEN") }),
    crossmint: crossmint({ secret: devCredential(env, "CROSSMINT_SECRET") }),
    sovrin: sovrin({ jwks: devCredential(env, "SOVRIN_JWKS") }),
    acapy: acapy({ apiKey: devCredential(env, "ACAPY_API_KEY") }),
  };
}

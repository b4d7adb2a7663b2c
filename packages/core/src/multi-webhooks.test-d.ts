import { expectTypeOf, test } from "vitest";
import { createWebhooks } from "./create-webhooks.js";
import type { NormalizedEventMapOf, Provider, ProvidersOf, SourceEventOf, WebhookEvent } from "./index.js";
import type { PayloadOf } from "./types.js";
import { lissi, type LissiProvider } from "./providers/lissi/index.js";
import { proven, type ProvenProvider } from "./providers/proven/index.js";
import { sovrin, type SovrinProvider } from "./providers/sovrin/index.js";

const hooks = createWebhooks({
  providers: {
    proven: proven({ apiKey: "k" }),
    lissi: lissi({ apiKey: "k" }),
    sovrin: { provider: sovrin({ jwks: "https://example.test/jwks" }), responseDeadlineMs: 1_500 },
  },
});

test("a normalized name reaches every provider's events, with the union of their sources", () => {
  hooks.on("credential.issued", (event) => {
    expectTypeOf(event.name).toEqualTypeOf<"credential.issued">();
    expectTypeOf(event.payload.provider).toEqualTypeOf<string>();
    expectTypeOf(event.payload.source).toEqualTypeOf<
      SourceEventOf<ProvenProvider, "credential.issued"> | SourceEventOf<LissiProvider, "credential.issued"> | SourceEventOf<SovrinProvider, "credential.issued">
    >();
    expectTypeOf<"credentials:done" | "credential:update">().toExtend<typeof event.payload.source.name>();
    if (event.payload.source.name === "credentials:done") expectTypeOf(event.payload.source.payload.cred_ex_id).toEqualTypeOf<string>();
  });
  // Names only some providers emit are fine; names none of them emits are not.
  hooks.on("connection.established", () => undefined);
  // @ts-expect-error no provider served here emits registry.created (Truvera does, and is not served)
  hooks.on("registry.created", () => undefined);
  // @ts-expect-error a provider's own name needs its key
  hooks.on("credentials:done", () => undefined);
});

test("a key and a provider event give that provider's typed event", () => {
  hooks.on("proven", "credentials:done", (event) => {
    expectTypeOf(event).toEqualTypeOf<WebhookEvent<"credentials:done", PayloadOf<ProvenProvider, "credentials:done">>>();
    expectTypeOf(event.payload.cred_ex_id).toEqualTypeOf<string>();
  });
  hooks.on("lissi", ["connection:update", "credential:update"], (event) => {
    if (event.name === "credential:update") expectTypeOf(event.payload.state).not.toBeAny();
  });
  // A key's own normalized names are accepted too, with that provider's sources only.
  hooks.on("lissi", "credential.issued", (event) => expectTypeOf(event.payload.source.name).toEqualTypeOf<"credential:update">());
  // @ts-expect-error a Lissi event under Proven's key
  hooks.on("proven", "credential:update", () => undefined);
  // @ts-expect-error a misspelled key
  hooks.on("provn", "credentials:done", () => undefined);
  // @ts-expect-error a misspelled event
  hooks.off("proven", "credentials:don", () => undefined);
});

test("providers, receivers and the helper types follow the keys", () => {
  expectTypeOf(hooks.providers.proven).toEqualTypeOf<ProvenProvider>();
  expectTypeOf(hooks.receivers.lissi.provider).toEqualTypeOf<Provider>();
  expectTypeOf<ProvidersOf<{ a: LissiProvider; b: { provider: ProvenProvider; maxBodyBytes: 1 } }>>().toEqualTypeOf<{ a: LissiProvider; b: ProvenProvider }>();
  expectTypeOf<keyof NormalizedEventMapOf<{ lissi: LissiProvider }>>().toEqualTypeOf<
    "connection.established" | "connection.deleted" | "credential.issued" | "credential.offered" | "credential.deleted" | "credential.revoked" | "presentation.verified" | "presentation.deleted"
  >();
  // The single-provider form is unchanged.
  expectTypeOf(createWebhooks({ provider: proven({ apiKey: "k" }) }).provider).toEqualTypeOf<Provider>();
});

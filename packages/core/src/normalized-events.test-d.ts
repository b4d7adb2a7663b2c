import { expectTypeOf, test } from "vitest";
import { createWebhooks } from "./create-webhooks.js";
import type { NormalizedEvent, NormalizedNamesOf, NormalizedPayload, SourceEventOf, WebhookEvent } from "./index.js";
import { crossmint, type CrossmintProvider } from "./providers/crossmint/index.js";
import { lissi, type LissiProvider } from "./providers/lissi/index.js";
import { proven } from "./providers/proven/index.js";
import { truvera } from "./providers/truvera/index.js";

const lissiHooks = createWebhooks({ provider: lissi({ apiKey: (tenantId) => tenantId && `key-of-${tenantId}` }) });
const crossmintHooks = createWebhooks({ provider: crossmint({ secret: "whsec_c2VjcmV0" }) });

test("NormalizedEvent types one handler shared by several receivers", () => {
  const onIssued = async (event: NormalizedEvent<"credential.issued">) => {
    expectTypeOf(event.name).toEqualTypeOf<"credential.issued">();
    expectTypeOf(event.payload.provider).toEqualTypeOf<string>();
    expectTypeOf(event.payload.recordId).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.payload.source).toEqualTypeOf<WebhookEvent<string, unknown>>();
  };
  lissiHooks.on("credential.issued", onIssued);
  crossmintHooks.on("credential.issued", onIssued).off("credential.issued", onIssued);
  // Any normalized name: the default parameter.
  const onAnyNormalized = (event: NormalizedEvent) => event.payload.subject;
  lissiHooks.on(["credential.issued", "credential.revoked"], onAnyNormalized);
  // @ts-expect-error a handler of another normalized event does not fit
  lissiHooks.on("credential.revoked", onIssued);
});

test("payload.source narrows to the provider's typed events", () => {
  lissiHooks.on("credential.issued", (event) => {
    expectTypeOf(event.payload.source.name).toEqualTypeOf<"credential:update">();
    expectTypeOf(event.payload.source.payload.id).toEqualTypeOf<string>();
  });
  createWebhooks({ provider: proven({ apiKey: "k" }) }).on("credential.issued", (event) => {
    expectTypeOf(event.payload.source.name).toEqualTypeOf<"credentials:done" | "oid4vc-credential:issued">();
    if (event.payload.source.name === "credentials:done") expectTypeOf(event.payload.source.payload.cred_ex_id).toEqualTypeOf<string>();
    else expectTypeOf(event.payload.source.payload.exchange_id).toEqualTypeOf<string>();
  });
  // A provider type (or a union of them) narrows a shared handler's source too.
  const both = (event: NormalizedEvent<"credential.issued", LissiProvider | CrossmintProvider>) => {
    expectTypeOf(event.payload.source.name).toEqualTypeOf<"credential:update" | "credential.creation.succeeded">();
    expectTypeOf(event.payload).toEqualTypeOf<NormalizedPayload<SourceEventOf<LissiProvider | CrossmintProvider, "credential.issued">>>();
  };
  lissiHooks.on("credential.issued", both);
  crossmintHooks.on("credential.issued", both);
});

test("on() and off() accept only the names the receiver can emit", () => {
  expectTypeOf<NormalizedNamesOf<LissiProvider>>().toEqualTypeOf<
    "connection.established" | "connection.deleted" | "credential.issued" | "credential.offered" | "credential.deleted" | "credential.revoked" | "presentation.verified" | "presentation.deleted"
  >();
  expectTypeOf<NormalizedNamesOf<CrossmintProvider>>().toEqualTypeOf<"credential.issued" | "credential.failed">();
  // @ts-expect-error Lissi never sends anything that maps to did.created
  lissiHooks.on("did.created", () => {});
  // @ts-expect-error nor to credential.failed
  lissiHooks.off("credential.failed", () => {});
  // @ts-expect-error a misspelled provider event
  lissiHooks.on("credential:updated", () => {});
  createWebhooks({ provider: truvera({ token: "t" }) }).on("did.created", (event) => {
    expectTypeOf(event.payload.source.name).toEqualTypeOf<"did_create">();
  });
});

import { expectTypeOf, test } from "vitest";
import { webhooks as expressWebhooks } from "@credhooks/express";
import { webhooks as fetchWebhooks } from "@credhooks/fetch";
import { webhooks as koaWebhooks } from "@credhooks/koa";
import { webhooks as nodeWebhooks } from "@credhooks/node";
import { devProviders } from "@credhooks/testing";
import type { MultiWebhooks, ProvidersOf } from "@credhooks/core";

// Every adapter's one-mount receiver is typed like the core's: the key picks the provider's
// events, normalized names reach every provider, and mistakes do not compile.
const receivers = {
  express: expressWebhooks({ providers: devProviders() }),
  koa: koaWebhooks({ providers: devProviders(), path: "/events/:tenantId" }),
  node: nodeWebhooks({ providers: devProviders(), path: "/events/:tenantId" }),
  fetch: fetchWebhooks({ providers: devProviders(), path: "/events/:tenantId" }),
};

type DevMulti = MultiWebhooks<ProvidersOf<ReturnType<typeof devProviders>>>;

test("registration on each adapter's multi-provider receiver is typed and chains", () => {
  const all: DevMulti[] = [receivers.express, receivers.koa, receivers.node, receivers.fetch];
  for (const hooks of all) {
    hooks
      .on("acapy", "issue_credential_v2_0.done", (event) => expectTypeOf(event.payload.record.cred_ex_id).toEqualTypeOf<string>())
      .on("credential.issued", (event) => expectTypeOf(event.payload.recordId).toEqualTypeOf<string | undefined>())
      .on("truvera", "did.created", (event) => expectTypeOf(event.payload.source.name).toEqualTypeOf<"did_create">());
    // @ts-expect-error a Truvera event under Lissi's key
    hooks.on("lissi", "did_create", () => undefined);
    // @ts-expect-error a key not configured
    hooks.on("mattr", "OpenIdCredentialIssued", () => undefined);
  }
  expectTypeOf(receivers.express.on("credential.revoked", () => undefined)).toEqualTypeOf(receivers.express);
});

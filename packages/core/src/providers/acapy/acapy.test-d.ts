import { expectTypeOf, test } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import { acapy } from "./index.js";

test("ACA-Py handlers are typed from the zod schemas, per topic and state", () => {
  const hooks = createWebhooks({ provider: acapy({ apiKey: "k" }) });
  hooks.on("issue_credential_v2_0.done", (event) => {
    expectTypeOf(event.name).toEqualTypeOf<"issue_credential_v2_0.done">();
    expectTypeOf(event.payload.topic).toEqualTypeOf<"issue_credential_v2_0">();
    expectTypeOf(event.payload.state).toEqualTypeOf<"done">();
    expectTypeOf(event.payload.walletId).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.payload.record.cred_ex_id).toEqualTypeOf<string>();
    expectTypeOf(event.payload.record.updated_at).toEqualTypeOf<string | null | undefined>();
    // @ts-expect-error: a misspelled record field is a compile error
    void event.payload.record.cred_ex_idd;
  });
  hooks.on(["connections.active", "present_proof_v2_0.done"], (event) => {
    if (event.name === "connections.active") expectTypeOf(event.payload.record.connection_id).toEqualTypeOf<string>();
    else expectTypeOf(event.payload.record.verified).toEqualTypeOf<string | boolean | null | undefined>();
  });
  hooks.on("problem_report", (event) => {
    expectTypeOf(event.payload.record["@id"]).toEqualTypeOf<string>();
    expectTypeOf(event.payload.state).toEqualTypeOf<string | undefined>();
  });
  hooks.on("credential.issued", (event) => {
    expectTypeOf(event.payload.recordId).toEqualTypeOf<string | undefined>();
  });
  // @ts-expect-error: only documented topic.state names can be registered
  hooks.on("connections.exploded", () => {});
});

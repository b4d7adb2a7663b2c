import { expectTypeOf, test } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import { proven } from "./index.js";

test("Proven handlers are typed from the zod schemas", () => {
  const hooks = createWebhooks({ provider: proven({ apiKey: "k" }) });
  hooks.on("credentials:done", (event) => {
    expectTypeOf(event.name).toEqualTypeOf<"credentials:done">();
    expectTypeOf(event.payload.cred_ex_id).toEqualTypeOf<string>();
    expectTypeOf(event.payload.state).toEqualTypeOf<string | undefined>();
    expectTypeOf(event.raw).toBeUnknown();
    expectTypeOf(event.tenantId).toEqualTypeOf<string | undefined>();
    // @ts-expect-error: a misspelled field is a compile error
    void event.payload.cred_ex_idd;
  });
  hooks.on(["connection:completed", "basic-message:received"], (event) => {
    if (event.name === "basic-message:received") expectTypeOf(event.payload.message_id).toEqualTypeOf<string>();
    else expectTypeOf(event.payload.connection_id).toEqualTypeOf<string>();
  });
  // @ts-expect-error: only canonical event names can be registered
  hooks.on("webhook:basic-message", () => {});
});

import { describe, expect, expectTypeOf, it } from "vitest";
import { createWebhooks } from "../../create-webhooks.js";
import { lissi, type LissiConnectionState, type LissiCredentialState, type OpenState } from "./index.js";

// Type-level checks: `tsc --noEmit` (run on the whole repo) fails if handler typing breaks.
// The runtime part only registers handlers.
describe("Lissi handler types", () => {
  it("types payloads from the schemas", () => {
    const hooks = createWebhooks({ provider: lissi({ apiKey: "k" }) });

    hooks.on("connection:update", (event) => {
      expectTypeOf(event.name).toEqualTypeOf<"connection:update">();
      expectTypeOf(event.payload.state).toEqualTypeOf<OpenState<LissiConnectionState>>();
      expectTypeOf(event.payload.id).toEqualTypeOf<string>();
      expectTypeOf(event.payload.theirDid).toEqualTypeOf<string | null | undefined>();
      // @ts-expect-error a misspelled field is not part of the connection DTO
      void event.payload.stat;
    });
    hooks.on("credential:update", (event) => {
      expectTypeOf(event.payload.state).toEqualTypeOf<OpenState<LissiCredentialState>>();
      // Known states stay assignable and comparable.
      expectTypeOf<"CREDENTIAL_ISSUED">().toExtend<typeof event.payload.state>();
    });
    hooks.on(["connection:delete", "credential:revoke", "proof:delete"], (event) => {
      expectTypeOf(event.payload).toEqualTypeOf<{ id: string }>();
    });
    hooks.on("connections:delete", (event) => {
      expectTypeOf(event.payload.ids).toEqualTypeOf<string[]>();
      // @ts-expect-error bulk events carry ids, not one id
      void event.payload.id;
    });
    // @ts-expect-error not a Lissi event name (at run time it throws)
    expect(() => hooks.on("connection:updated", () => undefined)).toThrow(/"connection:updated" is not an event lissi sends/);
  });
});

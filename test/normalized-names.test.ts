import { describe, expect, it } from "vitest";
import { NORMALIZED_EVENT_NAMES, type Provider } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { lissi } from "@credhooks/core/providers/lissi";
import { truvera } from "@credhooks/core/providers/truvera";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { acapy, acapyEventName, ACAPY_TOPIC_STATES } from "@credhooks/core/providers/acapy";
import fc from "fast-check";

// Every provider, so a normalized handler can never be confused with a provider's own event.
const providers: Provider[] = [
  proven({ apiKey: "k" }),
  lissi({ apiKey: "k" }),
  truvera({ token: "t" }),
  crossmint({ secret: "whsec_" + Buffer.from("k".repeat(32)).toString("base64") }),
  sovrin({ jwks: { keys: [{ kty: "OKP", crv: "Ed25519", x: "6RcpQBSSTx0JBwNeaQX1HUHgBiFw7Po7mxLD8TL1HcQ", kid: "k1" }] } }),
  acapy({ apiKey: "k" }),
];

describe("normalized event names", () => {
  it.each(providers.map((p) => [p.id, p] as const))("never equal a %s event name", (_id, provider) => {
    const own = Object.keys(provider.events);
    expect(own.length).toBeGreaterThan(0);
    for (const name of NORMALIZED_EVENT_NAMES) expect(own).not.toContain(name);
  });

  // ACA-Py names events `<topic>.<state>` from the URL and the record, also for topics
  // credhooks does not type: no topic and state may ever spell a normalized name.
  it("are never an ACA-Py name, typed or built at run time from a topic and a state", () => {
    const nouns = [...new Set(NORMALIZED_EVENT_NAMES.map((n) => n.split(".")[0]!))];
    const verbs = [...new Set(NORMALIZED_EVENT_NAMES.map((n) => n.split(".")[1]!))];
    for (const noun of nouns) for (const verb of verbs) expect(NORMALIZED_EVENT_NAMES).not.toContain(acapyEventName(noun, verb));
    for (const [topic, states] of Object.entries(ACAPY_TOPIC_STATES)) for (const state of states) expect(NORMALIZED_EVENT_NAMES).not.toContain(acapyEventName(topic, state));
    expect(acapyEventName("credential", "deleted")).toBe("credential::deleted");
    const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);
    fc.assert(fc.property(fc.oneof(word, fc.constantFrom(...nouns)), fc.option(fc.oneof(word, fc.constantFrom(...verbs)), { nil: undefined }), (topic, state) => !(NORMALIZED_EVENT_NAMES as readonly string[]).includes(acapyEventName(topic, state))));
  });

  it("are never the name an ACA-Py delivery of an untyped topic gets (through the provider)", async () => {
    const provider = acapy({ apiKey: "k" });
    const names: string[] = [];
    for (const name of NORMALIZED_EVENT_NAMES) {
      const [topic, state] = name.split(".") as [string, string];
      const body = Buffer.from(JSON.stringify({ id: "r1", state }));
      const delivery = {
        request: { method: "POST", path: `/topic/${topic}/`, originalUrl: `/topic/${topic}/`, headers: {}, params: {} },
        route: { params: { topic } },
        rawBody: body,
        body: JSON.parse(body.toString()) as unknown,
        tenantId: undefined,
      };
      names.push(provider.identify(delivery as unknown as Parameters<typeof provider.identify>[0]).name);
    }
    for (const name of names) expect(NORMALIZED_EVENT_NAMES).not.toContain(name);
  });
});

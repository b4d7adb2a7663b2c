import { describe, expect, it } from "vitest";
import { NORMALIZED_EVENT_NAMES, type Provider } from "@credhooks/core";
import { proven } from "@credhooks/core/providers/proven";
import { lissi } from "@credhooks/core/providers/lissi";
import { truvera } from "@credhooks/core/providers/truvera";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { acapy } from "@credhooks/core/providers/acapy";

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
});

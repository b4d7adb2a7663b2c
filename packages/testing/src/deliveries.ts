import { acapyDelivery, type AcapyDeliveryOptions } from "./acapy.js";
import { crossmintDelivery, type CrossmintDeliveryOptions } from "./crossmint.js";
import { PROVIDER_IDS, type ProviderId, type TestDelivery } from "./delivery.js";
import { lissiDelivery, type LissiDeliveryOptions } from "./lissi.js";
import { provenDelivery, type ProvenDeliveryOptions } from "./proven.js";
import { ACAPY_SAMPLES, CROSSMINT_SAMPLES, LISSI_SAMPLES, PROVEN_SAMPLES, SOVRIN_SAMPLES, TRUVERA_SAMPLES } from "./samples.js";
import { sovrinDelivery, type SovrinDeliveryOptions } from "./sovrin.js";
import { truveraDelivery, type TruveraDeliveryOptions } from "./truvera.js";

/**
 * Every builder, by provider: `deliveries.<provider>(event, payload?, options?)` returns a
 * {@link TestDelivery} authenticated with the development credentials unless the options
 * say otherwise. Event names and payloads are typed per provider (ACA-Py's payload is the
 * bare record it posts); an omitted payload is the sample of the event.
 *
 * @example
 * ```ts
 * import { deliveries } from "@credhooks/testing";
 *
 * const d = deliveries.proven("credentials:done", { cred_ex_id: "ex-1", state: "done" }, { tenantId: "acme", apiKey: "test-key" });
 * const res = await request(app).post(d.path).set(d.headers).send(d.body);
 * expect(res.status).toBe(200);
 * ```
 */
export const deliveries = {
  proven: provenDelivery,
  lissi: lissiDelivery,
  truvera: truveraDelivery,
  crossmint: crossmintDelivery,
  sovrin: sovrinDelivery,
  acapy: acapyDelivery,
} as const;

/**
 * The sample payload of every event, by provider then event (ACA-Py's: the record): the
 * defaults of the builders. Spread one to change a field.
 *
 * @example
 * ```ts
 * deliveries.truvera("credential_issued", { ...SAMPLES.truvera.credential_issued, id: "https://creds.example/1" });
 * ```
 */
export const SAMPLES = {
  proven: PROVEN_SAMPLES,
  lissi: LISSI_SAMPLES,
  truvera: TRUVERA_SAMPLES,
  crossmint: CROSSMINT_SAMPLES,
  sovrin: SOVRIN_SAMPLES,
  acapy: ACAPY_SAMPLES,
} as const;

/**
 * The event names of a provider that the builders know, in documentation order.
 *
 * @example
 * ```ts
 * eventsOf("crossmint"); // ["credential.creation.succeeded", "credential.creation.failed"]
 * ```
 */
export function eventsOf(provider: ProviderId): string[] {
  return Object.keys(SAMPLES[provider]);
}

/**
 * Whether a string is one of {@link PROVIDER_IDS}.
 *
 * @example
 * ```ts
 * if (!isProviderId(name)) throw new Error(`valid providers: ${PROVIDER_IDS.join(", ")}`);
 * ```
 */
export function isProviderId(value: string): value is ProviderId {
  return (PROVIDER_IDS as readonly string[]).includes(value);
}

/**
 * The options of any builder: the union of every provider's options.
 *
 * @example
 * ```ts
 * const options: AnyDeliveryOptions = { tenantId: "acme", secret: "whsec_…" };
 * ```
 */
export type AnyDeliveryOptions = ProvenDeliveryOptions & LissiDeliveryOptions & TruveraDeliveryOptions & CrossmintDeliveryOptions & SovrinDeliveryOptions & AcapyDeliveryOptions;

/**
 * The untyped entry point for tools that take names at run time (the `credhooks` CLI):
 * builds a delivery of `provider`'s `event`, throwing a TypeError that lists the valid
 * names when either is unknown. Prefer {@link deliveries} in TypeScript.
 *
 * @example
 * ```ts
 * const d = buildDelivery(argv.provider, argv.event, JSON.parse(await readFile("payload.json", "utf8")), { tenantId: "acme" });
 * ```
 */
export function buildDelivery(provider: string, event: string, payload?: unknown, options: AnyDeliveryOptions = {}): TestDelivery {
  if (!isProviderId(provider)) throw new TypeError(`Unknown provider ${JSON.stringify(provider)}. Valid providers: ${PROVIDER_IDS.join(", ")}.`);
  const build = deliveries[provider] as (event: string, payload: unknown, options: AnyDeliveryOptions) => TestDelivery;
  return build(event, payload, options);
}

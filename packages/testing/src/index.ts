/**
 * Build correctly authenticated test deliveries for every credhooks provider.
 *
 * @module @credhooks/testing
 */
export { DEFAULT_TENANT, PROVIDER_IDS, sendDelivery, toVerifiableRequest } from "./delivery.js";
export type { DeliveryOptions, ProviderId, TestDelivery } from "./delivery.js";
export { SAMPLES, buildDelivery, deliveries, eventsOf, isProviderId } from "./deliveries.js";
export type { AnyDeliveryOptions } from "./deliveries.js";
export { provenDelivery } from "./proven.js";
export type { ProvenDeliveryOptions } from "./proven.js";
export { lissiDelivery, lissiEventPath } from "./lissi.js";
export type { LissiDeliveryOptions } from "./lissi.js";
export { truveraDelivery } from "./truvera.js";
export type { TruveraDeliveryOptions } from "./truvera.js";
export { crossmintDelivery } from "./crossmint.js";
export type { CrossmintDeliveryOptions } from "./crossmint.js";
export { sovrinDelivery } from "./sovrin.js";
export type { SovrinDeliveryOptions } from "./sovrin.js";
export { acapyDelivery } from "./acapy.js";
export type { AcapyDeliveryOptions } from "./acapy.js";
export { ACAPY_SAMPLES, CROSSMINT_SAMPLES, LISSI_SAMPLES, PROVEN_SAMPLES, SOVRIN_SAMPLES, SOVRIN_SAMPLE_WEBHOOK_ID, TRUVERA_SAMPLES } from "./samples.js";
export type {
  AcapyEvent,
  AcapyRecords,
  CrossmintEvent,
  CrossmintPayloads,
  LissiEvent,
  LissiPayloads,
  ProvenEvent,
  ProvenPayloads,
  SchemaInput,
  SovrinEvent,
  SovrinPayloads,
  TruveraEvent,
  TruveraPayloads,
} from "./payload-types.js";
export { DEV_CREDENTIALS, DEV_SOVRIN_SIGNING_JWK, devCredential } from "./dev-credentials.js";
export { devProviders } from "./dev-providers.js";
export type { DevCredentialName } from "./dev-credentials.js";
export { DEV_SOVRIN_KEY_PAIR, generateSovrinKeyPair, generateSvixSecret } from "./keys.js";
export type { Ed25519PrivateJwk, Ed25519PublicJwk, SovrinKeyPair } from "./keys.js";
export { faultyStore, storeConformance } from "./store-conformance.js";
export type { ConformanceTestApi, DedupeStoreMethod, FaultyStore, StoreConformanceOptions, StoreFaults, StoreUnderTest } from "./store-conformance.js";
export { failureSinkConformance } from "./failure-sink-conformance.js";
export type { FailureSinkConformanceOptions, SinkUnderTest } from "./failure-sink-conformance.js";

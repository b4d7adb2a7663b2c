import { readFileSync } from "node:fs";
import { DEV_CREDENTIALS } from "../examples/shared/dev-credentials.js";

/** A delivery shaped as the platform sends it. */
export interface SampleDelivery {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status the example server must answer. */
  expectStatus: number;
  /** The event name the example prints for it, when its handler runs. */
  expectEvent?: string;
}

const fixture = (provider: string, name: string): string => readFileSync(new URL(`../test/fixtures/${provider}/${name}`, import.meta.url), "utf8");

/** Sample deliveries for the demo: valid, duplicate and unauthenticated, per provider. */
export function sampleDeliveries(tenant = "acme"): SampleDelivery[] {
  const provenBody = fixture("proven", "credentials-done.json");
  const proven = { "content-type": "application/json", "user-agent": "node-fetch/1.0" };
  return [
    { label: "Proven credentials:done", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: provenBody, expectStatus: 200, expectEvent: "credentials:done" },
    { label: "Proven credentials:done again (duplicate)", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: provenBody, expectStatus: 200 },
    { label: "Proven with a wrong X-API-Key", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": "wrong-key" }, body: fixture("proven", "connection-completed.json"), expectStatus: 401 },
    { label: "Proven basic message (alternative spelling)", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: fixture("proven", "webhook-basic-message.json"), expectStatus: 200, expectEvent: "basic-message:received" },
  ];
}

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
    ...lissiSamples(tenant),
  ];
}

function lissiSamples(tenant: string): SampleDelivery[] {
  const base = `/events/${tenant}/lissi`;
  const key = { "x-api-key": DEV_CREDENTIALS.LISSI_API_KEY };
  const json = { "content-type": "application/json", ...key };
  const update = fixture("lissi", "connection-update.json");
  const connectionId = (JSON.parse(update) as { id: string }).id;
  return [
    { label: "Lissi connection state update", method: "POST", path: `${base}/connections/${connectionId}/update`, headers: json, body: update, expectStatus: 200, expectEvent: "connection:update" },
    { label: "Lissi connection state update again (duplicate)", method: "POST", path: `${base}/connections/${connectionId}/update`, headers: json, body: update, expectStatus: 200 },
    { label: "Lissi single deletion (no body, id in the path)", method: "POST", path: `${base}/connections/${connectionId}/delete`, headers: key, body: "", expectStatus: 200, expectEvent: "connection:delete" },
    { label: "Lissi bulk revocation", method: "POST", path: `${base}/credentials/revoke`, headers: json, body: fixture("lissi", "credentials-revoke.json"), expectStatus: 200, expectEvent: "credentials:revoke" },
    { label: "Lissi shared-topic mode", method: "POST", path: `${base}`, headers: json, body: JSON.stringify({ event: "/proofs/p-42/update", payload: { id: "p-42", state: "verified" } }), expectStatus: 200, expectEvent: "proof:update" },
    { label: "Lissi with a wrong X-API-Key", method: "POST", path: `${base}/connections/delete`, headers: { ...json, "x-api-key": "wrong-key" }, body: "[]", expectStatus: 401 },
  ];
}

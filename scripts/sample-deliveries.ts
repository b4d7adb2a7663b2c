import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { Webhook } from "svix";
import { DEV_CREDENTIALS, DEV_SOVRIN_SIGNING_JWK } from "../examples/shared/dev-credentials.js";
import { signWithHms } from "../test/fixtures/sovrin/sign-with-hms.js";

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

/**
 * Sample deliveries for the demo: valid, duplicate and unauthenticated, per provider.
 * `origin` is where they are sent: Sovrin's signatures cover the authority.
 */
export async function sampleDeliveries(tenant = "acme", origin = "http://127.0.0.1:3000"): Promise<SampleDelivery[]> {
  const provenBody = fixture("proven", "credentials-done.json");
  const proven = { "content-type": "application/json", "user-agent": "node-fetch/1.0" };
  return [
    { label: "Proven credentials:done", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: provenBody, expectStatus: 200, expectEvent: "credentials:done" },
    { label: "Proven credentials:done again (duplicate)", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: provenBody, expectStatus: 200 },
    { label: "Proven with a wrong X-API-Key", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": "wrong-key" }, body: fixture("proven", "connection-completed.json"), expectStatus: 401 },
    { label: "Proven basic message (alternative spelling)", method: "POST", path: `/events/${tenant}/proven`, headers: { ...proven, "x-api-key": DEV_CREDENTIALS.PROVEN_API_KEY }, body: fixture("proven", "webhook-basic-message.json"), expectStatus: 200, expectEvent: "basic-message:received" },
    ...lissiSamples(tenant),
    ...truveraSamples(tenant),
    ...crossmintSamples(tenant),
    ...(await sovrinSamples(tenant, origin)),
    ...acapySamples(tenant),
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

function truveraSamples(tenant: string): SampleDelivery[] {
  const path = `/events/${tenant}/truvera`;
  const headers = { "content-type": "application/json" };
  // Truvera puts its secret token inside the body.
  const withToken = (file: string, token: string) => JSON.stringify({ ...(JSON.parse(fixture("truvera", file)) as object), token });
  return [
    { label: "Truvera credential_issued (token in the body)", method: "POST", path, headers, body: withToken("credential-issued.json", DEV_CREDENTIALS.TRUVERA_TOKEN), expectStatus: 200, expectEvent: "credential_issued" },
    { label: "Truvera credential_issued again (duplicate)", method: "POST", path, headers, body: withToken("credential-issued.json", DEV_CREDENTIALS.TRUVERA_TOKEN), expectStatus: 200 },
    { label: "Truvera proof_submitted", method: "POST", path, headers, body: withToken("proof-submitted.json", DEV_CREDENTIALS.TRUVERA_TOKEN), expectStatus: 200, expectEvent: "proof_submitted" },
    { label: "Truvera with a wrong token", method: "POST", path, headers, body: withToken("did-create.json", "wrong-token"), expectStatus: 401 },
  ];
}

function crossmintSamples(tenant: string): SampleDelivery[] {
  const path = `/events/${tenant}/crossmint`;
  const body = fixture("crossmint", "credential-creation-succeeded.json");
  // Signed by the svix package itself, as Crossmint's deliveries are.
  const signed = (secret: string, id: string) => {
    const at = new Date();
    return { "content-type": "application/json", "svix-id": id, "svix-timestamp": String(Math.floor(at.getTime() / 1000)), "svix-signature": new Webhook(secret).sign(id, at, body) };
  };
  const id = `msg_demo_${Date.now().toString(36)}`;
  const wrongSecret = "whsec_" + Buffer.from("not the secret of this endpoint").toString("base64");
  return [
    { label: "Crossmint credential.creation.succeeded (Svix-signed)", method: "POST", path, headers: signed(DEV_CREDENTIALS.CROSSMINT_SECRET, id), body, expectStatus: 200, expectEvent: "credential.creation.succeeded" },
    { label: "Crossmint redelivery with the same svix-id (duplicate)", method: "POST", path, headers: signed(DEV_CREDENTIALS.CROSSMINT_SECRET, id), body, expectStatus: 200 },
    { label: "Crossmint signed with the wrong secret", method: "POST", path, headers: signed(wrongSecret, id + "x"), body, expectStatus: 401 },
  ];
}

async function sovrinSamples(tenant: string, origin: string): Promise<SampleDelivery[]> {
  const path = `/events/${tenant}/sovrin`;
  const body = fixture("sovrin", "open-id-credential-issued.json").replace(/"id": "[^"]*"/, `"id": "evt-demo-${Date.now().toString(36)}"`);
  // Signed by the http-message-signatures package (RFC 9421) with the development key.
  const key = { kid: DEV_SOVRIN_SIGNING_JWK.kid, privateKey: createPrivateKey({ key: DEV_SOVRIN_SIGNING_JWK, format: "jwk" }), publicJwk: { kty: "OKP" as const, crv: "Ed25519" as const, x: DEV_SOVRIN_SIGNING_JWK.x, kid: DEV_SOVRIN_SIGNING_JWK.kid } };
  const sign = () => signWithHms({ key, url: origin + path, body, fields: ["@method", "@path", "@authority", "content-digest"] });
  const signed = await sign();
  const resigned = await sign();
  const tampered = body.replace("OpenIdCredentialIssued", "OidcIssuerCredentialIssued");
  return [
    { label: "Sovrin OpenIdCredentialIssued (Ed25519 HTTP Message Signature)", method: "POST", path, headers: signed, body, expectStatus: 200, expectEvent: "OpenIdCredentialIssued" },
    { label: "Sovrin retry of the same event.id (duplicate)", method: "POST", path, headers: resigned, body, expectStatus: 200 },
    { label: "Sovrin with a body changed after signing", method: "POST", path, headers: signed, body: tampered, expectStatus: 401 },
  ];
}

function acapySamples(tenant: string): SampleDelivery[] {
  // ACA-Py posts the bare record to {base}/topic/{topic}/ with x-api-key.
  const path = `/events/${tenant}/acapy/topic/issue_credential_v2_0/`;
  const headers = { "content-type": "application/json", "x-api-key": DEV_CREDENTIALS.ACAPY_API_KEY };
  const body = fixture("acapy", "issue-credential-v2-0-done.json");
  return [
    { label: "ACA-Py issue_credential_v2_0 done (bare record)", method: "POST", path, headers, body, expectStatus: 200, expectEvent: "issue_credential_v2_0.done" },
    { label: "ACA-Py retry of the same record state (duplicate)", method: "POST", path, headers, body, expectStatus: 200 },
    { label: "ACA-Py with a wrong x-api-key", method: "POST", path, headers: { ...headers, "x-api-key": "wrong-key" }, body, expectStatus: 401 },
  ];
}

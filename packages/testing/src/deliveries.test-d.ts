import { expectTypeOf, test } from "vitest";
import { deliveries, type AcapyEvent, type AcapyRecords, type LissiPayloads, type ProvenPayloads, type TestDelivery } from "./index.js";

test("builders take each provider's event names and payload types", () => {
  expectTypeOf(deliveries.proven("credentials:done")).toEqualTypeOf<TestDelivery>();
  expectTypeOf<ProvenPayloads["credentials:done"]["cred_ex_id"]>().toEqualTypeOf<string>();
  expectTypeOf<LissiPayloads["connections:delete"]>().toEqualTypeOf<{ ids: string[] }>();
  // Lissi states are any string on the way in (credhooks upper-cases them for handlers).
  expectTypeOf<LissiPayloads["connection:update"]["state"]>().toEqualTypeOf<string>();
  // ACA-Py's payload is the bare record; a stateful event's record can only carry its own state.
  expectTypeOf(deliveries.acapy("issue_credential_v2_0.done")).toEqualTypeOf<TestDelivery>();
  expectTypeOf<AcapyRecords["issue_credential_v2_0.done"]["cred_ex_id"]>().toEqualTypeOf<string>();
  expectTypeOf<AcapyRecords["issue_credential_v2_0.done"]["state"]>().toEqualTypeOf<"done" | undefined>();
  expectTypeOf<"connections.active" | "problem_report" | "present_proof_v2_0.done">().toExtend<AcapyEvent>();

  deliveries.proven("credentials:done", { cred_ex_id: "ex-1", state: "done" }, { tenantId: "acme", apiKey: "k" });
  deliveries.lissi("connection:delete", { id: "c1" }, { method: "DELETE" });
  deliveries.truvera("proof_submitted", { id: "p1", verified: true }, { token: null });
  deliveries.crossmint("credential.creation.failed", { error: { message: "m", code: 422 } }, { secret: "whsec_x", id: "msg_1", timestamp: new Date() });
  deliveries.sovrin("OpenIdCredentialIssued", { credentialId: "c1" }, { url: "http://localhost:3000", keyid: "k" });
  deliveries.acapy("issue_credential_v2_0.done", { cred_ex_id: "ex-1", state: "done", role: "issuer" }, { apiKey: "k", walletId: "w", tenantId: "t" });
  deliveries.acapy("connections.active", { connection_id: "c1", x_plugin_field: 1 });
  deliveries.acapy("problem_report", { "@id": "p1", state: "anything" });

  // @ts-expect-error: an event of another provider
  deliveries.proven("connection:update");
  // @ts-expect-error: the record id is required
  deliveries.proven("credentials:done", { state: "done" });
  // @ts-expect-error: bulk ids are strings
  deliveries.lissi("credentials:revoke", { ids: [1] });
  // @ts-expect-error: Truvera's credential id is a string
  deliveries.truvera("credential_issued", { id: 40 });
  // @ts-expect-error: Crossmint's success carries the credential
  deliveries.crossmint("credential.creation.succeeded", { pass: "link" });
  // @ts-expect-error: options of another provider
  deliveries.truvera("did_create", undefined, { secret: "whsec_x" });
  // @ts-expect-error: an ACA-Py event name is <topic>.<state>
  deliveries.acapy("issue_credential_v2_0.finished");
  // @ts-expect-error: the record's state is the event's
  deliveries.acapy("issue_credential_v2_0.done", { cred_ex_id: "ex-1", state: "abandoned" });
  // @ts-expect-error: the record id is required
  deliveries.acapy("present_proof_v2_0.done", { state: "done", verified: "true" });
  // @ts-expect-error: walletId is ACA-Py's
  deliveries.proven("credentials:done", undefined, { walletId: "w" });
});

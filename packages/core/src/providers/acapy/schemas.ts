import { z } from "zod";
import type { DocumentedFields } from "../../types.js";

// ACA-Py posts the bare record (no envelope) to `<base>/topic/<topic>/`; which fields a
// record carries depends on the ACA-Py version, on `--debug-webhooks` (full records instead
// of the trimmed webhook views) and on plugins. So every record is open (unknown fields pass
// through), every field but the record id is optional, and strings may be null.
const text = z.string().nullable().optional();
const flag = z.boolean().nullable().optional();
const object = z.record(z.string(), z.unknown()).nullable().optional();
const timestamps = {
  /** ISO 8601 time the record was created. */
  created_at: text,
  /** ISO 8601 time of the record's last change: part of the dedupe id. */
  updated_at: text,
};

/**
 * A connection record (`connections` topic, ACA-Py `ConnRecord`). `state` is the RFC 160
 * state (`invitation`, `request`, `response`, `active`, …), `rfc23_state` the DID Exchange one.
 *
 * @example
 * ```ts
 * acapyConnectionRecord.parse({ connection_id: "c1", state: "active" });
 * ```
 */
export const acapyConnectionRecord = z.looseObject({
  connection_id: z.string().min(1),
  state: text,
  rfc23_state: text,
  their_role: text,
  my_did: text,
  their_did: text,
  their_label: text,
  their_public_did: text,
  invitation_key: text,
  invitation_msg_id: text,
  invitation_mode: text,
  request_id: text,
  accept: text,
  alias: text,
  error_msg: text,
  inbound_connection_id: text,
  connection_protocol: text,
  ...timestamps,
});

/**
 * An out-of-band record (`out_of_band` topic, ACA-Py `OobRecord`).
 *
 * @example
 * ```ts
 * acapyOobRecord.parse({ oob_id: "o1", state: "await-response" });
 * ```
 */
export const acapyOobRecord = z.looseObject({
  oob_id: z.string().min(1),
  state: text,
  role: text,
  invi_msg_id: text,
  invitation: object,
  connection_id: text,
  attach_thread_id: text,
  our_recipient_key: text,
  their_service: object,
  reuse_msg_id: text,
  multi_use: flag,
  trace: flag,
  ...timestamps,
});

/**
 * A v2.0 credential exchange record (`issue_credential_v2_0` topic): by default ACA-Py
 * posts its trimmed webhook view (`V20CredExRecordWebhook`); with `--debug-webhooks` the
 * full record, whose offer, request and credential are typed here as open objects.
 *
 * @example
 * ```ts
 * acapyCredExRecord.parse({ cred_ex_id: "x1", state: "done", role: "issuer" });
 * ```
 */
export const acapyCredExRecord = z.looseObject({
  cred_ex_id: z.string().min(1),
  state: text,
  role: text,
  initiator: text,
  connection_id: text,
  thread_id: text,
  parent_thread_id: text,
  cred_def_id: text,
  credential_definition_id: text,
  schema_id: text,
  credential_id: text,
  cred_id_stored: text,
  revoc_reg_id: text,
  revocation_id: text,
  public_did: text,
  auto_offer: flag,
  auto_issue: flag,
  auto_remove: flag,
  error_msg: text,
  trace: flag,
  // --debug-webhooks only:
  cred_preview: object,
  cred_proposal: object,
  cred_offer: object,
  cred_request: object,
  cred_issue: object,
  by_format: object,
  ...timestamps,
});

// Fields every credential-format detail record shares (Indy, JSON-LD, AnonCreds), and those
// of the two revocable formats.
const credExDetail = { cred_ex_id: text, cred_id_stored: text, state: text, ...timestamps };
const revocableDetail = { cred_request_metadata: object, rev_reg_id: text, cred_rev_id: text };

/**
 * The Indy detail of a v2.0 credential exchange (`issue_credential_v2_0_indy` topic).
 * `cred_ex_id` links it to its exchange.
 *
 * @example
 * ```ts
 * acapyCredExIndyRecord.parse({ cred_ex_indy_id: "i1", cred_ex_id: "x1", cred_rev_id: "3" });
 * ```
 */
export const acapyCredExIndyRecord = z.looseObject({
  cred_ex_indy_id: z.string().min(1),
  ...credExDetail,
  ...revocableDetail,
});

/**
 * The JSON-LD detail of a v2.0 credential exchange (`issue_credential_v2_0_ld_proof` topic).
 *
 * @example
 * ```ts
 * acapyCredExLdProofRecord.parse({ cred_ex_ld_proof_id: "l1", cred_ex_id: "x1" });
 * ```
 */
export const acapyCredExLdProofRecord = z.looseObject({
  cred_ex_ld_proof_id: z.string().min(1),
  ...credExDetail,
});

/**
 * The AnonCreds detail of a v2.0 credential exchange (`issue_credential_v2_0_anoncreds` topic).
 *
 * @example
 * ```ts
 * acapyCredExAnonCredsRecord.parse({ cred_ex_anoncreds_id: "a1", cred_ex_id: "x1" });
 * ```
 */
export const acapyCredExAnonCredsRecord = z.looseObject({
  cred_ex_anoncreds_id: z.string().min(1),
  ...credExDetail,
  ...revocableDetail,
});

/**
 * A v2.0 presentation exchange record (`present_proof_v2_0` topic, `V20PresExRecordWebhook`
 * by default). `verified` is the string `"true"` or `"false"` once the verifier has checked
 * the presentation.
 *
 * @example
 * ```ts
 * acapyPresExRecord.parse({ pres_ex_id: "p1", state: "done", verified: "true" });
 * ```
 */
export const acapyPresExRecord = z.looseObject({
  pres_ex_id: z.string().min(1),
  state: text,
  role: text,
  initiator: text,
  connection_id: text,
  thread_id: text,
  verified: z.union([z.string(), z.boolean()]).nullable().optional(),
  verified_msgs: z.array(z.string()).nullable().optional(),
  auto_present: flag,
  auto_verify: flag,
  error_msg: text,
  trace: flag,
  // --debug-webhooks only:
  pres_proposal: object,
  pres_request: object,
  pres: object,
  by_format: object,
  ...timestamps,
});

/**
 * A received DIDComm basic message (`basicmessages` topic). Not a stored record: it has no
 * `updated_at`, and `message_id` is the message's own `@id`.
 *
 * @example
 * ```ts
 * acapyBasicMessage.parse({ message_id: "m1", connection_id: "c1", content: "hi", state: "received" });
 * ```
 */
export const acapyBasicMessage = z.looseObject({
  message_id: z.string().min(1),
  connection_id: text,
  content: text,
  state: text,
  sent_time: text,
  locale: text,
});

/**
 * An issuer's credential revocation record (`issuer_cred_rev` topic): one per issued
 * revocable credential, `issued` then `revoked`. `cred_ex_id` is the exchange that issued it.
 *
 * @example
 * ```ts
 * acapyIssuerCredRevRecord.parse({ record_id: "r1", state: "revoked", cred_ex_id: "x1" });
 * ```
 */
export const acapyIssuerCredRevRecord = z.looseObject({
  record_id: z.string().min(1),
  state: text,
  cred_ex_id: text,
  cred_ex_version: text,
  rev_reg_id: text,
  cred_def_id: text,
  cred_rev_id: text,
  ...timestamps,
});

/**
 * An issuer's revocation registry record (`revocation_registry` topic, `IssuerRevRegRecord`).
 *
 * @example
 * ```ts
 * acapyRevRegRecord.parse({ record_id: "rr1", state: "active", revoc_reg_id: "…" });
 * ```
 */
export const acapyRevRegRecord = z.looseObject({
  record_id: z.string().min(1),
  state: text,
  cred_def_id: text,
  issuer_did: text,
  revoc_reg_id: text,
  revoc_def_type: text,
  tag: text,
  max_cred_num: z.number().nullable().optional(),
  revoc_reg_def: object,
  revoc_reg_entry: object,
  tails_hash: text,
  tails_local_path: text,
  tails_public_uri: text,
  pending_pub: z.array(z.string()).nullable().optional(),
  error_msg: text,
  ...timestamps,
});

/**
 * A DIDComm problem report received from the other agent (`problem_report` topic): the
 * message itself, so its id is `@id`.
 *
 * @example
 * ```ts
 * acapyProblemReport.parse({ "@id": "pr1", description: { en: "bad", code: "abandoned" } });
 * ```
 */
export const acapyProblemReport = z.looseObject({
  "@id": z.string().min(1),
  "@type": text,
  "~thread": z.looseObject({ thid: text, pthid: text }).nullable().optional(),
  description: z.looseObject({ en: text, code: text }).nullable().optional(),
  problem_items: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
  who_retries: text,
  fix_hint: object,
  impact: text,
  where: text,
  noticed_time: text,
  tracking_uri: text,
  escalation_uri: text,
});

/**
 * The states ACA-Py documents per topic (its record classes' `STATE_*` constants, plus the
 * `deleted` every stored record reports when it is removed). A delivery of a state listed
 * here is the event `<topic>.<state>`; another state of the same topic is still delivered,
 * as `<topic>.<state>` to `onUnhandled` (see the README).
 *
 * @example
 * ```ts
 * ACAPY_TOPIC_STATES.connections; // ["init", "invitation", "request", "response", "active", "error", "deleted"]
 * ```
 */
export const ACAPY_TOPIC_STATES = {
  connections: ["init", "invitation", "request", "response", "active", "error", "deleted"],
  out_of_band: ["initial", "prepare-response", "await-response", "reuse-not-accepted", "reuse-accepted", "done", "deleted"],
  issue_credential_v2_0: [
    "proposal-sent",
    "proposal-received",
    "offer-sent",
    "offer-received",
    "request-sent",
    "request-received",
    "credential-issued",
    "credential-received",
    "done",
    "credential-revoked",
    "abandoned",
    "deleted",
  ],
  present_proof_v2_0: [
    "proposal-sent",
    "proposal-received",
    "request-sent",
    "request-received",
    "presentation-sent",
    "presentation-received",
    "done",
    "abandoned",
    "deleted",
  ],
  basicmessages: ["received"],
  issuer_cred_rev: ["issued", "revoked", "deleted"],
  revocation_registry: ["init", "generated", "posted", "active", "full", "decommissioned", "deleted"],
} as const;

/**
 * Topics whose records carry no state (the credential exchange details, problem reports):
 * their event is named by the topic alone, whatever `state` the record may carry.
 *
 * @example
 * ```ts
 * ACAPY_STATELESS_TOPICS.includes("problem_report"); // true
 * ```
 */
export const ACAPY_STATELESS_TOPICS = ["issue_credential_v2_0_indy", "issue_credential_v2_0_ld_proof", "issue_credential_v2_0_anoncreds", "problem_report"] as const;

/**
 * A topic credhooks types.
 *
 * @example
 * ```ts
 * const topic: AcapyTopic = "issue_credential_v2_0"; // posted to /topic/issue_credential_v2_0/
 * ```
 */
export type AcapyTopic = keyof typeof ACAPY_TOPIC_STATES | (typeof ACAPY_STATELESS_TOPICS)[number];

/**
 * The field holding each known topic's record id (ACA-Py's `RECORD_ID_NAME`).
 *
 * @example
 * ```ts
 * ACAPY_RECORD_ID_FIELD.issue_credential_v2_0; // "cred_ex_id"
 * ```
 */
export const ACAPY_RECORD_ID_FIELD: Readonly<Record<AcapyTopic, string>> = {
  connections: "connection_id",
  out_of_band: "oob_id",
  issue_credential_v2_0: "cred_ex_id",
  issue_credential_v2_0_indy: "cred_ex_indy_id",
  issue_credential_v2_0_ld_proof: "cred_ex_ld_proof_id",
  issue_credential_v2_0_anoncreds: "cred_ex_anoncreds_id",
  present_proof_v2_0: "pres_ex_id",
  basicmessages: "message_id",
  issuer_cred_rev: "record_id",
  revocation_registry: "record_id",
  problem_report: "@id",
};

// The typed view of a record: its documented fields only (a misspelled field is a compile
// error); fields ACA-Py adds are still there at run time, and always in `event.raw`.
const documented = <R extends z.ZodType>(record: R) => record as unknown as z.ZodType<DocumentedFields<z.output<R>>, z.input<R>>;

/**
 * The payload of every ACA-Py event. ACA-Py posts the bare record; credhooks wraps it so the
 * `x-wallet-id` header travels with it (also into the failure sink and through replays):
 * - `record`: the record exactly as ACA-Py posted it (`record.wallet_id`, if a plugin adds
 *   one, is the record's own field);
 * - `walletId`: the `x-wallet-id` header, the sub-wallet that emitted the event under
 *   multitenancy (undefined for the base wallet);
 * - `topic` and `state`: from the URL and from `record.state`.
 *
 * @example
 * ```ts
 * hooks.on("issue_credential_v2_0.done", (event) => {
 *   event.payload.walletId;          // "x-wallet-id" header
 *   event.payload.record.cred_ex_id; // the record's fields
 * });
 * ```
 */
function eventSchema<const T extends string, const S extends string | undefined, R extends z.ZodType>(topic: T, state: S, record: R) {
  return z.object({
    topic: z.literal(topic),
    state: (state === undefined ? z.string().optional() : z.literal(state)) as S extends string ? z.ZodLiteral<S> : z.ZodOptional<z.ZodString>,
    walletId: z.string().optional(),
    record: documented(record),
  });
}

/**
 * The schema of one ACA-Py event: topic, state, wallet id and record.
 *
 * @example
 * ```ts
 * type Done = z.output<(typeof acapyEvents)["issue_credential_v2_0.done"]>; // one AcapyEventSchema's output
 * ```
 */
export type AcapyEventSchema<T extends string, S extends string | undefined, R extends z.ZodType> = ReturnType<typeof eventSchema<T, S, R>>;

function topicEvents<const T extends keyof typeof ACAPY_TOPIC_STATES, R extends z.ZodType>(topic: T, record: R) {
  const events: Record<string, z.ZodType> = {};
  for (const state of ACAPY_TOPIC_STATES[topic]) events[`${topic}.${state}`] = eventSchema(topic, state, record);
  return events as { [S in (typeof ACAPY_TOPIC_STATES)[T][number] as `${T}.${S}`]: AcapyEventSchema<T, S, R> };
}

function statelessEvent<const T extends (typeof ACAPY_STATELESS_TOPICS)[number], R extends z.ZodType>(topic: T, record: R) {
  return { [topic]: eventSchema(topic, undefined, record) } as { [K in T]: AcapyEventSchema<T, undefined, R> };
}

/**
 * ACA-Py's events: `<topic>.<state>` for every documented state of a stateful topic
 * (`connections.active`, `issue_credential_v2_0.done`, …) and the bare topic for stateless
 * ones (`issue_credential_v2_0_indy`, `problem_report`).
 *
 * @example
 * ```ts
 * Object.keys(acapyEvents).includes("present_proof_v2_0.done"); // true
 * ```
 */
export const acapyEvents = {
  ...topicEvents("connections", acapyConnectionRecord),
  ...topicEvents("out_of_band", acapyOobRecord),
  ...topicEvents("issue_credential_v2_0", acapyCredExRecord),
  ...statelessEvent("issue_credential_v2_0_indy", acapyCredExIndyRecord),
  ...statelessEvent("issue_credential_v2_0_ld_proof", acapyCredExLdProofRecord),
  ...statelessEvent("issue_credential_v2_0_anoncreds", acapyCredExAnonCredsRecord),
  ...topicEvents("present_proof_v2_0", acapyPresExRecord),
  ...topicEvents("basicmessages", acapyBasicMessage),
  ...topicEvents("issuer_cred_rev", acapyIssuerCredRevRecord),
  ...topicEvents("revocation_registry", acapyRevRegRecord),
  ...statelessEvent("problem_report", acapyProblemReport),
};

/**
 * An ACA-Py event name credhooks knows: topic and state.
 *
 * @example
 * ```ts
 * const name: AcapyEventName = "issue_credential_v2_0.done";
 * hooks.on(name, (event) => console.log(event.payload.record.cred_ex_id));
 * ```
 */
export type AcapyEventName = keyof typeof acapyEvents;

/**
 * The typed payload of an ACA-Py event: `{ topic, state, walletId, record }`.
 *
 * @example
 * ```ts
 * function onActive(payload: AcapyPayload<"connections.active">) {
 *   return payload.record.connection_id;
 * }
 * ```
 */
export type AcapyPayload<N extends AcapyEventName> = z.output<(typeof acapyEvents)[N]>;

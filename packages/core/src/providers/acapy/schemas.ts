import { z } from "zod";
import { NORMALIZED_EVENT_NAMES } from "../../normalized-events.js";
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

const strings = z.array(z.string()).nullable().optional();
const list = z.array(z.unknown()).nullable().optional();

/**
 * An endorsement transaction record (`endorse_transaction` topic, ACA-Py `TransactionRecord`
 * of `protocols/endorse_transaction/v1_0/models/transaction_record.py`): an author asks an
 * endorser to sign a ledger write.
 *
 * @example
 * ```ts
 * acapyTransactionRecord.parse({ transaction_id: "t1", state: "transaction_endorsed" });
 * ```
 */
export const acapyTransactionRecord = z.looseObject({
  transaction_id: z.string().min(1),
  state: text,
  connection_id: text,
  thread_id: text,
  _type: text,
  signature_request: list,
  signature_response: list,
  timing: object,
  formats: list,
  messages_attach: list,
  meta_data: object,
  endorser_write_txn: flag,
  trace: flag,
  ...timestamps,
});

/**
 * A mediation record (`mediation` topic, ACA-Py `MediationRecord` of
 * `protocols/coordinate_mediation/v1_0/models/mediation_record.py`).
 *
 * @example
 * ```ts
 * acapyMediationRecord.parse({ mediation_id: "m1", state: "granted", role: "server" });
 * ```
 */
export const acapyMediationRecord = z.looseObject({
  mediation_id: z.string().min(1),
  state: text,
  role: text,
  connection_id: text,
  routing_keys: strings,
  endpoint: text,
  mediator_terms: strings,
  recipient_terms: strings,
  ...timestamps,
});

/**
 * A Discover Features 1.0 exchange record (`discover_feature` topic,
 * `V10DiscoveryExchangeRecord` of `protocols/discovery/v1_0/models/discovery_record.py`).
 *
 * @example
 * ```ts
 * acapyDiscoveryRecord.parse({ discovery_exchange_id: "d1", state: "disclose-received" });
 * ```
 */
export const acapyDiscoveryRecord = z.looseObject({
  discovery_exchange_id: z.string().min(1),
  state: text,
  connection_id: text,
  thread_id: text,
  query_msg: object,
  disclose: object,
  trace: flag,
  ...timestamps,
});

/**
 * A Discover Features 2.0 exchange record (`discover_feature_v2_0` topic,
 * `V20DiscoveryExchangeRecord`). It has no state: its event is the bare topic.
 *
 * @example
 * ```ts
 * acapyDiscoveryV20Record.parse({ discovery_exchange_id: "d2", queries_msg: { queries: [] } });
 * ```
 */
export const acapyDiscoveryV20Record = z.looseObject({
  discovery_exchange_id: z.string().min(1),
  connection_id: text,
  thread_id: text,
  queries_msg: object,
  disclosures: object,
  trace: flag,
  ...timestamps,
});

/**
 * A holder deleted a credential from its wallet (`credential` topic for AnonCreds/Indy
 * credentials, `w3c_credential` for W3C ones): ACA-Py's holder routes
 * (`holder/routes.py`) notify `{"id": <credential id>, "state": "deleted"}`.
 *
 * @example
 * ```ts
 * acapyDeletedCredential.parse({ id: "3fa85f64", state: "deleted" });
 * ```
 */
export const acapyDeletedCredential = z.looseObject({
  id: z.string().min(1),
  state: text,
});

/**
 * A trust ping received, or the answer to one (`ping` topic, with `--monitor-ping`;
 * `protocols/trustping/v1_0/handlers/`). `responded` is only in `received`.
 *
 * @example
 * ```ts
 * acapyPing.parse({ thread_id: "t1", connection_id: "c1", state: "received", responded: true });
 * ```
 */
export const acapyPing = z.looseObject({
  thread_id: z.string().min(1),
  connection_id: text,
  comment: text,
  state: text,
  responded: flag,
});

/**
 * An action menu received from the other agent (`actionmenu` topic,
 * `protocols/actionmenu/v1_0/util.py` `save_connection_menu`); `menu` is null when the
 * menu was cleared.
 *
 * @example
 * ```ts
 * acapyActionMenu.parse({ connection_id: "c1", menu: { title: "Services", options: [] } });
 * ```
 */
export const acapyActionMenu = z.looseObject({
  connection_id: text,
  menu: object,
});

/**
 * The other agent asked for the active menu (`get-active-menu` topic, with a driver menu
 * service: `protocols/actionmenu/v1_0/driver_service.py`).
 *
 * @example
 * ```ts
 * acapyGetActiveMenu.parse({ connection_id: "c1", thread_id: "t1" });
 * ```
 */
export const acapyGetActiveMenu = z.looseObject({
  connection_id: text,
  thread_id: text,
});

/**
 * The other agent chose a menu action (`perform-menu-action` topic, driver menu service).
 *
 * @example
 * ```ts
 * acapyPerformMenuAction.parse({ connection_id: "c1", thread_id: "t1", action_name: "balance", action_params: {} });
 * ```
 */
export const acapyPerformMenuAction = z.looseObject({
  connection_id: text,
  thread_id: text,
  action_name: text,
  action_params: z.record(z.string(), z.unknown()).nullable().optional(),
});

/**
 * A mediator answered a keylist update (`keylist` topic,
 * `protocols/coordinate_mediation/v1_0/handlers/keylist_update_response_handler.py`).
 *
 * @example
 * ```ts
 * acapyKeylistUpdated.parse({ connection_id: "c1", thread_id: "t1", updated: [{ recipient_key: "did:key:z6Mk…", action: "add", result: "success" }] });
 * ```
 */
export const acapyKeylistUpdated = z.looseObject({
  connection_id: text,
  thread_id: text,
  updated: z.array(z.looseObject({ recipient_key: text, action: text, result: text })).nullable().optional(),
  mediated_connections: z.record(z.string(), z.string()).nullable().optional(),
});

/**
 * A mediator forwarded a message (`forward` topic, only with `--monitor-forward`;
 * `protocols/routing/v1_0/handlers/forward_handler.py`). `status` is an
 * `OutboundSendStatus` value (`sent_to_session`, `queued_for_delivery`, `waiting_for_pickup`, …).
 * Nothing in it tells two forwards apart, so each delivery is its own event (see the README).
 *
 * @example
 * ```ts
 * acapyForward.parse({ connection_id: "c1", status: "queued_for_delivery", recipient_key: "did:key:z6Mk…" });
 * ```
 */
export const acapyForward = z.looseObject({
  connection_id: text,
  status: text,
  recipient_key: text,
});

/**
 * An issuer notified the holder of a revocation, Revocation Notification 1.0
 * (`revocation-notification` topic, with `--monitor-revocation-notification`).
 *
 * @example
 * ```ts
 * acapyRevocationNotification.parse({ thread_id: "cred-thread", comment: "revoked" });
 * ```
 */
export const acapyRevocationNotification = z.looseObject({
  thread_id: text,
  comment: text,
});

/**
 * Revocation Notification 2.0 (`revocation-notification-v2` topic): `credential_id` is
 * `<rev_reg_id>::<cred_rev_id>` for `indy-anoncreds`.
 *
 * @example
 * ```ts
 * acapyRevocationNotificationV2.parse({ revocation_format: "indy-anoncreds", credential_id: "…::1" });
 * ```
 */
export const acapyRevocationNotificationV2 = z.looseObject({
  revocation_format: text,
  credential_id: text,
  comment: text,
});

/**
 * The other agent reused an existing connection for an out-of-band invitation
 * (`connection_reuse` topic, inviter side: `OutOfBandManager.receive_reuse_message`).
 * `thread_id` is the reuse message's id.
 *
 * @example
 * ```ts
 * acapyConnectionReuse.parse({ thread_id: "r1", connection_id: "c1", comment: "Connection c1 is being reused …" });
 * ```
 */
export const acapyConnectionReuse = z.looseObject({
  thread_id: text,
  connection_id: text,
  comment: text,
});

/**
 * The answer to this agent's connection reuse (`connection_reuse_accepted` topic, invitee
 * side): `state` is `accepted` or `rejected`. ACA-Py sends `comment` as a list of strings on
 * one rejection path (`_handle_handshake_reuse` builds it as a tuple).
 *
 * @example
 * ```ts
 * acapyConnectionReuseAccepted.parse({ thread_id: "r1", connection_id: "c1", state: "accepted" });
 * ```
 */
export const acapyConnectionReuseAccepted = z.looseObject({
  thread_id: text,
  connection_id: text,
  state: text,
  comment: z.union([z.string(), z.array(z.string())]).nullable().optional(),
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
  endorse_transaction: [
    "init",
    "transaction_created",
    "request_sent",
    "request_received",
    "transaction_endorsed",
    "transaction_refused",
    "transaction_resent",
    "transaction_resent_received",
    "transaction_cancelled",
    "transaction_acked",
    "deleted",
  ],
  mediation: ["request", "granted", "denied", "deleted"],
  discover_feature: ["query-sent", "disclose-received", "deleted"],
  credential: ["deleted"],
  w3c_credential: ["deleted"],
  ping: ["received", "response_received"],
  connection_reuse_accepted: ["accepted", "rejected"],
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
export const ACAPY_STATELESS_TOPICS = [
  "issue_credential_v2_0_indy",
  "issue_credential_v2_0_ld_proof",
  "issue_credential_v2_0_anoncreds",
  "problem_report",
  "discover_feature_v2_0",
  "actionmenu",
  "get-active-menu",
  "perform-menu-action",
  "keylist",
  "forward",
  "revocation-notification",
  "revocation-notification-v2",
  "connection_reuse",
] as const;

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
 * The field holding each known topic's record id (ACA-Py's `RECORD_ID_NAME`, or the id a
 * notification carries). `actionmenu` and `forward` carry none: see {@link acapyDedupeId}.
 *
 * @example
 * ```ts
 * ACAPY_RECORD_ID_FIELD.issue_credential_v2_0; // "cred_ex_id"
 * ```
 */
export const ACAPY_RECORD_ID_FIELD: Readonly<Record<Exclude<AcapyTopic, "actionmenu" | "forward">, string>> = {
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
  endorse_transaction: "transaction_id",
  mediation: "mediation_id",
  discover_feature: "discovery_exchange_id",
  discover_feature_v2_0: "discovery_exchange_id",
  credential: "id",
  w3c_credential: "id",
  ping: "thread_id",
  "get-active-menu": "thread_id",
  "perform-menu-action": "thread_id",
  keylist: "thread_id",
  "revocation-notification": "thread_id",
  "revocation-notification-v2": "credential_id",
  connection_reuse: "thread_id",
  connection_reuse_accepted: "thread_id",
};

/**
 * Fields that tell apart two events of one record with the same state and `updated_at`.
 * ACA-Py emits an out-of-band record's `done` without saving it when a multi-use
 * invitation is reused (`OutOfBandManager.receive_reuse_message`: "We don't want to store
 * this state"), so each reuse has the same `oob_id`, `state` and `updated_at`, and only
 * `connection_id` and `reuse_msg_id` differ.
 *
 * @example
 * ```ts
 * ACAPY_EVENT_DISCRIMINATORS.out_of_band; // ["connection_id", "reuse_msg_id"]
 * ```
 */
export const ACAPY_EVENT_DISCRIMINATORS: Readonly<Partial<Record<AcapyTopic, readonly string[]>>> = {
  out_of_band: ["connection_id", "reuse_msg_id"],
};

// The nouns of the normalized vocabulary (`credential.issued` → `credential`). An ACA-Py
// topic that is one of them (ACA-Py's holder emits `credential`) would make `<topic>.<state>`
// a normalized name, so its events are spelled `<topic>::<state>`, ACA-Py's own event-bus
// separator (`acapy::record::credential::delete`).
const RESERVED_TOPICS: ReadonlySet<string> = new Set(NORMALIZED_EVENT_NAMES.map((name) => name.slice(0, name.indexOf("."))));

/**
 * The event name of an ACA-Py delivery: `<topic>.<state>`, the bare topic for a record
 * without a state, and `<topic>::<state>` when the topic is a noun of the normalized
 * vocabulary (`credential::deleted`), so that no ACA-Py name — typed or built at run time
 * for a topic credhooks does not know — is ever a normalized name (`credential.deleted`).
 *
 * @example
 * ```ts
 * acapyEventName("connections", "active"); // "connections.active"
 * acapyEventName("credential", "deleted"); // "credential::deleted"
 * ```
 */
export function acapyEventName(topic: string, state: string | undefined): string {
  if (state === undefined) return topic;
  return RESERVED_TOPICS.has(topic) ? `${topic}::${state}` : `${topic}.${state}`;
}

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

function topicEvents<const T extends Exclude<keyof typeof ACAPY_TOPIC_STATES, ReservedTopic>, R extends z.ZodType>(topic: T, record: R) {
  const events: Record<string, z.ZodType> = {};
  for (const state of ACAPY_TOPIC_STATES[topic]) events[acapyEventName(topic, state)] = eventSchema(topic, state, record);
  return events as { [S in (typeof ACAPY_TOPIC_STATES)[T][number] as `${T}.${S}`]: AcapyEventSchema<T, S, R> };
}

// Topics that are nouns of the normalized vocabulary: their events are `<topic>::<state>`.
type ReservedTopic = "credential";

function reservedTopicEvents<const T extends ReservedTopic, R extends z.ZodType>(topic: T, record: R) {
  const events: Record<string, z.ZodType> = {};
  for (const state of ACAPY_TOPIC_STATES[topic]) events[acapyEventName(topic, state)] = eventSchema(topic, state, record);
  return events as { [S in (typeof ACAPY_TOPIC_STATES)[T][number] as `${T}::${S}`]: AcapyEventSchema<T, S, R> };
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
  ...topicEvents("endorse_transaction", acapyTransactionRecord),
  ...topicEvents("mediation", acapyMediationRecord),
  ...topicEvents("discover_feature", acapyDiscoveryRecord),
  ...statelessEvent("discover_feature_v2_0", acapyDiscoveryV20Record),
  ...reservedTopicEvents("credential", acapyDeletedCredential),
  ...topicEvents("w3c_credential", acapyDeletedCredential),
  ...topicEvents("ping", acapyPing),
  ...statelessEvent("actionmenu", acapyActionMenu),
  ...statelessEvent("get-active-menu", acapyGetActiveMenu),
  ...statelessEvent("perform-menu-action", acapyPerformMenuAction),
  ...statelessEvent("keylist", acapyKeylistUpdated),
  ...statelessEvent("forward", acapyForward),
  ...statelessEvent("revocation-notification", acapyRevocationNotification),
  ...statelessEvent("revocation-notification-v2", acapyRevocationNotificationV2),
  ...statelessEvent("connection_reuse", acapyConnectionReuse),
  ...topicEvents("connection_reuse_accepted", acapyConnectionReuseAccepted),
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

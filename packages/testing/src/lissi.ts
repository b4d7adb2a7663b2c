import { DEV_CREDENTIALS } from "./dev-credentials.js";
import { assertEvent, placeOf, type DeliveryOptions, type TestDelivery } from "./delivery.js";
import type { LissiEvent, LissiPayloads } from "./payload-types.js";
import { LISSI_SAMPLES } from "./samples.js";

/**
 * Options of {@link lissiDelivery}.
 *
 * @example
 * ```ts
 * const options: LissiDeliveryOptions = { apiKey: "tenant-key", sharedTopic: true };
 * ```
 */
export interface LissiDeliveryOptions extends DeliveryOptions {
  /** The `X-API-Key` to send; default `DEV_CREDENTIALS.LISSI_API_KEY`. `null` sends none. */
  apiKey?: string | null;
  /**
   * Shared-topic mode: post `{"event": "/connections/<id>/update", "payload": …}` to the
   * mount point itself instead of posting the payload to the event's path.
   */
  sharedTopic?: boolean;
  /** `DELETE` instead of `POST`, for deletions (path form only); default `POST`. */
  method?: "POST" | "DELETE";
}

/**
 * The path of a Lissi event below the subscriber's base URL, from its canonical name and
 * payload: `/connections/<id>/update`, `/connections/<id>/delete`, `/connections/delete`, …
 *
 * @example
 * ```ts
 * lissiEventPath("credential:revoke", { id: "c 1" }); // "/credentials/c%201/revoke"
 * lissiEventPath("proofs:delete", { ids: ["p1"] });   // "/proofs/delete"
 * ```
 */
export function lissiEventPath<E extends LissiEvent>(event: E, payload: LissiPayloads[E]): string {
  const [topic = "", action = ""] = event.split(":");
  // Singular topics carry one record, the id in the path; plural topics are bulk events.
  if (topic.endsWith("s")) return `/${topic}/${action}`;
  const id = (payload as { id?: unknown }).id;
  if (typeof id !== "string" || id === "") throw new TypeError(`A Lissi ${event} payload needs a string "id": Lissi puts the record id in the path.`);
  return `/${topic}s/${encodeURIComponent(id)}/${action}`;
}

/**
 * Builds a Lissi Agent delivery. Lissi names the event by the path below the base URL, so
 * the payload decides the path: an update posts the DTO to `/<topic>s/<dto.id>/update`; a
 * single deletion or revocation (`{ id }`) posts no body to `/<topic>s/<id>/<action>`; a
 * bulk event (`{ ids }`) posts the JSON array of ids to `/<topic>s/<action>`. Authenticated
 * by `X-API-Key`. The payload defaults to the seed example of the event.
 *
 * @example
 * ```ts
 * const d = lissiDelivery("connection:update", { id: "b25de7d9", state: "COMPLETED" });
 * d.path; // "/events/acme/lissi/connections/b25de7d9/update"
 * await request(app).post(d.path).set(d.headers).send(d.body);
 * ```
 */
export function lissiDelivery<E extends LissiEvent>(event: E, payload?: LissiPayloads[E], options: LissiDeliveryOptions = {}): TestDelivery {
  assertEvent("lissi", event, LISSI_SAMPLES);
  const { tenantId, mountPath } = placeOf("lissi", options);
  const content = payload ?? LISSI_SAMPLES[event];
  const eventPath = lissiEventPath(event, content);
  const kind = event.endsWith(":update") ? "update" : event.split(":")[0]!.endsWith("s") ? "bulk" : "record";
  // What Lissi sends as the body: the DTO, the array of ids, or nothing (the id is in the path).
  const sent: unknown = kind === "update" ? content : kind === "bulk" ? (content as { ids: unknown }).ids : undefined;
  const apiKey = options.apiKey === undefined ? DEV_CREDENTIALS.LISSI_API_KEY : options.apiKey;
  const key: Record<string, string> = apiKey === null ? {} : { "x-api-key": apiKey };
  const base = { provider: "lissi", event, tenantId, mountPath } as const;

  if (options.sharedTopic) {
    if (options.method === "DELETE") throw new TypeError("Lissi's shared-topic mode posts every event: method DELETE applies to the path form only.");
    const envelope = sent === undefined ? { event: eventPath } : { event: eventPath, payload: sent };
    return { ...base, method: "POST", path: mountPath, headers: { "content-type": "application/json", ...key }, body: JSON.stringify(envelope) };
  }
  return {
    ...base,
    method: options.method ?? "POST",
    path: mountPath + eventPath,
    // A bodyless delivery needs no Content-Type.
    headers: sent === undefined ? key : { "content-type": "application/json", ...key },
    body: sent === undefined ? "" : JSON.stringify(sent),
  };
}

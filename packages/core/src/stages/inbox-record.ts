import type { IdentifiedEvent } from "../types.js";
import type { PreparedEvent } from "./context.js";

/**
 * What the inbox keeps of an event, serialized by the core (stores see an opaque string):
 * enough to validate it again and run its handlers after a restart. The provider's secrets
 * are not in it: `raw` is the body as the provider redacted it, `payload` the value the
 * schema validated.
 */
interface InboxRecordV1 {
  readonly v: 1;
  readonly tenantId?: string;
  readonly name: string;
  readonly dedupeId: string;
  readonly payload: unknown;
  readonly raw: unknown;
  readonly receivedAt: number;
}

export function encodeInboxRecord(prepared: PreparedEvent): string {
  const { event } = prepared;
  const record: InboxRecordV1 = { v: 1, name: event.name, dedupeId: event.id, payload: prepared.input, raw: event.raw, receivedAt: event.receivedAt.getTime(), ...(event.tenantId === undefined ? {} : { tenantId: event.tenantId }) };
  return JSON.stringify(record);
}

/** The identified event, tenant and arrival time of a record; throws on a record this version cannot read. */
export function decodeInboxRecord(text: string): { identified: IdentifiedEvent; tenantId: string | undefined; receivedAt: number } {
  const record = JSON.parse(text) as Partial<InboxRecordV1>;
  if (record.v !== 1 || typeof record.name !== "string" || typeof record.dedupeId !== "string") {
    throw new Error("credhooks: an inbox record this version cannot read (unknown format)");
  }
  return {
    identified: { name: record.name, dedupeId: record.dedupeId, payload: record.payload, raw: record.raw },
    tenantId: typeof record.tenantId === "string" ? record.tenantId : undefined,
    receivedAt: typeof record.receivedAt === "number" ? record.receivedAt : Date.now(),
  };
}

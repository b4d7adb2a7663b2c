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
  readonly tenantId?: string | undefined;
  readonly name: string;
  readonly dedupeId: string;
  readonly payload?: unknown;
  /** 1 when the payload is `raw` itself (many providers validate the whole body): kept once, not twice. */
  readonly same?: 1 | undefined;
  readonly raw: unknown;
  readonly receivedAt: number;
}

export function encodeInboxRecord(prepared: PreparedEvent): string {
  const { event } = prepared;
  const record: InboxRecordV1 = { v: 1, tenantId: event.tenantId, name: event.name, dedupeId: event.id, ...(prepared.input === event.raw ? { same: 1 } : { payload: prepared.input }), raw: event.raw, receivedAt: event.receivedAt.getTime() };
  return JSON.stringify(record); // undefined fields are left out
}

/** The identified event, tenant and arrival time of a record; throws on a record this version cannot read. */
export function decodeInboxRecord(text: string): { identified: IdentifiedEvent; tenantId: string | undefined; receivedAt: number } {
  const record = JSON.parse(text) as Partial<InboxRecordV1>;
  if (record.v !== 1 || typeof record.name !== "string" || typeof record.dedupeId !== "string") {
    throw new Error("credhooks: an inbox record this version cannot read (unknown format)");
  }
  return {
    identified: { name: record.name, dedupeId: record.dedupeId, payload: record.same === 1 ? record.raw : record.payload, raw: record.raw },
    tenantId: typeof record.tenantId === "string" ? record.tenantId : undefined,
    receivedAt: typeof record.receivedAt === "number" ? record.receivedAt : Date.now(),
  };
}

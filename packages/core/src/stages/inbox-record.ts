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
  try {
    return JSON.stringify(record); // undefined fields are left out
  } catch (error) {
    // A hostile body nested deeper than JSON.stringify's recursion allows (JSON.parse took
    // it): serialize without recursion, so the event is still kept.
    if (error instanceof RangeError) return stringifyWithoutRecursion(record);
    throw error;
  }
}

/** A punctuation token on the work stack of {@link stringifyWithoutRecursion}. */
class Token {
  constructor(readonly text: string) {}
}
const COMMA = new Token(",");
const CLOSE_ARRAY = new Token("]");
const CLOSE_OBJECT = new Token("}");

/** `JSON.stringify` for plain JSON data, with an explicit stack instead of recursion. */
export function stringifyWithoutRecursion(root: unknown): string {
  const out: string[] = [];
  const work: unknown[] = [root];
  while (work.length > 0) {
    const item = work.pop();
    if (item instanceof Token) {
      out.push(item.text);
    } else if (Array.isArray(item)) {
      out.push("[");
      work.push(CLOSE_ARRAY);
      for (let i = item.length - 1; i >= 0; i--) {
        const value: unknown = item[i];
        work.push(value === undefined || typeof value === "function" || typeof value === "symbol" ? null : value);
        if (i > 0) work.push(COMMA);
      }
    } else if (item !== null && typeof item === "object") {
      const toJSON = (item as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        work.push(toJSON.call(item));
        continue;
      }
      const record = item as Record<string, unknown>;
      const keys = Object.keys(record).filter((key) => {
        const value = record[key];
        return value !== undefined && typeof value !== "function" && typeof value !== "symbol";
      });
      out.push("{");
      work.push(CLOSE_OBJECT);
      for (let i = keys.length - 1; i >= 0; i--) {
        work.push(record[keys[i]!]);
        work.push(new Token(JSON.stringify(keys[i]) + ":"));
        if (i > 0) work.push(COMMA);
      }
    } else {
      out.push(JSON.stringify(item) ?? "null");
    }
  }
  return out.join("");
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

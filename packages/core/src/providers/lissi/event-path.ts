import type { LissiEventName } from "./schemas.js";

/**
 * How a Lissi route carries its record(s): a DTO body, the id in the path only, or a JSON array of ids.
 *
 * @example
 * ```ts
 * parseLissiEventPath("/connections/delete")?.kind; // "bulk": the body is ["id1", …]
 * ```
 */
export type LissiRouteKind = "update" | "record" | "bulk";

/**
 * A path with Lissi's shape, `/<topic>/<id>/<event>` or `/<topic>/<event>`, as credhooks
 * understands it.
 *
 * @example
 * ```ts
 * parseLissiEventPath("/connections/b25de7d9/update/");
 * // { path: "/connections/b25de7d9/update", topic: "connections", event: "update", id: "b25de7d9",
 * //   name: "connection:update", kind: "update", known: true, methods: ["POST"] }
 * ```
 */
export interface LissiEventPath {
  /** The path in one canonical spelling: no trailing slash, the id percent-encoded. Shared-topic and path deliveries of one event have the same `path`. */
  readonly path: string;
  readonly topic: string;
  readonly event: string;
  /** The record id from the path (percent-decoded); absent on bulk routes. */
  readonly id?: string;
  /**
   * The canonical event name (`connection:update`) when credhooks knows the route;
   * otherwise the route's template (`/widgets/:id/explode`, `/widgets/explode`), which
   * names the new event type without the record id and never equals a canonical name.
   */
  readonly name: string;
  /** Whether {@link LissiEventPath.name} is one of {@link LissiEventName}. */
  readonly known: boolean;
  /** How the record(s) arrive; `undefined` for a route credhooks does not know. */
  readonly kind?: LissiRouteKind;
  /** The methods the route accepts: POST, plus DELETE for deletions. */
  readonly methods: readonly string[];
}

interface KnownRoute {
  readonly name: LissiEventName;
  readonly kind: LissiRouteKind;
}

// Lissi Agent docs: events go to `<base>/<topic>/<id>/<event>` (one record) and
// `<base>/<topic>/<event>` (a list of ids in the body).
const RECORD_ROUTES = new Map<string, ReadonlyMap<string, KnownRoute>>([
  ["connections", new Map([["update", { name: "connection:update", kind: "update" }], ["delete", { name: "connection:delete", kind: "record" }]])],
  [
    "credentials",
    new Map([
      ["update", { name: "credential:update", kind: "update" }],
      ["delete", { name: "credential:delete", kind: "record" }],
      ["revoke", { name: "credential:revoke", kind: "record" }],
    ]),
  ],
  ["proofs", new Map([["update", { name: "proof:update", kind: "update" }], ["delete", { name: "proof:delete", kind: "record" }]])],
]);

const BULK_ROUTES = new Map<string, ReadonlyMap<string, KnownRoute>>([
  ["connections", new Map([["delete", { name: "connections:delete", kind: "bulk" }]])],
  [
    "credentials",
    new Map([
      ["delete", { name: "credentials:delete", kind: "bulk" }],
      ["revoke", { name: "credentials:revoke", kind: "bulk" }],
    ]),
  ],
  ["proofs", new Map([["delete", { name: "proofs:delete", kind: "bulk" }]])],
]);

// Topic and event segments are words; anything else (a file name, a dotted segment) is
// not a Lissi event and stays a 404.
const WORD = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const POST = ["POST"] as const;
// Lissi's method is not documented; deletions may reasonably arrive as DELETE.
const POST_OR_DELETE = ["POST", "DELETE"] as const;

/**
 * Parses a path below the mount point (or the `event` of a shared-topic body) into a
 * Lissi event. One trailing slash is accepted. Returns `undefined` when the path does not
 * have Lissi's shape; a path with the shape but an unknown topic or event comes back with
 * `known: false`.
 *
 * @example
 * ```ts
 * parseLissiEventPath("/credentials/revoke")?.name; // "credentials:revoke"
 * parseLissiEventPath("/widgets/1/explode")?.name; // "/widgets/:id/explode" (known: false)
 * parseLissiEventPath("/favicon.ico"); // undefined
 * ```
 */
export function parseLissiEventPath(path: string): LissiEventPath | undefined {
  let trimmed = path.startsWith("/") ? path : `/${path}`;
  if (trimmed.length > 1 && trimmed.endsWith("/")) trimmed = trimmed.slice(0, -1);
  const segments = trimmed.slice(1).split("/");
  if (segments.length === 2) {
    const [topic = "", event = ""] = segments;
    if (!WORD.test(topic) || !WORD.test(event)) return undefined;
    const known = BULK_ROUTES.get(topic)?.get(event);
    return describe(`/${topic}/${event}`, topic, event, undefined, known);
  }
  if (segments.length === 3) {
    const [topic = "", rawId = "", event = ""] = segments;
    const id = safeDecode(rawId);
    if (!WORD.test(topic) || !WORD.test(event) || id === "") return undefined;
    const known = RECORD_ROUTES.get(topic)?.get(event);
    return describe(`/${topic}/${encodeURIComponent(id)}/${event}`, topic, event, id, known);
  }
  return undefined;
}

function describe(path: string, topic: string, event: string, id: string | undefined, known: KnownRoute | undefined): LissiEventPath {
  // Built as one literal per case (no spreads): this runs on every Lissi delivery.
  if (known) {
    const methods = known.kind === "update" || event === "revoke" ? POST : POST_OR_DELETE;
    return id === undefined ? { path, topic, event, name: known.name, known: true, kind: known.kind, methods } : { path, topic, event, id, name: known.name, known: true, kind: known.kind, methods };
  }
  const methods = event.toLowerCase() === "delete" ? POST_OR_DELETE : POST;
  return id === undefined ? { path, topic, event, name: `/${topic}/${event}`, known: false, methods } : { path, topic, event, id, name: `/${topic}/:id/${event}`, known: false, methods };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape is still an id Lissi sent: keep it as received.
    return segment;
  }
}

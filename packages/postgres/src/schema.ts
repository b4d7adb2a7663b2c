/**
 * Where the store keeps its rows: a schema and a table prefix. Names are validated and
 * quoted once here; every statement is built from them, so no name is ever interpolated
 * unchecked.
 *
 * @example
 * ```ts
 * const names: PostgresTableNames = { schema: "credhooks", tablePrefix: "hooks_" }; // credhooks.hooks_events, …
 * console.log(postgresSchemaSql(names));
 * ```
 */
export interface PostgresTableNames {
  /** The schema holding the tables (default `"public"`); `migrate()` creates it if missing. */
  schema?: string;
  /** Prefix of the table names (default `"credhooks_"`: `credhooks_events`, `credhooks_failures`, `credhooks_meta`). */
  tablePrefix?: string;
}

/** The schema this version writes; tables written by a newer one are refused by `migrate()`. */
export const SCHEMA_VERSION = 1;

/** Quoted, schema-qualified names of one store's tables and indexes. */
export interface Tables {
  readonly schema: string;
  readonly prefix: string;
  /** `"schema"."<prefix>events"`: claims, leases, handler successes, done markers and the inbox. */
  readonly events: string;
  /** `"schema"."<prefix>failures"`: the failure sink. */
  readonly failures: string;
  /** `"schema"."<prefix>meta"`: the schema version. */
  readonly meta: string;
  /** Unquoted index names (indexes live in their table's schema). */
  readonly indexes: { readonly due: string; readonly expiry: string; readonly failuresAge: string };
  /** A stable 64-bit number naming this set of tables, for the advisory lock `migrate()` takes. */
  readonly lockId: bigint;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** PostgreSQL truncates identifiers beyond 63 bytes; the longest derived name adds 14 characters. */
const MAX_PREFIX = 40;

/** Validates the names and quotes them. Throws a `RangeError` that says what is allowed. */
export function tablesOf(names: PostgresTableNames = {}): Tables {
  const schema = names.schema ?? "public";
  const prefix = names.tablePrefix ?? "credhooks_";
  if (!IDENTIFIER.test(schema) || schema.length > 63) {
    throw new RangeError(`credhooks/postgres: schema must be letters, digits and underscores (not starting with a digit, at most 63), got ${JSON.stringify(schema)}.`);
  }
  if (!(prefix === "" || IDENTIFIER.test(prefix)) || prefix.length > MAX_PREFIX) {
    throw new RangeError(`credhooks/postgres: tablePrefix must be letters, digits and underscores (not starting with a digit, at most ${MAX_PREFIX}), got ${JSON.stringify(prefix)}.`);
  }
  const q = (name: string) => `"${schema}"."${name}"`;
  return {
    schema,
    prefix,
    events: q(`${prefix}events`),
    failures: q(`${prefix}failures`),
    meta: q(`${prefix}meta`),
    indexes: { due: `${prefix}events_due`, expiry: `${prefix}events_expiry`, failuresAge: `${prefix}failures_age` },
    lockId: lockIdOf(`credhooks:${schema}.${prefix}`),
  };
}

/** FNV-1a, 64 bits, as a signed bigint (what `pg_advisory_xact_lock(bigint)` takes). */
function lockIdOf(text: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text, "utf8")) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, hash);
}

/**
 * The statements that create the tables (idempotent: `IF NOT EXISTS` throughout), in order.
 * `migrate()` runs them in one transaction under an advisory lock.
 */
export function schemaStatements(t: Tables): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS "${t.schema}"`,
    `CREATE TABLE IF NOT EXISTS ${t.meta} (
  name text PRIMARY KEY,
  value text NOT NULL
)`,
    // One row per event. Live while expires_at is NULL (an inbox entry: it never expires by
    // itself) or in the future; an expired row counts as absent and is deleted lazily.
    `CREATE TABLE IF NOT EXISTS ${t.events} (
  key text COLLATE "C" PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('open', 'done')),
  token text,
  lease_until timestamptz,
  expires_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  succeeded text[] NOT NULL DEFAULT '{}',
  queue text COLLATE "C",
  record text,
  due_at timestamptz
)`,
    `CREATE INDEX IF NOT EXISTS "${t.indexes.due}" ON ${t.events} (queue, due_at) WHERE queue IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS "${t.indexes.expiry}" ON ${t.events} (expires_at) WHERE expires_at IS NOT NULL`,
    `CREATE TABLE IF NOT EXISTS ${t.failures} (
  key text COLLATE "C" PRIMARY KEY,
  first_failed_at text COLLATE "C" NOT NULL,
  entry text NOT NULL
)`,
    `CREATE INDEX IF NOT EXISTS "${t.indexes.failuresAge}" ON ${t.failures} (first_failed_at, key)`,
    `INSERT INTO ${t.meta} (name, value) VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT (name) DO NOTHING`,
  ];
}

/**
 * The SQL that creates credhooks' tables, for teams that run their own migrations (Flyway,
 * Prisma, node-pg-migrate…) instead of `store.migrate()`: the same statements, idempotent,
 * for the given schema and table prefix.
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import { postgresSchemaSql } from "@credhooks/postgres";
 * writeFileSync("migrations/20260101_credhooks.sql", postgresSchemaSql({ schema: "webhooks" }));
 * ```
 */
export function postgresSchemaSql(names: PostgresTableNames = {}): string {
  const t = tablesOf(names);
  // "public" exists in every database, and CREATE SCHEMA needs CREATE on the database even
  // when the schema exists: leave it out for the default.
  const statements = schemaStatements(t).slice(t.schema === "public" ? 1 : 0);
  return statements.map((statement) => `${statement};\n`).join("\n");
}

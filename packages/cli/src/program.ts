import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { FailedDelivery } from "@credhooks/core";
import { createRequire } from "node:module";
import { DEFAULT_TENANT, eventsOf, isProviderId, PROVIDER_IDS } from "@credhooks/testing";
import { formatPayload, redactForDisplay, stylesFor, type Styles } from "./format.js";
import { parseReplayTarget, readFailures, redeliverFailure, type RedeliveryOutcome } from "./failures.js";
import { displayEntry } from "./inspector.js";
import { startListener, type Listener } from "./listen.js";
import { sendSample, UsageError, type SendOptions } from "./send.js";
import { openFailureStore, StoreUnavailableError } from "./stores.js";

/**
 * Where the CLI reads and writes: the process by default, buffers in tests.
 *
 * @example
 * ```ts
 * let out = "";
 * await runCli(["node", "credhooks", "events"], { stdout: (t) => (out += t) });
 * ```
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colours). */
  isTty: boolean;
  /** Resolves when `listen` should stop; default SIGINT or SIGTERM. */
  untilStopped: (listener: Listener) => Promise<void>;
}

const DEFAULT_URL = "http://127.0.0.1:3000";

const CREDENTIALS_HELP = `
Credentials (the example servers' environment variables; unset = the public development
credentials of @credhooks/testing, so send and listen work together out of the box):
  proven     PROVEN_API_KEY     X-API-Key
  lissi      LISSI_API_KEY      X-API-Key
  truvera    TRUVERA_TOKEN      token in the body
  crossmint  CROSSMINT_SECRET   Svix signing secret (whsec_…)
  sovrin     SOVRIN_JWKS        public JWKS JSON (or SOVRIN_JWKS_URL); send signs with the
                                development key unless --secret gives a private JWK
  acapy      ACAPY_API_KEY      x-api-key (the #<key> suffix of ACA-Py's webhook URL)`;

/**
 * Builds the `credhooks` command line program: `send`, `listen`, `events`, `failures` and `replay`.
 *
 * @example
 * ```ts
 * const program = createProgram(io, (code) => (exitCode = code));
 * await program.parseAsync(process.argv);
 * ```
 */
export function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command("credhooks")
    .description("Send signed sample webhook deliveries of verifiable-credential platforms, and run a local receiver that prints every event.")
    .version(VERSION, "-v, --version")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .addHelpText("after", `\nProviders: ${PROVIDER_IDS.join(", ")}. List their events with: credhooks events\n${CREDENTIALS_HELP}\n\nExamples:\n  credhooks listen                                  # then open http://127.0.0.1:3000/\n  credhooks send proven credentials:done\n  credhooks send acapy issue_credential_v2_0.done --wallet-id 3b1d5a4e\n  credhooks send crossmint credential.creation.succeeded --url https://my-app.example --tenant acme --secret whsec_…\n  credhooks failures --store redis://127.0.0.1:6379\n  credhooks replay --all --store ./credhooks.db --url http://127.0.0.1:3000`);

  program
    .command("send")
    .description("Send a signed sample delivery of <provider>'s <event> to a receiver and print its answer. Exits 1 unless it answers 2xx.")
    .argument("<provider>", `one of ${PROVIDER_IDS.join(", ")}`)
    .argument("<event>", "the event name, e.g. credentials:done (see: credhooks events <provider>)")
    .option("--url <url>", "the receiver: an origin (the delivery goes to /events/<tenant>/<provider>, as the example servers and credhooks listen mount it) or the full URL your receiver is mounted at", DEFAULT_URL)
    .option("--tenant <id>", "the tenant id in /events/<tenant>/<provider>", DEFAULT_TENANT)
    .option("--secret <value>", "the credential to sign with: API key (proven, lissi, acapy), token (truvera), whsec_ secret (crossmint), private Ed25519 JWK as JSON or a file (sovrin). Default: the environment variable below, else the development credential")
    .option("--data <file>", "a JSON file with the event's payload (what the handler receives as event.payload; for acapy the record, event.payload.record) instead of the sample; - reads stdin")
    .option("--id <id>", "the event id: svix-id (crossmint) or event.id (sovrin); repeat it to see a redelivery deduplicated")
    .option("--shared-topic", "lissi: send in shared-topic mode, {event, payload} to the mount point")
    .option("--wallet-id <id>", "acapy: the sub-wallet in x-wallet-id, as ACA-Py sends it under multitenancy")
    .option("--timeout <seconds>", "how long to wait for the answer", "30")
    .addHelpText("after", CREDENTIALS_HELP)
    .action(async (provider: string, event: string, options: SendOptions) => {
      const outcome = await sendSample(provider, event, options, io.env);
      const style = stylesFor(io.isTty, io.env);
      const ok = outcome.status >= 200 && outcome.status < 300;
      io.stdout(`${style.dim("→")} ${outcome.delivery.method} ${outcome.url}  ${style.dim(`(${provider} ${event})`)}\n`);
      io.stdout(`${ok ? style.green("←") : style.red("←")} ${ok ? style.green(String(outcome.status)) : style.red(String(outcome.status))} ${outcome.statusText}\n`);
      if (outcome.body !== "") io.stdout(outcome.body + (outcome.body.endsWith("\n") ? "" : "\n"));
      setExitCode(ok ? 0 : 1);
    });

  program
    .command("listen")
    .description(
      "Start a local receiver with every provider mounted at /events/:tenantId/<provider>, print each event it handles (and each delivery it refuses, with the reason), and serve the inspector page at / (127.0.0.1 only): deliveries live, the failure sink, replay, sample sends.",
    )
    .addOption(new Option("-p, --port <port>", "the port (0 picks a free one)").default(3000).env("PORT").argParser(parsePort))
    .option("--host <host>", "the interface to listen on", "127.0.0.1")
    .option("--json", "print one JSON object per line instead of the readable view")
    .option("--store <url-or-file>", "where claims, the inbox and the failure sink live: redis://…, postgres://… or a SQLite file (default: $CREDHOOKS_STORE, else memory)")
    .option("--fail <event>", "make the handler of this event throw (repeatable; * for every event), so deliveries reach the failure sink; turn it off in the inspector", collect, [] as string[])
    .option("--no-inspector", "do not serve the inspector page and its API")
    .addHelpText("after", CREDENTIALS_HELP)
    .action(async (options: { port: number; host: string; json?: boolean; store?: string; fail: string[]; inspector: boolean }) => {
      const style = stylesFor(io.isTty, io.env);
      let listener: Listener;
      try {
        listener = await startListener({
          port: options.port,
          host: options.host,
          json: options.json === true,
          env: io.env,
          write: io.stdout,
          styles: style,
          fail: options.fail,
          inspector: options.inspector,
          ...(storeOf(options.store, io.env) === undefined ? {} : { store: storeOf(options.store, io.env)! }),
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(`port ${options.port} on ${options.host} is in use: stop what runs there or pick another with --port.`);
        throw error;
      }
      io.stdout(`credhooks listening on ${listener.url}\n`);
      if (!options.json) {
        for (const receiver of listener.receivers) {
          const source = receiver.credential.fromEnv ? `${receiver.credential.variable} from the environment` : `development credential (set ${receiver.credential.variable} to change it)`;
          io.stdout(style.dim(`  ${receiver.id.padEnd(10)} ${listener.url}${receiver.path.replace(":tenantId", "<tenant>")}${receiver.id === "lissi" ? "/…" : ""}  ·  ${source}\n`));
        }
        if (listener.storeLocation !== "memory") io.stdout(style.dim(`  store      ${listener.storeLocation}\n`));
        if (options.fail.length > 0) io.stdout(style.dim(`  failing    the handlers of ${options.fail.join(", ")} throw until turned off in the inspector\n`));
        if (listener.inspectorUrl !== undefined) io.stdout(`  Inspector: ${listener.inspectorUrl}  (deliveries live, failure sink, replay — open it in a browser)\n`);
        io.stdout(style.dim("  Try: credhooks send proven credentials:done --url " + listener.url + "\n"));
      }
      await io.untilStopped(listener);
      await listener.close();
    });

  program
    .command("failures")
    .description("List the deliveries kept in a failure sink (handlers failed and the sender never redelivers, or the payload did not validate): key, provider, tenant, event, reason, attempts, last error.")
    .option("--store <url-or-file>", "the failure sink: redis://…, postgres://… or a SQLite file, as your receivers use it (default: $CREDHOOKS_STORE)")
    .option("--json", "one JSON object per entry and line (payload included, provider secrets redacted)")
    .addOption(new Option("--limit <n>", "at most this many entries").default(50).argParser(parseLimit))
    .option("--after <key>", "entries after this key (the sink lists in key order): the next page")
    .option("--provider <id>", "only this provider's entries")
    .option("--tenant <id>", "only this tenant's entries")
    .option("--payload", "show each entry's payload (provider secrets redacted)")
    .option("--prefix <prefix>", "the store's key prefix (Redis) or table prefix (SQLite, PostgreSQL), when not the default credhooks_ / credhooks:")
    .addHelpText("after", STORE_HELP)
    .action(async (options: { store?: string; json?: boolean; limit: number; after?: string; provider?: string; tenant?: string; payload?: boolean; prefix?: string }) => {
      checkProviderFilter(options.provider);
      const style = stylesFor(io.isTty, io.env);
      const opened = await openFailureStore(storeOf(options.store, io.env), io.env, { warn: io.stderr, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
      try {
        const { entries, more } = await readFailures(opened.failures, options);
        if (options.json) {
          io.stdout(entries.map((entry) => JSON.stringify(displayEntry(entry)) + "\n").join(""));
          return;
        }
        if (entries.length === 0) {
          io.stdout(`No failed deliveries${filterText(options)} in ${opened.location}.\n`);
          return;
        }
        io.stdout(`${entries.length}${more ? "+" : ""} failed ${entries.length === 1 && !more ? "delivery" : "deliveries"}${filterText(options)} in ${opened.location} (key order):\n\n`);
        for (const entry of entries) io.stdout(formatEntry(entry, style, options.payload === true));
        if (more) io.stdout(style.dim(`More: credhooks failures --after ${shellQuote(entries.at(-1)!.key)} (or --limit)\n`));
        io.stdout(style.dim(`Replay: credhooks replay <key> --url <your receiver> (or --all); see credhooks replay --help\n`));
      } finally {
        await opened.close();
      }
    });

  program
    .command("replay")
    .description(
      "Send kept deliveries again to your running receiver, authenticated as their sender would (the credentials send uses), and remove each from the failure sink once the receiver answered 2xx. Exits 0 when every one was replayed, 1 when one failed or was not found, 2 for a usage or connection error.",
    )
    .argument("[keys...]", "the keys of the entries (see: credhooks failures); quote them, they may hold | or #")
    .option("--all", "every entry of the sink (with --provider / --tenant: theirs)")
    .option("--url <url>", "required: the receiver — an origin (each entry goes to /events/<tenant>/<provider>) or the URL it is mounted at, where {tenant} and {provider} are filled in")
    .option("--store <url-or-file>", "the failure sink: redis://…, postgres://… or a SQLite file (default: $CREDHOOKS_STORE)")
    .option("--provider <id>", "with --all: only this provider's entries")
    .option("--tenant <id>", "with --all: only this tenant's entries")
    .option("--secret <value>", "the credential to sign with instead of the provider's environment variable (one provider's: use with one key or --provider)")
    .option("--json", "one JSON object per entry and line: {key, status, httpStatus?, url?, message?}")
    .option("--timeout <seconds>", "how long to wait for each answer", "30")
    .option("--prefix <prefix>", "the store's key prefix (Redis) or table prefix (SQLite, PostgreSQL)")
    .addHelpText("after", `${STORE_HELP}\n\nThe receiver handles each delivery as it would the sender's: its handlers run, it answers\n2xx, and the entry is removed (a 2xx duplicate — handled already — removes it too). Any other\nanswer leaves the entry; the receiver may keep it again with one more attempt.\n${CREDENTIALS_HELP}`)
    .action(async (keys: string[], options: { all?: boolean; url?: string; store?: string; provider?: string; tenant?: string; secret?: string; json?: boolean; timeout: string; prefix?: string }) => {
      if (options.all && keys.length > 0) throw new UsageError("give keys or --all, not both.");
      if (!options.all && keys.length === 0) throw new UsageError("name the entries to replay: credhooks replay <key>… (see credhooks failures), or --all.");
      if (!options.all && (options.provider !== undefined || options.tenant !== undefined)) throw new UsageError("--provider and --tenant filter --all.");
      if (options.url === undefined) {
        throw new UsageError("--url is required: the receiver to send the kept deliveries to, e.g. --url http://127.0.0.1:3000 (your app, or credhooks listen).");
      }
      checkProviderFilter(options.provider);
      const target = parseReplayTarget(options.url);
      const seconds = Number(options.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(options.timeout)}.`);
      const style = stylesFor(io.isTty, io.env);
      const opened = await openFailureStore(storeOf(options.store, io.env), io.env, { warn: io.stderr, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
      const outcomes: RedeliveryOutcome[] = [];
      try {
        const redeliver = async (key: string) => {
          const outcome = await redeliverFailure(opened.failures, key, { target, env: io.env, timeoutMs: seconds * 1000, ...(options.secret === undefined ? {} : { secret: options.secret }) });
          outcomes.push(outcome);
          io.stdout(options.json ? JSON.stringify(outcomeJson(outcome)) + "\n" : formatOutcome(outcome, style));
        };
        if (options.all) {
          // Page by key; a replayed entry is deleted, a kept one is passed by `after`.
          let after: string | undefined;
          for (;;) {
            const { entries, more } = await readFailures(opened.failures, { limit: 100, after, provider: options.provider, tenant: options.tenant });
            for (const entry of entries) await redeliver(entry.key);
            if (!more || entries.length === 0) break;
            after = entries.at(-1)!.key;
          }
          if (outcomes.length === 0 && !options.json) io.stdout(`No failed deliveries${filterText(options)} in ${opened.location}: nothing to replay.\n`);
        } else {
          for (const key of keys) await redeliver(key);
        }
      } finally {
        await opened.close();
      }
      const replayed = outcomes.filter((outcome) => outcome.status === "replayed").length;
      const rest = outcomes.length - replayed;
      if (!options.json && outcomes.length > 1) {
        io.stdout(`${replayed} replayed${rest > 0 ? `, ${rest} not (still in the failure sink unless not found)` : ""}.\n`);
      }
      setExitCode(rest > 0 ? 1 : 0);
    });

  program
    .command("events")
    .description("List the event names send takes, one per line: `<provider> <event>` for every provider, or only the names of one provider.")
    .argument("[provider]", "only this provider: one event name per line, nothing else")
    .action((provider: string | undefined) => {
      if (provider !== undefined && !isProviderId(provider)) throw new UsageError(`unknown provider ${JSON.stringify(provider)}. Valid providers: ${PROVIDER_IDS.join(", ")}.`);
      // Plain lines for scripts (`for e in $(credhooks events lissi)`, `while read provider event`): no headers, no indentation.
      if (provider !== undefined) io.stdout(eventsOf(provider).map((event) => `${event}\n`).join(""));
      else io.stdout(PROVIDER_IDS.flatMap((id) => eventsOf(id).map((event) => `${id} ${event}\n`)).join(""));
    });

  return program;
}

/**
 * Runs the CLI with `argv` (`process.argv` shape: node, script, args…) and resolves with
 * the exit code: 0 on success, 1 when a delivery was refused or failed (or a replay did not
 * succeed), 2 for a usage mistake (unknown provider or event, bad option) or a store that
 * cannot be reached.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv);
 * ```
 */
export async function runCli(argv: readonly string[], overrides: Partial<CliIo> = {}): Promise<number> {
  const io: CliIo = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    isTty: process.stdout.isTTY === true,
    untilStopped: untilSignal,
    ...overrides,
  };
  let exitCode = 0;
  const program = createProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError || error instanceof StoreUnavailableError) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const STORE_HELP = `
The failure sink (--store, else CREDHOOKS_STORE, as the example servers read it):
  redis://host:6379       @credhooks/redis (install it and ioredis beside the CLI); entries
                          encrypted at rest are read with CREDHOOKS_SINK_KEY (comma-separated
                          when keys were rotated)
  postgres://user@host/db @credhooks/postgres (and pg); its tables must exist
  ./credhooks.db          @credhooks/sqlite: the file your receivers use`;

/** `--store`, else `CREDHOOKS_STORE` (as the example servers read it). */
function storeOf(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (flag !== undefined) return flag;
  const value = env["CREDHOOKS_STORE"];
  return value === undefined || value.trim() === "" ? undefined : value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value) || limit < 1) throw new InvalidArgumentError("expected a whole number ≥ 1.");
  return limit;
}

function checkProviderFilter(provider: string | undefined): void {
  if (provider !== undefined && !isProviderId(provider)) throw new UsageError(`unknown provider ${JSON.stringify(provider)}. Valid providers: ${PROVIDER_IDS.join(", ")}.`);
}

function filterText(options: { provider?: string | undefined; tenant?: string | undefined }): string {
  const parts = [options.provider === undefined ? "" : `of ${options.provider}`, options.tenant === undefined ? "" : `for tenant ${options.tenant}`].filter((part) => part !== "");
  return parts.length === 0 ? "" : ` ${parts.join(" ")}`;
}

/** A key as one shell word: single-quoted unless it is plainly safe. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}

function formatEntry(entry: FailedDelivery, style: Styles, payload: boolean): string {
  const attempts = `${entry.attempts} attempt${entry.attempts === 1 ? "" : "s"}`;
  const head = `${style.bold(entry.key)}\n`;
  const meta = `  ${entry.provider} ${style.bold(entry.name ?? "(no event name)")} · tenant ${entry.tenantId ?? "(none)"} · ${style.red(entry.reason)} · ${attempts} · last failed ${entry.lastFailedAt}\n`;
  const error = `  ${style.dim(entry.error)}\n`;
  const shown = payload ? formatPayload(redactForDisplay(entry.provider, entry.payload), "    ") + "\n" : "";
  return `${head}${meta}${error}${shown}\n`;
}

function outcomeJson(outcome: RedeliveryOutcome): Record<string, unknown> {
  const { key, status } = outcome;
  const base: Record<string, unknown> = { key, status };
  if ("entry" in outcome) Object.assign(base, { provider: outcome.entry.provider, tenant: outcome.entry.tenantId ?? null, event: outcome.entry.name ?? null });
  if ("url" in outcome) base["url"] = outcome.url;
  if ("httpStatus" in outcome) base["httpStatus"] = outcome.httpStatus;
  if (outcome.status === "replayed") base["duplicate"] = outcome.duplicate;
  if (outcome.status === "failed" && outcome.code !== undefined) base["code"] = outcome.code;
  if ("message" in outcome) base["message"] = outcome.message;
  return base;
}

function formatOutcome(outcome: RedeliveryOutcome, style: Styles): string {
  if (outcome.status === "not-found") return `${style.red("✗")} ${outcome.key}\n  not in the failure sink (replayed or deleted already? see credhooks failures)\n`;
  const what = `${outcome.entry.provider} ${outcome.entry.name ?? "(no event name)"}, tenant ${outcome.entry.tenantId ?? "(none)"}`;
  if (outcome.status === "not-replayable") return `${style.red("✗")} ${outcome.key}  ${style.dim(`(${what})`)}\n  not replayed: ${outcome.message} It stays in the failure sink.\n`;
  const sent = `${style.dim("→")} ${outcome.url}  ${style.dim(`(${what})`)}\n`;
  if (outcome.status === "unreachable") return `${sent}${style.red("✗")} no answer: ${outcome.message}. Is the receiver running there? The entry stays in the failure sink.\n`;
  if (outcome.status === "failed") {
    return `${sent}${style.red("←")} ${style.red(`${outcome.httpStatus}${outcome.code === undefined ? "" : " " + outcome.code}`)}: ${outcome.message}\n  The entry stays in the failure sink.\n`;
  }
  return `${sent}${style.green("←")} ${style.green(String(outcome.httpStatus))} ${outcome.duplicate ? "a duplicate: the receiver had handled it already" : "handled"}; removed from the failure sink.\n`;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError("expected a port number from 0 to 65535.");
  return port;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

// src/ and dist/ are both one level below package.json.
const VERSION = (createRequire(import.meta.url)("../package.json") as { version: string }).version;

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createRequire } from "node:module";
import { DEFAULT_TENANT, eventsOf, isProviderId, PROVIDER_IDS } from "@credhooks/testing";
import { stylesFor } from "./format.js";
import { startListener, type Listener } from "./listen.js";
import { sendSample, UsageError, type SendOptions } from "./send.js";

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
 * Builds the `credhooks` command line program: `send`, `listen` and `events`.
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
    .addHelpText("after", `\nProviders: ${PROVIDER_IDS.join(", ")}. List their events with: credhooks events\n${CREDENTIALS_HELP}\n\nExamples:\n  credhooks listen\n  credhooks send proven credentials:done\n  credhooks send acapy issue_credential_v2_0.done --wallet-id 3b1d5a4e\n  credhooks send crossmint credential.creation.succeeded --url https://my-app.example --tenant acme --secret whsec_…`);

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
    .description("Start a local receiver with every provider mounted at /events/:tenantId/<provider> and print each event it handles (and each delivery it refuses, with the reason).")
    .addOption(new Option("-p, --port <port>", "the port (0 picks a free one)").default(3000).env("PORT").argParser(parsePort))
    .option("--host <host>", "the interface to listen on", "127.0.0.1")
    .option("--json", "print one JSON object per line instead of the readable view")
    .addHelpText("after", CREDENTIALS_HELP)
    .action(async (options: { port: number; host: string; json?: boolean }) => {
      const style = stylesFor(io.isTty, io.env);
      let listener: Listener;
      try {
        listener = await startListener({ port: options.port, host: options.host, json: options.json === true, env: io.env, write: io.stdout, styles: style });
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
        io.stdout(style.dim("  Try: credhooks send proven credentials:done --url " + listener.url + "\n"));
      }
      await io.untilStopped(listener);
      await listener.close();
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
 * the exit code: 0 on success, 1 when a delivery was refused or failed, 2 for a usage
 * mistake (unknown provider or event, bad option).
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
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
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

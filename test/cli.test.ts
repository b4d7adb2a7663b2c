import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "credhooks";
import { PROVIDER_IDS, eventsOf, generateSovrinKeyPair } from "@credhooks/testing";
import { startExample, type ExampleProcess } from "../scripts/example-process.js";

// The `credhooks` command, run as users run it: the committed bin shim in its own process.
// From a checkout each run compiles the sources through tsx, which takes seconds on a busy machine.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });
const root = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(root, "packages/cli/bin/credhooks.js");
// Credentials from the developer's shell must not leak into these runs.
const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !["PROVEN_API_KEY", "LISSI_API_KEY", "TRUVERA_TOKEN", "CROSSMINT_SECRET", "SOVRIN_JWKS", "SOVRIN_JWKS_URL", "ACAPY_API_KEY", "PORT", "CREDHOOKS_CLI_DIST", "CREDHOOKS_STORE", "CREDHOOKS_SINK_KEY"].includes(name)),
);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, command: string = process.execPath, prefix: string[] = [BIN]): Promise<Run> {
  const child = spawn(command, [...prefix, ...args], { cwd: root, env: { ...CLEAN_ENV, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** In-process run of the same program, for the many sends of one test. */
async function cliInProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["node", "credhooks", ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, isTty: false });
  return { code, stdout, stderr };
}

interface ListenProcess {
  url: string;
  /** Lines printed after the listening line (parsed with --json). */
  lines: string[];
  json(): Array<Record<string, unknown>>;
  waitFor(predicate: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
}

async function listen(args: string[] = ["--json"], env: Record<string, string> = {}): Promise<ListenProcess> {
  const child: ChildProcess = spawn(process.execPath, [BIN, "listen", "--port", "0", ...args], { cwd: root, env: { ...CLEAN_ENV, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`credhooks listen printed no listening line within 30 s: ${stderr}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`credhooks listen exited with ${code}: ${stderr}`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const match = /^credhooks listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      } else lines.push(line);
    });
  });
  return {
    url,
    lines,
    json: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    async waitFor(predicate, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(lines) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (!predicate(lines)) throw new Error(`credhooks listen did not print what was expected; it printed:\n${lines.join("\n")}`);
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGINT");
      const [code] = (await once(child, "exit")) as [number | null];
      return code;
    },
  };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("credhooks --help", () => {
  it("describes every command, the providers and the credentials' environment variables", async () => {
    const [top, send, listenHelp, events] = await Promise.all([cli(["--help"]), cli(["send", "--help"]), cli(["listen", "--help"]), cli(["events"])]);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: credhooks \[options\] \[command\]/);
    for (const command of ["send [options] <provider> <event>", "listen [options]", "events [provider]"]) expect(top.stdout).toContain(command);
    expect(top.stdout).toContain("Providers: proven, lissi, truvera, crossmint, sovrin, acapy");
    for (const variable of ["PROVEN_API_KEY", "LISSI_API_KEY", "TRUVERA_TOKEN", "CROSSMINT_SECRET", "SOVRIN_JWKS", "ACAPY_API_KEY"]) expect(top.stdout).toContain(variable);
    expect(top.stdout).toContain("credhooks send acapy issue_credential_v2_0.done --wallet-id");
    expect(send.code).toBe(0);
    for (const option of ["--url <url>", "--tenant <id>", "--secret <value>", "--data <file>", "--id <id>", "--shared-topic", "--wallet-id <id>"]) expect(send.stdout).toContain(option);
    expect(send.stdout).toMatch(/acapy\s+ACAPY_API_KEY\s+x-api-key/);
    expect(listenHelp.code).toBe(0);
    for (const option of ["-p, --port <port>", "--host <host>", "--json"]) expect(listenHelp.stdout).toContain(option);
    expect(events.code).toBe(0);
    // One `<provider> <event>` per line, nothing else: `while read provider event` needs no skipping.
    expect(events.stdout).toBe(PROVIDER_IDS.flatMap((provider) => eventsOf(provider).map((event) => `${provider} ${event}\n`)).join(""));
  });

  it("events <provider> prints only that provider's event names, one per line (no header for scripts to skip)", async () => {
    const [lissiEvents, unknown] = await Promise.all([cli(["events", "lissi"]), cli(["events", "lisi"])]);
    expect(lissiEvents.code).toBe(0);
    expect(lissiEvents.stdout).toBe(eventsOf("lissi").map((event) => `${event}\n`).join(""));
    expect(lissiEvents.stdout.split("\n")[0]).toBe("connection:update");
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain('unknown provider "lisi". Valid providers: proven, lissi');
  });

  it("runs as `pnpm exec credhooks` at the repository root", async () => {
    const run = await cli(["exec", "credhooks", "--help"], {}, "pnpm", []);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Usage: credhooks");
  });
});

describe("credhooks send: mistakes", () => {
  it("exits non-zero on a wrong provider or event, naming the valid ones", async () => {
    const [provider, event, command, option] = await Promise.all([
      cli(["send", "provn", "credentials:done"]),
      cli(["send", "lissi", "connection:updated"]),
      cli(["sned"]),
      cli(["send", "proven", "credentials:done", "--colour"]),
    ]);
    expect(provider.code).toBe(2);
    expect(provider.stderr).toBe('error: unknown provider "provn". Valid providers: proven, lissi, truvera, crossmint, sovrin, acapy.\n');
    expect(event.code).toBe(2);
    expect(event.stderr).toContain('error: unknown lissi event "connection:updated". Valid lissi events: ' + eventsOf("lissi").join(", ") + ".");
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'sned'");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--colour'");
  });

  it("exits 1 with a clear message when nothing listens at --url", async () => {
    const port = await closedPort();
    const run = await cli(["send", "truvera", "did_create", "--url", `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: could not deliver to http://127.0.0.1:${port}/events/acme/truvera: connect ECONNREFUSED`);
    expect(run.stderr).toContain("Is a receiver running there");
  });

  it("rejects bad option values before sending anything", async () => {
    const dir = mkdtempSync(join(tmpdir(), "credhooks-cli-"));
    writeFileSync(join(dir, "bad.json"), "{not json");
    writeFileSync(join(dir, "abandoned.json"), JSON.stringify({ connection_id: "c1", state: "abandoned" }));
    const cases: Array<[string[], RegExp]> = [
      [["send", "proven", "credentials:done", "--url", "localhost:3000/x"], /--url must be an http or https URL/],
      [["send", "proven", "credentials:done", "--url", "not a url"], /--url must be an absolute URL/],
      [["send", "proven", "credentials:done", "--data", join(dir, "bad.json")], /--data: .*bad\.json is not valid JSON/],
      [["send", "proven", "credentials:done", "--data", join(dir, "missing.json")], /--data: cannot read .*missing\.json.*ENOENT/],
      [["send", "proven", "credentials:done", "--id", "x"], /--id applies to crossmint \(svix-id\) and sovrin \(event\.id\) only/],
      [["send", "truvera", "did_create", "--shared-topic"], /--shared-topic applies to lissi only/],
      [["send", "proven", "credentials:done", "--wallet-id", "w1"], /--wallet-id applies to acapy only/],
      [["send", "acapy", "connections.finished"], /unknown acapy event "connections\.finished"\. Valid acapy events: connections\.init, /],
      [["send", "acapy", "connections.active", "--data", join(dir, "abandoned.json")], /An ACA-Py connections\.active record has state "active", got "abandoned"/],
      [["send", "sovrin", "OpenIdCredentialIssued", "--secret", "{}"], /private Ed25519 JWK with "d" and "kid"/],
      [["listen", "--port", "http"], /expected a port number/],
    ];
    for (const [args, message] of cases) {
      const run = await cliInProcess(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
    }
    // As a process, with stdin empty: `--data -` reads it.
    const stdin = await cli(["send", "lissi", "connection:update", "--data", "-"]);
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toMatch(/--data: stdin is not valid JSON/);
  });
});

describe("credhooks send → credhooks listen", () => {
  let listener: ListenProcess;
  beforeAll(async () => {
    listener = await listen();
  });
  afterAll(async () => {
    expect(await listener.stop()).toBe(0);
  });

  it("delivers a signed sample of each provider, prints status and body, and the listener prints the event", async () => {
    const runs = await Promise.all(PROVIDER_IDS.map((provider) => cli(["send", provider, eventsOf(provider)[0]!, "--url", listener.url, "--tenant", "cli"])));
    runs.forEach((run, i) => {
      const provider = PROVIDER_IDS[i]!;
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      const below = { lissi: "/connections/b25de7d9-3c8e-4b5a-9f0e-6a1d2c3b4e5f/update", acapy: "/topic/connections/" }[provider as string] ?? "";
      expect(run.stdout).toBe(`→ POST ${listener.url}/events/cli/${provider}${below}  (${provider} ${eventsOf(provider)[0]})\n← 200 OK\n{"received":true}\n`);
    });
    await listener.waitFor((lines) => lines.length >= PROVIDER_IDS.length);
    expect(
      listener
        .json()
        .map(({ type, provider, tenant, event, known }) => ({ type, provider, tenant, event, known }))
        .sort((a, b) => String(a.provider).localeCompare(String(b.provider))),
    ).toEqual(PROVIDER_IDS.map((provider) => ({ type: "event", provider, tenant: "cli", event: eventsOf(provider)[0], known: true })).sort((a, b) => a.provider.localeCompare(b.provider)));
  });

  it("delivers every event of every provider (the same program, in process)", async () => {
    listener.lines.length = 0;
    const sent: string[] = [];
    for (const provider of PROVIDER_IDS) {
      for (const event of eventsOf(provider)) {
        const run = await cliInProcess(["send", provider, event, "--url", listener.url, "--tenant", "every"]);
        expect(run.code, `${provider} ${event}: ${run.stdout}${run.stderr}`).toBe(0);
        expect(run.stdout).toContain("← 200 OK");
        sent.push(`${provider} ${event}`);
      }
    }
    await listener.waitFor((lines) => lines.length >= sent.length);
    expect(listener.json().map((line) => `${line["provider"]} ${line["event"]}`)).toEqual(sent);
  });

  it("sends the payload of --data, and --id makes the second send a duplicate", async () => {
    listener.lines.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "credhooks-cli-"));
    const file = join(dir, "payload.json");
    writeFileSync(file, JSON.stringify({ error: { message: "the subject does not match", code: 422 } }));
    const args = ["send", "crossmint", "credential.creation.failed", "--url", listener.url, "--data", file, "--id", "msg_cli_same"];
    const first = await cli(args);
    const second = await cli(args);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(second.stdout).toContain('{"received":true,"duplicate":true}');
    await listener.waitFor((lines) => lines.length >= 2);
    expect(listener.json()).toEqual([
      { type: "event", provider: "crossmint", tenant: "acme", event: "credential.creation.failed", id: "msg_cli_same", known: true, payload: { error: { message: "the subject does not match", code: 422 } } },
      { type: "duplicate", method: "POST", path: "/events/acme/crossmint", status: 200 },
    ]);
  });

  it("sends ACA-Py records from a sub-wallet: --data is the record, --wallet-id its x-wallet-id; ACA-Py's redelivery is a duplicate", async () => {
    listener.lines.length = 0;
    const dir = mkdtempSync(join(tmpdir(), "credhooks-cli-"));
    const file = join(dir, "record.json");
    writeFileSync(file, JSON.stringify({ cred_ex_id: "ex-cli", role: "issuer", updated_at: "2025-03-13T22:15:02.479961Z" }));
    const args = ["send", "acapy", "issue_credential_v2_0.done", "--url", listener.url, "--tenant", "wallet-1", "--wallet-id", "wallet-1", "--data", file];
    const first = await cli(args);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`→ POST ${listener.url}/events/wallet-1/acapy/topic/issue_credential_v2_0/  (acapy issue_credential_v2_0.done)\n← 200 OK\n{"received":true}\n`);
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('{"received":true,"duplicate":true}');
    const wrongKey = await cli(["send", "acapy", "connections.active", "--url", listener.url, "--secret", "not-the-acapy-key"]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain('"code":"INVALID_CREDENTIALS"');
    await listener.waitFor((lines) => lines.length >= 3);
    expect(listener.json()).toEqual([
      {
        type: "event",
        provider: "acapy",
        tenant: "wallet-1",
        event: "issue_credential_v2_0.done",
        id: "wallet-1/issue_credential_v2_0:ex-cli:done:2025-03-13T22:15:02.479961Z",
        known: true,
        payload: { topic: "issue_credential_v2_0", state: "done", walletId: "wallet-1", record: { cred_ex_id: "ex-cli", role: "issuer", updated_at: "2025-03-13T22:15:02.479961Z", state: "done" } },
      },
      { type: "duplicate", method: "POST", path: "/events/wallet-1/acapy/topic/issue_credential_v2_0/", status: 200 },
      { type: "rejected", method: "POST", path: "/events/acme/acapy/topic/connections/", status: 401, code: "INVALID_CREDENTIALS", message: expect.stringContaining("x-api-key") },
    ]);
    expect(listener.lines.join("\n")).not.toContain("not-the-acapy-key");
  });

  it("exits 1 on a refused delivery and the listener says why, without the secret", async () => {
    listener.lines.length = 0;
    const run = await cli(["send", "lissi", "connections:delete", "--url", listener.url, "--secret", "not-the-dev-key"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("← 401 Unauthorized");
    expect(run.stdout).toContain('"code":"INVALID_CREDENTIALS"');
    await listener.waitFor((lines) => lines.length >= 1);
    expect(listener.json()).toEqual([
      { type: "rejected", method: "POST", path: "/events/acme/lissi/connections/delete", status: 401, code: "INVALID_CREDENTIALS", message: expect.stringContaining("x-api-key") },
    ]);
    expect(listener.lines.join("\n")).not.toContain("not-the-dev-key");
    expect(run.stdout + run.stderr).not.toContain("not-the-dev-key");
  });

  it("sends Lissi in shared-topic mode and Sovrin with a key given as --secret", async () => {
    listener.lines.length = 0;
    const shared = await cli(["send", "lissi", "proof:update", "--url", listener.url, "--shared-topic"]);
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain(`→ POST ${listener.url}/events/acme/lissi  (lissi proof:update)`);
    const stranger = generateSovrinKeyPair("stranger");
    const unknownKey = await cli(["send", "sovrin", "OpenIdCredentialIssued", "--url", listener.url, "--secret", JSON.stringify(stranger.privateJwk)]);
    expect(unknownKey.code).toBe(1);
    expect(unknownKey.stdout).toContain("UNKNOWN_KEY");
    await listener.waitFor((lines) => lines.length >= 2);
    expect(listener.json()).toMatchObject([{ type: "event", provider: "lissi", event: "proof:update" }, { type: "rejected", status: 401, code: "UNKNOWN_KEY" }]);
  });
});

describe("credhooks listen", () => {
  it("prints events readably, hides Crossmint's data.secret, and stops on SIGINT with exit 0", async () => {
    const listener = await listen([]);
    try {
      expect(await cliInProcess(["send", "crossmint", "credential.creation.succeeded", "--url", listener.url])).toMatchObject({ code: 0 });
      expect(await cliInProcess(["send", "proven", "credentials:done", "--url", listener.url, "--secret", "wrong"])).toMatchObject({ code: 1 });
      await listener.waitFor((lines) => lines.some((line) => line.includes("401 INVALID_CREDENTIALS")));
      const text = listener.lines.join("\n");
      expect(text).toContain("proven     " + listener.url + "/events/<tenant>/proven  ·  development credential (set PROVEN_API_KEY to change it)");
      expect(text).toMatch(/✓ \d\d:\d\d:\d\d\.\d{3} crossmint credential\.creation\.succeeded\n {4}tenant acme · id msg_/);
      expect(text).toContain("credentialId: 'urn:uuid:40ada19e-3b4a-4de0-8d61-e0e7aedbfa05'");
      expect(text).toContain("secret: '[redacted]'");
      expect(text).not.toContain("crossmint-recoverable-key-6f1d2a9b8c7e4f30");
      expect(text).toMatch(/✗ \d\d:\d\d:\d\d\.\d{3} POST \/events\/acme\/proven → 401 INVALID_CREDENTIALS\n {4}The x-api-key header does not match/);
    } finally {
      expect(await listener.stop()).toBe(0);
    }
  });

  it("takes credentials from the example servers' environment variables", async () => {
    const jwks = generateSovrinKeyPair("env-key");
    const listener = await listen(["--json"], { PROVEN_API_KEY: "env-proven-key", SOVRIN_JWKS: JSON.stringify(jwks.jwks), ACAPY_API_KEY: "env-acapy-key" });
    try {
      // send reads the same variables, so both sides agree...
      expect((await cliInProcess(["send", "proven", "credentials:done", "--url", listener.url], { PROVEN_API_KEY: "env-proven-key" })).code).toBe(0);
      // ...and the development key no longer passes.
      expect((await cliInProcess(["send", "proven", "credentials:done", "--url", listener.url])).code).toBe(1);
      expect((await cliInProcess(["send", "sovrin", "OpenIdCredentialIssued", "--url", listener.url])).code).toBe(1);
      expect((await cliInProcess(["send", "sovrin", "OpenIdCredentialIssued", "--url", listener.url, "--secret", JSON.stringify(jwks.privateJwk)])).code).toBe(0);
      expect((await cliInProcess(["send", "acapy", "connections.active", "--url", listener.url], { ACAPY_API_KEY: "env-acapy-key" })).code).toBe(0);
      expect((await cliInProcess(["send", "acapy", "connections.active", "--url", listener.url])).code).toBe(1);
      // Other providers keep their development credentials.
      expect((await cliInProcess(["send", "truvera", "proof_submitted", "--url", listener.url])).code).toBe(0);
      await listener.waitFor((lines) => lines.length >= 7);
      expect(listener.json().map((line) => line["type"])).toEqual(["event", "rejected", "rejected", "event", "event", "rejected", "event"]);
    } finally {
      await listener.stop();
    }
  });

  it("refuses a port in use with exit 2 and a hint", async () => {
    const listener = await listen();
    try {
      const port = new URL(listener.url).port;
      const run = await cli(["listen", "--port", port]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`error: port ${port} on 127.0.0.1 is in use: stop what runs there or pick another with --port.`);
    } finally {
      await listener.stop();
    }
  });
});

describe.each(["express", "hono"] as const)("credhooks send → examples/%s", (framework) => {
  let server: ExampleProcess;
  beforeAll(async () => {
    server = await startExample(framework, { NODE_ENV: "production" });
  });
  afterAll(() => server.stop());

  it("delivers an accepted event of each provider", async () => {
    for (const provider of PROVIDER_IDS) {
      const run = await cliInProcess(["send", provider, eventsOf(provider)[0]!, "--url", server.url, "--tenant", framework]);
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    await server.waitForLines(PROVIDER_IDS.length);
    expect(server.lines.map(({ provider, tenant, event }) => ({ provider, tenant, event }))).toEqual(PROVIDER_IDS.map((provider) => ({ provider, tenant: framework, event: eventsOf(provider)[0] })));
  });
});

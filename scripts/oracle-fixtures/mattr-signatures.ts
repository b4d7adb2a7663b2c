/**
 * Regenerates test/fixtures/sovrin/oracle/ by running MATTR's own HTTP-signature library
 * (`mattrglobal/http-signatures`, what the Sovrin / MATTR VII platform signs webhooks with).
 * Not part of any published package, and nothing of MATTR's is copied into credhooks or
 * built by it: the script loads the library from a checkout you give it, built with the
 * library's own tooling (the package is not published on npm):
 *
 *   git clone https://github.com/mattrglobal/http-signatures && cd http-signatures
 *   yarn install && yarn build           # the library's own build, into lib/
 *   pnpm tsx scripts/oracle-fixtures/mattr-signatures.ts --mattr /path/to/http-signatures [--out DIR] [--commit SHA]
 *
 * When the checkout has lib/ but no node_modules/, the runtime dependencies its
 * package.json pins are installed from the npm registry into a temporary directory.
 *
 * Each fixture is one delivery: the options given to `createSignatureHeader`, and the
 * request as a webhook sender sends it (the URL's host as `Host`, the headers the library
 * returned, and the exact body bytes). `created` is pinned (MATTR's code reads
 * `Date.now()`), so a run reproduces the files byte for byte.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, createPrivateKey, type JsonWebKey } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The fixtures' signing key: a test key, never used anywhere else.
const KEY_FILE = new URL("../../test/fixtures/sovrin/oracle/signing-key.json", import.meta.url);
const DEFAULT_OUT = fileURLToPath(new URL("../../test/fixtures/sovrin/oracle/", import.meta.url));
const CREATED = 1_767_225_600; // 2026-01-01T00:00:00Z
const WEBHOOK_ID = "5be4f663-af93-41d8-8542-f5c9a2a2d588";

type Parameters = Map<string, string | number | boolean>;

interface CreateSignatureHeaderOptions {
  signer: { keyid: string; sign: (data: Uint8Array) => Promise<Uint8Array> };
  url: string;
  method: string;
  httpHeaders: Record<string, string | string[] | undefined>;
  body?: Record<string, unknown> | string;
  alg?: string;
  coveredFields?: Array<[string, Parameters]>;
}

interface MattrLibrary {
  createSignatureHeader(options: CreateSignatureHeaderOptions): Promise<{
    isErr(): boolean;
    error?: unknown;
    value: { digest?: string; signature: string; signatureInput: string };
  }>;
}

/** One delivery to produce. */
interface Scenario {
  name: string;
  note: string;
  url: string;
  /** Headers given to the library (every one is covered unless coveredFields is set). */
  httpHeaders: Record<string, string>;
  /** The body given to the library: an object (hashed as JSON.stringify) or a string. */
  body: Record<string, unknown> | string;
  /** The bytes sent, when they differ from what the library hashed. */
  sent?: string;
  coveredFields?: Array<[string, Record<string, string>]>;
  /** What credhooks must do with it. */
  expect: { event?: string; outcome: string };
}

const envelope = (type: string, payload: Record<string, unknown>, n: number) => ({
  deliveryId: `9a8b7c6d-0000-4000-8000-00000000000${n}`,
  deliveryTimestamp: "2026-01-01T00:00:00.325Z",
  webhookId: WEBHOOK_ID,
  event: { id: `de34a1b2-0000-4000-8000-00000000000${n}`, type, timestamp: "2026-01-01T00:00:00.308Z", payload },
});

const issued = {
  credentialId: "cred-7f3a",
  credentialConfigurationId: "2f6fc2a5-0d3b-4f2e-9d0a-8e7c1b2a3d4e",
  credentialProfile: "web-semantic",
  format: "ldp_vc",
  userId: "user-5b2c",
  credential: { type: ["VerifiableCredential", "CourseCredential"], credentialSubject: { id: "did:example:holder", name: "Ada" } },
};

const URL_BASE = "https://hooks.example.com/events/acme/sovrin";
const JSON_TYPE = { "Content-Type": "application/json" };

const scenarios: Scenario[] = [
  {
    name: "default-open-id-credential-issued",
    note: "the library's default coverage (@request-target, @method, content-digest, then every header given, sorted); body given as an object, sent as JSON.stringify of it",
    url: URL_BASE,
    httpHeaders: { ...JSON_TYPE, "x-mattr-webhook-id": WEBHOOK_ID },
    body: envelope("OpenIdCredentialIssued", issued, 1),
    expect: { event: "OpenIdCredentialIssued", outcome: "delivered" },
  },
  {
    name: "default-open-id-credential-issued-summary",
    note: "default coverage; body given as the string sent",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: JSON.stringify(envelope("OpenIdCredentialIssuedSummary", { ...issued, credential: undefined }, 2)),
    expect: { event: "OpenIdCredentialIssuedSummary", outcome: "delivered" },
  },
  {
    name: "default-oidc-issuer-credential-issued",
    note: "default coverage",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: envelope("OidcIssuerCredentialIssued", { credentialId: "cred-91d0", issuerId: "issuer-3", userId: "user-5b2c" }, 3),
    expect: { event: "OidcIssuerCredentialIssued", outcome: "delivered" },
  },
  {
    name: "default-unknown-event",
    note: "an event type credhooks does not know",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: envelope("OpenIdCredentialRevoked", { credentialId: "cred-7f3a" }, 4),
    expect: { outcome: "unhandled" },
  },
  {
    name: "scheme-and-authority",
    note: "covers @scheme and @authority: draft-13 as the library implements it signs @scheme as url.parse's protocol, with its colon (\"https:\")",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: envelope("OpenIdCredentialIssued", issued, 5),
    coveredFields: [["@method", {}], ["@scheme", {}], ["@authority", {}], ["@path", {}], ["content-digest", {}], ["content-type", {}]],
    expect: { event: "OpenIdCredentialIssued", outcome: "delivered" },
  },
  {
    name: "explicit-default-port",
    note: "a webhook URL registered with :443; the library signs @authority and @target-uri with the port as written, while the HTTP client sends Host without it",
    url: "https://hooks.example.com:443/events/acme/sovrin",
    httpHeaders: JSON_TYPE,
    body: envelope("OpenIdCredentialIssued", issued, 6),
    coveredFields: [["@method", {}], ["@target-uri", {}], ["@authority", {}], ["content-digest", {}]],
    expect: { event: "OpenIdCredentialIssued", outcome: "delivered" },
  },
  {
    name: "query-param",
    note: "covers @query-param: the library signs the decoded value (querystring.parse), where RFC 9421 signs the percent-encoded one",
    url: `${URL_BASE}?source=mattr%20vii&path=a%2Fb`,
    httpHeaders: JSON_TYPE,
    body: envelope("OpenIdCredentialIssued", issued, 7),
    coveredFields: [["@method", {}], ["@path", {}], ["@query-param", { name: "source" }], ["@query-param", { name: "path" }], ["content-digest", {}]],
    expect: { event: "OpenIdCredentialIssued", outcome: "delivered" },
  },
  {
    name: "reformatted-body",
    note: "body given as an object whose keys are not sorted; the digest is over JSON.stringify of it (insertion order, not JCS), and the bytes sent are the same JSON re-formatted (2-space indent)",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: { webhookId: WEBHOOK_ID, event: { type: "OpenIdCredentialIssued", id: "de34a1b2-0000-4000-8000-000000000008", payload: { userId: "user-5b2c", credentialId: "cred-7f3a" }, timestamp: "2026-01-01T00:00:00.308Z" }, deliveryId: "9a8b7c6d-0000-4000-8000-000000000008" },
    sent: "reformatted",
    expect: { event: "OpenIdCredentialIssued", outcome: "refused by default (INVALID_SIGNATURE); delivered with acceptReserializedJsonDigest" },
  },
  {
    name: "body-not-covered",
    note: "coveredFields without content-digest: the library still returns a digest, but the signature does not cover the body",
    url: URL_BASE,
    httpHeaders: JSON_TYPE,
    body: envelope("OpenIdCredentialIssued", issued, 9),
    coveredFields: [["@request-target", {}], ["@method", {}]],
    expect: { event: "OpenIdCredentialIssued", outcome: "refused (INVALID_SIGNATURE: the body is not covered)" },
  },
];

function parseArgs(argv: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) args[arg.slice(2)] = argv[i + 1] ?? "";
    if (arg.startsWith("--") && !argv[i + 1]?.startsWith("--")) i++;
  }
  return args;
}

function prepare(checkout: string): string | undefined {
  const pkg = JSON.parse(readFileSync(join(checkout, "package.json"), "utf8")) as { name?: string; dependencies?: Record<string, string> };
  if (pkg.name !== "@mattrglobal/http-signatures") throw new Error(`${checkout} is not a checkout of mattrglobal/http-signatures`);
  if (!existsSync(join(checkout, "lib", "index.js"))) throw new Error(`${checkout}/lib/index.js is missing: build the library first with its own tooling (yarn install && yarn build).`);
  if (existsSync(join(checkout, "node_modules"))) return undefined;
  const deps = Object.entries(pkg.dependencies ?? {}).map(([name, version]) => `${name}@${version}`);
  const dir = mkdtempSync(join(tmpdir(), "credhooks-mattr-deps-"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "credhooks-mattr-deps", private: true }));
  // The library's runtime dependencies at the versions it pins, from the npm registry.
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", ...deps], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  return dir;
}

async function produce(checkout: string, out: string, commit: string): Promise<void> {
  // The library's own CommonJS build; without a node_modules/ in the checkout, its bare
  // imports resolve through NODE_PATH to the temporary dependencies.
  const library = createRequire(import.meta.url)(join(checkout, "lib", "index.js")) as MattrLibrary;
  const jwk = JSON.parse(readFileSync(KEY_FILE, "utf8")) as JsonWebKey & { kid: string };
  const key = createPrivateKey({ key: jwk, format: "jwk" });
  const { sign } = await import("node:crypto");
  const realNow = Date.now;
  Date.now = () => CREATED * 1000; // the library stamps `created` from Date.now()
  mkdirSync(out, { recursive: true });
  const written: string[] = [];
  try {
    for (const scenario of scenarios) {
      const result = await library.createSignatureHeader({
        signer: { keyid: jwk.kid, sign: async (data) => sign(null, data, key) },
        url: scenario.url,
        method: "POST",
        httpHeaders: scenario.httpHeaders,
        body: scenario.body,
        ...(scenario.coveredFields ? { coveredFields: scenario.coveredFields.map(([name, params]) => [name, new Map(Object.entries(params))] as [string, Parameters]) } : {}),
      });
      if (result.isErr()) throw new Error(`${scenario.name}: ${JSON.stringify(result.error)}`);
      const { digest, signature, signatureInput } = result.value;
      const hashed = typeof scenario.body === "string" ? scenario.body : JSON.stringify(scenario.body);
      const body = scenario.sent === "reformatted" ? JSON.stringify(JSON.parse(hashed), null, 2) : hashed;
      const url = new URL(scenario.url);
      const headers: Record<string, string> = { host: url.host, ...lowerCase(scenario.httpHeaders) };
      if (digest !== undefined) headers["content-digest"] = digest;
      headers["signature-input"] = signatureInput;
      headers["signature"] = signature;
      const fixture = {
        producedBy: {
          library: "@mattrglobal/http-signatures",
          repository: "mattrglobal/http-signatures",
          commit,
          how: "executed: createSignatureHeader() from src/sign/createSignatureHeader.ts, with Date.now() pinned",
          script: "scripts/oracle-fixtures/mattr-signatures.ts",
        },
        note: scenario.note,
        signerInput: {
          url: scenario.url,
          method: "POST",
          httpHeaders: scenario.httpHeaders,
          bodyGivenAs: typeof scenario.body === "string" ? "string" : "object",
          coveredFields: scenario.coveredFields ?? "default",
        },
        expect: scenario.expect,
        request: { method: "POST", url: scenario.url, path: url.pathname + url.search, headers, body, bodySha256: createHash("sha256").update(body).digest("hex") },
      };
      writeFileSync(join(out, `${scenario.name}.json`), JSON.stringify(fixture, null, 2) + "\n");
      written.push(scenario.name);
    }
  } finally {
    Date.now = realNow;
  }
  writeFileSync(join(out, "index.json"), JSON.stringify(written, null, 2) + "\n");
  process.stderr.write(`wrote ${written.length} MATTR-signed deliveries to ${out} (http-signatures ${commit.slice(0, 12)})\n`);
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

const args = parseArgs(process.argv.slice(2));
if (!args["mattr"]) {
  process.stderr.write("usage: pnpm tsx scripts/oracle-fixtures/mattr-signatures.ts --mattr <checkout of mattrglobal/http-signatures> [--out DIR] [--commit SHA]\n");
  process.exit(2);
}
const checkout = resolve(args["mattr"]);
const out = resolve(args["out"] || DEFAULT_OUT);
const commit = args["commit"] || spawnSync("git", ["-C", checkout, "rev-parse", "HEAD"], { encoding: "utf8" }).stdout.trim() || "unknown";
if (process.env["CREDHOOKS_MATTR_CHILD"] === "1") {
  await produce(checkout, out, commit);
} else {
  const deps = prepare(checkout);
  try {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--mattr", checkout, "--out", out, "--commit", commit], {
      stdio: "inherit",
      env: { ...process.env, CREDHOOKS_MATTR_CHILD: "1", ...(deps ? { NODE_PATH: join(deps, "node_modules") } : {}) },
    });
    process.exitCode = child.status ?? 1;
  } finally {
    if (deps) rmSync(deps, { recursive: true, force: true });
  }
}

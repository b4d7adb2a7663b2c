// What the load generator sends: one realistic ~1.2 KB body per sender, with a fresh event id
// on every request (so credhooks' dedupe claims, records and completes a new event each
// time), signed the way each sender signs: X-API-Key (Proven), a body token (Truvera),
// Svix HMAC (Crossmint: node:crypto, checked against the `svix` package), RFC 9421 Ed25519 (Sovrin, signed
// with node:crypto from the RFC), and GitHub's HMAC (the @octokit/webhooks peer).
import { createHash, createHmac, randomBytes, sign, type KeyObject } from "node:crypto";
import { Webhook } from "svix";
import {
  BENCH_API_KEY,
  BENCH_GITHUB_SECRET,
  BENCH_SOVRIN_JWK,
  BENCH_SVIX_SECRET,
  BENCH_TENANT,
  BENCH_TRUVERA_TOKEN,
  sovrinPrivateKey,
} from "./bench-credentials.js";

/** How a delivery is authenticated. */
export type Scheme = "proven" | "truvera" | "crossmint" | "sovrin" | "github";

/** One request: path, headers and body. */
export interface Delivery {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The no-op event every benchmark delivery of a provider carries (a no-op handler is registered for it). */
export const EVENT_OF: Record<Exclude<Scheme, "github">, string> = {
  proven: "credentials:done",
  truvera: "credential_issued",
  crossmint: "credential.creation.succeeded",
  sovrin: "OpenIdCredentialIssued",
};

const ID = "@@ID@@";

// Realistic bodies, modelled on the fixtures under test/fixtures/ and padded with fields
// the senders really send, to about 1.2 KB each. `@@ID@@` is replaced by a fresh UUID-shaped id.
const TEMPLATES: Record<Scheme, unknown> = {
  proven: {
    event: "credentials:done",
    webhook: {
      state: "done",
      connection_id: "13eeacd4-0c4e-495e-81cc-d66c6eeb8545",
      cred_ex_id: ID,
      thread_id: "d92933ef-74d8-4e53-9d4a-6526feb991c5",
      wallet_id: "f161e7a3-9a88-4f2c-a988-cc9cf3fbea2f",
      role: "issuer",
      initiator: "self",
      auto_offer: false,
      auto_issue: true,
      auto_remove: false,
      created_at: "2025-03-13T22:14:41.138935Z",
      updated_at: "2025-03-13T22:15:02.479961Z",
      credential_id: null,
      cred_preview: {
        "@type": "https://didcomm.org/issue-credential/2.0/credential-preview",
        attributes: [
          { name: "given_name", value: "Alice", "mime-type": "text/plain" },
          { name: "family_name", value: "Garcia", "mime-type": "text/plain" },
          { name: "degree", value: "Bachelor of Science, Physics", "mime-type": "text/plain" },
          { name: "graduation_date", value: "2024-06-14", "mime-type": "text/plain" },
        ],
      },
      by_format: {
        cred_offer: {
          indy: {
            schema_id: "Th7MpTaRZVRYnPiabds81Y:2:university-degree:1.4.0",
            cred_def_id: "Th7MpTaRZVRYnPiabds81Y:3:CL:1184:default",
            nonce: "1193853046476470412512738",
            key_correctness_proof: { c: "85384906457372856419043728390285719305738", xz_cap: "9823645982736458927364589273645892736458" },
          },
        },
      },
      trace: false,
    },
  },
  truvera: {
    token: BENCH_TRUVERA_TOKEN,
    event: "credential_issued",
    data: {
      id: `https://creds.dock.io/${ID}`,
      signingOps: 1,
      byteSize: 727,
      key: "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#5GsBC74MW9DxHkFUYDVGPnbtioEaFgPgkdytQU3cRTQcHJCz",
      credential: {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/2018/credentials/examples/v1"],
        id: `https://creds.dock.io/${ID}`,
        type: ["VerifiableCredential", "UniversityDegreeCredential"],
        credentialSubject: { id: "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy", degree: { type: "BachelorDegree", name: "Bachelor of Science, Physics" } },
        issuanceDate: "2019-08-24T14:15:22Z",
        expirationDate: "2029-08-24T14:15:22Z",
        issuer: { name: "Example University", id: "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy" },
        proof: {
          type: "Sr25519Signature2020",
          created: "2021-11-23T03:16:47Z",
          verificationMethod: "did:dock:5DhSFTFJwD6bFdrPdTibhxQypDruZkBGeWs1p34FS87ko5Vy#keys-1",
          proofPurpose: "assertionMethod",
          proofValue: "z3rp2oBQ5jDAdvwUtFsdrRdMfQz1w9nqkVNbTmQ8GSz6xcdV4ZmK8WNqJjqJqzi5G5GbBwXgCXcs4QpMehbmYvYJX",
        },
      },
    },
  },
  crossmint: {
    type: "credential.creation.succeeded",
    data: {
      credential: {
        credentialId: `urn:uuid:${ID}`,
        payload:
          "eyJpdiI6IjBhMWIyYzNkNGU1ZjY3ODkwYTFiMmMzZCIsImNpcGhlcnRleHQiOiI1ZjRkY2MzYjVhYThlNjVmNDBmYmM5OTZhNDQ5ODJiNzFlZGFkYzA5NjNhOGM5NzU0ZjJhYmU4ZmU5ODhmMTk3OWRhNTNiNmQ5NWQzZjk4YWFiMTM0ZDc4ODNiZjNhNTE1MjVmM2E0ZWMyMmJkZWZmZGRlOWE4MzU4MDljZTc5OTQ5NzAxNzEzZDI0OTkyYjFmYjNkNWQwNDA3YjEzNDU3YjI1ZmFlNTkyYzU0YzcxNmM1MDBiNmZlNTk1NmJhMzZhMmE1ZWVmYTljY2Q0NmI3NWZiZDNiNmVjNTMwMzNmNWUzYWQ4ZTJmNGI1OTNkYzQwOTVmMDNmNGJiZjhhNjEwOGJjNmZlMmNjOTdlMjFlYTgxMmM5YTNhNDI0MWU1NzMxYjA1NmQ5MWQwYWQ5N2Y5ZGY3MTJlZDQ4NGI5NzYxNjBmMGI3ZWU1ZTQ4MDJhZWEwNWM0NzRmMzA3MDQ1ZTNjZjgifQ==",
      },
      pass: { url: `https://www.crossmint.com/credentials/pass/${ID}` },
      collection: { id: "default-credentials:9c82ef99-617f-497d-9abb-fd355291681b", templateId: "c4f3b2a1-0d9e-4f8a-b7c6-5e4d3c2b1a09" },
      recipient: { email: "alice.garcia@example.edu", walletAddress: "0x9B5a6C8dA1f7e3b2C4d6E8f0a1B3c5D7e9F1a2B4" },
      secret: "crossmint-recoverable-key-6f1d2a9b8c7e4f30",
    },
  },
  sovrin: {
    deliveryId: ID,
    deliveryTimestamp: "2022-08-30T01:26:38.325Z",
    webhookId: "5be4f663-af93-41d8-8542-f5c9a2a2d588",
    event: {
      id: ID,
      type: "OpenIdCredentialIssued",
      timestamp: "2022-08-30T01:26:38.308Z",
      payload: {
        credentialId: "6c3f8bd4-5b1c-4c1a-9a7e-2f7d0e1c9b11",
        credentialConfigurationId: "1d2b0b1c-5f4e-4b8e-9c3a-7a2f6d5e4c3b",
        credentialProfile: "web-semantic",
        format: "ldp_vc",
        userId: "64a39a9d-c15b-4c78-9149-30f6376f1fbc",
        credential: {
          "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/vc-revocation-list-2020/v1"],
          type: ["VerifiableCredential", "CourseCredential"],
          issuer: { id: "did:web:example.vii.mattr.global", name: "Example University" },
          issuanceDate: "2022-08-30T01:26:38.000Z",
          credentialSubject: { id: "did:key:z6MkjBWPPa1njEKygyr3LR3pRKkqv714vyTkfnUdP6ToFSH5", course: "Physics 101", grade: "A" },
          credentialStatus: {
            id: "https://example.vii.mattr.global/core/v1/revocation-lists/b4aa46a0-5539-4a6b-aa03-8f6791c22ce3#0",
            type: "RevocationList2020Status",
            revocationListIndex: "0",
            revocationListCredential: "https://example.vii.mattr.global/core/v1/revocation-lists/b4aa46a0-5539-4a6b-aa03-8f6791c22ce3",
          },
          proof: {
            type: "Ed25519Signature2018",
            created: "2022-08-30T01:26:38Z",
            jws: "eyJhbGciOiJFZERTQSIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19..0hFQsmkXmP2Jm2N6FwRm2Yd3C4yD9aH0cKgfT0",
            proofPurpose: "assertionMethod",
            verificationMethod: "did:web:example.vii.mattr.global#8tJrXMjV4M",
          },
        },
      },
    },
  },
  github: {
    action: "opened",
    issue: {
      url: "https://api.github.com/repos/acme/credhooks-demo/issues/1347",
      id: 1,
      node_id: "MDU6SXNzdWUx",
      number: 1347,
      title: "Credential issuance fails for expired schemas",
      user: { login: "octocat", id: 1, node_id: "MDQ6VXNlcjE=", type: "User", site_admin: false },
      labels: [{ id: 208045946, node_id: "MDU6TGFiZWwyMDgwNDU5NDY=", name: "bug", color: "f29513", default: true }],
      state: "open",
      locked: false,
      comments: 0,
      created_at: "2024-04-14T16:00:49Z",
      updated_at: "2024-04-14T16:00:49Z",
      author_association: "OWNER",
      body: `Delivery ${ID}: issuing a credential against an expired schema returns 500 instead of 400.`,
    },
    repository: {
      id: 1296269,
      node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
      name: "credhooks-demo",
      full_name: "acme/credhooks-demo",
      private: false,
      owner: { login: "acme", id: 2, node_id: "MDEyOk9yZ2FuaXphdGlvbjI=", type: "Organization", site_admin: false },
      html_url: "https://github.com/acme/credhooks-demo",
      default_branch: "main",
    },
    sender: { login: "octocat", id: 1, node_id: "MDQ6VXNlcjE=", type: "User", site_admin: false },
  },
};

/** The path each sender posts to (the receivers mount `/events/:tenantId/<provider>`). */
export function pathOf(scheme: Scheme): string {
  return `/events/${BENCH_TENANT}/${scheme}`;
}

/** The body template of a scheme, split around its id placeholders. */
function templateParts(scheme: Scheme): string[] {
  return JSON.stringify(TEMPLATES[scheme]).split(ID);
}

/** The size of a scheme's body in bytes (all ids are 36 characters). */
export function bodyBytes(scheme: Scheme): number {
  const parts = templateParts(scheme);
  return Buffer.byteLength(parts.join("")) + 36 * (parts.length - 1);
}

/**
 * Makes the deliveries of one scheme, each with a new id: a random per-process prefix and a
 * counter, shaped like a UUID (36 characters), so runs and rounds never repeat an id.
 *
 * @example
 * ```ts
 * const next = deliveryFactory("proven", "127.0.0.1:3000");
 * const { path, headers, body } = next();
 * ```
 */
export function deliveryFactory(scheme: Scheme, authority: string): () => Delivery {
  const parts = templateParts(scheme);
  const prefix = randomBytes(4).toString("hex");
  let counter = 0;
  const path = pathOf(scheme);
  const svix = new Webhook(BENCH_SVIX_SECRET);
  const svixKey = Buffer.from(BENCH_SVIX_SECRET.slice("whsec_".length), "base64");
  let svixChecks = 0;
  const sovrinKey = scheme === "sovrin" ? sovrinPrivateKey() : undefined;

  return () => {
    counter++;
    const id = `${prefix}-${hex(counter >>> 16, 4)}-4${hex((counter >>> 4) & 0xfff, 3)}-8${hex(counter & 0xf, 3)}-${hex(process.pid, 12)}`;
    const body = parts.join(id);
    const headers: Record<string, string> = { host: authority, "content-type": "application/json" };
    switch (scheme) {
      case "proven":
        headers["x-api-key"] = BENCH_API_KEY;
        break;
      case "truvera":
        break;
      case "crossmint": {
        const msgId = `msg_${id}`;
        const now = new Date();
        headers["svix-id"] = msgId;
        headers["svix-timestamp"] = String(Math.floor(now.getTime() / 1000));
        // svix.sign costs ~70 µs (pure JS), enough to make the load generator the bottleneck;
        // node:crypto signs the same bytes, and the first deliveries are checked against svix.
        const signature = `v1,${createHmac("sha256", svixKey).update(`${msgId}.${headers["svix-timestamp"]}.${body}`).digest("base64")}`;
        if (svixChecks < 3) {
          svixChecks++;
          if (svix.sign(msgId, now, body) !== signature) throw new Error("the benchmark's Svix signature differs from the svix package's");
        }
        headers["svix-signature"] = signature;
        break;
      }
      case "sovrin":
        Object.assign(headers, signRfc9421(sovrinKey!, authority, path, body));
        break;
      case "github":
        headers["x-github-event"] = "issues";
        headers["x-github-delivery"] = id;
        headers["x-hub-signature-256"] = `sha256=${createHmac("sha256", BENCH_GITHUB_SECRET).update(body).digest("hex")}`;
        break;
    }
    return { path, headers, body };
  };
}

function hex(value: number, width: number): string {
  return (value % 16 ** width).toString(16).padStart(width, "0");
}

/** The components the benchmark's Sovrin signatures cover, as Sovrin's do. */
export const SOVRIN_COMPONENTS = ["@method", "@path", "@authority", "content-type", "content-digest"] as const;

/**
 * Signs a POST with Ed25519 as RFC 9421 describes (§2.5 signature base, §3.1 signing), with
 * a `Content-Digest` (RFC 9530) over the body: independent of credhooks' own signer.
 */
function signRfc9421(key: KeyObject, authority: string, path: string, body: string): Record<string, string> {
  const digest = `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
  const params = `(${SOVRIN_COMPONENTS.map((c) => `"${c}"`).join(" ")});created=${Math.floor(Date.now() / 1000)};keyid="${BENCH_SOVRIN_JWK.kid}";alg="ed25519"`;
  const base = [
    `"@method": POST`,
    `"@path": ${path}`,
    `"@authority": ${authority}`,
    `"content-type": application/json`,
    `"content-digest": ${digest}`,
    `"@signature-params": ${params}`,
  ].join("\n");
  const signature = sign(null, Buffer.from(base, "utf8"), key).toString("base64");
  return { "content-digest": digest, "signature-input": `sig1=${params}`, signature: `sig1=:${signature}:` };
}

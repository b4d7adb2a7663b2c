import type { Provider } from "@credhooks/core";
import { acapy } from "@credhooks/core/providers/acapy";
import { crossmint } from "@credhooks/core/providers/crossmint";
import { lissi } from "@credhooks/core/providers/lissi";
import { proven } from "@credhooks/core/providers/proven";
import { sovrin } from "@credhooks/core/providers/sovrin";
import { truvera } from "@credhooks/core/providers/truvera";
import { devCredential, type DevCredentialName, type ProviderId } from "@credhooks/testing";

/**
 * One provider mounted by `credhooks listen`, at `/events/:tenantId/<id>`.
 *
 * @example
 * ```ts
 * const [first] = listenReceivers(process.env);
 * first.path; // "/events/:tenantId/proven"
 * ```
 */
export interface ListenReceiver {
  readonly id: ProviderId;
  readonly path: string;
  readonly provider: Provider;
  /** The environment variable of its credential, and whether it was set (else the development default applies). */
  readonly credential: { readonly variable: string; readonly fromEnv: boolean };
}

/**
 * The environment variable of each provider's credential, as the example servers read them.
 *
 * @example
 * ```ts
 * process.env[CREDENTIAL_VARIABLES.crossmint]; // $CROSSMINT_SECRET
 * ```
 */
export const CREDENTIAL_VARIABLES: Readonly<Record<ProviderId, DevCredentialName>> = {
  proven: "PROVEN_API_KEY",
  lissi: "LISSI_API_KEY",
  truvera: "TRUVERA_TOKEN",
  crossmint: "CROSSMINT_SECRET",
  sovrin: "SOVRIN_JWKS",
  acapy: "ACAPY_API_KEY",
};

/**
 * Every provider with the example servers' credentials: the environment variable when set
 * (`PROVEN_API_KEY`, `LISSI_API_KEY`, `TRUVERA_TOKEN`, `CROSSMINT_SECRET`, `ACAPY_API_KEY`,
 * `SOVRIN_JWKS` — or `SOVRIN_JWKS_URL` when `SOVRIN_JWKS` is unset), otherwise the development credential
 * that `credhooks send` and `@credhooks/testing` sign with.
 *
 * @example
 * ```ts
 * for (const r of listenReceivers({ PROVEN_API_KEY: "k" })) console.log(r.id, r.credential.fromEnv);
 * ```
 */
export function listenReceivers(env: Readonly<Record<string, string | undefined>>): ListenReceiver[] {
  const set = (name: string) => env[name] !== undefined && env[name] !== "";
  const sovrinJwks = set("SOVRIN_JWKS") ? env["SOVRIN_JWKS"]! : set("SOVRIN_JWKS_URL") ? env["SOVRIN_JWKS_URL"]! : devCredential(env, "SOVRIN_JWKS");
  const providers: Record<ProviderId, () => Provider> = {
    proven: () => proven({ apiKey: devCredential(env, "PROVEN_API_KEY") }),
    lissi: () => lissi({ apiKey: devCredential(env, "LISSI_API_KEY") }),
    truvera: () => truvera({ token: devCredential(env, "TRUVERA_TOKEN") }),
    crossmint: () => crossmint({ secret: devCredential(env, "CROSSMINT_SECRET") }),
    sovrin: () => sovrin({ jwks: sovrinJwks }),
    acapy: () => acapy({ apiKey: devCredential(env, "ACAPY_API_KEY") }),
  };
  return (Object.keys(providers) as ProviderId[]).map((id) => {
    const variable = id === "sovrin" && !set("SOVRIN_JWKS") && set("SOVRIN_JWKS_URL") ? "SOVRIN_JWKS_URL" : CREDENTIAL_VARIABLES[id];
    let provider: Provider;
    try {
      provider = providers[id]();
    } catch (error) {
      // A malformed credential (a Crossmint secret that is not whsec_ + base64, JWKS text that is not JSON) throws here.
      throw new Error(`${variable} is not a valid ${id} credential: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    return { id, path: `/events/:tenantId/${id}`, provider, credential: { variable, fromEnv: set(variable) } };
  });
}

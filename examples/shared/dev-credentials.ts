/**
 * Development credentials of the example servers, used when the environment sets none.
 * They live in `@credhooks/testing` (one source: its builders and `credhooks send` sign
 * with the same values, and `credhooks listen` accepts them), re-exported here under the
 * names the examples use. Never use them in production.
 */
export { DEV_CREDENTIALS, DEV_SOVRIN_SIGNING_JWK, devCredential as credential } from "@credhooks/testing";

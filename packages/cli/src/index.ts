/**
 * The credhooks command line, as a library: build the program or run it.
 *
 * @module credhooks
 */
export { createProgram, runCli } from "./program.js";
export type { CliIo } from "./program.js";
export { startListener } from "./listen.js";
export type { Listener, ListenOptions } from "./listen.js";
export { checkNames, sampleDelivery, sendSample, UsageError } from "./send.js";
export type { SendOptions, SendOutcome } from "./send.js";
export { CREDENTIAL_VARIABLES, listenReceivers } from "./receivers.js";
export type { ListenReceiver } from "./receivers.js";
export { openFailureStore, StoreUnavailableError } from "./stores.js";
export type { FailureStore } from "./stores.js";
export { failureDelivery, NotReplayableError, parseReplayTarget, redeliverFailure } from "./failures.js";
export type { RedeliverOptions, RedeliveryOutcome } from "./failures.js";

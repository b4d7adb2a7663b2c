/**
 * A logger credhooks can write to: pino's shape (`logger.warn(obj, msg)`), so a pino or
 * bunyan instance plugs in directly. credhooks is silent unless one is given. It never
 * logs secrets or payloads: only provider, tenant, event name, dedupe id and error codes.
 *
 * @example
 * ```ts
 * import pino from "pino";
 * const hooks = createWebhooks({ provider, logger: pino() });
 * ```
 */
export interface Logger {
  debug?(obj: Record<string, unknown>, msg: string): void;
  info?(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/**
 * The default logger: says nothing.
 *
 * @example
 * ```ts
 * const logger: Logger = process.env.DEBUG ? console : silentLogger;
 * ```
 */
export const silentLogger: Logger = { warn() {}, error() {} };

import { inspect } from "node:util";

/**
 * Terminal styling: ANSI colours only when writing to a terminal and `NO_COLOR` is unset
 * (https://no-color.org), so piped output and tests get plain text.
 *
 * @example
 * ```ts
 * const style = stylesFor(process.stdout.isTTY === true, process.env);
 * console.log(style.green("✓ accepted"));
 * ```
 */
export interface Styles {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/**
 * The {@link Styles} for an output stream.
 *
 * @example
 * ```ts
 * stylesFor(false, {}).red("plain"); // "plain"
 * ```
 */
export function stylesFor(isTty: boolean, env: Readonly<Record<string, string | undefined>>): Styles {
  const on = isTty && (env["NO_COLOR"] === undefined || env["NO_COLOR"] === "") && env["TERM"] !== "dumb";
  const wrap = (open: number, close: number) => (text: string) => (on ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/**
 * A payload for the terminal: indented JSON-like text, nested objects in full.
 *
 * @example
 * ```ts
 * formatPayload({ id: "c1", state: "COMPLETED" }, "  ");
 * ```
 */
export function formatPayload(payload: unknown, indent: string): string {
  const text = payload === undefined ? "(no payload)" : inspect(payload, { depth: 8, colors: false, breakLength: 100, sorted: false, compact: 3 });
  return text
    .split("\n")
    .map((line) => indent + line)
    .join("\n");
}

/**
 * The local time of day with milliseconds, `12:04:31.207`.
 *
 * @example
 * ```ts
 * clock(new Date()); // "12:04:31.207"
 * ```
 */
export function clock(at: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;
}

/**
 * Hides the fields of a payload that are secrets of the user's end customers, so the
 * inspector never prints them: Crossmint's `data.secret` (the key of a
 * `crossmint-recoverable` credential) is the handler's to use, never to log. Truvera's
 * `token` never reaches a payload (credhooks removes it).
 *
 * @example
 * ```ts
 * redactForDisplay("crossmint", { credential: {}, secret: "k" }); // { credential: {}, secret: "[redacted]" }
 * ```
 */
export function redactForDisplay(provider: string, payload: unknown): unknown {
  if (provider === "crossmint" && typeof payload === "object" && payload !== null && !Array.isArray(payload) && typeof (payload as Record<string, unknown>)["secret"] === "string") {
    return { ...payload, secret: "[redacted]" };
  }
  return payload;
}

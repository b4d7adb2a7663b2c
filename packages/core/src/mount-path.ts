/**
 * A compiled mount pattern such as `/events/:tenantId/lissi`.
 *
 * @example
 * ```ts
 * const mount: MountPath = compileMountPath("/events/:tenantId/lissi");
 * mount.match("/events/acme/lissi/connections/1/update"); // { params: { tenantId: "acme" }, rest: "/connections/1/update" }
 * mount.match("/health"); // undefined
 * ```
 */
export interface MountPath {
  /** The pattern as given. */
  readonly pattern: string;
  /** Matches a full path; returns the captured params and the rest below the mount point, or undefined. */
  match(path: string): { params: Record<string, string>; rest: string } | undefined;
}

/**
 * Compiles a mount pattern whose segments are literals or `:name` params. The match is a
 * prefix match: `/events/:tenantId` matches `/events/acme` and `/events/acme/x`, with
 * `rest` being `/` and `/x`.
 *
 * @example
 * ```ts
 * compileMountPath("/events/:tenantId").match("/events/acme/connections/1/update");
 * // { params: { tenantId: "acme" }, rest: "/connections/1/update" }
 * ```
 */
export function compileMountPath(pattern: string): MountPath {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => {
      if (segment.startsWith(":")) {
        names.push(segment.slice(1));
        return "/([^/]+)";
      }
      return "/" + segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  const regex = new RegExp(`^${source}(?=/|$)`);
  return {
    pattern,
    match(path) {
      const found = regex.exec(path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        const value = found[i + 1];
        if (value !== undefined) params[name] = safeDecode(value);
      });
      const rest = path.slice(found[0].length);
      return { params, rest: rest === "" ? "/" : rest };
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript sources (the "source" export condition),
// so tests run against the code, not a stale build. The rest are Vite's default server
// conditions less "module", as Vitest's own default: Vitest hands these conditions to Node
// too, and "module" builds are for bundlers (OpenTelemetry's have extensionless imports that
// Node cannot load when a CommonJS package requires @opentelemetry/api).
export default defineConfig({
  ssr: { resolve: { conditions: ["source", "node", "development|production"] } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "test/**/*.test.ts", "examples/**/*.test.ts"],
    environment: "node",
    testTimeout: 20_000,
    hookTimeout: 30_000,
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});

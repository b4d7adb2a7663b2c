import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "coverage/**", "docs/api/**", "bench/results.*"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", Buffer: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", NodeJS: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", fetch: "readonly", AbortController: "readonly", Response: "readonly", Request: "readonly", Headers: "readonly", structuredClone: "readonly" } },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", { selector: "CallExpression[callee.object.name='console'][callee.property.name='log']", message: "credhooks is silent: use the injected logger (or stderr in examples)." }],
    },
  },
  {
    files: ["**/*.test.ts", "**/*.test-d.ts", "test/**", "scripts/**", "bench/**"],
    rules: { "no-restricted-syntax": "off", "@typescript-eslint/no-explicit-any": "off" },
  },
);

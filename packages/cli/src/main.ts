import { runCli } from "./program.js";

// The entry point of bin/credhooks.js. Sets the exit code instead of calling process.exit,
// so pending output is flushed first.
process.exitCode = await runCli(process.argv);

// Modules the READMEs' snippets import that this repository does not install, with the
// little of their types the snippets use (see test/readme-code-blocks.test.ts).
declare module "connect" {
  import type { IncomingMessage, Server, ServerResponse } from "node:http";
  interface ConnectApp {
    (req: IncomingMessage, res: ServerResponse): void;
    use(handler: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => unknown): ConnectApp;
    listen(port: number): Server;
  }
  export default function connect(): ConnectApp;
}

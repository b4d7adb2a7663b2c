import type { RequestListener } from "node:http";
import express4 from "express4";
import express5 from "express5";
import Koa2 from "koa2";
import Koa3 from "koa3";
import { webhooks as expressWebhooks } from "@credhooks/express";
import { webhooks as koaWebhooks } from "@credhooks/koa";
import { webhooks as nodeWebhooks } from "@credhooks/node";
import { webhooks as fetchWebhooks } from "@credhooks/fetch";
import { fetchToNodeListener } from "./fetch-bridge.js";
import { compileMountPath, type MultiWebhooks, type MultiWebhooksOptions, type Provider, type ProviderEntry, type Webhooks, type WebhooksOptions } from "@credhooks/core";

/** One receiver to mount: where, and with which options (provider, store, ...). */
export interface Mount {
  /** Mount pattern, e.g. `/events/:tenantId/proven`. */
  path: string;
  options: WebhooksOptions<Provider>;
}

/** An app built by one adapter: a request listener for supertest, and the receivers in mount order. */
export interface BuiltApp {
  app: RequestListener;
  hooks: Array<Webhooks<Record<string, unknown>>>;
}

/** An app with one multi-provider receiver mounted once (`app.use("/events/:tenantId", hooks)`). */
export interface BuiltMultiApp {
  app: RequestListener;
  hooks: MultiWebhooks;
}

/** One framework major with the credhooks adapter for it. */
export interface AdapterHarness {
  name: string;
  build(mounts: readonly Mount[]): BuiltApp;
  /** Mounts one multi-provider receiver at `path` (default `/events/:tenantId`). */
  buildMulti(options: MultiWebhooksOptions<Record<string, ProviderEntry>>, path?: string): BuiltMultiApp;
}

const MULTI_PATH = "/events/:tenantId";

type ExpressFactory = () => { use(path: string, handler: unknown): unknown } & RequestListener;
type KoaFactory = new () => { use(mw: unknown): unknown; callback(): RequestListener };

function expressHarness(name: string, createApp: ExpressFactory): AdapterHarness {
  return {
    name,
    build(mounts) {
      const app = createApp();
      const hooks = mounts.map((m) => {
        const h = expressWebhooks(m.options);
        app.use(m.path, h);
        return h as unknown as Webhooks<Record<string, unknown>>;
      });
      return { app, hooks };
    },
    buildMulti(options, path = MULTI_PATH) {
      const app = createApp();
      const hooks = expressWebhooks(options);
      app.use(path, hooks);
      return { app, hooks: hooks as unknown as MultiWebhooks };
    },
  };
}

function koaHarness(name: string, KoaApp: KoaFactory): AdapterHarness {
  return {
    name,
    build(mounts) {
      const app = new KoaApp();
      const hooks = mounts.map((m) => {
        const h = koaWebhooks({ ...m.options, path: m.path });
        app.use(h);
        return h as unknown as Webhooks<Record<string, unknown>>;
      });
      return { app: app.callback(), hooks };
    },
    buildMulti(options, path = MULTI_PATH) {
      const app = new KoaApp();
      const hooks = koaWebhooks({ ...options, path });
      app.use(hooks);
      return { app: app.callback(), hooks: hooks as unknown as MultiWebhooks };
    },
  };
}

// node:http and fetch handlers each serve one mount; requests outside it go to the next one.
type Listener = (req: Parameters<RequestListener>[0], res: Parameters<RequestListener>[1], next: () => void) => void;
function chain(listeners: Listener[]): RequestListener {
  return (req, res) => {
    let i = 0;
    const next = (): void => {
      const listener = listeners[i++];
      if (listener) listener(req, res, next);
      else res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"UNKNOWN_ROUTE","message":"no mount"}}');
    };
    next();
  };
}

const nodeHarness: AdapterHarness = {
  name: "node:http",
  build(mounts) {
    const hooks = mounts.map((m) => nodeWebhooks({ ...m.options, path: m.path }));
    return { app: chain(hooks), hooks: hooks as unknown as Array<Webhooks<Record<string, unknown>>> };
  },
  buildMulti(options, path = MULTI_PATH) {
    const hooks = nodeWebhooks({ ...options, path });
    return { app: chain([hooks]), hooks: hooks as unknown as MultiWebhooks };
  },
};

const fetchHarness: AdapterHarness = {
  name: "fetch",
  build(mounts) {
    const hooks = mounts.map((m) => ({ mount: compileMountPath(m.path), handler: fetchWebhooks({ ...m.options, path: m.path }) }));
    const app = fetchToNodeListener(async (request) => {
      const path = new URL(request.url).pathname;
      const target = hooks.find((h) => h.mount.match(path)) ?? hooks[0]!;
      return target.handler(request);
    });
    return { app, hooks: hooks.map((h) => h.handler) as unknown as Array<Webhooks<Record<string, unknown>>> };
  },
  buildMulti(options, path = MULTI_PATH) {
    const hooks = fetchWebhooks({ ...options, path });
    return { app: fetchToNodeListener((request) => hooks(request)), hooks: hooks as unknown as MultiWebhooks };
  },
};

/** Every adapter and framework major: the conformance suite runs each test on all of them. */
export const adapters: readonly AdapterHarness[] = [
  expressHarness("express@4", express4 as unknown as ExpressFactory),
  expressHarness("express@5", express5 as unknown as ExpressFactory),
  koaHarness("koa@2", Koa2 as unknown as KoaFactory),
  koaHarness("koa@3", Koa3 as unknown as KoaFactory),
  nodeHarness,
  fetchHarness,
];

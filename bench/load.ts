// The load generator, in its own process (pinned to its own CPU when taskset is there):
// runs autocannon against one receiver at a time, on the runner's command over IPC.
import autocannon from "autocannon";
import { deliveryFactory, type Scheme } from "./deliveries.js";

/** Messages the runner sends. */
export type LoadCommand =
  | { type: "smoke"; origin: string; scheme: Scheme }
  | { type: "run"; origin: string; scheme: Scheme; seconds: number; connections: number };

/** What one autocannon run measured. */
export interface LoadResult {
  /** Completed requests per second (mean over the run). */
  rps: number;
  /** Latency percentiles of 2xx responses, in ms (from autocannon's per-response times, not its 1 ms histogram). */
  p50: number;
  p99: number;
  /** Completed responses, and those that were not 2xx. */
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU the load generator itself used, as a fraction of one core: near 1 means it, not the receiver, was the limit. */
  loadCpu: number;
}

/** Messages the load generator sends. */
export type LoadMessage = { type: "smoke"; status: number; body: string } | { type: "result"; result: LoadResult } | { type: "error"; message: string };

const send = (message: LoadMessage): void => void process.send?.(message);

async function smoke(origin: string, scheme: Scheme): Promise<void> {
  const next = deliveryFactory(scheme, new URL(origin).host);
  const delivery = next();
  const { host: _host, ...headers } = delivery.headers;
  const response = await fetch(origin + delivery.path, { method: "POST", headers, body: delivery.body });
  send({ type: "smoke", status: response.status, body: (await response.text()).slice(0, 300) });
}

async function run(origin: string, scheme: Scheme, seconds: number, connections: number): Promise<void> {
  const next = deliveryFactory(scheme, new URL(origin).host);
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let instance!: autocannon.Instance;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
    url: origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const delivery = next();
          return { ...request, method: "POST", path: delivery.path, headers: delivery.headers, body: delivery.body };
          },
        },
      ],
    },
      (error: unknown, result: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
    );
  });
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await finished;
  const wallMicros = Number(process.hrtime.bigint() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  send({
    type: "result",
    result: {
      rps: result.requests.total / (result.duration || seconds),
      p50: pick(0.5),
      p99: pick(0.99),
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      loadCpu: (cpu.user + cpu.system) / wallMicros,
    },
  });
}

process.on("message", (command: LoadCommand) => {
  const work = command.type === "smoke" ? smoke(command.origin, command.scheme) : run(command.origin, command.scheme, command.seconds, command.connections);
  work.catch((error: unknown) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }));
});
process.on("disconnect", () => process.exit(0));

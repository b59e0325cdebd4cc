// The one way an app is put together. An app declares what it is — its name, its gRPC service,
// and a `build` step that acquires its resources in order and returns its handlers, REST
// routes and readiness checks — and the skeleton does the rest the same way for all of them:
// telemetry and config in, the gRPC and HTTP ports up, everything stopped in reverse order,
// and everything released when a start fails half-way.
import { databaseUrlFor } from "@obs/db";
import { loadProto } from "@obs/proto";
import { Hono } from "hono";
import type {
  AppContext,
  AppDefinition,
  AppKafka,
  RunningApp,
  StartOptions,
} from "./app-definition.ts";
import { appKafka } from "./app-kafka.ts";
import { bootApp } from "./boot.ts";
import type { Readiness } from "./http.ts";
import { onShutdown } from "./lifecycle.ts";
import { answers } from "./readiness.ts";
import { createResources } from "./resources.ts";
import { startAppServers } from "./servers.ts";

/** The service's definition in the app's loaded protos, by its dotted name. */
function serviceDefinition(proto: { grpc: unknown }, service: string) {
  let node: unknown = proto.grpc;
  for (const part of service.split(".")) node = (node as Record<string, unknown>)?.[part];
  const definition = (node as { service?: unknown } | undefined)?.service;
  if (!definition) throw new Error(`no gRPC service ${service} in the loaded protos`);
  return definition as Parameters<typeof startAppServers>[0]["service"]["definition"];
}

/** An app's definition, with `start` bound to it: `export const startLedger = ledgerApp.start`. */
export function defineApp<Options, Handle>(
  definition: AppDefinition<Options, Handle>,
): AppDefinition<Options, Handle> & {
  start(options: StartOptions & Options): Promise<RunningApp<Handle>>;
} {
  return { ...definition, start: (options) => startApp(definition, options) };
}

export async function startApp<Options, Handle>(
  definition: AppDefinition<Options, Handle>,
  options: StartOptions & Options,
): Promise<RunningApp<Handle>> {
  const { config, telemetry } = options;
  const { logger } = telemetry;
  const resources = createResources(logger);
  const readiness: Readiness = { serving: {}, background: {} };
  let kafka: Promise<AppKafka> | undefined;
  const ctx: AppContext = {
    name: definition.name,
    config,
    telemetry,
    logger,
    resources,
    databaseUrl: options.databaseUrl ?? config.databaseUrl ?? databaseUrlFor(config.name),
    ready(name, check, { background = false } = {}) {
      if (readiness.serving[name] || readiness.background[name])
        throw new Error(`two readiness checks named ${name}`);
      readiness[background ? "background" : "serving"][name] = check;
    },
    database(store) {
      resources.own("database", store, (s) => s.close());
      ctx.ready(
        "postgres",
        answers("postgres ping", () => store.ping()),
      );
      return store;
    },
    kafka: () => {
      kafka ??= appKafka(ctx);
      return kafka;
    },
  };
  try {
    const parts = await definition.build(ctx, options);
    const proto = loadProto(definition.name);
    const servers = resources.own(
      "servers",
      await startAppServers({
        config,
        telemetry,
        grpcPort: options.grpcPort,
        httpPort: options.httpPort,
        packageDefinition: proto.definition,
        service: {
          name: definition.service,
          definition: serviceDefinition(proto, definition.service),
          implementation: parts.handlers,
        },
        routes: parts.routes ?? new Hono(),
        readiness,
      }),
      (s) => s.stop(),
    );
    const { grpcPort, httpPort } = servers;
    logger.info({ grpcPort, httpPort, ...parts.facts }, `${definition.name} started`);
    let stopped: Promise<void> | undefined;
    return {
      ...parts.handle,
      grpcPort,
      httpPort,
      stop() {
        stopped ??= resources.closeAll().then(() => logger.info(`${definition.name} stopped`));
        return stopped;
      },
    };
  } catch (error) {
    logger.error({ err: error }, `${definition.name} failed to start`);
    await resources.closeAll();
    throw error;
  }
}

/** main.ts of every app: configuration and telemetry from the environment, then the app. */
export async function runMain<Handle>(definition: AppDefinition<object, Handle>): Promise<void> {
  const app = await startApp(definition, bootApp(definition.name));
  onShutdown(definition.name, () => app.stop());
}

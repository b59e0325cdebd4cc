import { APPS, type AppName } from "./apps.ts";
import { DEFAULT_MAX_BODY_BYTES } from "./http-guards.ts";
import { replicationFactorFrom } from "./replication.ts";

export interface AppConfig {
  name: AppName;
  version: string;
  grpcPort: number;
  httpPort: number;
  /** Interface the servers bind; loopback unless told otherwise. */
  host: string;
  kafkaBrokers: string[];
  /** Copies of each topic the app creates; undefined leaves it to the broker's default. */
  kafkaReplicationFactor: number | undefined;
  databaseUrl: string | undefined;
  /** REST bodies above this are refused with 413; gRPC messages above it RESOURCE_EXHAUSTED. */
  maxRequestBytes: number;
}

/** A positive integer setting from the environment; `fallback` when unset, an error when junk. */
export function positiveInt(
  env: Record<string, string | undefined>,
  key: string,
  fallback: number,
): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${key}=${raw} is not a positive integer`);
  return value;
}

function portFrom(env: Record<string, string | undefined>, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${key}=${raw} is not a port`);
  return port;
}

/**
 * An app's configuration from the environment: GRPC_PORT / HTTP_PORT (the app's defaults
 * otherwise), HOST, KAFKA_BROKERS (comma-separated), KAFKA_REPLICATION_FACTOR, DATABASE_URL,
 * MAX_REQUEST_BYTES.
 */
export function loadConfig(
  name: AppName,
  env: Record<string, string | undefined> = process.env,
): AppConfig {
  const spec = APPS[name];
  const kafkaBrokers = (env.KAFKA_BROKERS ?? "127.0.0.1:19092")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  return {
    name,
    version: env.SERVICE_VERSION ?? "0.1.0",
    grpcPort: portFrom(env, "GRPC_PORT", spec.grpcPort),
    httpPort: portFrom(env, "HTTP_PORT", spec.httpPort),
    host: env.HOST ?? "127.0.0.1",
    kafkaBrokers,
    kafkaReplicationFactor: replicationFactorFrom(env, kafkaBrokers),
    databaseUrl: env.DATABASE_URL,
    maxRequestBytes: positiveInt(env, "MAX_REQUEST_BYTES", DEFAULT_MAX_BODY_BYTES),
  };
}

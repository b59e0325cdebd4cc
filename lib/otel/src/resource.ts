import type { Attributes } from "@opentelemetry/api";
import {
  defaultResource,
  envDetector,
  hostDetector,
  processDetector,
  type Resource,
  type ResourceDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export interface ResourceOptions {
  serviceName: string;
  serviceVersion?: string;
  attributes?: Attributes;
}

/**
 * service.*, host.*, process.* and the OTEL_* variables. Precedence, lowest first: SDK
 * defaults, code, detected host/process, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME, so an
 * operator can always rename a deployment without a rebuild.
 */
export function buildResource(options: ResourceOptions): Resource {
  const fromCode = resourceFromAttributes({
    ...options.attributes,
    [ATTR_SERVICE_NAME]: options.serviceName,
    ...(options.serviceVersion ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
  });
  const detected = resourceFromAttributes({
    ...settledAttributes(hostDetector),
    ...settledAttributes(processDetector),
    // processDetector assumes Node.js; under Bun it would report Node's compat version.
    ...runtimeAttributes(),
  });
  const fromEnv = resourceFromAttributes(settledAttributes(envDetector));
  return defaultResource().merge(fromCode).merge(detected).merge(fromEnv);
}

/**
 * A detector's attributes minus the ones it can only produce asynchronously (host.id reads
 * /etc/machine-id). A resource with pending attributes makes the SDK log errors when the
 * service name is read at start-up and delays every export; host.name already identifies
 * the machine.
 */
function settledAttributes(detector: ResourceDetector): Attributes {
  const attributes: Attributes = {};
  for (const [key, value] of Object.entries(detector.detect().attributes ?? {})) {
    if (value === undefined || value === null) continue;
    if (typeof (value as { then?: unknown }).then === "function") continue;
    attributes[key] = value as Attributes[string];
  }
  return attributes;
}

function runtimeAttributes(): Attributes {
  const bun = (globalThis as { Bun?: { version: string; revision?: string } }).Bun;
  if (bun) {
    return {
      "process.runtime.name": "bun",
      "process.runtime.version": bun.version,
      "process.runtime.description": "Bun",
    };
  }
  return {
    "process.runtime.name": "nodejs",
    "process.runtime.version": process.versions.node,
    "process.runtime.description": "Node.js",
  };
}

/** service.name after env overrides; the logger uses it so logs and traces agree. */
export function serviceNameOf(resource: Resource, fallback: string): string {
  const name = resource.attributes[ATTR_SERVICE_NAME];
  return typeof name === "string" && name.length > 0 ? name : fallback;
}

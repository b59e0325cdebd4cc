import type { Logger } from "./port.ts";

/** JSON lines on the console, until a service hands in its own structured logger. */
export const consoleLogger: Logger = {
  info: (msg, fields) => console.info(JSON.stringify({ level: "info", msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: "warn", msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: "error", msg, ...fields })),
};

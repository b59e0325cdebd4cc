/** One piece of local infrastructure, as the launcher (up.ts) drives it. */
export interface Service {
  name: string;
  /** host:port pairs people and apps use, printed by `infra:status`. */
  describe(): string;
  /** Every port the service binds; each must be free before start. */
  ports(): number[];
  /** Really ready: answers its protocol, not just an open port. */
  ready(): Promise<boolean>;
  /** Installs binaries/jars (cached) and checks toolchains; throws InfraError. */
  prepare(): Promise<void>;
  /** Launches the process (detached, pid recorded) and returns its pid. */
  start(): Promise<number>;
  /** Stops the recorded pid; defaults to SIGTERM with a grace period. */
  stop?(pid: number): Promise<void>;
  /** Seconds to wait for readiness after start. */
  readyTimeoutSeconds: number;
}

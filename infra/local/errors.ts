/** A failure the user can act on; the CLI prints its message as one line and exits 1. */
export class InfraError extends Error {
  override name = "InfraError";
}

// Optional peer dependencies (socket.io-client, the MCP SDK, redis): imported on first use, and
// their absence told apart from any other failure to load, so that the caller can say what to
// install instead of showing a raw ERR_MODULE_NOT_FOUND.

/** Whether `error`, thrown by an import, means that the package `name` is not installed. */
export function isMissingPackage(error: unknown, name: string): boolean {
  const e = error as { code?: string; message?: string } | null;
  return (
    (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND" || e?.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") &&
    String(e.message).includes(name)
  );
}

// `node benches/mcp-tools.mjs`: what each MCP layout costs a model before it does anything (the
// bytes of `tools/list`, and tokens at 4 characters a token), and how many tool calls five
// scripted support tasks take with the task layout against the compact layout. Counts, not times:
// the same on every machine. Uses the scripted agent of tests/js/mcp-agent.mjs, whose answers are
// checked against the sandbox; writes the tables into docs/BENCHMARKS.md between the "mcp-tools"
// markers (docs/MCP.md holds the same tables, kept true by tests/js/mcp-layouts.test.mjs).
import { measureLayouts, runScripts, tables } from "../tests/js/mcp-agent.mjs";
import { startSandbox } from "../tests/js/support.mjs";
import { writeSection } from "./support.mjs";

const sandbox = await startSandbox(["--seed", "17"]);
try {
  const layouts = await measureLayouts(sandbox);
  const scripts = await runScripts(sandbox);
  const body = tables(layouts, scripts);
  process.stdout.write(body);
  writeSection(
    "mcp-tools",
    "<!-- mcp-tools:start (written by `node benches/mcp-tools.mjs`; do not edit by hand) -->\n" +
      "## MCP layouts: tool-list size and calls per support task\n\n" +
      "`crisp-kit mcp` against the sandbox (seed 17). Bytes are the JSON of `tools/list` as a client receives it " +
      "and passes it to its model. Calls are counted by a scripted agent (tests/js/mcp-agent.mjs): with the compact " +
      "layout it searches and describes each endpoint once before its first call, as an agent that does not know " +
      "the API must; every answer is checked against the sandbox's own data.\n\n" +
      body +
      "<!-- mcp-tools:end -->\n",
    "events",
  );
} finally {
  await sandbox.stop();
}

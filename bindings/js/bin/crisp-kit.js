#!/usr/bin/env node
// The `crisp-kit` command. This file is committed (dist/ is built), so that `npm install` in a
// checkout links node_modules/.bin/crisp-kit even though dist/cli.js does not exist yet: then
// `npx crisp-kit` works as soon as the package is built, and says how to build it before that.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("crisp-kit: not built yet: run `node bindings/js/build.mjs` (or `npm start`) in the checkout first\n");
  process.exit(2);
}
await import(cli.href);

// The prebuilt addons, one npm package per platform in napi-rs's convention
// (`crisp-kit-<platform>-<arch>[-<abi>]`: `os`, `cpu`, `libc`, a single .node), cross-built on
// this one Linux machine with cargo-zigbuild (zig as the linker; scripts/setup.sh installs it):
// Linux gnu against glibc 2.17, Linux musl, macOS x64 and arm64. Windows (MSVC) needs Microsoft's
// SDK, which cannot be fetched here: .github/workflows/release.yml builds it on a Windows runner.
//
//   node bindings/js/platforms.mjs            build every target below into bindings/js/npm/<name>/
//   node bindings/js/platforms.mjs --list     print the table as JSON (release.yml, tests)
//
// The package.json of each platform package is written here from the main package's, so the
// versions cannot drift; crisp-kit's optionalDependencies name exactly these, at that version.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");

/** Every platform crisp-kit ships an addon for; `built: false` ones only on their own runner. */
export const PLATFORMS = [
  { name: "linux-x64-gnu", rust: "x86_64-unknown-linux-gnu", zig: "x86_64-unknown-linux-gnu.2.17", os: "linux", cpu: "x64", libc: "glibc", built: true },
  { name: "linux-arm64-gnu", rust: "aarch64-unknown-linux-gnu", zig: "aarch64-unknown-linux-gnu.2.17", os: "linux", cpu: "arm64", libc: "glibc", built: true },
  { name: "linux-x64-musl", rust: "x86_64-unknown-linux-musl", os: "linux", cpu: "x64", libc: "musl", built: true },
  { name: "linux-arm64-musl", rust: "aarch64-unknown-linux-musl", os: "linux", cpu: "arm64", libc: "musl", built: true },
  { name: "darwin-x64", rust: "x86_64-apple-darwin", os: "darwin", cpu: "x64", built: true },
  { name: "darwin-arm64", rust: "aarch64-apple-darwin", os: "darwin", cpu: "arm64", built: true },
  { name: "win32-x64-msvc", rust: "x86_64-pc-windows-msvc", os: "win32", cpu: "x64", built: false },
];

const libFile = (rust) => (rust.includes("apple") ? "libcrisp_kit_node.dylib" : rust.includes("windows") ? "crisp_kit_node.dll" : "libcrisp_kit_node.so");
export const nodeFile = (p) => `crisp-kit.${p.name}.node`;
export const packageDir = (p) => join(here, "npm", p.name);

/** The package.json of one platform package, from the main package's fields. */
export function platformManifest(p, main = JSON.parse(readFileSync(join(here, "package.json"), "utf8"))) {
  return {
    name: `crisp-kit-${p.name}`,
    version: main.version,
    description: `The ${p.name} addon of crisp-kit (installed by crisp-kit as an optional dependency; not used alone).`,
    license: main.license,
    repository: main.repository,
    homepage: main.homepage,
    bugs: main.bugs,
    main: nodeFile(p),
    files: [nodeFile(p)],
    os: [p.os],
    cpu: [p.cpu],
    ...(p.libc ? { libc: [p.libc] } : {}),
    engines: main.engines,
  };
}

/** Writes the package folder of `p` around an addon already built at `addon`. */
export function writePackage(p, addon) {
  const dir = packageDir(p);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  copyFileSync(addon, join(dir, nodeFile(p)));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(platformManifest(p), null, 2)}\n`);
  writeFileSync(
    join(dir, "README.md"),
    `# crisp-kit-${p.name}\n\nThe prebuilt native addon of [crisp-kit](https://www.npmjs.com/package/crisp-kit) for ${p.name}.\n` +
      "Install `crisp-kit`, not this: npm picks this package by `os`, `cpu` and `libc` as an optional dependency.\n",
  );
  copyFileSync(join(root, "LICENSE"), join(dir, "LICENSE"));
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes("--list")) {
    process.stdout.write(`${JSON.stringify(PLATFORMS)}\n`);
    process.exit(0);
  }
  const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const targets = PLATFORMS.filter((p) => p.built && (only.length === 0 || only.includes(p.name)));
  const venv = join(process.env.CRISP_KIT_TOOLS ?? join(homedir(), ".cache", "crisp-kit"), "cross", "bin");
  const env = {
    ...process.env,
    // cargo-zigbuild finds zig as `python3 -m ziglang`: the venv's python has that wheel.
    PATH: `${venv}${delimiter}${process.env.PATH}`,
    // A cdylib for musl must link libc dynamically (Node is the process that loads it).
    CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS: "-C target-feature=-crt-static",
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS: "-C target-feature=-crt-static",
  };
  const started = Date.now();
  try {
    execFileSync(join(venv, "cargo-zigbuild"), ["zigbuild", "--quiet", "--release", "-p", "crisp-kit-node", ...targets.flatMap((p) => ["--target", p.zig ?? p.rust])], {
      cwd: root,
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
  } catch (error) {
    console.error(`[platforms] cargo-zigbuild failed (scripts/setup.sh installs it and the Rust targets): ${error.message}`);
    process.exit(1);
  }
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, "target");
  for (const p of targets) writePackage(p, join(targetDir, p.rust, "release", libFile(p.rust)));
  console.error(`[platforms] ${targets.map((p) => `crisp-kit-${p.name}`).join(", ")} in bindings/js/npm/ (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

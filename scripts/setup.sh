#!/usr/bin/env bash
# Installs, idempotently, what `npm start` or `npm test` needs on a fresh machine of this
# project's kind (Debian, rustup Rust, Node). Each step is skipped when already done, so running it
# again costs a second. See ../../shared/notes/TOOLCHAIN.md.
#
#   bash scripts/setup.sh demo   what `npm start` runs: the wasm32 target, rust-src, wasm-bindgen,
#                                the npm packages (no browsers, Redis, zig or arm64 Node)
#   bash scripts/setup.sh        (or `test`) all of that, and what the test lanes need besides:
#                                Chromium, Firefox ESR, redis-server, the cross toolchain, an arm64
#                                Node under qemu, and Node 22 with the MCP conformance suite
#
# Without apt-get (not Debian, or no root and no sudo) a step that needs a system package says
# what to install and the setup goes on; the lane that needs it then fails naming it.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-test}"
case "$profile" in demo|test) ;; *) echo "scripts/setup.sh: profile is demo or test, got \`$profile\`" >&2; exit 2 ;; esac

say() { printf '[setup] %s\n' "$*" >&2; }
missing_system=""

# apt-get needs an up-to-date package list once per machine.
apt_install() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null || { [ -n "$sudo" ] && ! command -v sudo >/dev/null; }; then
    say "no apt-get here (or no root and no sudo): install these packages (Debian names) by hand: $*"
    missing_system="$missing_system $*"
    return 1
  fi
  if [ ! -f /var/lib/apt/.crisp-kit-updated ]; then
    $sudo apt-get update -qq >&2 && $sudo touch /var/lib/apt/.crisp-kit-updated
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

# 1. The wasm32 target. rustup's download is the default; Debian's rust-web packages (std built
#    from source, see scripts/build-wasm.sh) are the fallback when that download fails.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  :
elif rustup target add wasm32-unknown-unknown >&2; then
  say "installed the wasm32-unknown-unknown target"
else
  say "rustup could not add wasm32-unknown-unknown: installing Debian's fallback toolchain"
  apt_install rustc-web cargo-web rust-web-src lld-22 || { say "no wasm32 target: npm start and npm test need it"; exit 1; }
fi

# 1b. rust-src: the shipped wasm rebuilds std with the immediate-abort panic strategy (see
#     scripts/build-wasm.sh). Debian's fallback toolchain brings its own (rust-web-src).
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  && ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  rustup component add rust-src >&2
  say "installed rust-src"
fi

# 2. wasm-bindgen CLI at exactly the version of the wasm-bindgen crate in Cargo.lock (the CLI and
#    the crate must match to the patch). Skipped until the wasm binding exists (other crates' lock
#    entries for wasm-bindgen are for targets we do not build).
want=""
if [ -f bindings/wasm/Cargo.toml ]; then
  want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock 2>/dev/null || true)
fi
if [ -n "$want" ]; then
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$have" != "$want" ]; then
    say "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # --locked on GitHub's runners (crates.io is complete there): the CLI's own lock file then fixes
    # every dependency it builds. Not on this project's machines: their registry mirror lacks some
    # versions that lock file names, and the install fails with --locked (TOOLCHAIN.md).
    locked=()
    [ "${GITHUB_ACTIONS:-}" = true ] && locked=(--locked)
    cargo install -q "${locked[@]}" wasm-bindgen-cli --version "$want" >&2
  fi
fi

# 2b. npm packages, from the lock file. Reinstalled only when the lock file is newer.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

if [ "$profile" = demo ]; then
  exit 0
fi

# 3. Chromium for the browser suite: Debian's package (a test tool's own browser download cannot
#    work here), driven by playwright-core from npm.
if ! command -v chromium >/dev/null; then
  say "installing Debian's chromium (once)"
  apt_install chromium || true
fi

# 3b. Firefox for the Firefox run of the extension suite (npm run test:firefox): Debian's ESR
#     package, driven over WebDriver BiDi by puppeteer-core (an npm package, step 5). No
#     geckodriver: BiDi is built into Firefox.
if ! command -v firefox-esr >/dev/null; then
  say "installing Debian's firefox-esr (once)"
  apt_install firefox-esr || true
fi

# 4. redis-server for the gateway's shared-limiter test (tests/js/serve.test.mjs starts and stops
#    its own on a free port; nothing listens on the default one).
if ! command -v redis-server >/dev/null; then
  say "installing Debian's redis-server (once)"
  apt_install redis-server || true
fi

# 6. The cross toolchain for the prebuilt addons (bindings/js/platforms.mjs): rustup's std for
#    each target, and cargo-zigbuild with zig as the linker (both wheels from PyPI, in a venv of
#    their own outside the checkout, so every clone on this machine shares one). zig links the
#    Linux gnu addons against glibc 2.17 and the macOS ones without Apple's SDK (pure Rust).
cross_targets="x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin"
installed_targets=$(rustup target list --installed 2>/dev/null || true)
missing_targets=""
for t in $cross_targets; do
  grep -qx "$t" <<<"$installed_targets" || missing_targets="$missing_targets $t"
done
if [ -n "$missing_targets" ]; then
  say "adding Rust targets:$missing_targets"
  # shellcheck disable=SC2086
  rustup target add $missing_targets >&2
fi
cross_venv="${CRISP_KIT_TOOLS:-$HOME/.cache/crisp-kit}/cross"
# Exact versions, and only the wheels whose sha256 scripts/requirements-cross.txt lists
# (--require-hashes). The marker names the versions, as before, so a machine set up already is left as is.
zig_wheels=$(grep -oE '^[a-z-]+==[0-9.]+' scripts/requirements-cross.txt | paste -sd ' ')
if [ "$(cat "$cross_venv/.wheels" 2>/dev/null)" != "$zig_wheels" ]; then
  say "installing $zig_wheels into $cross_venv (once)"
  python3 -m venv "$cross_venv" >&2 2>/dev/null || { apt_install python3-venv && python3 -m venv "$cross_venv" >&2; }
  "$cross_venv/bin/pip" install -q --disable-pip-version-check --require-hashes -r scripts/requirements-cross.txt >&2
  echo "$zig_wheels" > "$cross_venv/.wheels"
fi

# 7. An arm64 Node to load the arm64 Linux addon (tests/package/install.test.mjs): Debian's qemu-user
#    runs Debian's arm64 nodejs, unpacked from its .debs into a folder of its own (not installed,
#    so it cannot replace this machine's Node), used as `qemu-aarch64 -L <folder> <folder>/usr/bin/node`.
arm64_root="${CRISP_KIT_TOOLS:-$HOME/.cache/crisp-kit}/arm64-node"
arm64_debs="libc6 libgcc-s1 gcc-12-base libstdc++6 libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g libnode108 nodejs"
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
  say "no apt-get/dpkg: the arm64 Node (qemu-user and Debian's arm64 nodejs) is not installed; the package lane's arm64 check needs it"
  missing_system="$missing_system qemu-user nodejs:arm64"
elif [ ! -x "$arm64_root/usr/bin/node" ] || ! command -v qemu-aarch64 >/dev/null; then
  say "installing qemu-user and an arm64 Node from Debian's packages (once)"
  command -v qemu-aarch64 >/dev/null || apt_install qemu-user
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo dpkg --add-architecture arm64
    $sudo apt-get update -qq >&2
  fi
  debs=$(mktemp -d)
  # shellcheck disable=SC2046
  # (as root, apt warns that the download is not sandboxed: harmless, the folder is ours)
  (cd "$debs" && apt-get download -qq $(printf '%s:arm64 ' $arm64_debs) node-acorn node-cjs-module-lexer node-undici >&2)
  rm -rf "$arm64_root" && mkdir -p "$arm64_root"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$arm64_root"; done
  rm -rf "$debs"
fi

# 8. The MCP project's conformance suite (@modelcontextprotocol/conformance, run against the
#    gateway's /mcp by tests/js/conformance.test.mjs) needs Node 22 (it imports fs.globSync), while
#    the project keeps Node 20. The npm registry ships Node itself (the `node` package, whose
#    install script takes the per-platform binary package from the same registry): both go into a
#    folder of their own outside the checkout, shared by every clone on this machine.
conformance_dir="${CRISP_KIT_TOOLS:-$HOME/.cache/crisp-kit}/conformance"
# Exact: the baseline of expected failures (tests/js/conformance-baseline.json) is for this version.
conformance_pkgs="node@22.23.3 @modelcontextprotocol/conformance@0.1.16"
# The binary lands in node_modules/node/bin/node (the `node` package's install script puts it
# there; tests/js/conformance.test.mjs runs it by that path).
conformance_node="$conformance_dir/node_modules/node/bin/node"
if [ "$(cat "$conformance_dir/.packages" 2>/dev/null)" != "$conformance_pkgs" ] || [ ! -x "$conformance_node" ]; then
  say "installing $conformance_pkgs into $conformance_dir (once)"
  mkdir -p "$conformance_dir"
  [ -f "$conformance_dir/package.json" ] || echo '{"private": true}' > "$conformance_dir/package.json"
  # shellcheck disable=SC2086
  npm install --prefix "$conformance_dir" --no-audit --no-fund --loglevel=error $conformance_pkgs >&2
  # With install scripts turned off (npm's ignore-scripts) the `node` package has no binary.
  if ! "$conformance_node" --version 2>/dev/null | grep -q '^v22\.'; then
    say "no Node 22 at $conformance_node after the install (are npm install scripts turned off?)"
    exit 1
  fi
  echo "$conformance_pkgs" > "$conformance_dir/.packages"
fi

if [ -n "$missing_system" ]; then
  say "not installed (no apt-get):$missing_system. The lanes that need them will fail until they are."
fi

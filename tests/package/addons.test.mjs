// The prebuilt addons that cannot all run here, checked as files: each Linux addon is an ELF
// shared object for its CPU that exports napi_register_module_v1; the gnu ones need nothing above
// GLIBC_2.17 (binutils' objdump reads their symbol versions), the musl ones no glibc version at
// all; each macOS addon is a Mach-O dylib for its CPU whose symbol table exports
// _napi_register_module_v1 (read here by a small Mach-O reader: no Apple tool runs on Linux).
// The macOS addons cannot run here; the arm64 Linux ones run under qemu-user in arm64.test.mjs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { PLATFORMS, nodeFile, packageDir } from "../../bindings/js/platforms.mjs";

const built = PLATFORMS.filter((p) => p.built);
const addon = (p) => join(packageDir(p), nodeFile(p));

/** ELF e_machine by CPU: EM_X86_64, EM_AARCH64. */
const ELF_MACHINE = { x64: 62, arm64: 183 };
/** Mach-O cputype by CPU: CPU_TYPE_X86_64, CPU_TYPE_ARM64. */
const MACHO_CPU = { x64: 0x01000007, arm64: 0x0100000c };

/** The dynamic symbols of an ELF file, with their versions, as objdump prints them. */
function elfDynamicSymbols(file) {
  return execFileSync("objdump", ["-T", file], { encoding: "utf8" });
}

/** A 64-bit little-endian Mach-O: its CPU, file type and the external symbols it defines. */
export function readMachO(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(0, true), 0xfeedfacf, "MH_MAGIC_64");
  const cpu = view.getUint32(4, true);
  const fileType = view.getUint32(12, true);
  const commands = view.getUint32(16, true);
  const exported = [];
  let at = 32; // mach_header_64
  for (let i = 0; i < commands; i++) {
    const cmd = view.getUint32(at, true);
    const size = view.getUint32(at + 4, true);
    if (cmd === 0x2) {
      // LC_SYMTAB: nlist_64 entries (n_strx u32, n_type u8, n_sect u8, n_desc u16, n_value u64).
      const [symoff, nsyms, stroff] = [view.getUint32(at + 8, true), view.getUint32(at + 12, true), view.getUint32(at + 16, true)];
      for (let s = 0; s < nsyms; s++) {
        const entry = symoff + s * 16;
        const type = view.getUint8(entry + 4);
        // N_EXT and N_SECT: an external symbol defined in a section of this file.
        if ((type & 0x01) && (type & 0x0e) === 0x0e) {
          const start = stroff + view.getUint32(entry, true);
          exported.push(Buffer.from(bytes.subarray(start, bytes.indexOf(0, start))).toString("latin1"));
        }
      }
    }
    at += size;
  }
  return { cpu, fileType, exported };
}

for (const p of built.filter((p) => p.os === "linux")) {
  test(`${p.name}: ELF for ${p.cpu}, exports napi_register_module_v1, ${p.libc === "glibc" ? "nothing above GLIBC_2.17" : "no glibc symbol"}`, () => {
    const bytes = readFileSync(addon(p));
    assert.equal(bytes.subarray(0, 4).toString("latin1"), "\x7fELF");
    assert.equal(bytes.readUInt16LE(18), ELF_MACHINE[p.cpu], "e_machine");
    const symbols = elfDynamicSymbols(addon(p));
    assert.match(symbols, /\bnapi_register_module_v1$/m);
    const versions = [...symbols.matchAll(/\bGLIBC_(\d+)\.(\d+)(?:\.(\d+))?/g)].map((m) => [Number(m[1]), Number(m[2])]);
    if (p.libc === "glibc") {
      assert.ok(versions.length > 0, "the gnu addon links glibc symbols");
      const above = versions.filter(([major, minor]) => major > 2 || (major === 2 && minor > 17));
      assert.deepEqual(above, [], "no symbol needs a glibc newer than 2.17");
    } else {
      assert.deepEqual(versions, [], "a musl addon needs no glibc");
    }
  });
}

for (const p of built.filter((p) => p.os === "darwin")) {
  test(`${p.name}: Mach-O dylib for ${p.cpu} exporting _napi_register_module_v1 (cannot run here)`, () => {
    const { cpu, fileType, exported } = readMachO(readFileSync(addon(p)));
    assert.equal(cpu, MACHO_CPU[p.cpu], "cputype");
    assert.equal(fileType, 6, "MH_DYLIB");
    assert.ok(exported.includes("_napi_register_module_v1"), `exports: ${exported.join(", ")}`);
  });
}

test("the host's own glibc is newer than 2.17, so the check above is not vacuous", () => {
  // A plain `cargo build` here needs the host's glibc (2.34+): the development build shows it.
  const dev = fileURLToPath(new URL("../../bindings/js/native/crisp-kit.node", import.meta.url));
  const versions = [...elfDynamicSymbols(dev).matchAll(/\bGLIBC_2\.(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(Math.max(...versions) > 17, "the development build needs a newer glibc than the published one");
});

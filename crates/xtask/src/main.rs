//! Project tasks, run as `cargo run -q -p xtask -- <task>`:
//!
//! - `catalog`: print the catalog as a JSON array (like the seed's `_endpoints`).
//! - `codegen`: write the TypeScript endpoint types, docs/ENDPOINTS.md and the browser build's
//!   packed catalog from the catalog.
//! - `codegen --check`: fail when those committed files are stale.

mod catalog_ts;
mod compat;
mod docs;
mod packed;
mod shapes;
mod ts;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A generated file: where it lives and what it must contain.
struct Generated {
    path: &'static str,
    contents: String,
}

fn generated() -> Result<Vec<Generated>, String> {
    let shapes = shapes::load(&root())?;
    Ok(vec![
        Generated { path: shapes::PATH, contents: shapes.render_json() },
        Generated { path: shapes::DOC_PATH, contents: shapes.render_doc() },
        Generated { path: shapes::BODIES_PATH, contents: shapes.render_bodies()? },
        Generated { path: ts::TYPES_PATH, contents: ts::render_types(&shapes) },
        Generated { path: ts::SCHEMAS_PATH, contents: ts::render_schemas(&shapes) },
        Generated { path: ts::PATH, contents: ts::render(&shapes) },
        Generated { path: docs::PATH, contents: docs::render(&shapes) },
        Generated { path: compat::PATH, contents: compat::render()? },
        Generated { path: catalog_ts::PATH, contents: catalog_ts::render() },
        Generated { path: packed::PATH, contents: packed::render() },
    ])
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn codegen(check: bool) -> Result<(), String> {
    let mut stale = Vec::new();
    for file in generated()? {
        let path = root().join(file.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == file.contents {
            continue;
        }
        if check {
            stale.push(file.path);
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&path, &file.contents)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("wrote {}", file.path);
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "stale generated files: {}\nrun `cargo run -q -p xtask -- codegen` and commit the result",
            stale.join(", ")
        ))
    }
}

fn print_catalog() -> Result<(), String> {
    use std::io::Write as _;
    let compact = crisp_core::json::ToJson::to_json(&crisp_core::catalog::describe_all());
    let value: serde_json::Value = serde_json::from_str(&compact).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
    match writeln!(std::io::stdout().lock(), "{json}") {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["catalog"] => print_catalog(),
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        _ => Err("usage: cargo run -q -p xtask -- catalog | codegen [--check]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

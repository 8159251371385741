//! `crisp-sandbox`: runs the sandbox until SIGTERM or SIGINT.

use std::process::ExitCode;

use crisp_sandbox::{FaultSpec, Options, parse_rate};

const HELP: &str = "\
crisp-sandbox: a local Crisp-compatible REST API v1 server on 127.0.0.1

USAGE:
    crisp-sandbox [OPTIONS]

Prints one JSON line on stdout once listening:
    {\"url\": \"http://127.0.0.1:PORT/v1/\", \"identifier\", \"key\", \"website_id\", \"control\"}
Later log lines go to stderr and never contain the key. Stops on SIGTERM or SIGINT.

OPTIONS:
    --port N              Port on 127.0.0.1 (default 0: any free port, printed on stdout)
    --seed N              Seed of the demo data; same seed, same data (default 1)
    --rate-limit N/s      Token-bucket rate limit (burst N); empty bucket answers 429 + Retry-After
                          (also N/m; default: none)
    --identifier ID       Basic-auth identifier (default: derived from the seed)
    --key KEY             Basic-auth key (default: derived from the seed)
    --website-id ID       The seeded website's id (default: derived from the seed)
    --fault JSON          A fault active from the start, as for POST /_sandbox/faults, e.g.
                          '{\"kind\":\"status\",\"status\":503,\"rate\":0.1}'. Repeatable.
    --latency-ms N        Shorthand for --fault '{\"kind\":\"latency\",\"latency_ms\":N}'
    --max-body BYTES      Largest request body accepted; larger answers 413 (default 1048576)
    --request-log N       Requests kept for GET /_sandbox/requests; 0 disables (default 10000)
    --workers N           Runtime worker threads (default: number of CPUs)
    -h, --help            Print this help
";

fn parse(args: &[String]) -> Result<(Options, Option<usize>), String> {
    let mut o = Options::default();
    let mut workers = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_owned())),
            _ => (flag.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let num = |v: String| {
            v.parse::<u64>().map_err(|_| format!("{name}: `{v}` is not a whole number"))
        };
        match name {
            "-h" | "--help" => return Err(String::new()),
            "--port" => {
                o.port = u16::try_from(num(value()?)?)
                    .map_err(|_| "--port must be 0..65535".to_owned())?;
            }
            "--seed" => o.seed = num(value()?)?,
            "--rate-limit" => {
                let (rate, burst) =
                    parse_rate(&value()?).map_err(|e| format!("--rate-limit: {e}"))?;
                o.rate_limit = Some(rate);
                o.rate_limit_burst = Some(burst);
            }
            "--identifier" => o.identifier = Some(value()?),
            "--key" => o.key = Some(value()?),
            "--website-id" => o.website_id = Some(value()?),
            "--fault" => {
                let spec: FaultSpec =
                    serde_json::from_str(&value()?).map_err(|e| format!("--fault: {e}"))?;
                spec.validate().map_err(|e| format!("--fault: {e}"))?;
                o.faults.push(spec);
            }
            "--latency-ms" => {
                let ms = num(value()?)?;
                o.faults.push(
                    serde_json::from_value(
                        serde_json::json!({"kind": "latency", "latency_ms": ms}),
                    )
                    .map_err(|e| e.to_string())?,
                );
            }
            "--max-body" => {
                o.max_body = usize::try_from(num(value()?)?).map_err(|e| e.to_string())?;
            }
            "--request-log" => {
                o.request_log = usize::try_from(num(value()?)?).map_err(|e| e.to_string())?;
            }
            "--workers" => {
                workers = Some(usize::try_from(num(value()?)?).map_err(|e| e.to_string())?.max(1));
            }
            other => return Err(format!("unknown option `{other}` (see --help)")),
        }
    }
    Ok((o, workers))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (options, workers) = match parse(&args) {
        Ok(p) => p,
        Err(e) if e.is_empty() => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("crisp-sandbox: {e}");
            return ExitCode::from(2);
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.enable_all();
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    let runtime = match builder.build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("crisp-sandbox: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let sandbox = match crisp_sandbox::start(options).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("crisp-sandbox: cannot listen: {e}");
                return ExitCode::FAILURE;
            }
        };
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", sandbox.connection_line());
            let _ = out.flush();
        }
        eprintln!(
            "crisp-sandbox: listening on {} (website {})",
            sandbox.url(),
            sandbox.website_id()
        );
        wait_for_signal().await;
        eprintln!("crisp-sandbox: stopping");
        sandbox.shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

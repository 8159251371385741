//! Web hook signature check: hex HMAC-SHA256 over `"[" + timestamp + ";" + raw body + "]"`.

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Whether `signature` (hex, as sent in `X-Crisp-Signature`) signs `raw_body` at `timestamp`
/// (`X-Crisp-Request-Timestamp`) with `secret`. Verifies over the raw bytes, never a re-serialized
/// object, and compares in constant time.
#[must_use]
pub fn verify_hook(secret: &[u8], timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    let Some(expected) = decode_hex(signature.trim()) else {
        return false;
    };
    if secret.is_empty() || timestamp.is_empty() {
        return false;
    }
    // `verify_slice` compares in constant time.
    trace_mac(secret, timestamp, raw_body).verify_slice(&expected).is_ok()
}

/// The hex signature of a body, for tests and for servers that send hooks (the sandbox).
#[must_use]
pub fn sign_hook(secret: &[u8], timestamp: &str, raw_body: &[u8]) -> String {
    trace_mac(secret, timestamp, raw_body).finalize().into_bytes().iter().fold(
        String::with_capacity(64),
        |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        },
    )
}

/// The HMAC over Crisp's signed trace, `[timestamp;raw body]`: the one place its shape is written.
fn trace_mac(secret: &[u8], timestamp: &str, raw_body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(b"[");
    mac.update(timestamp.as_bytes());
    mac.update(b";");
    mac.update(raw_body);
    mac.update(b"]");
    mac
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if s.len() != 64 {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let body = br#"{"website_id":"w","event":"message:send","data":{},"timestamp":1}"#;
        let sig = sign_hook(b"secret", "1700000000", body);
        assert!(verify_hook(b"secret", "1700000000", body, &sig));
        assert!(verify_hook(b"secret", "1700000000", body, &sig.to_uppercase()));
        assert!(!verify_hook(b"secret", "1700000001", body, &sig));
        assert!(!verify_hook(b"secrex", "1700000000", body, &sig));
        assert!(!verify_hook(b"secret", "1700000000", &body[1..], &sig));
        assert!(!verify_hook(b"secret", "1700000000", body, &sig[..62]));
        assert!(!verify_hook(b"secret", "1700000000", body, "zz"));
        assert!(!verify_hook(b"", "1700000000", body, &sig));
    }

    #[test]
    fn matches_a_known_vector() {
        // Computed independently: printf '[1;{}]' | openssl dgst -sha256 -hmac key
        assert_eq!(
            sign_hook(b"key", "1", b"{}"),
            "61400492d36a9057069dbc0519828e8f19f9a805c7c84da2620b62600597f058"
        );
    }
}

//! Web hook signature check: hex HMAC-SHA256 over `"[" + timestamp + ";" + raw body + "]"`.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The 32 bytes of an HMAC-SHA256, as `X-Crisp-Signature` carries them.
pub type HookMac = [u8; 32];

/// Reads `X-Crisp-Signature`: exactly 64 hex digits (`0-9`, `a-f`, `A-F`), with at most HTTP's
/// optional whitespace (spaces and tabs, RFC 9110 `OWS`) around them; `None` for anything else.
///
/// One spelling per MAC up to letter case and that whitespace, and the caller keys its replay
/// cache on the decoded bytes, never on the header text: a sign (`+a`), a Unicode space (U+0085,
/// U+00A0), a non-ASCII digit or a 63rd or 65th digit is refused rather than read as the same
/// signature.
#[must_use]
pub fn parse_signature(signature: &str) -> Option<HookMac> {
    let digits = signature.trim_matches([' ', '\t']).as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let mut mac = [0u8; 32];
    for (byte, pair) in mac.iter_mut().zip(digits.chunks_exact(2)) {
        let &[hi, lo] = pair else { return None };
        *byte = hex_digit(hi)? << 4 | hex_digit(lo)?;
    }
    Some(mac)
}

/// The value of one ASCII hex digit; `None` for any other byte.
fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A MAC as 64 lowercase hex digits: the one spelling `sign_hook` writes and `checkHook` answers.
#[must_use]
pub fn mac_hex(mac: &HookMac) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in mac {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The MAC `signature` carries when it signs `raw_body` at `timestamp` with `secret` (see
/// [`verify_hook`]); `None` when it does not, or is not spelled as [`parse_signature`] reads.
#[must_use]
pub fn check_signature(
    secret: &[u8],
    timestamp: &str,
    raw_body: &[u8],
    signature: &str,
) -> Option<HookMac> {
    let mac = parse_signature(signature)?;
    if secret.is_empty() || timestamp.is_empty() {
        return None;
    }
    // `verify_slice` compares in constant time.
    trace_mac(secret, timestamp, raw_body).verify_slice(&mac).is_ok().then_some(mac)
}

/// Whether `signature` (hex, as sent in `X-Crisp-Signature`) signs `raw_body` at `timestamp`
/// (`X-Crisp-Request-Timestamp`) with `secret`. Verifies over the raw bytes, never a re-serialized
/// object, and compares in constant time. The signature is read by [`parse_signature`].
#[must_use]
pub fn verify_hook(secret: &[u8], timestamp: &str, raw_body: &[u8], signature: &str) -> bool {
    check_signature(secret, timestamp, raw_body, signature).is_some()
}

/// The hex signature of a body, for tests and for servers that send hooks (the sandbox).
#[must_use]
pub fn sign_hook(secret: &[u8], timestamp: &str, raw_body: &[u8]) -> String {
    mac_hex(&trace_mac(secret, timestamp, raw_body).finalize().into_bytes().into())
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
    fn a_signature_has_one_spelling_up_to_case_and_surrounding_spaces() {
        let body = b"{}";
        let sig = sign_hook(b"s", "1", body);
        let mac = parse_signature(&sig).unwrap();
        assert_eq!(mac_hex(&mac), sig, "lowercase hex round-trips");
        assert_eq!(parse_signature(&sig.to_uppercase()), Some(mac), "uppercase is the same MAC");
        assert_eq!(parse_signature(&[" \t", &sig, "\t "].concat()), Some(mac), "HTTP OWS");
        assert_eq!(check_signature(b"s", "1", body, &sig.to_uppercase()), Some(mac));
        // Each of these was read as the same 32 bytes by `trim` + `from_str_radix` before.
        let plus = ["+", &sig[1..2], &sig[2..]].concat(); // `+a` for `0a` needs a leading 0
        for bad in [
            [&sig, "\u{85}"].concat(), // NEL: Rust's `trim` strips it, JS's does not
            ["\u{85}", &sig].concat(),
            [&sig, "\u{a0}"].concat(), // NO-BREAK SPACE
            [&sig, "\u{2028}"].concat(),
            [&sig, "\n"].concat(), // not OWS
            [&sig, "\r"].concat(),
            plus.clone(), // a sign inside a pair
            ["-", &sig[1..]].concat(),
            ["+", &sig[..63]].concat(),
            sig[..63].to_owned(),                    // 63 digits
            [&sig, "0"].concat(),                    // 65 digits
            [&sig[..62], "\u{661}\u{662}"].concat(), // Arabic-Indic digits
            [&sig[..62], "\u{ff10}0"].concat(),      // a fullwidth zero
            [&sig[..62], "0x"].concat(),
            [&sig[..32], " ", &sig[33..]].concat(),
            ["0x", &sig[..62]].concat(),
            String::new(),
            " ".repeat(64),
        ] {
            assert_eq!(parse_signature(&bad), None, "{bad:?}");
            assert!(!verify_hook(b"s", "1", body, &bad), "{bad:?}");
        }
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

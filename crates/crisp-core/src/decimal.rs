//! Decimal text to `f64` for the places that read a number out of a string (a `number` query
//! value, a fractional `Retry-After`, a whole number written as `2.0` or `2e3`), without
//! `str::parse::<f64>`.
//!
//! Why: `str::parse::<f64>` links core's exact float parser and its power-of-five tables, 15 KB of
//! the gzipped wasm build (whose budget is 60 KB). None of the callers needs the last bit: one
//! checks that the text is a finite number, one rounds seconds to milliseconds, one checks for a
//! whole number below 2^53. So: the syntax is exactly what `str::parse::<f64>` accepts, whether
//! the number is finite (fits an `f64`) is decided exactly on the digits, and the value is exact
//! for up to 15 significant digits and exponents within ±22 (every case that matters here), and
//! within a few ulps beyond.

/// The largest finite `f64` rounds up to infinity from this value on (its digits, then 10^308).
const OVERFLOW_DIGITS: &str = "17976931348623158079372897140530341507993236508";

/// The finite number `text` spells in Rust's float syntax (`1`, `-2.5`, `+.5`, `7.`, `1e-3`), or
/// `None` for anything else, including `inf`/`NaN` and numbers too large for an `f64`.
pub(crate) fn parse_finite(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let negative = match bytes.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let digits = |from: usize| bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let int_len = digits(i);
    let int = &text[i..i + int_len];
    i += int_len;
    let mut frac = "";
    if bytes.get(i) == Some(&b'.') {
        let frac_len = digits(i + 1);
        frac = &text[i + 1..i + 1 + frac_len];
        i += 1 + frac_len;
    }
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut exponent = "";
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(bytes.get(i + 1), Some(b'+' | b'-')));
        let exp_len = digits(i + 1 + sign);
        if exp_len == 0 {
            return None;
        }
        exponent = &text[i..i + 1 + sign + exp_len];
        i += 1 + sign + exp_len;
    }
    if i != bytes.len() {
        return None;
    }
    value(negative, int, frac, exponent)
}

/// The value of a checked decimal: sign, integer and fraction digits, exponent text (`e-3`).
fn value(negative: bool, int: &str, frac: &str, exponent: &str) -> Option<f64> {
    let exp_text = exponent.get(1..).unwrap_or("");
    let (exp_negative, exp_digits) = match exp_text.as_bytes().first() {
        Some(b'-') => (true, &exp_text[1..]),
        Some(b'+') => (false, &exp_text[1..]),
        _ => (false, exp_text),
    };
    // Saturating: `1e99999999999999999999` is simply too large.
    let exp = exp_digits
        .bytes()
        .fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')).min(1 << 40));
    let exp = if exp_negative { -exp } else { exp };
    // All the significant digits, and the power of ten of the first one.
    let all = || int.bytes().chain(frac.bytes());
    let leading = all().take_while(|&d| d == b'0').count();
    let digits: Vec<u8> = all().skip(leading).collect();
    let digits = &digits[..digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1)];
    if digits.is_empty() {
        return Some(if negative { -0.0 } else { 0.0 });
    }
    #[allow(clippy::cast_possible_wrap)] // digit counts are far below i64::MAX
    let magnitude = exp + int.len() as i64 - leading as i64 - 1;
    // Finite or not, exactly: compare with the digits of the overflow threshold.
    if magnitude > 308 || (magnitude == 308 && digits >= OVERFLOW_DIGITS.as_bytes()) {
        return None;
    }
    if magnitude < -400 {
        return Some(if negative { -0.0 } else { 0.0 });
    }
    // Up to 19 significant digits as an integer, the rest scale the exponent.
    let kept = &digits[..digits.len().min(19)];
    let mantissa = kept.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    #[allow(clippy::cast_possible_wrap)]
    let mut scale = magnitude + 1 - kept.len() as i64;
    #[allow(clippy::cast_precision_loss)] // at most 19 digits: a few ulps, documented above
    let mut n = mantissa as f64;
    // Powers of ten up to 1e22 are exact in an f64: one rounding on the fast path.
    while scale > 0 {
        let step = scale.min(22);
        n *= pow10(step);
        scale -= step;
    }
    while scale < 0 {
        let step = (-scale).min(22);
        n /= pow10(step);
        scale += step;
    }
    // Finite by the exact check above: rounding on the way may not push it to infinity.
    let n = if n.is_finite() { n } else { f64::MAX };
    Some(if negative { -n } else { n })
}

/// 10^k for 0 <= k <= 22, exactly.
fn pow10(k: i64) -> f64 {
    (0..k).fold(1.0, |p, _| p * 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn std_finite(text: &str) -> Option<f64> {
        text.parse::<f64>().ok().filter(|n| n.is_finite())
    }

    #[test]
    fn accepts_what_str_parse_accepts() {
        for text in [
            "0",
            "1",
            "-1",
            "+1",
            "1.5",
            "-0.25",
            ".5",
            "+.5",
            "-.5",
            "5.",
            "007",
            "00.100",
            "1e3",
            "1E+3",
            "2.5e-3",
            "1e0400",
            "1e-400",
            "-0",
            "0.0",
            "1.7976931348623157e308",
            "123456789012345678901234567890",
        ] {
            match (parse_finite(text), std_finite(text)) {
                (Some(ours), Some(std)) => {
                    assert!((ours - std).abs() <= std.abs() * 1e-15, "{text}: {ours} vs {std}");
                }
                (ours, std) => assert_eq!(ours, std, "{text}"),
            }
        }
        // Exact where the callers look: few digits, small exponents.
        for text in
            ["1.5", "-0.25", "2.5e-3", "0.001", "123.456", "1e22", "4.35", "9007199254740992"]
        {
            assert_eq!(parse_finite(text), std_finite(text), "{text}");
        }
    }

    #[test]
    fn refuses_what_str_parse_refuses_or_makes_infinite() {
        for text in [
            "", "+", "-", ".", "e3", ".e3", "1e", "1e+", "1.2.3", " 1", "1 ", "1_000", "0x10",
            "inf", "-inf", "infinity", "NaN", "nan", "1e400", "-1e400", "1.8e308", "１",
        ] {
            assert_eq!(parse_finite(text), None, "{text}");
            assert_eq!(std_finite(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_str_parse(text in "[+-]?[0-9]{0,12}(\\.[0-9]{0,8})?([eE][+-]?[0-9]{1,3})?") {
            let (ours, std) = (parse_finite(&text), std_finite(&text));
            prop_assert_eq!(ours.is_some(), std.is_some());
            if let (Some(a), Some(b)) = (ours, std) {
                // Exact on the fast path; beyond, inexact powers of ten: a few ulps at most.
                prop_assert!((a - b).abs() <= b.abs() * 1e-15, "{} vs {}", a, b);
            }
        }

        #[test]
        fn short_decimals_are_exact(text in "-?[0-9]{1,7}\\.[0-9]{1,7}") {
            prop_assert_eq!(parse_finite(&text), std_finite(&text));
        }

        #[test]
        fn overflow_is_decided_exactly(digits in "[0-9]{1,20}", exp in 280u32..330) {
            let text = format!("{digits}e{exp}");
            prop_assert_eq!(parse_finite(&text).is_some(), std_finite(&text).is_some(), "{}", text);
        }

        #[test]
        fn never_panics(text in "\\PC{0,24}") {
            let _ = parse_finite(&text);
        }
    }
}

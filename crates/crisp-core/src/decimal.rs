//! Decimal text to `f64` for the two places that read a number out of a string (a `number` query
//! value, a fractional `Retry-After`), without `str::parse::<f64>`.
//!
//! Why: `str::parse::<f64>` links core's exact float parser and its power-of-five tables, 15 KB of
//! the gzipped wasm build (whose budget is 60 KB), while serde_json's own number parser is in the
//! build anyway for the JSON params. This accepts exactly the text `str::parse::<f64>` accepts,
//! rewrites it in JSON's number grammar and lets serde_json read it. serde_json is exact up to
//! 1e22 and 19 digits, and may be an ulp or two off beyond, which neither caller can notice (one
//! checks that the number is finite, the other rounds seconds to milliseconds).

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
    // JSON's grammar: no `+`, an integer part without leading zeros, digits after a `.`.
    let int = int.trim_start_matches('0');
    let mut json = String::with_capacity(text.len() + 2);
    if negative {
        json.push('-');
    }
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    json.push_str(exponent);
    // Out of `f64` range is an error here, where `str::parse` gives infinity.
    serde_json::from_str::<f64>(&json).ok().filter(|n| n.is_finite())
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
                // serde_json scales by inexact powers of ten past 1e22: at most an ulp or two off.
                prop_assert!((a - b).abs() <= b.abs() * 5e-16, "{} vs {}", a, b);
            }
        }

        #[test]
        fn retry_after_fractions_are_exact(text in "[0-9]{1,7}\\.[0-9]{1,4}") {
            let ms = |n: f64| (n * 1000.0).round();
            prop_assert_eq!(parse_finite(&text).map(ms), std_finite(&text).map(ms));
        }

        #[test]
        fn never_panics(text in "\\PC{0,24}") {
            let _ = parse_finite(&text);
        }
    }
}

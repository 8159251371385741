//! Crisp's search for lists: ISO dates, JSON filters and `{criterion, operator, query}` matching.

use serde_json::Value;

use super::{ApiError, Call};

/// Parses `2026-01-31` or `2026-01-31T10:00:00(.000)Z` into epoch milliseconds.
fn iso_ms(text: &str) -> Option<u64> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let mut parts = date.split('-').map(str::parse::<i64>);
    let (y, m, day) = (parts.next()?.ok()?, parts.next()?.ok()?, parts.next()?.ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let time = time.split(['+']).next()?;
    let mut t = time.split(':');
    let h: i64 = t.next()?.parse().ok()?;
    let mi: i64 = t.next().unwrap_or("0").parse().ok()?;
    let sec: f64 = t.next().unwrap_or("0").parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000 + h * 3_600_000 + mi * 60_000 + (sec * 1000.0) as i64;
    u64::try_from(ms).ok()
}

pub(super) fn date_param(call: &Call, name: &str) -> Result<Option<u64>, ApiError> {
    call.q(name)
        .map(|v| {
            iso_ms(v).ok_or_else(|| {
                ApiError::invalid(&format!("query.{name}"), "must be an ISO 8601 date")
            })
        })
        .transpose()
}

/// Looks a dotted path up in a JSON value (`meta.data.plan`).
pub(super) fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| &v[k])
}

/// One `{criterion, operator, query}` filter of Crisp's search.
fn matches_filter(target: &Value, filter: &Value) -> Result<bool, ApiError> {
    let criterion = filter["criterion"]
        .as_str()
        .ok_or_else(|| ApiError::invalid("filter.criterion", "must be a string"))?;
    let operator = filter["operator"].as_str().unwrap_or("eq");
    let wanted: Vec<Value> = match &filter["query"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        v => vec![v.clone()],
    };
    let got = lookup(target, criterion);
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_lowercase);
    let has = |w: &Value| match got {
        Value::Array(items) => items.iter().any(|i| text(i) == text(w)),
        Value::String(s) => s.to_lowercase().contains(&text(w)),
        other => text(other) == text(w),
    };
    let num = |v: &Value| v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok()));
    Ok(match operator {
        "eq" => wanted.iter().any(|w| text(got) == text(w) || (got.is_array() && has(w))),
        "neq" => wanted.iter().all(|w| text(got) != text(w) && !(got.is_array() && has(w))),
        "has" => wanted.iter().any(has),
        "hasnot" => !wanted.iter().any(has),
        "exists" => !got.is_null(),
        "notexists" => got.is_null(),
        "gt" | "gte" | "lt" | "lte" => {
            let (Some(g), Some(w)) = (num(got), wanted.first().and_then(num)) else {
                return Ok(false);
            };
            match operator {
                "gt" => g > w,
                "gte" => g >= w,
                "lt" => g < w,
                _ => g <= w,
            }
        }
        other => {
            return Err(ApiError::invalid(
                "filter.operator",
                format!(
                    "`{other}` is not one of eq, neq, has, hasnot, exists, notexists, gt, gte, lt, lte"
                ),
            ));
        }
    })
}

pub(super) fn filters_match(target: &Value, filters: &Value, or: bool) -> Result<bool, ApiError> {
    let list = match filters {
        Value::Array(a) => a.as_slice(),
        Value::Null => return Ok(true),
        _ => {
            return Err(ApiError::invalid(
                "filter",
                "must be an array of {criterion, operator, query}",
            ));
        }
    };
    let mut any = false;
    let mut all = true;
    for f in list {
        let m = matches_filter(target, f)?;
        any |= m;
        all &= m;
    }
    Ok(if or { any || list.is_empty() } else { all })
}

pub(super) fn json_query(call: &Call, name: &str) -> Result<Value, ApiError> {
    match call.q(name) {
        None => Ok(Value::Null),
        Some(v) if v.starts_with('[') || v.starts_with('{') => serde_json::from_str(v)
            .map_err(|_| ApiError::invalid(&format!("query.{name}"), "is not valid JSON")),
        Some(v) => Ok(Value::from(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::iso_ms;

    #[test]
    fn iso_dates_parse() {
        assert_eq!(iso_ms("2026-01-01"), Some(crate::seed::BASE_MS));
        assert_eq!(iso_ms("2026-01-01T00:01:00.500Z"), Some(crate::seed::BASE_MS + 60_500));
        assert_eq!(iso_ms("nope"), None);
    }
}

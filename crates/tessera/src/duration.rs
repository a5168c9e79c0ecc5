//! Durations given on the command line (`--grace 24h`, `--since 15m`), read by humantime.

#[derive(Debug, thiserror::Error)]
pub enum DurationError {
    #[error("invalid duration {0:?} (use e.g. 90s, 15m, 24h, 7d)")]
    Malformed(String),
    /// Negative, or too long to count in seconds.
    #[error("invalid duration {0:?}")]
    OutOfRange(String),
}

/// Whole seconds from `90s`, `15m`, `24h`, `7d` (or humantime's other forms, such as `1h 30m`), or from
/// plain seconds; parts of a second are dropped.
pub fn parse_seconds(text: &str) -> Result<i64, DurationError> {
    let text = text.trim();
    // humantime insists on a unit; plain seconds were always accepted.
    if let Ok(seconds) = text.parse::<i64>() {
        return if seconds >= 0 { Ok(seconds) } else { Err(DurationError::OutOfRange(text.to_owned())) };
    }
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let duration = humantime::parse_duration(unsigned).map_err(|e| match e {
        humantime::DurationError::NumberOverflow => DurationError::OutOfRange(text.to_owned()),
        _ => DurationError::Malformed(text.to_owned()),
    })?;
    if negative && !duration.is_zero() {
        return Err(DurationError::OutOfRange(text.to_owned()));
    }
    i64::try_from(duration.as_secs()).map_err(|_| DurationError::OutOfRange(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_and_plain_seconds_are_read() {
        for (text, seconds) in [
            ("30s", 30),
            ("90s", 90),
            ("5m", 300),
            ("15m", 900),
            ("2h", 7200),
            ("24h", 86_400),
            ("1d", 86_400),
            ("7d", 604_800),
            ("0s", 0),
            ("90", 90),
            ("0", 0),
            (" 15m ", 900),
            ("+5s", 5),
            ("1h 30m", 5400),
        ] {
            assert_eq!(parse_seconds(text).unwrap(), seconds, "{text}");
        }
    }

    #[test]
    fn nonsense_and_negative_durations_are_refused_in_one_line() {
        for text in ["soon", "", "5x", "s", "-5s", "-5"] {
            let error = parse_seconds(text).unwrap_err().to_string();
            assert!(error.starts_with("invalid duration") && !error.contains('\n'), "{text}: {error}");
        }
        assert_eq!(parse_seconds("-5s").unwrap_err().to_string(), "invalid duration \"-5s\"");
        assert_eq!(
            parse_seconds("9223372036854775807m").unwrap_err().to_string(),
            "invalid duration \"9223372036854775807m\""
        );
        assert_eq!(
            parse_seconds("soon").unwrap_err().to_string(),
            "invalid duration \"soon\" (use e.g. 90s, 15m, 24h, 7d)"
        );
    }
}

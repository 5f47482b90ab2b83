//! Lambda runtime deprecation dates, kept as data.
//!
//! Source: AWS Lambda Developer Guide, "Lambda runtimes" — the "Supported runtimes" and
//! "Deprecated runtimes" tables, whose dates follow the "Runtime deprecation policy"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtime-support-policy.html>).
//! Read on 2026-11-23 (see [`TABLE_AS_OF`]). The stored copies of that page available then
//! showed its opening but not every table row, so the dates were taken from two sources that
//! transcribe it: the tflint-ruleset-aws rule `aws_lambda_function_deprecated_runtime`
//! (which cites the page) and endoflife.date/aws-lambda ("Standard Support" = this date) for
//! the runtimes released since 2024 (nodejs24.x, python3.14, java25, dotnet10, ruby3.4).
//! Re-check against the live AWS page when next updating.
//!
//! The date is the "Deprecation date" column (phase 1: no more security patches, no
//! technical support, no new functions from the console); blocking of function creates and
//! updates follows later. Future dates are AWS's projections and can move: update this
//! table (and `TABLE_AS_OF`) when AWS does. A runtime missing here is reported "not
//! evaluated", never as supported.

/// When the table below was last checked against the AWS page.
pub const TABLE_AS_OF: &str = "2026-11-23";

pub const SOURCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html";

/// Runtime identifier → deprecation date (`YYYY-MM-DD`, UTC).
pub const DEPRECATION_DATES: &[(&str, &str)] = &[
    // Node.js
    ("nodejs24.x", "2028-04-30"),
    ("nodejs22.x", "2027-04-30"),
    ("nodejs20.x", "2026-04-30"),
    ("nodejs18.x", "2025-09-01"),
    ("nodejs16.x", "2024-06-12"),
    ("nodejs14.x", "2023-12-04"),
    ("nodejs12.x", "2023-03-31"),
    ("nodejs10.x", "2021-07-30"),
    ("nodejs8.10", "2020-03-06"),
    ("nodejs6.10", "2019-08-12"),
    ("nodejs4.3", "2020-03-05"),
    ("nodejs4.3-edge", "2020-03-05"),
    ("nodejs", "2016-10-31"),
    // Python
    ("python3.14", "2029-06-30"),
    ("python3.13", "2029-06-30"),
    ("python3.12", "2028-10-31"),
    ("python3.11", "2026-06-30"),
    ("python3.10", "2026-06-30"),
    ("python3.9", "2025-12-15"),
    ("python3.8", "2024-10-14"),
    ("python3.7", "2023-12-04"),
    ("python3.6", "2022-07-18"),
    ("python2.7", "2021-07-15"),
    // Java
    ("java25", "2029-06-30"),
    ("java21", "2029-06-30"),
    ("java17", "2026-06-30"),
    ("java11", "2026-06-30"),
    ("java8.al2", "2026-06-30"),
    ("java8", "2024-01-08"),
    // .NET
    ("dotnet10", "2028-11-14"),
    ("dotnet8", "2026-11-10"),
    ("dotnet7", "2024-05-14"),
    ("dotnet6", "2024-11-12"),
    ("dotnet5.0", "2022-05-10"),
    ("dotnetcore3.1", "2023-04-03"),
    ("dotnetcore2.1", "2022-01-05"),
    ("dotnetcore2.0", "2019-05-30"),
    ("dotnetcore1.0", "2019-07-27"),
    // Ruby
    ("ruby3.4", "2028-03-31"),
    ("ruby3.3", "2027-03-31"),
    ("ruby3.2", "2026-03-31"),
    ("ruby2.7", "2023-11-27"),
    ("ruby2.5", "2021-07-30"),
    // OS-only runtimes
    ("provided.al2023", "2029-06-30"),
    ("provided.al2", "2026-06-30"),
    ("provided", "2024-01-08"),
    ("go1.x", "2024-01-08"),
];

/// The deprecation date of `runtime`, when the table knows it.
pub fn deprecation_date(runtime: &str) -> Option<&'static str> {
    DEPRECATION_DATES
        .iter()
        .find(|(id, _)| *id == runtime)
        .map(|(_, date)| *date)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (the start of an RFC 3339 timestamp is
/// enough), or `None` when it is not one.
pub fn days_from_date(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let bytes = date.as_bytes();
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = date[..4].parse().ok()?;
    let month: i64 = date[5..7].parse().ok()?;
    let day: i64 = date[8..10].parse().ok()?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_date_parses_and_ids_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for (id, date) in DEPRECATION_DATES {
            assert!(days_from_date(date).is_some(), "{id}: {date}");
            assert!(seen.insert(*id), "duplicate {id}");
        }
        assert!(days_from_date(TABLE_AS_OF).is_some());
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_date("1970-01-01"), Some(0));
        assert_eq!(days_from_date("2000-03-01T12:00:00Z"), Some(11_017));
        assert_eq!(days_from_date("2024-02-29"), Some(19_782));
        assert_eq!(days_from_date("2023-02-29"), None);
        assert_eq!(days_from_date("2026-13-01"), None);
        assert_eq!(days_from_date("yesterday"), None);
        assert_eq!(days_from_date("2026/01/01"), None);
    }
}

//! Calendar dates as days since 1970-01-01, the same representation as polars' `Date`.
//!
//! DSN dates are `JJMMAAAA`; the simulation works in days and months. A tiny civil-calendar
//! type (Hinnant's algorithms) keeps the hot loops allocation-free and avoids a date crate.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar day, counted from 1970-01-01 (day 0).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Date(pub i32);

/// Years a date may carry: every input date (DSN, CSV, experiment files) is checked
/// against this range, so day arithmetic on dates can never overflow.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

impl Date {
    /// Builds a date from year (1–9999), month (1–12) and day, or `None` when the day does
    /// not exist or the year is out of [`YEARS`].
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        if !YEARS.contains(&y) {
            return None;
        }
        Date::civil(y, m, d)
    }

    /// Hinnant's days-from-civil, for any year whose day count fits (|y| < 5 million): month
    /// arithmetic near the ends of [`YEARS`] stays exact.
    fn civil(y: i32, m: u32, d: u32) -> Option<Date> {
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) || y.abs() >= 5_000_000 {
            return None;
        }
        let y2 = if m <= 2 { y - 1 } else { y };
        let era = if y2 >= 0 { y2 } else { y2 - 399 } / 400;
        let yoe = y2 - era * 400;
        let mp = (m as i32 + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d as i32 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(Date(era * 146_097 + doe - 719_468))
    }

    /// Year, month (1–12) and day.
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let y = yoe + era * 400 + i32::from(m <= 2);
        (y, m, d)
    }

    pub fn year(self) -> i32 {
        self.ymd().0
    }

    /// Months since January of year 0: a total order on calendar months.
    pub fn month_index(self) -> i32 {
        let (y, m, _) = self.ymd();
        y * 12 + m as i32 - 1
    }

    /// First day of the month with the given [`Date::month_index`].
    pub fn from_month_index(mi: i32) -> Date {
        let y = mi.div_euclid(12);
        let m = (mi.rem_euclid(12) + 1) as u32;
        Date::civil(y, m, 1).expect("the first of a month always exists")
    }

    pub fn first_of_month(self) -> Date {
        Date::from_month_index(self.month_index())
    }

    /// Last day of this date's month.
    pub fn last_of_month(self) -> Date {
        Date::from_month_index(self.month_index() + 1).add_days(-1)
    }

    /// Adds days (saturating: no overflow whatever `n`).
    pub fn add_days(self, n: i32) -> Date {
        Date(self.0.saturating_add(n))
    }

    /// Adds calendar months, clamping the day to the target month's length.
    pub fn add_months(self, n: i32) -> Date {
        let (_, _, d) = self.ymd();
        let mi = self.month_index() + n;
        let y = mi.div_euclid(12);
        let m = (mi.rem_euclid(12) + 1) as u32;
        Date::civil(y, m, d.min(days_in_month(y, m))).expect("clamped day exists")
    }

    /// Days from `self` to `other` (positive when `other` is later).
    pub fn days_until(self, other: Date) -> i32 {
        other.0 - self.0
    }

    /// Age in completed years at `at`.
    pub fn age_at(self, at: Date) -> i32 {
        let (y0, m0, d0) = self.ymd();
        let (y1, m1, d1) = at.ymd();
        let mut age = y1 - y0;
        if (m1, d1) < (m0, d0) {
            age -= 1;
        }
        age
    }

    /// Parses a DSN date `JJMMAAAA`. Returns `None` for a malformed or impossible date.
    pub fn parse_dsn(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
        Date::from_ymd(num(4..8)? as i32, num(2..4)?, num(0..2)?)
    }

    /// Formats as DSN `JJMMAAAA`.
    pub fn to_dsn(self) -> String {
        let (y, m, d) = self.ymd();
        format!("{d:02}{m:02}{y:04}")
    }

    /// Parses ISO `AAAA-MM-JJ`.
    pub fn parse_iso(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let y = it.next()?.parse().ok()?;
        let m = it.next()?.parse().ok()?;
        let d = it.next()?.parse().ok()?;
        Date::from_ymd(y, m, d)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_round_trip() {
        assert_eq!(Date::from_ymd(1970, 1, 1), Some(Date(0)));
        assert_eq!(Date::from_ymd(2000, 3, 1).unwrap().0, 11_017);
        let first = Date::from_ymd(1, 1, 1).unwrap().0;
        let last = Date::from_ymd(9999, 12, 31).unwrap().0;
        for n in first..=last {
            if n % 997 != 0 {
                continue;
            }
            let d = Date(n);
            let (y, m, dd) = d.ymd();
            assert_eq!(Date::from_ymd(y, m, dd), Some(d));
        }
    }

    #[test]
    fn dsn_format() {
        assert_eq!(Date::parse_dsn("31022024"), None);
        assert_eq!(
            Date::parse_dsn("29022024").unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(Date::parse_dsn("0101202"), None);
        assert_eq!(Date::parse_dsn("01a12024"), None);
        assert_eq!(Date::from_ymd(2024, 5, 7).unwrap().to_dsn(), "07052024");
    }

    #[test]
    fn months_and_ages() {
        let d = Date::from_ymd(2024, 1, 31).unwrap();
        assert_eq!(d.add_months(1).to_string(), "2024-02-29");
        assert_eq!(d.last_of_month().to_string(), "2024-01-31");
        assert_eq!(
            Date::from_month_index(d.month_index()).to_string(),
            "2024-01-01"
        );
        let b = Date::from_ymd(2000, 6, 15).unwrap();
        assert_eq!(b.age_at(Date::from_ymd(2026, 6, 14).unwrap()), 25);
        assert_eq!(b.age_at(Date::from_ymd(2026, 6, 15).unwrap()), 26);
        let end = Date::from_ymd(9999, 12, 31).unwrap();
        assert_eq!(end.add_months(1).to_string(), "10000-01-31");
        assert_eq!(end.add_days(i32::MAX).0, i32::MAX);
    }

    proptest::proptest! {
        #[test]
        fn any_year_month_day_is_a_date_or_none(y in proptest::num::i32::ANY, m in 0u32..20, d in 0u32..40) {
            let got = Date::from_ymd(y, m, d);
            let valid = YEARS.contains(&y) && (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m);
            proptest::prop_assert_eq!(got.is_some(), valid);
            if let Some(date) = got {
                proptest::prop_assert_eq!(date.ymd(), (y, m, d));
            }
        }

        #[test]
        fn any_text_parses_or_not_without_panicking(s in ".{0,24}") {
            let _ = Date::parse_iso(&s);
            let _ = Date::parse_dsn(&s);
        }
    }
}

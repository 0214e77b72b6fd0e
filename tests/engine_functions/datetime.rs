//! Dates and durations: arithmetic, binning, calendar functions and formatting.

use super::{check, null};
use kqlhunt::data::Kind;

// bin-function: numbers round down to a multiple; datetimes and timespans too; a null
// value, null size or a size that is not positive gives null. floor is the same function.
#[test]
fn bin_numbers_datetimes_timespans() {
    check("bin(4.5, 1)", "4", Kind::Real);
    check("bin(-4.5, 1)", "-5", Kind::Real);
    check("bin(n, 10)", "40", Kind::Long);
    check("bin(time(16d), 7d)", "14.00:00:00", Kind::TimeSpan);
    check(
        "bin(datetime(1970-05-11 13:45:07), 1d)",
        "1970-05-11T00:00:00Z",
        Kind::DateTime,
    );
    check("bin(t, 1h)", "2024-05-01T08:00:00Z", Kind::DateTime);
    check("floor(t, 15m)", "2024-05-01T08:30:00Z", Kind::DateTime);
    null("bin(nulllong, 10)");
    null("bin(n, 0)");
    null("bin(n, -1)");
    null("bin(nulldt, 1h)");
}

// bin-function: weeks are counted from 0001-01-01 (a Monday), so 7d bins start on Mondays.
#[test]
fn seven_day_bins_start_on_monday() {
    check(
        "bin(datetime(2024-05-01), 7d)",
        "2024-04-29T00:00:00Z",
        Kind::DateTime,
    );
}

// bin-at-function: bins aligned to a fixed point.
#[test]
fn bin_at() {
    check("bin_at(6.5, 2.5, 7)", "4.5", Kind::Real);
    check("bin_at(time(1h), 1d, 12h)", "-12:00:00", Kind::TimeSpan);
    check(
        "bin_at(datetime(2017-05-15 10:20:00), 1d, datetime(1970-01-01 12:00:00))",
        "2017-05-14T12:00:00Z",
        Kind::DateTime,
    );
}

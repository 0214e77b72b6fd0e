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

// datetime-timespan-arithmetic: datetime - datetime = timespan, datetime ± timespan,
// timespan * number, timespan / timespan = real, comparisons.
#[test]
fn arithmetic() {
    check(
        "datetime(2024-01-02) - datetime(2024-01-01)",
        "1.00:00:00",
        Kind::TimeSpan,
    );
    check(
        "datetime(2024-01-01) + 1h",
        "2024-01-01T01:00:00Z",
        Kind::DateTime,
    );
    check(
        "datetime(2024-01-01) - 1d",
        "2023-12-31T00:00:00Z",
        Kind::DateTime,
    );
    check("1h * 3", "03:00:00", Kind::TimeSpan);
    check("2 * 30m", "01:00:00", Kind::TimeSpan);
    check("1d / 1h", "24", Kind::Real);
    check("1h / 2", "00:30:00", Kind::TimeSpan);
    check("t > datetime(2024-05-01)", "true", Kind::Bool);
    check("t - nulldt", "", Kind::TimeSpan);
    check("(now() - t) / 1m", "209.74583333333334", Kind::Real);
}

// ago-function, now-function: pinned to the query's start.
#[test]
fn ago_and_now() {
    check("now()", "2024-05-01T12:00:00Z", Kind::DateTime);
    check("ago(1d)", "2024-04-30T12:00:00Z", Kind::DateTime);
    check("now(-2h)", "2024-05-01T10:00:00Z", Kind::DateTime);
    check("ago(1h) < now()", "true", Kind::Bool);
}

// startofday-function, startofweek-function (Sunday), startofmonth-function,
// startofyear-function, their offsets, and the endof* functions (one tick before the next
// start).
#[test]
fn start_and_end_of() {
    check("startofday(t)", "2024-05-01T00:00:00Z", Kind::DateTime);
    check("startofday(t, -1)", "2024-04-30T00:00:00Z", Kind::DateTime);
    check("startofweek(t)", "2024-04-28T00:00:00Z", Kind::DateTime);
    check("startofmonth(t)", "2024-05-01T00:00:00Z", Kind::DateTime);
    check(
        "startofmonth(t, -5)",
        "2023-12-01T00:00:00Z",
        Kind::DateTime,
    );
    check("startofyear(t)", "2024-01-01T00:00:00Z", Kind::DateTime);
    check(
        "endofday(t)",
        "2024-05-01T23:59:59.9999999Z",
        Kind::DateTime,
    );
    check(
        "endofweek(t)",
        "2024-05-04T23:59:59.9999999Z",
        Kind::DateTime,
    );
    check(
        "endofmonth(datetime(2024-02-10))",
        "2024-02-29T23:59:59.9999999Z",
        Kind::DateTime,
    );
    check(
        "endofyear(t)",
        "2024-12-31T23:59:59.9999999Z",
        Kind::DateTime,
    );
    null("startofday(nulldt)");
}

// datetime-add-function: months clamp to the last day.
#[test]
fn datetime_add() {
    check(
        "datetime_add('month', 1, datetime(2024-01-31))",
        "2024-02-29T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "datetime_add('year', -1, datetime(2024-02-29))",
        "2023-02-28T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "datetime_add('day', 2, t)",
        "2024-05-03T08:30:15.2500000Z",
        Kind::DateTime,
    );
    check(
        "datetime_add('minute', 30, t)",
        "2024-05-01T09:00:15.2500000Z",
        Kind::DateTime,
    );
    check(
        "datetime_add('quarter', 1, t)",
        "2024-08-01T08:30:15.2500000Z",
        Kind::DateTime,
    );
    null("datetime_add('fortnight', 1, t)");
}

// datetime-diff-function: boundaries crossed, examples from the page.
#[test]
fn datetime_diff() {
    check(
        "datetime_diff('year', datetime(2017-01-01), datetime(2000-12-31))",
        "17",
        Kind::Long,
    );
    check(
        "datetime_diff('quarter', datetime(2017-07-01), datetime(2017-03-30))",
        "2",
        Kind::Long,
    );
    check(
        "datetime_diff('month', datetime(2017-01-01), datetime(2015-12-30))",
        "13",
        Kind::Long,
    );
    check(
        "datetime_diff('week', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))",
        "5",
        Kind::Long,
    );
    check(
        "datetime_diff('day', datetime(2017-10-29 00:00), datetime(2017-09-30 23:59))",
        "29",
        Kind::Long,
    );
    check(
        "datetime_diff('hour', datetime(2017-10-31 01:00), datetime(2017-10-30 23:59))",
        "2",
        Kind::Long,
    );
    check(
        "datetime_diff('minute', datetime(2017-10-30 23:05:01), datetime(2017-10-30 23:00:59))",
        "5",
        Kind::Long,
    );
    check(
        "datetime_diff('second', datetime(2017-10-30 23:00:10.100), datetime(2017-10-30 23:00:00.900))",
        "10",
        Kind::Long,
    );
    check(
        "datetime_diff('millisecond', datetime(2017-10-30 23:00:00.200100), datetime(2017-10-30 23:00:00.100900))",
        "100",
        Kind::Long,
    );
    check(
        "datetime_diff('nanosecond', datetime(2017-10-30 23:00:00.0000000), datetime(2017-10-30 23:00:00.0000007))",
        "-700",
        Kind::Long,
    );
}

// datetime-part-function, dayofweek-function, dayofmonth-function, dayofyear-function,
// hourofday-function, getmonth-function, getyear-function, week-of-year-function (ISO 8601).
#[test]
fn calendar_parts() {
    check("datetime_part('year', t)", "2024", Kind::Int);
    check("datetime_part('quarter', t)", "2", Kind::Int);
    check("datetime_part('hour', t)", "8", Kind::Int);
    check("datetime_part('millisecond', t)", "250", Kind::Int);
    check("datetime_part('dayofyear', t)", "122", Kind::Int);
    check(
        "dayofweek(datetime(1947-11-30 10:00:05))",
        "00:00:00",
        Kind::TimeSpan,
    );
    check(
        "dayofweek(datetime(1970-05-11))",
        "1.00:00:00",
        Kind::TimeSpan,
    );
    check("dayofmonth(t)", "1", Kind::Int);
    check("dayofyear(datetime(2015-12-14))", "348", Kind::Int);
    check("hourofday(t)", "8", Kind::Int);
    check("getmonth(t)", "5", Kind::Int);
    check("monthofyear(t)", "5", Kind::Int);
    check("getyear(t)", "2024", Kind::Int);
    check("week_of_year(datetime(2020-12-31))", "53", Kind::Int);
    check("week_of_year(datetime(2021-01-01))", "53", Kind::Int);
    check("week_of_year(datetime(2021-01-04))", "1", Kind::Int);
}

// format-datetime-function, format-timespan-function: examples in the style of the pages.
#[test]
fn formatting() {
    check(
        "format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [HH:mm:ss]')",
        "17-01-29 [09:00:05]",
        Kind::String,
    );
    check(
        "format_datetime(datetime(2017-01-29 09:00:05), 'yyyy-M-dd [H:mm:ss]')",
        "2017-1-29 [9:00:05]",
        Kind::String,
    );
    check(
        "format_datetime(datetime(2017-01-29 09:00:05), 'yy-MM-dd [hh:mm:ss tt]')",
        "17-01-29 [09:00:05 AM]",
        Kind::String,
    );
    check(
        "format_datetime(t, 'HH:mm:ss.fff')",
        "08:30:15.250",
        Kind::String,
    );
    check("format_datetime(t, 'ss.FFF')", "15.25", Kind::String);
    check(
        "format_timespan(time(1d), 'd:h:m:s')",
        "1:0:0:0",
        Kind::String,
    );
    check(
        "format_timespan(time(29.09:00:05.12345), 'ddd.h:mm:ss [fffffff]')",
        "029.9:00:05 [1234500]",
        Kind::String,
    );
    check(
        "format_timespan(time(12:59:59), 'hh:mm')",
        "12:59",
        Kind::String,
    );
}

// make-datetime-function, make-timespan-function, unixtime-*-todatetime functions.
#[test]
fn constructors() {
    check(
        "make_datetime(2017, 10, 01)",
        "2017-10-01T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "make_datetime(2017, 10, 01, 12, 10)",
        "2017-10-01T12:10:00Z",
        Kind::DateTime,
    );
    check(
        "make_datetime(2017, 10, 01, 12, 11, 0.1234567)",
        "2017-10-01T12:11:00.1234567Z",
        Kind::DateTime,
    );
    null("make_datetime(2017, 13, 01)");
    check(
        "make_timespan(1, 12, 30, 55.2)",
        "1.12:30:55.2000000",
        Kind::TimeSpan,
    );
    check("make_timespan(12, 30)", "12:30:00", Kind::TimeSpan);
    check(
        "unixtime_seconds_todatetime(1546300800)",
        "2019-01-01T00:00:00Z",
        Kind::DateTime,
    );
    check(
        "unixtime_milliseconds_todatetime(1546300800123)",
        "2019-01-01T00:00:00.1230000Z",
        Kind::DateTime,
    );
    check(
        "unixtime_microseconds_todatetime(1546300800123456)",
        "2019-01-01T00:00:00.1234560Z",
        Kind::DateTime,
    );
    check(
        "unixtime_nanoseconds_todatetime(1546300800123456700)",
        "2019-01-01T00:00:00.1234567Z",
        Kind::DateTime,
    );
    check(
        "unixtime_seconds_todatetime(1546300800.5)",
        "2019-01-01T00:00:00.5000000Z",
        Kind::DateTime,
    );
}

// format-datetime-function: characters that are not specifiers are copied; a specifier with
// an unsupported count is an invalid format (null, empty as a string).
#[test]
fn format_literals_and_invalid_counts() {
    check(
        "format_datetime(t, 'yyyy-MM-ddTHH:mm:ssZ')",
        "2024-05-01T08:30:15Z",
        Kind::String,
    );
    check("format_datetime(t, 'MMM')", "", Kind::String);
}

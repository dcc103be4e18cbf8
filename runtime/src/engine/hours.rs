//! Opening hours: is a flow open at an instant, in its time zone?
//!
//! The instant arrives with the event (the engine reads no clock). It is seen
//! as wall-clock time in the flow's IANA zone, so "09:00" means nine on the
//! local clock on both sides of a daylight-saving change.

use ivr_compiler::graph::Interval;
use jiff::{Timestamp, Zoned, tz::TimeZone};

use super::Millis;

/// Minutes in a week; `Interval`s count minutes from Monday 00:00.
pub const WEEK: u32 = 7 * 24 * 60;

/// Is the flow open at `at`? Closed on a holiday (`YYYY-MM-DD`, local date),
/// else open when the local minute of the week falls in a weekly interval.
/// An interval runs from `from` (inclusive) to `to` (exclusive); one that
/// runs past the end of the week is written either with `to` beyond [`WEEK`]
/// or with `to < from` (wrapped), and both are understood.
///
/// An unknown time zone is read as UTC and an instant outside jiff's range is
/// closed, rather than failing the call.
pub fn is_open(weekly: &[Interval], holidays: &[String], timezone: &str, at: Millis) -> bool {
    let Some(local) = local_time(timezone, at) else {
        return false;
    };
    let date = local.date().to_string();
    if holidays.iter().any(|h| h.trim() == date) {
        return false;
    }
    let minute = minute_of_week(&local);
    weekly.iter().any(|i| contains(*i, minute))
}

fn local_time(timezone: &str, at: Millis) -> Option<Zoned> {
    let instant = Timestamp::from_millisecond(at).ok()?;
    let zone = TimeZone::get(timezone).unwrap_or(TimeZone::UTC);
    Some(instant.to_zoned(zone))
}

/// Minutes since Monday 00:00 on the local clock.
pub fn minute_of_week(local: &Zoned) -> u32 {
    let day = local.weekday().to_monday_zero_offset() as u32;
    day * 24 * 60 + local.hour() as u32 * 60 + local.minute() as u32
}

fn contains(interval: Interval, minute: u32) -> bool {
    let Interval { from, to } = interval;
    if from <= to {
        // Also try the minute one week later, for a Sunday-night interval
        // written with `to` past the end of the week.
        (from..to).contains(&minute) || (from..to).contains(&(minute + WEEK))
    } else {
        minute >= from || minute < to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u32 = 24 * 60;

    /// Unix millis of a local wall-clock time in `zone`.
    fn at(zone: &str, local: &str) -> Millis {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        dt.to_zoned(TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn weekdays(from_h: u32, to_h: u32) -> Vec<Interval> {
        (0..5)
            .map(|d| Interval {
                from: d * DAY + from_h * 60,
                to: d * DAY + to_h * 60,
            })
            .collect()
    }

    #[test]
    fn office_hours_in_kolkata() {
        let weekly = weekdays(9, 18);
        let open = |local| is_open(&weekly, &[], "Asia/Kolkata", at("Asia/Kolkata", local));
        // 2026-11-23 is a Monday.
        assert!(open("2026-11-23T09:00"));
        assert!(open("2026-11-27T17:59"));
        assert!(!open("2026-11-23T08:59"));
        assert!(!open("2026-11-23T18:00"));
        assert!(!open("2026-11-28T12:00"), "Saturday");
        // 10:00 UTC is 15:30 in Kolkata: open, though 03:30 UTC would be closed in UTC terms.
        assert!(is_open(
            &weekly,
            &[],
            "Asia/Kolkata",
            at("UTC", "2026-11-23T04:00")
        ));
        assert!(!is_open(
            &weekly,
            &[],
            "Asia/Kolkata",
            at("UTC", "2026-11-23T13:00")
        ));
    }

    #[test]
    fn holidays_close_the_whole_local_day() {
        let weekly = vec![Interval { from: 0, to: WEEK }];
        let holidays = vec!["2026-12-25".to_string()];
        let open = |local| {
            is_open(
                &weekly,
                &holidays,
                "Asia/Kolkata",
                at("Asia/Kolkata", local),
            )
        };
        assert!(!open("2026-12-25T00:00"));
        assert!(!open("2026-12-25T23:59"));
        assert!(open("2026-12-24T23:59"));
        assert!(open("2026-12-26T00:00"));
        // 2026-12-24T20:00 UTC is already the 25th in Kolkata.
        assert!(!is_open(
            &weekly,
            &holidays,
            "Asia/Kolkata",
            at("UTC", "2026-12-24T20:00")
        ));
    }

    #[test]
    fn overnight_intervals_both_ways() {
        // Friday 22:00 – Saturday 02:00, and Sunday 22:00 – Monday 02:00 written
        // both past the week's end and wrapped.
        let fri = Interval {
            from: 4 * DAY + 22 * 60,
            to: 5 * DAY + 2 * 60,
        };
        let sun_past = Interval {
            from: 6 * DAY + 22 * 60,
            to: WEEK + 2 * 60,
        };
        let sun_wrapped = Interval {
            from: 6 * DAY + 22 * 60,
            to: 2 * 60,
        };
        for sun in [sun_past, sun_wrapped] {
            let weekly = vec![fri, sun];
            let open = |local| is_open(&weekly, &[], "UTC", at("UTC", local));
            assert!(open("2026-11-27T23:30"), "Fri night");
            assert!(open("2026-11-28T01:59"), "Sat early");
            assert!(!open("2026-11-28T02:00"));
            assert!(open("2026-11-29T22:00"), "Sun night");
            assert!(open("2026-11-30T01:00"), "Mon early");
            assert!(!open("2026-11-30T02:00"));
            assert!(!open("2026-11-29T21:59"));
        }
    }

    #[test]
    fn wall_clock_holds_across_daylight_saving() {
        // New York: 09:00-17:00 local, before and after DST ends on 2026-11-01.
        let weekly = weekdays(9, 17);
        let zone = "America/New_York";
        // Friday 2026-10-30, EDT (UTC-4): 09:00 local is 13:00 UTC.
        assert!(is_open(&weekly, &[], zone, at("UTC", "2026-10-30T13:00")));
        assert!(!is_open(&weekly, &[], zone, at("UTC", "2026-10-30T12:59")));
        // Monday 2026-11-02, EST (UTC-5): 09:00 local is 14:00 UTC.
        assert!(!is_open(&weekly, &[], zone, at("UTC", "2026-11-02T13:30")));
        assert!(is_open(&weekly, &[], zone, at("UTC", "2026-11-02T14:00")));
        // An overnight interval across the DST night itself (Sat 22:00 – Sun 04:00):
        // 01:30 happens twice that night and is open both times.
        let night = vec![Interval {
            from: 5 * DAY + 22 * 60,
            to: 6 * DAY + 4 * 60,
        }];
        assert!(
            is_open(&night, &[], zone, at("UTC", "2026-11-01T05:30")),
            "01:30 EDT"
        );
        assert!(
            is_open(&night, &[], zone, at("UTC", "2026-11-01T06:30")),
            "01:30 EST"
        );
        assert!(
            !is_open(&night, &[], zone, at("UTC", "2026-11-01T09:00")),
            "04:00 EST"
        );
    }

    #[test]
    fn bad_inputs_do_not_panic() {
        let weekly = vec![Interval { from: 0, to: WEEK }];
        assert!(
            is_open(&weekly, &[], "Not/AZone", 0),
            "unknown zone reads as UTC"
        );
        assert!(!is_open(&weekly, &[], "UTC", i64::MAX));
        assert!(!is_open(&[], &[], "UTC", 0));
    }
}

//! A calling window: the local hours (in the flow's time zone) when a
//! campaign may dial, e.g. weekdays 09:00–18:00 in Asia/Kolkata.

use ivr_compiler::graph::Interval;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::engine::Millis;
use crate::engine::hours::{self, WEEK};

/// When dialling is allowed. Calls already placed are not cut off when the
/// window closes; only new dials wait for it to open again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Days as written (`mon`…`sun`).
    pub days: Vec<String>,
    /// Local start and end, `HH:MM`; an end before the start runs overnight.
    pub start: String,
    pub end: String,
    /// IANA zone the hours are read in.
    pub timezone: String,
    /// Weekly intervals, in minutes from Monday 00:00 (as `hours` nodes).
    intervals: Vec<Interval>,
}

impl Window {
    /// A window from its parts, or what is wrong with them. No days means
    /// every day.
    pub fn new(days: &[String], start: &str, end: &str, timezone: &str) -> Result<Window, String> {
        if TimeZone::get(timezone).is_err() {
            return Err(format!("unknown time zone `{timezone}`"));
        }
        let from = minute_of_day(start)?;
        let to = minute_of_day(end)?;
        if from == to {
            return Err(format!(
                "the window `{start}`–`{end}` is empty; give a start and an end that differ"
            ));
        }
        let mut day_numbers = Vec::new();
        for day in days {
            day_numbers.push(ivr_compiler::week::day(day)?);
        }
        if day_numbers.is_empty() {
            day_numbers = (0..7).collect();
        }
        let length = if to > from {
            to - from
        } else {
            24 * 60 - from + to
        };
        let intervals = day_numbers
            .iter()
            .map(|d| {
                let start = d * 24 * 60 + from;
                // Sunday overnight runs past the week's end: `hours` reads
                // `to` beyond WEEK as wrapping.
                Interval {
                    from: start,
                    to: start + length,
                }
            })
            .collect();
        Ok(Window {
            days: days.to_vec(),
            start: start.to_string(),
            end: end.to_string(),
            timezone: timezone.to_string(),
            intervals,
        })
    }

    pub fn is_open(&self, at: Millis) -> bool {
        hours::is_open(&self.intervals, &[], &self.timezone, at)
    }

    /// The first instant at or after `at` when the window is open (`at`
    /// itself when open now). Searched minute by minute over one week, in
    /// absolute time, so daylight-saving changes need no special case.
    pub fn next_open(&self, at: Millis) -> Millis {
        if self.is_open(at) {
            return at;
        }
        let minute = 60_000;
        let mut t = at - at.rem_euclid(minute) + minute;
        for _ in 0..=WEEK + 120 {
            if self.is_open(t) {
                return t;
            }
            t += minute;
        }
        // Unreachable for a valid window (it is open some minute each week).
        at
    }
}

/// `HH:MM`, read as opening hours read it.
fn minute_of_day(text: &str) -> Result<u32, String> {
    ivr_compiler::week::time_of_day(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(zone: &str, local: &str) -> Millis {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        dt.to_zoned(TimeZone::get(zone).unwrap())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn weekdays(start: &str, end: &str, zone: &str) -> Window {
        let days: Vec<String> = ["mon", "tue", "wed", "thu", "fri"]
            .map(String::from)
            .to_vec();
        Window::new(&days, start, end, zone).unwrap()
    }

    #[test]
    fn open_inside_local_hours_only() {
        let w = weekdays("09:00", "18:00", "Asia/Kolkata");
        // 2026-11-23 is a Monday.
        assert!(w.is_open(at("Asia/Kolkata", "2026-11-23T09:00")));
        assert!(w.is_open(at("Asia/Kolkata", "2026-11-23T17:59")));
        assert!(!w.is_open(at("Asia/Kolkata", "2026-11-23T18:00")));
        assert!(!w.is_open(at("Asia/Kolkata", "2026-11-22T12:00")), "Sunday");
        // 09:30 in Kolkata is 04:00 UTC.
        assert!(w.is_open(at("UTC", "2026-11-23T04:00")));
    }

    #[test]
    fn next_open_skips_to_the_next_working_morning() {
        let w = weekdays("09:00", "18:00", "Asia/Kolkata");
        let friday_evening = at("Asia/Kolkata", "2026-11-27T19:12:30");
        assert_eq!(
            w.next_open(friday_evening),
            at("Asia/Kolkata", "2026-11-30T09:00")
        );
        let open = at("Asia/Kolkata", "2026-11-30T10:00:05");
        assert_eq!(w.next_open(open), open);
    }

    #[test]
    fn overnight_window_and_daylight_saving() {
        let w = Window::new(&[], "22:00", "06:00", "America/New_York").unwrap();
        assert!(w.is_open(at("America/New_York", "2026-11-01T23:30")));
        assert!(w.is_open(at("America/New_York", "2026-11-02T05:59")));
        assert!(!w.is_open(at("America/New_York", "2026-11-02T12:00")));
        // The morning of the change back from daylight time: the window
        // opens at 22:00 local, whatever the offset.
        let noon = at("America/New_York", "2026-11-01T12:00");
        assert_eq!(
            w.next_open(noon),
            at("America/New_York", "2026-11-01T22:00")
        );
    }

    #[test]
    fn refuses_nonsense() {
        assert!(Window::new(&[], "9am", "18:00", "UTC").is_err());
        assert!(Window::new(&[], "09:00", "09:00", "UTC").is_err());
        assert!(Window::new(&[], "09:00", "18:00", "Mars/Base").is_err());
        assert!(Window::new(&["funday".into()], "09:00", "18:00", "UTC").is_err());
    }

    #[test]
    fn a_day_is_a_day_not_a_word_that_starts_like_one() {
        let window = |day: &str| Window::new(&[day.to_string()], "09:00", "18:00", "Asia/Kolkata");
        assert!(window("monday").is_ok());
        assert!(window("Mon").is_ok());
        assert!(window("monkey").is_err(), "not Monday");
        assert!(window("sunburn").is_err(), "not Sunday");
    }
}

//! Opening hours: `"Mon-Fri 09:00-18:00"`, `"Sat,Sun 10:00-14:00"`,
//! `"Fri 22:00-02:00"` (past midnight), `"Mon-Fri 09:00-13:00, 14:00-18:00"`,
//! and holidays `"2026-12-25"`. Lowered to minutes since Monday 00:00 in the
//! flow's time zone; a range past midnight is split at midnight, and Sunday
//! night wraps to Monday morning.

use crate::graph::Interval;
use crate::week::{day, time_of_day as parse_time};

const DAY: u32 = 24 * 60;
const WEEK: u32 = 7 * DAY;

/// One `open` value → its weekly intervals, or what is wrong with it.
pub(super) fn parse_open(spec: &str) -> Result<Vec<Interval>, String> {
    let spec = spec.trim();
    let (days, times) = spec
        .split_once(char::is_whitespace)
        .ok_or_else(|| "expected days and times, like `Mon-Fri 09:00-18:00`".to_string())?;
    let days = parse_days(days)?;
    let mut out = Vec::new();
    for range in times.split(',') {
        let (from, to) = parse_range(range.trim())?;
        for &day in &days {
            let start = day * DAY + from;
            if to > from {
                out.push(Interval {
                    from: start,
                    to: day * DAY + to,
                });
            } else {
                // Past midnight: the rest of this day, then the next morning.
                out.push(Interval {
                    from: start,
                    to: (day + 1) * DAY,
                });
                if to > 0 {
                    let next = (day + 1) % 7;
                    out.push(Interval {
                        from: next * DAY,
                        to: next * DAY + to,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// A range that runs past midnight for more than half a day, like
/// `18:00-09:00`: almost always `09:00-18:00` written backwards. Returns the
/// range as written and the range meant.
pub(super) fn reversed(spec: &str) -> Option<(String, String)> {
    let (_, times) = spec.trim().split_once(char::is_whitespace)?;
    times.split(',').find_map(|range| {
        let (from, to) = parse_range(range.trim()).ok()?;
        let overnight = to < from && DAY - from + to > DAY / 2;
        overnight.then(|| {
            (
                range.trim().to_string(),
                format!("{}-{}", clock(to), clock(from)),
            )
        })
    })
}

/// Minutes since midnight → `HH:MM`.
fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The first pair of intervals (each tagged with the `open` it came from)
/// that overlap: touching is fine, sharing a minute is not.
pub(super) fn overlap(mut tagged: Vec<(Interval, usize)>) -> Option<(usize, usize)> {
    tagged.sort_by_key(|(i, _)| (i.from, i.to));
    // Sorted by start, the first overlap is with the interval just before.
    let mut previous: Option<(u32, usize)> = None;
    for (i, tag) in tagged {
        if let Some((to, earlier)) = previous
            && i.from < to
        {
            return Some((earlier, tag));
        }
        previous = Some((i.to, tag));
    }
    None
}

/// Is the week closed all of the weekday of `date` (`YYYY-MM-DD`)? Returns
/// the day's name.
pub(super) fn closed_all_day(weekly: &[Interval], date: &str) -> Option<&'static str> {
    let date: jiff::civil::Date = date.parse().ok()?;
    let day = date.weekday().to_monday_zero_offset() as u32;
    let (start, end) = (day * DAY, (day + 1) * DAY);
    let open = weekly.iter().any(|i| i.from < end && i.to > start);
    const NAMES: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    (!open).then(|| NAMES[day as usize])
}

/// Sort and merge overlapping or touching intervals.
pub(super) fn normalise(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort_by_key(|i| (i.from, i.to));
    let mut out: Vec<Interval> = Vec::new();
    for i in intervals {
        match out.last_mut() {
            Some(last) if i.from <= last.to => last.to = last.to.max(i.to),
            _ => out.push(i),
        }
    }
    debug_assert!(out.iter().all(|i| i.to <= WEEK));
    out
}

/// `Mon-Fri`, `Sat,Sun`, `Mon,Wed-Fri`, `Fri-Mon` (wraps), `daily`.
fn parse_days(text: &str) -> Result<Vec<u32>, String> {
    if text.eq_ignore_ascii_case("daily") {
        return Ok((0..7).collect());
    }
    let mut days = Vec::new();
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut d = a;
                loop {
                    days.push(d);
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days.push(day(part)?),
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// `09:00-18:00` → minutes since midnight; `24:00` only as an end.
fn parse_range(text: &str) -> Result<(u32, u32), String> {
    let (a, b) = text
        .split_once('-')
        .ok_or_else(|| format!("`{text}` is not a time range; write `09:00-18:00`"))?;
    let from = parse_time(a.trim())?;
    let to = parse_time(b.trim())?;
    if from == DAY {
        return Err("a range cannot start at 24:00".into());
    }
    if from == to {
        return Err(format!(
            "`{text}` is empty: it starts and ends at the same time"
        ));
    }
    Ok((from, to))
}

/// A holiday `YYYY-MM-DD` that exists in the calendar.
pub(super) fn parse_holiday(text: &str) -> Result<String, String> {
    let t = text.trim();
    let shaped = t.len() == 10
        && t.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!(
            "`{t}` is not a date; write YYYY-MM-DD, like `2026-12-25`"
        ));
    }
    t.parse::<jiff::civil::Date>()
        .map(|d| d.to_string())
        .map_err(|_| format!("`{t}` is not a date in the calendar"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(from: u32, to: u32) -> Interval {
        Interval { from, to }
    }

    #[test]
    fn weekdays_nine_to_six() {
        let v = parse_open("Mon-Fri 09:00-18:00").unwrap();
        assert_eq!(v.len(), 5);
        assert_eq!(v[0], iv(540, 1080));
        assert_eq!(v[4], iv(4 * DAY + 540, 4 * DAY + 1080));
    }

    #[test]
    fn lists_ranges_and_split_times() {
        let v = parse_open("Sat,Sun 10:00-14:00").unwrap();
        assert_eq!(
            v,
            vec![
                iv(5 * DAY + 600, 5 * DAY + 840),
                iv(6 * DAY + 600, 6 * DAY + 840)
            ]
        );
        let v = parse_open("Mon 09:00-13:00, 14:00-18:00").unwrap();
        assert_eq!(v, vec![iv(540, 780), iv(840, 1080)]);
        assert_eq!(parse_open("Fri-Mon 10:00-11:00").unwrap().len(), 4);
    }

    #[test]
    fn overnight_splits_at_midnight_and_sunday_wraps() {
        let v = parse_open("Fri 22:00-02:00").unwrap();
        assert_eq!(
            v,
            vec![iv(4 * DAY + 1320, 5 * DAY), iv(5 * DAY, 5 * DAY + 120)]
        );
        let v = parse_open("Sun 23:00-01:00").unwrap();
        assert_eq!(v, vec![iv(6 * DAY + 1380, WEEK), iv(0, 60)]);
        assert_eq!(parse_open("Mon 18:00-24:00").unwrap(), vec![iv(1080, DAY)]);
    }

    #[test]
    fn normalise_merges_touching_ranges() {
        let v = normalise(vec![iv(600, 700), iv(0, 60), iv(700, 800), iv(650, 660)]);
        assert_eq!(v, vec![iv(0, 60), iv(600, 800)]);
    }

    #[test]
    fn malformed_hours_say_why() {
        for bad in [
            "Mon-Fri",
            "Mon-Fry 09:00-18:00",
            "Mon 9-18",
            "Mon 09:00-25:00",
            "Mon 09:00-09:00",
            "Mon 09:60-10:00",
            "Mon 09:00",
        ] {
            assert!(parse_open(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn a_range_written_backwards_is_told_from_a_night_shift() {
        assert_eq!(
            reversed("Mon-Fri 18:00-09:00"),
            Some(("18:00-09:00".into(), "09:00-18:00".into()))
        );
        assert_eq!(reversed("Fri 22:00-02:00"), None);
        assert_eq!(reversed("Mon 09:00-13:00, 20:00-08:00"), None);
        assert_eq!(reversed("Mon 09:00-18:00"), None);
    }

    #[test]
    fn overlapping_ranges_are_found_touching_ones_are_not() {
        let tag = |spec: &str, t: usize| {
            parse_open(spec)
                .unwrap()
                .into_iter()
                .map(move |i| (i, t))
                .collect::<Vec<_>>()
        };
        let touching = [tag("Mon-Fri 09:00-13:00", 0), tag("Mon-Fri 13:00-18:00", 1)].concat();
        assert_eq!(overlap(touching), None);
        let overlapping = [tag("Mon-Fri 09:00-18:00", 0), tag("Fri 17:00-20:00", 1)].concat();
        assert_eq!(overlap(overlapping), Some((0, 1)));
        // Inside a longer range, past a short one.
        let inside = [
            tag("Mon 08:00-20:00", 0),
            tag("Mon 09:00-10:00", 1),
            tag("Mon 11:00-12:00", 2),
        ]
        .concat();
        assert_eq!(overlap(inside), Some((0, 1)));
    }

    #[test]
    fn a_holiday_on_a_closed_day_is_found() {
        let week = normalise(parse_open("Mon-Fri 09:00-18:00").unwrap());
        // 2026-12-27 is a Sunday, 2026-12-25 a Friday.
        assert_eq!(closed_all_day(&week, "2026-12-27"), Some("Sunday"));
        assert_eq!(closed_all_day(&week, "2026-12-25"), None);
        // Friday night's hours spill into Saturday morning: Saturday is open.
        let late = normalise(parse_open("Fri 22:00-02:00").unwrap());
        assert_eq!(closed_all_day(&late, "2026-12-26"), None);
    }

    #[test]
    fn holidays() {
        assert_eq!(parse_holiday("2026-12-25").unwrap(), "2026-12-25");
        assert!(parse_holiday("2026-02-30").is_err());
        assert!(parse_holiday("25/12/2026").is_err());
    }
}

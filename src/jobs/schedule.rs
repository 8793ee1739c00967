//! When jobs run: the cron expressions read in the configured time zone, the slot a
//! run belongs to, and a schedule said in words.

use super::Job;
use crate::config::JobsSettings;
use crate::error::ErrorCode;
use crate::error::{AppError, AppResult};
use chrono::{NaiveDateTime, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;
use std::collections::BTreeMap;

/// The cron expressions, read in the configured time zone.
pub struct Schedules {
    tz: Tz,
    crons: BTreeMap<Job, Option<(String, Cron)>>,
}

impl std::fmt::Debug for Schedules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m: BTreeMap<&str, Option<&str>> =
            Job::ALL.iter().map(|j| (j.as_str(), self.expression(*j))).collect();
        f.debug_struct("Schedules").field("tz", &self.tz.name()).field("crons", &m).finish()
    }
}

impl Schedules {
    /// Every job needs an entry (`off` to leave it unscheduled); an unknown job name
    /// or a bad expression is an error.
    pub fn from_settings(s: &JobsSettings) -> Result<Schedules, String> {
        let tz: Tz = s
            .timezone
            .parse()
            .map_err(|_| format!("jobs.timezone {:?} is not a time zone", s.timezone))?;
        for name in s.schedules.keys() {
            if Job::parse(name).is_none() {
                return Err(format!(
                    "jobs.schedules.{name}: no such job (jobs: {})",
                    Job::ALL.map(Job::as_str).join(", ")
                ));
            }
        }
        let parser = CronParser::builder().seconds(Seconds::Required).dom_and_dow(true).build();
        let mut crons = BTreeMap::new();
        for job in Job::ALL {
            let expr = s
                .schedules
                .get(job.as_str())
                .ok_or_else(|| {
                    format!(
                        "jobs.schedules.{} is missing (use \"off\" to disable it)",
                        job.as_str()
                    )
                })?
                .trim()
                .to_string();
            let cron = if expr == "off" {
                None
            } else {
                let c = parser
                    .parse(&expr)
                    .map_err(|e| format!("jobs.schedules.{}: {expr:?}: {e}", job.as_str()))?;
                Some((expr, c))
            };
            crons.insert(job, cron);
        }
        Ok(Schedules { tz, crons })
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn expression(&self, job: Job) -> Option<&str> {
        self.crons.get(&job).and_then(|c| c.as_ref()).map(|(e, _)| e.as_str())
    }

    fn cron(&self, job: Job) -> Option<&Cron> {
        self.crons.get(&job).and_then(|c| c.as_ref()).map(|(_, c)| c)
    }

    fn local(&self, t: NaiveDateTime) -> chrono::DateTime<Tz> {
        self.tz.from_utc_datetime(&t.trunc_subsecs(0))
    }

    /// The slot a run at `t` belongs to: the latest scheduled instant at or before `t`
    /// (for an unscheduled job, `t` to the second).
    pub fn slot_at(&self, job: Job, t: NaiveDateTime) -> NaiveDateTime {
        self.cron(job)
            .and_then(|c| c.find_previous_occurrence(&self.local(t), true).ok())
            .map(|d| d.naive_utc())
            .unwrap_or_else(|| t.trunc_subsecs(0))
    }

    /// Whether `t` is one of the job's scheduled instants.
    pub fn is_slot(&self, job: Job, t: NaiveDateTime) -> bool {
        if t.trunc_subsecs(0) != t {
            return false;
        }
        match self.cron(job) {
            Some(c) => c.is_time_matching(&self.local(t)).unwrap_or(false),
            None => true,
        }
    }

    /// The first scheduled instant after `t`.
    pub fn next_after(&self, job: Job, t: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron(job)
            .and_then(|c| c.find_next_occurrence(&self.local(t), false).ok())
            .map(|d| d.naive_utc())
    }
}

/// The slot a run by hand is for: `requested` if it is a scheduled instant not in the
/// future, else the latest slot at or before `now`.
pub fn manual_slot(
    schedules: &Schedules,
    job: Job,
    requested: Option<chrono::DateTime<Utc>>,
    now: NaiveDateTime,
) -> AppResult<NaiveDateTime> {
    let Some(at) = requested.map(|t| t.naive_utc()) else {
        return Ok(schedules.slot_at(job, now));
    };
    if at > now {
        return Err(AppError::of(ErrorCode::JobSlotInFuture));
    }
    if !schedules.is_slot(job, at) {
        let hint = schedules.slot_at(job, at);
        return Err(AppError::of(ErrorCode::JobSlotInvalid)
            .arg("at", at)
            .arg("job", job.as_str())
            .arg("schedule", schedules.expression(job).unwrap_or("off"))
            .arg("timezone", schedules.timezone().name())
            .arg("hint", hint));
    }
    Ok(at)
}

/// A six-field cron expression (second, minute, hour, day of month, month, day of week)
/// in words, Chinese and English, for the shapes schedules take (every N seconds, every
/// minute or hour at a mark, daily, monthly, weekly); None for any other shape, which is
/// then shown as written.
pub fn schedule_words(expr: &str) -> Option<(String, String)> {
    let f: Vec<&str> = expr.split_whitespace().collect();
    let [sec, min, hour, dom, month, dow] = f.as_slice() else {
        return None;
    };
    let num = |s: &str, max: u32| s.parse::<u32>().ok().filter(|n| *n <= max);
    if *month != "*" {
        return None;
    }
    let all = |x: &&str| *x == "*";
    match (num(sec, 59), num(min, 59), num(hour, 23)) {
        _ if [sec, min, hour, dom, dow].iter().all(|x| all(x)) => {
            Some(("每秒".into(), "every second".into()))
        }
        _ if [min, hour, dom, dow].iter().all(|x| all(x)) => {
            if let Some(n) = sec.strip_prefix("*/").and_then(|n| num(n, 59)).filter(|n| *n > 0) {
                return Some((format!("每 {n} 秒"), format!("every {n} seconds")));
            }
            let s = num(sec, 59)?;
            Some((format!("每分钟第 {s} 秒"), format!("every minute, at second {s}")))
        }
        (Some(s), Some(m), None) if [hour, dom, dow].iter().all(|x| all(x)) => Some((
            format!("每小时第 {m} 分{}", if s > 0 { format!(" {s} 秒") } else { String::new() }),
            format!(
                "every hour, at minute {m}{}",
                if s > 0 { format!(":{s:02}") } else { String::new() }
            ),
        )),
        (Some(s), Some(m), Some(h)) => {
            let at = if s > 0 { format!("{h:02}:{m:02}:{s:02}") } else { format!("{h:02}:{m:02}") };
            match (*dom, *dow) {
                ("*", "*") => Some((format!("每天 {at}"), format!("every day at {at}"))),
                (d, "*") => {
                    let d = num(d, 31).filter(|d| *d >= 1)?;
                    Some((
                        format!("每月 {d} 日 {at}"),
                        format!("on day {d} of every month at {at}"),
                    ))
                }
                ("*", w) => {
                    let w = num(w, 7)? % 7;
                    let zh = ["日", "一", "二", "三", "四", "五", "六"][w as usize];
                    let en = [
                        "Sunday",
                        "Monday",
                        "Tuesday",
                        "Wednesday",
                        "Thursday",
                        "Friday",
                        "Saturday",
                    ][w as usize];
                    Some((format!("每周{zh} {at}"), format!("every {en} at {at}")))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn schedules_read_in_words() {
        let w = |e: &str| schedule_words(e).map(|(zh, en)| format!("{zh} | {en}"));
        for (cron, words) in [
            ("* * * * * *", "每秒 | every second"),
            ("*/5 * * * * *", "每 5 秒 | every 5 seconds"),
            ("30 * * * * *", "每分钟第 30 秒 | every minute, at second 30"),
            ("0 17 * * * *", "每小时第 17 分 | every hour, at minute 17"),
            ("0 0 9 * * *", "每天 09:00 | every day at 09:00"),
            ("0 5 0 * * *", "每天 00:05 | every day at 00:05"),
            ("0 0 2 1 * *", "每月 1 日 02:00 | on day 1 of every month at 02:00"),
            ("0 30 8 * * 1", "每周一 08:30 | every Monday at 08:30"),
        ] {
            assert_eq!(w(cron).as_deref(), Some(words), "{cron}");
        }
        // Anything else is shown as written.
        assert_eq!(w("0 0 9 * 1-5 *"), None);
        assert_eq!(w("0 0 9 L * *"), None);
        assert_eq!(w("0 0 25 * * *"), None);
        assert_eq!(w("off"), None);
    }

    fn schedules(pairs: &[(&str, &str)]) -> Result<Schedules, String> {
        let mut map: BTreeMap<String, String> =
            Job::ALL.iter().map(|j| (j.as_str().to_string(), "off".to_string())).collect();
        for (k, v) in pairs {
            map.insert(k.to_string(), v.to_string());
        }
        Schedules::from_settings(&JobsSettings {
            enabled: true,
            timezone: "Asia/Shanghai".into(),
            shutdown_grace_secs: 1,
            heartbeat_secs: 1,
            stale_after_secs: 5,
            keep_runs_days: 1,
            keep_sign_in_records_days: 1,
            schedules: map,
        })
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(h, mi, s).unwrap()
    }

    #[test]
    fn slots_are_read_in_the_configured_time_zone() {
        // Daily at 09:00 in Shanghai is 01:00 UTC.
        let s = schedules(&[("voucher_expiry_reminders", "0 0 9 * * *")]).unwrap();
        let job = Job::VoucherExpiryReminders;
        assert_eq!(s.slot_at(job, utc(2026, 11, 23, 1, 0, 0)), utc(2026, 11, 23, 1, 0, 0));
        assert_eq!(s.slot_at(job, utc(2026, 11, 23, 0, 59, 59)), utc(2026, 11, 22, 1, 0, 0));
        assert_eq!(s.slot_at(job, utc(2026, 11, 23, 13, 30, 5)), utc(2026, 11, 23, 1, 0, 0));
        assert!(s.is_slot(job, utc(2026, 11, 23, 1, 0, 0)));
        assert!(!s.is_slot(job, utc(2026, 11, 23, 9, 0, 0)));
        assert_eq!(s.next_after(job, utc(2026, 11, 23, 1, 0, 0)), Some(utc(2026, 11, 24, 1, 0, 0)));
    }

    #[test]
    fn every_five_seconds_has_a_slot_per_five_seconds() {
        let s = schedules(&[("outbox_dispatch", "*/5 * * * * *")]).unwrap();
        let t = utc(2026, 11, 23, 1, 2, 3) + chrono::Duration::milliseconds(700);
        assert_eq!(s.slot_at(Job::OutboxDispatch, t), utc(2026, 11, 23, 1, 2, 0));
        assert!(!s.is_slot(Job::OutboxDispatch, utc(2026, 11, 23, 1, 2, 3)));
    }

    #[test]
    fn an_unscheduled_job_takes_any_whole_second() {
        let s = schedules(&[]).unwrap();
        let t = utc(2026, 11, 23, 1, 2, 3) + chrono::Duration::milliseconds(700);
        assert_eq!(s.slot_at(Job::Housekeeping, t), utc(2026, 11, 23, 1, 2, 3));
        assert!(s.is_slot(Job::Housekeeping, utc(2026, 11, 23, 1, 2, 3)));
        assert!(!s.is_slot(Job::Housekeeping, t));
        assert_eq!(s.expression(Job::Housekeeping), None);
    }

    #[test]
    fn bad_schedules_are_refused_with_the_job_named() {
        let e = schedules(&[("outbox_dispatch", "every five seconds")]).unwrap_err();
        assert!(e.contains("jobs.schedules.outbox_dispatch"), "{e}");
        // Five fields: seconds are required.
        assert!(schedules(&[("outbox_dispatch", "*/5 * * * *")]).is_err());
        let e = schedules(&[("outbox_dispach", "* * * * * *")]).unwrap_err();
        assert!(e.contains("no such job"), "{e}");
    }

    #[test]
    fn manual_slots_must_be_scheduled_and_past() {
        let s = schedules(&[("voucher_expiry_reminders", "0 0 9 * * *")]).unwrap();
        let job = Job::VoucherExpiryReminders;
        let now = utc(2026, 11, 23, 5, 0, 0);
        assert_eq!(manual_slot(&s, job, None, now).unwrap(), utc(2026, 11, 23, 1, 0, 0));
        let at = |t: NaiveDateTime| Some(t.and_utc());
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 20, 1, 0, 0)), now).unwrap(),
            utc(2026, 11, 20, 1, 0, 0)
        );
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 24, 1, 0, 0)), now).unwrap_err().code,
            "job_slot_in_future"
        );
        assert_eq!(
            manual_slot(&s, job, at(utc(2026, 11, 20, 2, 0, 0)), now).unwrap_err().code,
            "job_slot_invalid"
        );
    }
}

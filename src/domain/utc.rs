//! Instants on the wire: the database keeps UTC as `NaiveDateTime`; the API writes them
//! as RFC 3339 with the `Z` that says so (`2026-12-01T09:00:00.123456Z`), as its OpenAPI
//! document promises (`format: date-time`).

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serializer;

/// `#[serde(serialize_with = "crate::domain::utc::ser")]`
pub fn ser<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.and_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `#[serde(serialize_with = "crate::domain::utc::ser_opt")]`
pub fn ser_opt<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => ser(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn instants_carry_their_utc_offset() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_micro_opt(9, 0, 0, 123_456)
            .unwrap();
        #[derive(serde::Serialize)]
        struct W {
            #[serde(serialize_with = "super::ser")]
            t: chrono::NaiveDateTime,
            #[serde(serialize_with = "super::ser_opt")]
            u: Option<chrono::NaiveDateTime>,
        }
        let j = serde_json::to_string(&W { t, u: None }).unwrap();
        assert_eq!(j, r#"{"t":"2026-12-01T09:00:00.123456Z","u":null}"#);
        let whole = t.with_nanosecond_zero();
        assert_eq!(
            serde_json::to_value(W { t: whole, u: Some(whole) }).unwrap()["u"],
            "2026-12-01T09:00:00Z"
        );
    }

    trait Zero {
        fn with_nanosecond_zero(self) -> Self;
    }
    impl Zero for chrono::NaiveDateTime {
        fn with_nanosecond_zero(self) -> Self {
            chrono::Timelike::with_nanosecond(&self, 0).unwrap()
        }
    }
}

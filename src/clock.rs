//! Time source. Every use case takes `now` from here, so tests can move time.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    fixed: Option<Arc<Mutex<DateTime<Utc>>>>,
}

impl Clock {
    pub fn system() -> Self {
        Clock { fixed: None }
    }

    /// A clock that stands still until moved (tests and demos).
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock { fixed: Some(Arc::new(Mutex::new(at))) }
    }

    /// Now in UTC, truncated to microseconds (what both databases keep).
    pub fn now_utc(&self) -> DateTime<Utc> {
        let t = match &self.fixed {
            Some(m) => *m.lock().unwrap_or_else(|p| p.into_inner()),
            None => Utc::now(),
        };
        t.trunc_subsecs(6)
    }

    pub fn now(&self) -> NaiveDateTime {
        self.now_utc().naive_utc()
    }

    /// Moves a fixed clock; does nothing to the system clock.
    pub fn advance(&self, by: chrono::Duration) {
        if let Some(m) = &self.fixed {
            let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
            *g += by;
        }
    }
}

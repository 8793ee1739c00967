//! Certification of carriers (孵化器、众创空间认定/备案): schemes as data, the figures a
//! space files, and the rule engine that evaluates an application criterion by
//! criterion. Pure: the schemes come from `config/policy/certification/`, the figures
//! from the application, the day from the caller.
//!
//! A criterion compares one figure, a ratio of two figures, or the months since a date
//! figure with a threshold; "A or B" criteria list alternatives (`any_of`). A criterion
//! may use another threshold when a yes/no figure is set (`when`: a specialised
//! incubator needs 15 incubatees, not 20) or apply only when one is (`only_if`: a lease
//! of 5 years only for a leased site). Comparisons are exact: a ratio num/den ≥ v is
//! tested as num × scale ≥ v × den, so "≥" is met at exactly the figure.
//!
//! The rooms: `policy.rs` holds the schemes and their criteria as read from the policy
//! files; `figures.rs` the figures a space files and how each is checked; `rules.rs`
//! the rule engine.

mod figures;
mod policy;
mod rules;
#[cfg(test)]
mod tests;

pub use figures::*;
pub use policy::*;
pub use rules::*;

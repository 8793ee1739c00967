//! Money: integer fen in storage and on the wire as yuan strings; `Decimal` for arithmetic.
//!
//! Rounding happens in exactly one place, [`Fen::from_yuan_decimal`], half-up
//! (away from zero at .5) to the fen.

use super::error_code::ErrorCode;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Serialize, Serializer};
use std::fmt;

/// An amount of money in fen (1 yuan = 100 fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("not a decimal amount in yuan")]
    Invalid,
    #[error("more than 2 decimal places")]
    TooPrecise,
    #[error("negative amount")]
    Negative,
    #[error("amount out of range")]
    OutOfRange,
}

impl MoneyError {
    pub fn code(&self) -> ErrorCode {
        match self {
            MoneyError::Invalid => ErrorCode::AmountInvalid,
            MoneyError::TooPrecise => ErrorCode::AmountTooPrecise,
            MoneyError::Negative => ErrorCode::AmountNegative,
            MoneyError::OutOfRange => ErrorCode::AmountOutOfRange,
        }
    }
    pub fn message_zh(&self) -> &'static str {
        self.code().zh()
    }
    pub fn message_en(&self) -> &'static str {
        self.code().en()
    }
}

/// The largest single amount: 9,999,999,999,999.99 yuan (thirteen integer digits, as
/// the OpenAPI document's amount pattern says), and the ceiling of a batch's budget
/// however often it is topped up.
pub const MAX_FEN: i64 = 999_999_999_999_999;
/// The ceiling of all the batch budgets of one programme together (its funding account
/// then stays far inside `i64`): 100 times the largest batch, 999,999,999,999,999.00 yuan.
pub const PROGRAMME_MAX_FEN: i64 = 100 * MAX_FEN;

/// Yuan with two decimals for a sum kept in `i128` (ledger verification).
pub fn yuan_i128(fen: i128) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: i64) -> Self {
        Fen(fen)
    }

    pub const fn get(self) -> i64 {
        self.0
    }

    pub fn from_whole_yuan(yuan: i64) -> Result<Self, MoneyError> {
        yuan.checked_mul(100).filter(|f| f.abs() <= MAX_FEN).map(Fen).ok_or(MoneyError::OutOfRange)
    }

    /// The one rounding point: a yuan amount computed with `Decimal`, rounded half-up to the fen.
    pub fn from_yuan_decimal(yuan: Decimal) -> Result<Self, MoneyError> {
        let fen = (yuan * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
        let fen: i64 = fen.try_into().map_err(|_| MoneyError::OutOfRange)?;
        if fen.abs() > MAX_FEN {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Fen(fen))
    }

    pub fn to_yuan(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// Parses an API amount: a yuan decimal string with at most two decimals, not
    /// negative, written exactly as the document's pattern says (no spaces, sign or
    /// leading zeros; at most thirteen integer digits, else `amount_out_of_range`).
    /// Nothing is rounded here: more precision than a fen is an error, not a guess.
    pub fn parse_yuan(s: &str) -> Result<Self, MoneyError> {
        if s.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int_part.is_empty() || !digits_ok(int_part) || !digits_ok(frac_part) {
            return Err(MoneyError::Invalid);
        }
        if s.contains('.') && frac_part.is_empty() {
            return Err(MoneyError::Invalid);
        }
        if int_part.len() > 1 && int_part.starts_with('0') {
            return Err(MoneyError::Invalid);
        }
        if int_part.len() > 13 {
            return Err(MoneyError::OutOfRange);
        }
        if frac_part.len() > 2 {
            return Err(MoneyError::TooPrecise);
        }
        let value: Decimal = s.parse().map_err(|_| MoneyError::OutOfRange)?;
        Self::from_yuan_decimal(value)
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

/// Sums and differences of amounts already held (rows, earlier results), which stay
/// within [`MAX_FEN`] each and so far inside `i64` together; an amount from input is
/// added with [`Fen::checked_add`] / [`Fen::checked_sub`] after its own checks.
impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, other: Fen) -> Fen {
        Fen(self.0 + other.0)
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, other: Fen) -> Fen {
        Fen(self.0 - other.0)
    }
}

impl std::ops::Neg for Fen {
    type Output = Fen;
    fn neg(self) -> Fen {
        Fen(-self.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

impl<'a> std::iter::Sum<&'a Fen> for Fen {
    fn sum<I: Iterator<Item = &'a Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

impl fmt::Display for Fen {
    /// Yuan with exactly two decimals, e.g. `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Fen {
    /// Yuan as people read it on a page: thousands separated, two decimals
    /// (`1,234,567.50`). Files and the API keep the plain form ([`fmt::Display`]).
    pub fn grouped(self) -> String {
        group_digits(&self.to_string())
    }
}

/// `1234567.50` → `1,234,567.50`: commas every three digits of the integer part of a
/// plain decimal number; anything else is returned as it is.
pub fn group_digits(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit()))
    {
        return plain.to_string();
    }
    let mut out = String::with_capacity(plain.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

impl Serialize for Fen {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pages_group_yuan_by_thousands_and_leave_other_text_alone() {
        use super::{group_digits, Fen};
        assert_eq!(Fen::new(0).grouped(), "0.00");
        assert_eq!(Fen::new(99_999).grouped(), "999.99");
        assert_eq!(Fen::new(100_000).grouped(), "1,000.00");
        assert_eq!(Fen::new(3_000_000_000).grouped(), "30,000,000.00");
        assert_eq!(Fen::new(-123_456_789).grouped(), "-1,234,567.89");
        assert_eq!(group_digits("1234567"), "1,234,567");
        assert_eq!(group_digits("12a34"), "12a34");
        assert_eq!(group_digits(""), "");
        assert_eq!(group_digits("80%"), "80%");
    }

    use super::*;
    use std::str::FromStr;

    #[test]
    fn parses_yuan_strings_exactly() {
        assert_eq!(Fen::parse_yuan("1234.50"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("0.01"), Ok(Fen(1)));
        assert_eq!(Fen::parse_yuan("30000000"), Ok(Fen(3_000_000_000)));
        assert_eq!(Fen::parse_yuan("7.5"), Ok(Fen(750)));
    }

    #[test]
    fn refuses_bad_amounts_with_specific_errors() {
        assert_eq!(Fen::parse_yuan("1.005"), Err(MoneyError::TooPrecise));
        assert_eq!(Fen::parse_yuan("-1"), Err(MoneyError::Negative));
        assert_eq!(Fen::parse_yuan("1e3"), Err(MoneyError::Invalid));
        assert_eq!(Fen::parse_yuan(""), Err(MoneyError::Invalid));
        assert_eq!(Fen::parse_yuan("1."), Err(MoneyError::Invalid));
        assert_eq!(Fen::parse_yuan(".5"), Err(MoneyError::Invalid));
        assert_eq!(Fen::parse_yuan("1,000"), Err(MoneyError::Invalid));
        assert_eq!(Fen::parse_yuan("99999999999999999999"), Err(MoneyError::OutOfRange));
        // Exactly what the document's pattern admits: no spaces, signs, leading zeros,
        // and at most thirteen integer digits.
        for bad in [" 100", "100 ", "+100", "0100", "00.5", "\u{3000}1"] {
            assert_eq!(Fen::parse_yuan(bad), Err(MoneyError::Invalid), "{bad:?}");
        }
        assert_eq!(Fen::parse_yuan("10000000000000.00"), Err(MoneyError::OutOfRange));
        assert_eq!(Fen::parse_yuan("9999999999999.99"), Ok(Fen(MAX_FEN)));
        assert_eq!(Fen::parse_yuan("0.5"), Ok(Fen(50)));
        assert_eq!(yuan_i128(i128::from(i64::MAX) * 3), "276701161105643274.21");
        assert_eq!(yuan_i128(-5), "-0.05");
    }

    #[test]
    fn rounds_half_up_in_one_place() {
        let r = |s: &str| Fen::from_yuan_decimal(Decimal::from_str(s).unwrap()).unwrap();
        assert_eq!(r("0.005"), Fen(1));
        assert_eq!(r("0.004999"), Fen(0));
        assert_eq!(r("2.675"), Fen(268));
        assert_eq!(r("-0.005"), Fen(-1));
        // 50% of 333.33 yuan is 166.665 yuan: half-up gives 166.67.
        assert_eq!(r("166.665"), Fen(16_667));
    }

    #[test]
    fn displays_two_decimals() {
        assert_eq!(Fen(123_450).to_string(), "1234.50");
        assert_eq!(Fen(5).to_string(), "0.05");
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(serde_json::to_string(&Fen(100)).unwrap(), "\"1.00\"");
        assert_eq!(Fen(123_450).to_yuan(), Decimal::from_str("1234.50").unwrap());
    }
}

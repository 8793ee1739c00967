//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY`: position 1 registration
//! authority, 2 organisation type, 3–8 administrative division code, 9–17 the
//! organisation code (whose last character is a GB 11714 check character), 18 the
//! check character over the first 17.

use serde::Serialize;
use std::fmt;

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    Length { found: usize },
    Charset { position: usize, found: char },
    DivisionCode { position: usize, found: char },
    OrganisationCheck { expected: char, found: char },
    Check { expected: char, found: char },
}

impl CreditCodeError {
    pub fn message_zh(&self) -> String {
        match self {
            CreditCodeError::Length { found } => {
                format!("统一社会信用代码应为18位，实际为{found}位")
            }
            CreditCodeError::Charset { position, found } => format!(
                "统一社会信用代码第{position}位字符“{found}”不合法（只允许数字和除 I、O、S、V、Z 以外的大写字母）"
            ),
            CreditCodeError::DivisionCode { position, found } => format!(
                "统一社会信用代码第3–8位应为行政区划码（数字），第{position}位为“{found}”"
            ),
            CreditCodeError::OrganisationCheck { expected, found } => format!(
                "统一社会信用代码第9–17位组织机构代码的校验码（第17位）错误：应为“{expected}”，实际为“{found}”"
            ),
            CreditCodeError::Check { expected, found } => format!(
                "统一社会信用代码第18位校验码错误：应为“{expected}”，实际为“{found}”"
            ),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            CreditCodeError::Length { found } => {
                format!("a unified social credit code has 18 characters, found {found}")
            }
            CreditCodeError::Charset { position, found } => format!(
                "character {position} ('{found}') is not allowed: digits and capital letters except I, O, S, V, Z"
            ),
            CreditCodeError::DivisionCode { position, found } => format!(
                "positions 3-8 are the administrative division code and must be digits; position {position} is '{found}'"
            ),
            CreditCodeError::OrganisationCheck { expected, found } => format!(
                "the organisation code (positions 9-17) has a wrong check character at position 17: expected '{expected}', found '{found}'"
            ),
            CreditCodeError::Check { expected, found } => format!(
                "the check character (position 18) is wrong: expected '{expected}', found '{found}'"
            ),
        }
    }
}

fn charset_value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

/// GB 11714 value of an organisation-code character: digits as themselves, A–Z as 10–35.
fn org_value(c: u8) -> u32 {
    match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    }
}

impl CreditCode {
    /// Parses a code, normalising surrounding space and lower case letters.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let code = input.trim().to_ascii_uppercase();
        let count = code.chars().count();
        if count != 18 || code.len() != 18 {
            return Err(CreditCodeError::Length { found: count });
        }
        let bytes = code.as_bytes();
        let mut values = [0u32; 18];
        for (i, &b) in bytes.iter().enumerate() {
            values[i] = charset_value(b)
                .ok_or(CreditCodeError::Charset { position: i + 1, found: char::from(b) })?;
        }
        for (i, &b) in bytes.iter().enumerate().take(8).skip(2) {
            if !b.is_ascii_digit() {
                return Err(CreditCodeError::DivisionCode {
                    position: i + 1,
                    found: char::from(b),
                });
            }
        }
        // Organisation code check (GB 11714) over positions 9..=16, check at 17.
        let org = &bytes[8..17];
        let sum: u32 = org[..8].iter().zip(ORG_WEIGHTS).map(|(&c, w)| org_value(c) * w).sum();
        let expected_org = match 11 - (sum % 11) {
            10 => 'X',
            11 => '0',
            n => char::from_digit(n, 10).unwrap_or('0'),
        };
        let found_org = char::from(org[8]);
        if expected_org != found_org {
            return Err(CreditCodeError::OrganisationCheck {
                expected: expected_org,
                found: found_org,
            });
        }
        let sum: u32 = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        let check = (31 - (sum % 31)) % 31;
        let expected = char::from(CHARSET[check as usize]);
        let found = char::from(bytes[17]);
        if expected != found {
            return Err(CreditCodeError::Check { expected, found });
        }
        Ok(CreditCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// A code read back from storage (or from a view of a row), which only ever holds
    /// codes parsed here.
    pub fn stored(code: String) -> Self {
        CreditCode(code)
    }

    /// The text as typed when it is not a code: held only until `FieldErrors::finish`
    /// refuses the input it came with (so the checks that follow can still name it).
    pub(crate) fn as_typed(text: &str) -> Self {
        CreditCode(text.trim().to_string())
    }
}

impl PartialEq<str> for CreditCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for CreditCode {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl std::borrow::Borrow<str> for CreditCode {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Builds a valid code from a 17-character prefix whose organisation code check is
/// already right (used by the demo data and tests).
pub fn complete_code(first_17: &str) -> Option<String> {
    let bytes = first_17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (b, w) in bytes.iter().zip(WEIGHTS) {
        sum += charset_value(*b)? * w;
    }
    let check = (31 - (sum % 31)) % 31;
    let mut s = first_17.to_string();
    s.push(char::from(CHARSET[check as usize]));
    Some(s)
}

/// Builds a valid code from registration authority + type (2 chars), a 6-digit
/// division code and an 8-character organisation code body.
pub fn make_code(prefix2: &str, division: &str, org8: &str) -> Option<String> {
    let org = org8.as_bytes();
    if org.len() != 8 {
        return None;
    }
    let sum: u32 = org.iter().zip(ORG_WEIGHTS).map(|(&c, w)| org_value(c) * w).sum();
    let org_check = match 11 - (sum % 11) {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10)?,
    };
    complete_code(&format!("{prefix2}{division}{org8}{org_check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_published_examples() {
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert!(CreditCode::parse("91110000600037341L").is_ok());
        assert_eq!(
            CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(),
            "91350100M000100Y43"
        );
    }

    #[test]
    fn names_the_wrong_part() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length { found: 17 })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100I43"),
            Err(CreditCodeError::Charset { position: 16, found: 'I' })
        );
        assert_eq!(
            CreditCode::parse("913501A0M000100Y43"),
            Err(CreditCodeError::DivisionCode { position: 7, found: 'A' })
        );
        assert_eq!(
            CreditCode::parse("91350100M000100Y53"),
            Err(CreditCodeError::OrganisationCheck { expected: '4', found: '5' })
        );
        assert!(matches!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::Check { expected: '3', found: '4' })
        ));
        assert_eq!(
            CreditCode::parse("９１350100M000100Y43"),
            Err(CreditCodeError::Length { found: 18 })
        );
    }

    #[test]
    fn every_single_character_change_of_a_valid_code_is_caught() {
        let valid = "91110000600037341L";
        for pos in 0..18 {
            for &c in CHARSET.iter() {
                let mut b = valid.as_bytes().to_vec();
                if b[pos] == c {
                    continue;
                }
                b[pos] = c;
                let s = String::from_utf8(b).unwrap();
                assert!(CreditCode::parse(&s).is_err(), "{s} should be refused");
            }
        }
    }

    #[test]
    fn make_code_builds_valid_codes() {
        let code = make_code("91", "340100", "MA2N0001").unwrap();
        assert!(CreditCode::parse(&code).is_ok(), "{code}");
        assert_eq!(make_code("91", "350100", "M000100Y").unwrap(), "91350100M000100Y43");
    }
}

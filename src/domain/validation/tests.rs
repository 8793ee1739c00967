use super::schema::*;
use super::FieldErrors;
use crate::domain::{CreditCode, Fen};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regex::Regex;

/// Characters worth mixing: letters, CJK, every kind of space, controls, symbols.
const ALPHABET: &[char] = &[
    'a', 'Z', '0', '9', '.', '-', '_', '@', '+', '(', ')', ' ', '合', '创', '券', '\u{3000}',
    '\u{a0}', '\u{2028}', '\u{202f}', '\u{85}', '\u{7f}', '\u{0}', '\t', '\n', '\u{1f}',
    '\u{200b}', '\u{feff}', 'é', '%', '\\',
];

fn samples(seed: u64, alphabet: &[char], max_len: usize, n: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let len = rng.random_range(0..=max_len);
            (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect()
        })
        .collect()
}

fn re(p: &str) -> Regex {
    Regex::new(p).expect("pattern compiles")
}

#[test]
fn days_and_instants_are_read_exactly_and_only_when_plausible() {
    use super::{parse_day, parse_instant};
    assert!(parse_day("2026-01-01").is_some() && parse_day("1900-01-01").is_some());
    for bad in [
        "+2026-01-01",
        "2026-1-1",
        "0001-01-01",
        "1899-12-31",
        " 2026-01-01",
        "2026-02-30",
        "20260101",
        "2026-01-01 ",
        "3000-01-01",
    ] {
        assert_eq!(parse_day(bad), None, "{bad:?}");
    }
    let day = re(DATE_PATTERN);
    for s in ["2026-01-01", "1900-12-31", "2999-02-28"] {
        assert!(day.is_match(s) && parse_day(s).is_some(), "{s}");
    }
    for s in ["0001-01-01", "+2026-01-01", "2026-1-1", "1899-01-01"] {
        assert!(!day.is_match(s), "{s}");
    }
    assert!(parse_instant("2026-12-01T09:00:00+08:00").is_some());
    for bad in [" 2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z ", "2026-12-01"] {
        assert_eq!(parse_instant(bad), None, "{bad:?}");
    }
}

#[test]
fn the_format_characters_named_are_exactly_the_basic_planes_cf() {
    let class = re(&format!("^[{FORMAT_CHARS}]$"));
    for u in 0..=0xFFFFu32 {
        let Some(c) = char::from_u32(u) else { continue };
        assert_eq!(
            class.is_match(c.encode_utf8(&mut [0; 4])),
            super::refused_format_char(c),
            "U+{u:04X}"
        );
    }
}

#[test]
fn what_the_name_patterns_admit_the_name_checks_accept() {
    let (person, party, opt_party) =
        (re(NAME_PATTERN), re(PARTY_NAME_PATTERN), re(OPT_PARTY_NAME_PATTERN));
    let alphabet: Vec<char> = ALPHABET
        .iter()
        .copied()
        .chain(['=', '\u{202e}', '\u{200d}', '\u{00ad}', '\u{2066}'])
        .collect();
    let (mut admitted, mut refused_formula) = (0, 0);
    for s in samples(7, &alphabet, 5, 30_000) {
        let controls = s.chars().any(char::is_control);
        let mut e = FieldErrors::new();
        e.person_name("f", &s, 100);
        assert_eq!(person.is_match(&s), e.is_empty() && !controls, "{s:?}");
        let mut e = FieldErrors::new();
        e.party_name("f", &s, 100);
        assert_eq!(party.is_match(&s), e.is_empty() && !controls, "{s:?}");
        admitted += usize::from(party.is_match(&s));
        refused_formula += usize::from(e.0.iter().any(|x| x.code == "formula_like"));
        let mut e = FieldErrors::new();
        let _ = e.opt_party_name("f", Some(&s), 100);
        if opt_party.is_match(&s) {
            assert!(e.is_empty(), "{s:?}");
        }
    }
    assert!(admitted > 1000 && refused_formula > 100, "{admitted} {refused_formula}");
}

#[test]
fn what_the_text_patterns_admit_the_text_check_accepts_and_the_reverse() {
    let (text, opt) = (re(TEXT_PATTERN), re(OPT_TEXT_PATTERN));
    let mut admitted = 0;
    for s in samples(1, ALPHABET, 6, 20_000) {
        let mut e = FieldErrors::new();
        e.text("f", &s, 100);
        assert_eq!(text.is_match(&s), e.is_empty() && !s.chars().any(char::is_control), "{s:?}");
        admitted += usize::from(text.is_match(&s));
        let mut e = FieldErrors::new();
        let _ = e.opt_text("f", Some(&s), 100);
        if opt.is_match(&s) {
            assert!(e.is_empty(), "{s:?}");
        }
    }
    assert!(admitted > 1000, "the samples exercise both sides: {admitted}");
}

#[test]
fn amounts_the_patterns_admit_parse_and_positive_ones_are_more_than_zero() {
    let digits = ['0', '1', '9', '.', '5', '-', ' ', 'e'];
    let (yuan, positive) = (
        re(yuan().pattern.as_deref().unwrap_or_default()),
        re(positive_yuan().pattern.as_deref().unwrap_or_default()),
    );
    let mut seen = (0, 0);
    for s in samples(2, &digits, 16, 50_000) {
        if yuan.is_match(&s) {
            seen.0 += 1;
            assert!(Fen::parse_yuan(&s).is_ok(), "{s:?}");
        }
        if positive.is_match(&s) {
            seen.1 += 1;
            assert!(Fen::parse_yuan(&s).is_ok_and(|f| f > Fen::ZERO), "{s:?}");
        }
    }
    for ok in ["0", "0.5", "0.05", "12", "1234.50", "9999999999999.99"] {
        assert!(yuan.is_match(ok), "{ok}");
    }
    for ok in ["0.01", "0.1", "1", "5000.00"] {
        assert!(positive.is_match(ok), "{ok}");
    }
    for no in ["0", "0.0", "0.00", "-1", "1.234", "01", ""] {
        assert!(!positive.is_match(no), "{no}");
    }
    assert!(seen.0 > 100 && seen.1 > 100, "{seen:?}");
}

#[test]
fn contact_and_account_patterns_admit_only_what_the_checks_accept() {
    type Check = fn(&mut FieldErrors, &str);
    let cases: [(Regex, Check); 4] = [
        (re(EMAIL_PATTERN), |e, v| {
            e.email("f", v);
        }),
        (re(phone().pattern.as_deref().unwrap_or_default()), |e, v| {
            e.phone("f", v);
        }),
        (re(bank_account().pattern.as_deref().unwrap_or_default()), |e, v| {
            e.bank_account("f", v);
        }),
        (re(USERNAME_PATTERN), |e, v| {
            crate::services::auth::check_username(e, "f", v);
        }),
    ];
    // Pieces rather than characters, so that addresses and numbers come up often.
    let pieces = [
        "a", "Zh", "0", "7", "5512", ".", "-", "_", "@", "+", "(", ")", " ", "%", "合", "cn",
        "com", "x-y", "..", "@b.cn",
    ];
    let mut rng = StdRng::seed_from_u64(10);
    for (i, (pattern, check)) in cases.iter().enumerate() {
        let mut admitted = 0;
        for _ in 0..60_000 {
            let n = rng.random_range(0..=10);
            let s: String = (0..n).map(|_| pieces[rng.random_range(0..pieces.len())]).collect();
            if pattern.is_match(&s) {
                admitted += 1;
                let mut e = FieldErrors::new();
                check(&mut e, &s);
                assert!(e.is_empty(), "pattern {i} admits {s:?}: {:?}", e.0);
            }
        }
        assert!(admitted > 0, "pattern {i} admits none of the samples");
    }
    assert!(re(EMAIL_PATTERN).is_match("zhang.san@example.com.cn"));
    let phone = re(phone().pattern.as_deref().unwrap_or_default());
    for p in ["+86 (551) 6288-1234", "0551-62881234", "13800138000"] {
        let mut e = FieldErrors::new();
        e.phone("f", p);
        assert!(phone.is_match(p) && e.is_empty(), "{p}");
    }
    let long_label = format!("a@{}.cn", "b".repeat(64));
    assert!(!re(EMAIL_PATTERN).is_match(&long_label));
}

#[test]
fn valid_credit_codes_and_periods_fit_their_patterns() {
    let code = re(credit_code().pattern.as_deref().unwrap_or_default());
    for c in ["91350100M000100Y43", "91110000600037341L", "91350100m000100y43"] {
        assert!(CreditCode::parse(c).is_ok() && code.is_match(c), "{c}");
    }
    assert!(!code.is_match("91350100M000100Y4"));
    let period = re(PERIOD_PATTERN);
    for p in ["2026-01", "2999-12", "2020-01", "2030-10", "2100-05"] {
        assert!(period.is_match(p) && crate::domain::settlement::Period::parse(p).is_some(), "{p}");
    }
    for p in ["2026-13", "2026-00", "1999-12", "2026-1", "2000-10", "2019-12"] {
        assert!(!period.is_match(p), "{p}");
        assert!(crate::domain::settlement::Period::parse(p).is_none(), "{p}");
    }
}

//! Every word people read, in one place and one shape: Project Fluent files under
//! `config/locales/<locale>/`, `pages.ftl` for the pages ([`crate::i18n`]) and
//! `mail.ftl` for the emails ([`crate::notify::templates`]). Both are read when the
//! service starts, so the authority changes a wording by editing a file and restarting;
//! a file that does not parse stops the start, naming the line, message and attribute.
//!
//! One function is added to Fluent's own: `PRESENT($value)` is `yes` when the value is
//! given and not empty, `no` otherwise, so a message can leave out a line that has
//! nothing to say (`{ PRESENT($reason) -> [yes] … *[no] {""} }`).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentResource, FluentValue};
use std::path::Path;

/// One locale's messages.
pub type Bundle = FluentBundle<FluentResource>;

/// Where the shipped words are, relative to the project root.
pub const DEFAULT_DIR: &str = "config/locales";

/// Every `<dir>/<locale>/<file>` there is, as (locale, source), in locale order.
pub fn read_all(dir: &Path, file: &str) -> Result<Vec<(String, String)>, String> {
    let mut locales: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(file).is_file())
        .collect();
    locales.sort();
    locales
        .into_iter()
        .map(|path| {
            let locale = path
                .file_name()
                .and_then(|s| s.to_str())
                .ok_or_else(|| format!("{}: bad directory name", path.display()))?
                .to_string();
            let file = path.join(file);
            let source =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            Ok((locale, source))
        })
        .collect()
}

/// `<dir>/<locale>/<file>`.
pub fn read_one(dir: &Path, locale: &str, file: &str) -> Result<String, String> {
    let path = dir.join(locale).join(file);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A place in a file that does not parse: which message and which of its attributes,
/// so the error reads `zh-CN/claim_succeeded (subject)`.
#[derive(Debug)]
pub struct Fault {
    pub line: usize,
    pub message: Option<String>,
    pub attribute: Option<String>,
    pub error: String,
}

impl Fault {
    /// The fault of a parser error: the message is the entry the parser gave up on; the
    /// attribute and line, the first of its parts that does not parse on its own.
    fn of(source: &str, e: &fluent_syntax::parser::ParserError) -> Fault {
        let line_of = |pos: usize| source[..pos.min(source.len())].matches('\n').count() + 1;
        let range = e.slice.clone().unwrap_or_else(|| e.pos.clone());
        let (start, end) = (range.start.min(source.len()), range.end.min(source.len()));
        let entry = &source[start..end];
        let message = entry
            .split([' ', '=', '\n'])
            .next()
            .filter(|id| id.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .map(str::to_string);
        let mut fault = Fault {
            line: line_of(e.pos.start),
            message,
            attribute: None,
            error: e.kind.to_string(),
        };
        // Each `.attribute = …` of the entry, tried alone.
        let mut parts: Vec<usize> = Vec::new();
        let mut offset = 0;
        for l in entry.split_inclusive('\n') {
            if l.starts_with(' ') && l.trim_start().starts_with('.') {
                parts.push(offset);
            }
            offset += l.len();
        }
        for (i, at) in parts.iter().enumerate() {
            let until = parts.get(i + 1).copied().unwrap_or(entry.len());
            let part = &entry[*at..until];
            let name = part.trim_start()[1..].split([' ', '=']).next().unwrap_or("");
            if let Err((_, errors)) = FluentResource::try_new(format!("x =\n{part}")) {
                fault.attribute = Some(name.to_string());
                fault.line = line_of(start + at);
                if let Some(inner) = errors.first() {
                    fault.error = inner.kind.to_string();
                }
                break;
            }
        }
        fault
    }
}

/// The message ids of a parsed file, in file order.
pub fn message_ids(resource: &FluentResource) -> Vec<String> {
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

/// Parses `source` into a bundle for `locale`: no isolation marks around values (pages
/// and emails read in one direction), and `PRESENT`.
pub fn bundle(locale: &str, source: String) -> Result<(Bundle, Vec<String>), Vec<Fault>> {
    let id: unic_langid::LanguageIdentifier = locale.parse().map_err(|e| {
        vec![Fault {
            line: 0,
            message: None,
            attribute: None,
            error: format!("language {locale}: {e}"),
        }]
    })?;
    let resource = FluentResource::try_new(source.clone()).map_err(|(_, errors)| {
        errors.into_iter().map(|e| Fault::of(&source, &e)).collect::<Vec<_>>()
    })?;
    let ids = message_ids(&resource);
    let mut b = FluentBundle::new_concurrent(vec![id]);
    b.set_use_isolating(false);
    let present = b.add_function("PRESENT", |args, _named| {
        let given = match args.first() {
            Some(FluentValue::String(s)) => !s.is_empty(),
            Some(FluentValue::Number(_)) => true,
            _ => false,
        };
        FluentValue::from(if given { "yes" } else { "no" })
    });
    let added = present.map_err(|e| vec![e]).and_then(|()| b.add_resource(resource));
    added.map_err(|errors| {
        errors
            .into_iter()
            .map(|e| Fault { line: 0, message: None, attribute: None, error: e.to_string() })
            .collect::<Vec<_>>()
    })?;
    Ok((b, ids))
}

/// Faults as one line each: `<where>/<message> (<attribute>) line n: error`.
pub fn describe(place: &str, faults: &[Fault]) -> String {
    faults
        .iter()
        .map(|f| {
            let mut s = place.to_string();
            if let Some(m) = &f.message {
                s.push('/');
                s.push_str(m);
            }
            if let Some(a) = &f.attribute {
                s.push_str(&format!(" ({a})"));
            }
            format!("{s} line {}: {}", f.line, f.error)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_bundle::FluentArgs;

    fn format(src: &str, key: &str, attr: Option<&str>, args: &FluentArgs) -> String {
        let (b, _) = bundle("zh-CN", src.to_string()).expect("parses");
        let m = b.get_message(key).expect("message");
        let p = match attr {
            Some(a) => m.get_attribute(a).expect("attribute").value(),
            None => m.value().expect("value"),
        };
        let mut errors = vec![];
        let s = b.format_pattern(p, Some(args), &mut errors).into_owned();
        assert!(errors.is_empty(), "{errors:?}");
        s
    }

    #[test]
    fn present_says_whether_a_value_has_anything_to_say() {
        let src = "m = A{ PRESENT($r) ->\n    [yes] ，{ $r }\n   *[no] {\"\"}\n}。\n";
        let mut given = FluentArgs::new();
        given.set("r", "理由");
        assert_eq!(format(src, "m", None, &given), "A，理由。");
        let mut empty = FluentArgs::new();
        empty.set("r", "");
        assert_eq!(format(src, "m", None, &empty), "A。");
    }

    #[test]
    fn blank_lines_and_indents_inside_a_message_are_kept() {
        let src = "m =\n    .body =\n        你好：\n\n          券号：{ $c }\n\n        完\n";
        let mut args = FluentArgs::new();
        args.set("c", "HQ-1");
        assert_eq!(format(src, "m", Some("body"), &args), "你好：\n\n  券号：HQ-1\n\n完");
    }

    #[test]
    fn a_fault_names_its_message_attribute_and_line() {
        let src = "a = 好\nclaim_succeeded =\n    .subject = { $voucher_code\n    .body = b\n";
        let faults = bundle("zh-CN", src.to_string()).err().expect("fails");
        let text = describe("zh-CN", &faults);
        assert!(text.contains("zh-CN/claim_succeeded (subject) line 3"), "{text}");
    }
}

//! How emails leave: lettre's SMTP transport (production), its file transport (`.eml`
//! files under `data/mail/`, the embedded default) or its in-memory stub (tests).

use crate::config::{MailSettings, MailTransportKind, SmtpSecurity};
use crate::db::models::OutboxRow;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::stub::AsyncStubTransport;
use lettre::{
    Address, AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use secrecy::ExposeSecret;
use std::path::Path;
use std::time::{Duration, SystemTime};

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Memory(AsyncStubTransport),
}

/// Why a message was not sent. A permanent failure (the address or the message is
/// refused for good) is not retried.
#[derive(Debug, Clone)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Transport {
    /// Builds the configured transport. `data_dir` anchors a relative file directory.
    pub fn from_settings(s: &MailSettings, data_dir: &Path) -> Result<Transport, String> {
        match s.transport {
            MailTransportKind::Smtp => {
                let host = s.smtp.host.trim();
                if host.is_empty() {
                    return Err("mail.smtp.host is empty".into());
                }
                let mut b = match s.smtp.security {
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| format!("mail.smtp: {e}"))?,
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .map_err(|e| format!("mail.smtp: {e}"))?
                    }
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                };
                b = b.port(s.smtp.port).timeout(Some(Duration::from_secs(s.smtp.timeout_secs)));
                if let Some(user) = s.smtp.username.as_deref().filter(|u| !u.is_empty()) {
                    let password = s
                        .smtp
                        .password
                        .as_ref()
                        .map(|p| p.expose_secret().to_string())
                        .unwrap_or_default();
                    b = b.credentials(Credentials::new(user.to_string(), password));
                }
                Ok(Transport::Smtp(b.build()))
            }
            MailTransportKind::File => {
                let dir = if s.file_dir.is_absolute() {
                    s.file_dir.clone()
                } else {
                    data_dir.join(&s.file_dir)
                };
                std::fs::create_dir_all(&dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
                Ok(Transport::File(AsyncFileTransport::new(dir)))
            }
            MailTransportKind::Memory => Ok(Transport::Memory(AsyncStubTransport::new_ok())),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Transport::Smtp(_) => "smtp",
            Transport::File(_) => "file",
            Transport::Memory(_) => "memory",
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: format!("smtp: {}", super::error_chain(&e)),
            }),
            Transport::File(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                message: format!("file: {}", super::error_chain(&e)),
            }),
            Transport::Memory(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError { permanent: false, message: format!("memory: {e}") }),
        }
    }

    /// What the in-memory transport has sent, as raw messages (tests).
    pub async fn sent(&self) -> Vec<String> {
        match self {
            Transport::Memory(t) => t.messages().await.into_iter().map(|(_, m)| m).collect(),
            _ => Vec::new(),
        }
    }
}

/// Builds the message for an outbox row. The Message-ID is the row's id, so a message
/// sent twice (a crash between sending and recording it) is recognisably the same.
pub fn build_message(row: &OutboxRow, from: &Mailbox, host: &str) -> Result<Message, SendError> {
    let permanent = |message: String| SendError { permanent: true, message };
    let address: Address = row
        .to_address
        .parse()
        .map_err(|e| permanent(format!("recipient address {:?}: {e}", row.to_address)))?;
    let to = Mailbox::new(row.to_name.clone(), address);
    let date = SystemTime::UNIX_EPOCH
        + Duration::from_secs(u64::try_from(row.created_at.and_utc().timestamp()).unwrap_or(0));
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(format!("<{}@{host}>", row.id)))
        .date(date)
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| permanent(format!("message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn settings() -> Settings {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        Settings::load(&dir, Some("default")).expect("settings")
    }

    #[test]
    fn smtp_with_starttls_or_tls_builds_its_tls_configuration() {
        let mut s = settings();
        s.mail.transport = MailTransportKind::Smtp;
        s.mail.smtp.host = "smtp.example.cn".into();
        s.mail.smtp.username = Some("noreply".into());
        for security in [SmtpSecurity::Starttls, SmtpSecurity::Tls, SmtpSecurity::None] {
            s.mail.smtp.security = security;
            let t = Transport::from_settings(&s.mail, Path::new("/nonexistent"))
                .unwrap_or_else(|e| panic!("{security:?}: {e}"));
            assert_eq!(t.name(), "smtp");
        }
        s.mail.smtp.host = " ".into();
        assert!(Transport::from_settings(&s.mail, Path::new("/nonexistent")).is_err());
    }

    #[tokio::test]
    async fn a_recipient_the_mailer_cannot_parse_fails_for_good() {
        let row = OutboxRow {
            id: crate::domain::id::EmailId::stored("01a20000-0000-7000-8000-000000000000".into()),
            kind: "claim_succeeded".into(),
            locale: "zh-CN".into(),
            to_address: "two@at@example.cn".into(),
            to_name: None,
            subject: "s".into(),
            body: "b".into(),
            dedupe_key: None,
            status: crate::domain::operation::OutboxStatus::Pending,
            attempts: 0,
            next_attempt_at: chrono::NaiveDateTime::default(),
            locked_by: None,
            locked_until: None,
            last_error: None,
            created_at: chrono::NaiveDateTime::default(),
            sent_at: None,
            failed_at: None,
        };
        let from: Mailbox = "合创券 <noreply@example.cn>".parse().unwrap();
        let e = build_message(&row, &from, "example.cn").unwrap_err();
        assert!(e.permanent, "{e}");
    }
}

-- What the authority writes for everyone: notices (通知公告) and answers to common
-- questions (常见问题). Edited by an administrator without a deploy; every change is in
-- the audit trail. A draft has no published_at.
CREATE TABLE articles (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_en TEXT NOT NULL,
    published_at TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX articles_kind_idx ON articles (kind, published_at);
-- A notice's attachments: PDF, JPEG or PNG by content, stored by their SHA-256 like
-- evidence.
CREATE TABLE article_files (
    id TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT,
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX article_files_article_idx ON article_files (article_id);

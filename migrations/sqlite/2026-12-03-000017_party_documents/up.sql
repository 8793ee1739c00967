-- Documents a firm, provider or space uploads for the reviewer: its business licence,
-- certificates with their number and validity. Stored like evidence (content-addressed
-- under data/evidence/, by SHA-256); a newer document of a kind does not delete the older.
CREATE TABLE party_documents (
    id TEXT PRIMARY KEY NOT NULL,
    party_kind TEXT NOT NULL,
    party_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    certificate_no TEXT,
    valid_from DATE,
    valid_until DATE,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    CONSTRAINT party_documents_party_kind_check CHECK (party_kind IN ('firm', 'provider', 'space')),
    CONSTRAINT party_documents_kind_check CHECK (kind IN ('business_licence', 'high_tech_certificate', 'tech_sme_certificate', 'qualification_certificate', 'other')),
    CONSTRAINT party_documents_validity_check CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until),
    CONSTRAINT party_documents_size_check CHECK (size_bytes > 0)
);
CREATE INDEX party_documents_party_idx ON party_documents (party_kind, party_id, uploaded_at);

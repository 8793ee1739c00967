-- Spending vouchers: service orders, their evidence, redemption (兑现) applications and
-- items with their public-notice objections, and reviewers' declared affiliations.
-- Kept identical to the other backend's migration of the same name.

CREATE TABLE orders (
    id TEXT PRIMARY KEY NOT NULL,
    -- The number people read out (DD + China date + 12 characters).
    order_no TEXT NOT NULL,
    firm_id TEXT NOT NULL REFERENCES firms (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    service_item_id TEXT NOT NULL REFERENCES service_items (id),
    voucher_id TEXT NOT NULL REFERENCES vouchers (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    -- The item's category and title as ordered (the catalogue may change later).
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    note TEXT NOT NULL,
    contract_fen BIGINT NOT NULL,
    covered_fen BIGINT NOT NULL,
    own_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    decline_reason TEXT,
    cancel_reason TEXT,
    cancelled_by TEXT,
    dispute_reason TEXT,
    resolution_note TEXT,
    requested_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    deliver_by TIMESTAMP,
    delivered_at TIMESTAMP,
    confirmed_at TIMESTAMP,
    closed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT orders_order_no_key UNIQUE (order_no),
    -- The voucher pays a positive part; both parts add up to the contract exactly.
    CONSTRAINT orders_amounts_check CHECK (contract_fen > 0 AND covered_fen > 0 AND own_fen >= 0
        AND covered_fen + own_fen = contract_fen),
    CONSTRAINT orders_status_check CHECK (status IN ('requested', 'accepted', 'declined', 'delivered',
        'disputed', 'confirmed', 'cancelled')),
    CONSTRAINT orders_declined_check CHECK (status <> 'declined' OR decline_reason IS NOT NULL),
    CONSTRAINT orders_cancelled_check CHECK (status <> 'cancelled' OR (cancel_reason IS NOT NULL AND cancelled_by IS NOT NULL)),
    CONSTRAINT orders_disputed_check CHECK (status <> 'disputed' OR dispute_reason IS NOT NULL),
    CONSTRAINT orders_cancelled_by_check CHECK (cancelled_by IS NULL OR cancelled_by IN ('firm', 'provider', 'reviewer', 'system')),
    CONSTRAINT orders_accepted_check CHECK (status IN ('requested', 'declined') OR accepted_at IS NOT NULL
        OR (status = 'cancelled' AND cancelled_by <> 'reviewer'))
);
CREATE INDEX orders_firm_idx ON orders (firm_id, status);
CREATE INDEX orders_provider_idx ON orders (provider_id, status);
CREATE INDEX orders_voucher_idx ON orders (voucher_id, status);

-- Files are stored once by content under the data directory; rows say whose they are.
CREATE TABLE order_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    -- For display only; never used as a path.
    file_name TEXT NOT NULL,
    uploaded_by TEXT REFERENCES users (id),
    uploaded_at TIMESTAMP NOT NULL,
    CONSTRAINT order_evidence_kind_check CHECK (kind IN ('contract', 'invoice', 'payment_receipt', 'service_report')),
    CONSTRAINT order_evidence_media_type_check CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    CONSTRAINT order_evidence_size_check CHECK (size_bytes > 0),
    CONSTRAINT order_evidence_sha256_check CHECK (LENGTH(sha256) = 64)
);
CREATE INDEX order_evidence_order_idx ON order_evidence (order_id, kind);

CREATE TABLE redemption_applications (
    id TEXT PRIMARY KEY NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers (id),
    item_count INTEGER NOT NULL,
    total_fen BIGINT NOT NULL,
    submitted_by TEXT REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    CONSTRAINT redemption_applications_totals_check CHECK (item_count >= 1 AND total_fen > 0)
);
CREATE INDEX redemption_applications_provider_idx ON redemption_applications (provider_id, submitted_at);

-- One item per confirmed order, ever: an order is redeemed at most once.
CREATE TABLE redemption_items (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES redemption_applications (id),
    order_id TEXT NOT NULL REFERENCES orders (id),
    provider_id TEXT NOT NULL REFERENCES providers (id),
    firm_id TEXT NOT NULL REFERENCES firms (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    category TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    decision_reason TEXT,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    notice_ends_at TIMESTAMP,
    payable_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT redemption_items_order_key UNIQUE (order_id),
    CONSTRAINT redemption_items_amount_check CHECK (amount_fen > 0),
    CONSTRAINT redemption_items_status_check CHECK (status IN ('submitted', 'rejected', 'in_notice', 'payable',
        'in_settlement', 'paid')),
    CONSTRAINT redemption_items_rejected_check CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    CONSTRAINT redemption_items_notice_check CHECK (status IN ('submitted', 'rejected') OR notice_ends_at IS NOT NULL)
);
CREATE INDEX redemption_items_application_idx ON redemption_items (application_id);
CREATE INDEX redemption_items_status_idx ON redemption_items (status, notice_ends_at);
CREATE INDEX redemption_items_provider_idx ON redemption_items (provider_id, status);

CREATE TABLE redemption_objections (
    id TEXT PRIMARY KEY NOT NULL,
    item_id TEXT NOT NULL REFERENCES redemption_items (id),
    objector_name TEXT NOT NULL,
    objector_contact TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    resolution_note TEXT,
    resolved_by TEXT REFERENCES users (id),
    resolved_at TIMESTAMP,
    filed_at TIMESTAMP NOT NULL,
    CONSTRAINT redemption_objections_status_check CHECK (status IN ('open', 'upheld', 'dismissed'))
);
CREATE INDEX redemption_objections_item_idx ON redemption_objections (item_id, status);

-- Organisations (by credit code) a staff member belongs to or works for: they may not
-- review those organisations' items.
CREATE TABLE staff_affiliations (
    user_id TEXT NOT NULL REFERENCES users (id),
    credit_code TEXT NOT NULL,
    declared_by TEXT REFERENCES users (id),
    declared_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, credit_code)
);
CREATE INDEX staff_affiliations_code_idx ON staff_affiliations (credit_code);

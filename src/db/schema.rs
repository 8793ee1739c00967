//! Table definitions shared by both backends (see `diesel.toml`).

diesel::table! {
    authorities (id) {
        id -> Text,
        name -> Text,
        region_code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        party_kind -> Nullable<Text>,
        party_id -> Nullable<Text>,
        display_name -> Text,
        email -> Nullable<Text>,
        disabled -> Bool,
        token_version -> Integer,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Text,
        username -> Text,
        remote_addr -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    spaces (id) {
        id -> Text,
        credit_code -> Text,
        name -> Text,
        kind -> Text,
        operator_name -> Text,
        legal_representative -> Text,
        address -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        contact_email -> Text,
        bank_name -> Nullable<Text>,
        bank_account_name -> Nullable<Text>,
        bank_account_no -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    firms (id) {
        id -> Text,
        credit_code -> Text,
        name -> Text,
        legal_representative -> Text,
        actual_controller -> Text,
        registered_on -> Date,
        address -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        contact_email -> Text,
        industry -> Text,
        employees -> Integer,
        revenue_fen -> BigInt,
        total_assets_fen -> Nullable<BigInt>,
        size_class -> Text,
        size_basis -> Text,
        onboarding_status -> Text,
        onboarding_reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        high_tech -> Bool,
        tech_sme -> Bool,
        dishonest -> Bool,
        recommended_by_space_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_verified_at -> Nullable<Timestamp>,
        corrections -> Nullable<Text>,
        high_tech_certificate -> Nullable<Text>,
        high_tech_until -> Nullable<Date>,
        tech_sme_certificate -> Nullable<Text>,
        tech_sme_until -> Nullable<Date>,
        district -> Nullable<Text>,
    }
}

diesel::table! {
    providers (id) {
        id -> Text,
        credit_code -> Text,
        name -> Text,
        legal_representative -> Text,
        actual_controller -> Text,
        address -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        contact_email -> Text,
        description -> Text,
        bank_name -> Text,
        bank_account_name -> Text,
        bank_account_no -> Text,
        listing_status -> Text,
        notice_starts_at -> Nullable<Timestamp>,
        notice_ends_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        listed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        contact_verified_at -> Nullable<Timestamp>,
        corrections -> Nullable<Text>,
    }
}

diesel::table! {
    provider_categories (provider_id, category) {
        provider_id -> Text,
        category -> Text,
    }
}

diesel::table! {
    provider_objections (id) {
        id -> Text,
        provider_id -> Text,
        objector_name -> Text,
        objector_contact -> Text,
        reason -> Text,
        status -> Text,
        resolution_note -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        filed_at -> Timestamp,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    audit_events (seq) {
        seq -> BigInt,
        id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_state -> Nullable<Text>,
        after_state -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    party_documents (id) {
        id -> Text,
        party_kind -> Text,
        party_id -> Text,
        kind -> Text,
        certificate_no -> Nullable<Text>,
        valid_from -> Nullable<Date>,
        valid_until -> Nullable<Date>,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<Text>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(provider_categories -> providers (provider_id));
diesel::joinable!(provider_objections -> providers (provider_id));

diesel::allow_tables_to_appear_in_same_query!(
    authorities,
    users,
    refresh_tokens,
    login_attempts,
    spaces,
    firms,
    providers,
    provider_categories,
    provider_objections,
    audit_head,
    audit_events
);

diesel::table! {
    programmes (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        voucher_kind -> Text,
        categories -> Text,
        co_payment_ratio_bp -> Integer,
        full_coverage_threshold_fen -> BigInt,
        validity_months -> Integer,
        eligible_size_classes -> Text,
        exclude_dishonest -> Bool,
        revenue_ceiling_fen -> Nullable<BigInt>,
        required_qualifications -> Text,
        per_batch_limit -> Integer,
        per_year_limit -> Integer,
        count_by_controller -> Bool,
        gate_used_share_bp -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    batches (id) {
        id -> Text,
        programme_id -> Text,
        number -> Integer,
        name -> Text,
        budget_fen -> BigInt,
        claimed_fen -> BigInt,
        vouchers_claimed -> Integer,
        face_values -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        allocation_mode -> Text,
        published -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    batch_topups (id) {
        id -> Text,
        batch_id -> Text,
        amount_fen -> BigInt,
        reason -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vouchers (id) {
        id -> Text,
        code -> Text,
        batch_id -> Text,
        programme_id -> Text,
        firm_id -> Text,
        nth -> Integer,
        seq_in_batch -> Integer,
        face_value_fen -> BigInt,
        balance_fen -> BigInt,
        held_fen -> BigInt,
        status -> Text,
        controller -> Text,
        claim_year -> Integer,
        claimed_at -> Timestamp,
        valid_until -> Timestamp,
        idempotency_key -> Nullable<Text>,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> Text,
        txn_id -> Text,
        account -> Text,
        amount_fen -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    claim_outcomes (firm_id, batch_id, idempotency_key) {
        firm_id -> Text,
        idempotency_key -> Text,
        batch_id -> Text,
        outcome -> Text,
        voucher_id -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lotteries (batch_id) {
        batch_id -> Text,
        seed -> Text,
        seed_hash -> Text,
        entrants_digest -> Nullable<Text>,
        entrants -> Nullable<Integer>,
        winners -> Nullable<Integer>,
        drawn_at -> Nullable<Timestamp>,
        drawn_by -> Nullable<Text>,
    }
}

diesel::table! {
    lottery_entries (batch_id, firm_id) {
        batch_id -> Text,
        firm_id -> Text,
        credit_code -> Text,
        user_id -> Nullable<Text>,
        face_value_fen -> BigInt,
        entered_at -> Timestamp,
        updated_at -> Timestamp,
        draw_key -> Nullable<Text>,
        draw_rank -> Nullable<Integer>,
        outcome -> Nullable<Text>,
        voucher_id -> Nullable<Text>,
    }
}

diesel::joinable!(batches -> programmes (programme_id));
diesel::joinable!(lotteries -> batches (batch_id));
diesel::joinable!(batch_topups -> batches (batch_id));
diesel::joinable!(vouchers -> batches (batch_id));

diesel::allow_tables_to_appear_in_same_query!(
    programmes,
    batches,
    batch_topups,
    vouchers,
    ledger_entries,
    claim_outcomes,
    lotteries,
    lottery_entries,
    firms
);

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        locale -> Text,
        to_address -> Text,
        to_name -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        dedupe_key -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    job_runs (id) {
        id -> Text,
        job -> Text,
        slot -> Timestamp,
        origin -> Text,
        status -> Text,
        attempt -> Integer,
        runner -> Text,
        requested_by -> Nullable<Text>,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        duration_ms -> Nullable<BigInt>,
        items -> BigInt,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    service_items (id) {
        id -> Text,
        provider_id -> Text,
        category -> Text,
        title -> Text,
        description -> Text,
        list_price_fen -> BigInt,
        delivery_days -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(service_items -> providers (provider_id));
diesel::allow_tables_to_appear_in_same_query!(service_items, providers);

diesel::table! {
    orders (id) {
        id -> Text,
        order_no -> Text,
        firm_id -> Text,
        provider_id -> Text,
        service_item_id -> Text,
        voucher_id -> Text,
        programme_id -> Text,
        category -> Text,
        title -> Text,
        note -> Text,
        contract_fen -> BigInt,
        covered_fen -> BigInt,
        own_fen -> BigInt,
        status -> Text,
        decline_reason -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        cancelled_by -> Nullable<Text>,
        dispute_reason -> Nullable<Text>,
        resolution_note -> Nullable<Text>,
        requested_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        deliver_by -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        confirmed_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        batch_id -> Text,
    }
}

diesel::table! {
    order_evidence (id) {
        id -> Text,
        order_id -> Text,
        kind -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        media_type -> Text,
        file_name -> Text,
        uploaded_by -> Nullable<Text>,
        uploaded_at -> Timestamp,
        amount_fen -> Nullable<BigInt>,
        dated -> Nullable<Date>,
    }
}

diesel::table! {
    redemption_applications (id) {
        id -> Text,
        provider_id -> Text,
        item_count -> Integer,
        total_fen -> BigInt,
        submitted_by -> Nullable<Text>,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    redemption_items (id) {
        id -> Text,
        application_id -> Text,
        order_id -> Text,
        provider_id -> Text,
        firm_id -> Text,
        programme_id -> Text,
        category -> Text,
        amount_fen -> BigInt,
        status -> Text,
        decision_reason -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
        notice_ends_at -> Nullable<Timestamp>,
        payable_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
        batch_id -> Text,
    }
}

diesel::table! {
    redemption_objections (id) {
        id -> Text,
        item_id -> Text,
        objector_name -> Text,
        objector_contact -> Text,
        reason -> Text,
        status -> Text,
        resolution_note -> Nullable<Text>,
        resolved_by -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        filed_at -> Timestamp,
    }
}

diesel::table! {
    staff_affiliations (user_id, credit_code) {
        user_id -> Text,
        credit_code -> Text,
        declared_by -> Nullable<Text>,
        declared_at -> Timestamp,
    }
}

diesel::joinable!(order_evidence -> orders (order_id));
diesel::joinable!(redemption_items -> redemption_applications (application_id));
diesel::joinable!(redemption_objections -> redemption_items (item_id));
diesel::allow_tables_to_appear_in_same_query!(
    orders,
    order_evidence,
    redemption_applications,
    redemption_items,
    redemption_objections
);
diesel::allow_tables_to_appear_in_same_query!(orders, firms);
diesel::allow_tables_to_appear_in_same_query!(orders, providers);
diesel::allow_tables_to_appear_in_same_query!(orders, vouchers);
diesel::allow_tables_to_appear_in_same_query!(vouchers, providers);
diesel::allow_tables_to_appear_in_same_query!(redemption_items, firms);
diesel::allow_tables_to_appear_in_same_query!(redemption_items, providers);
diesel::allow_tables_to_appear_in_same_query!(redemption_applications, providers);

diesel::table! {
    settlement_runs (id) {
        id -> Text,
        period -> Text,
        cutoff -> Timestamp,
        status -> Text,
        origin -> Text,
        prepared_by -> Nullable<Text>,
        prepared_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
        payout_count -> Integer,
        item_count -> Integer,
        total_fen -> BigInt,
        held_back_count -> Integer,
        held_back_fen -> BigInt,
        csv_sha256 -> Nullable<Text>,
        xlsx_sha256 -> Nullable<Text>,
        exported_at -> Nullable<Timestamp>,
        offset_fen -> BigInt,
    }
}

diesel::table! {
    payouts (id) {
        id -> Text,
        run_id -> Text,
        reference -> Text,
        payee_kind -> Text,
        payee_id -> Text,
        payee_name -> Text,
        credit_code -> Text,
        bank_name -> Text,
        bank_account_name -> Text,
        bank_account_no -> Text,
        amount_fen -> BigInt,
        item_count -> Integer,
        status -> Text,
        bank_reference -> Nullable<Text>,
        paid_on -> Nullable<Date>,
        failure_reason -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
        reversed_by -> Nullable<Text>,
        reversed_at -> Nullable<Timestamp>,
        reversal_reason -> Nullable<Text>,
        offset_fen -> BigInt,
    }
}

diesel::table! {
    payout_items (payout_id, item_id) {
        payout_id -> Text,
        item_kind -> Text,
        item_id -> Text,
        amount_fen -> BigInt,
        live -> Bool,
    }
}

diesel::table! {
    settlement_holdbacks (run_id, payee_kind, payee_id) {
        run_id -> Text,
        payee_kind -> Text,
        payee_id -> Text,
        payee_name -> Text,
        reason -> Text,
        item_count -> Integer,
        amount_fen -> BigInt,
    }
}

diesel::joinable!(payouts -> settlement_runs (run_id));
diesel::joinable!(payout_items -> payouts (payout_id));
diesel::allow_tables_to_appear_in_same_query!(
    settlement_runs,
    payouts,
    payout_items,
    settlement_holdbacks
);
diesel::allow_tables_to_appear_in_same_query!(payout_items, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(payouts, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(settlement_runs, redemption_items);

diesel::table! {
    certification_applications (id) {
        id -> Text,
        space_id -> Text,
        scheme -> Text,
        scheme_snapshot -> Text,
        figures -> Text,
        evaluation -> Text,
        eligible -> Bool,
        status -> Text,
        submitted_by -> Nullable<Text>,
        submitted_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
    }
}

diesel::table! {
    certifications (id) {
        id -> Text,
        space_id -> Text,
        scheme -> Text,
        level -> Text,
        application_id -> Text,
        certified_on -> Date,
        valid_until -> Nullable<Date>,
        status -> Text,
        revoked_on -> Nullable<Date>,
        revoke_reason -> Nullable<Text>,
        revoked_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(certification_applications -> spaces (space_id));
diesel::joinable!(certifications -> spaces (space_id));
diesel::allow_tables_to_appear_in_same_query!(certification_applications, spaces);
diesel::allow_tables_to_appear_in_same_query!(certifications, spaces);

diesel::table! {
    statistics_filings (id) {
        id -> Text,
        space_id -> Text,
        year -> Integer,
        figures -> Text,
        late -> Bool,
        filed_by -> Nullable<Text>,
        filed_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incubatees (id) {
        id -> Text,
        space_id -> Text,
        scheme -> Text,
        firm_name -> Text,
        credit_code -> Text,
        founded_on -> Date,
        entered_on -> Date,
        age_months_at_entry -> Integer,
        field -> Text,
        limit_months -> Integer,
        limit_ends_on -> Date,
        graduated_on -> Nullable<Date>,
        graduation -> Nullable<Text>,
        left_on -> Nullable<Date>,
        left_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    support_grants (id) {
        id -> Text,
        credit_code -> Text,
        beneficiary_name -> Text,
        purpose -> Text,
        covers_from -> Date,
        covers_to -> Date,
        source -> Text,
        amount_fen -> BigInt,
        entitlement_id -> Nullable<Text>,
        note -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    performance_evaluations (id) {
        id -> Text,
        year -> Integer,
        policy -> Text,
        rules -> Text,
        space_count -> Integer,
        awarded_count -> Integer,
        computed_by -> Nullable<Text>,
        computed_at -> Timestamp,
    }
}

diesel::table! {
    performance_scores (evaluation_id, space_id) {
        evaluation_id -> Text,
        space_id -> Text,
        rank -> Integer,
        total -> Text,
        breakdown -> Text,
        winner -> Bool,
        holds_title -> Bool,
        awarded -> Bool,
        title_until_year -> Nullable<Integer>,
    }
}

diesel::table! {
    subsidy_entitlements (id) {
        id -> Text,
        space_id -> Text,
        policy -> Text,
        period -> Text,
        purpose -> Text,
        certification_id -> Nullable<Text>,
        evaluation_id -> Nullable<Text>,
        level -> Nullable<Text>,
        amount_fen -> BigInt,
        covers_from -> Date,
        covers_to -> Date,
        basis -> Text,
        status -> Text,
        duplicate_grant_id -> Nullable<Text>,
        computed_at -> Timestamp,
        notice_ends_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decision_reason -> Nullable<Text>,
        payable_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(statistics_filings -> spaces (space_id));
diesel::joinable!(incubatees -> spaces (space_id));
diesel::joinable!(performance_scores -> spaces (space_id));
diesel::joinable!(performance_scores -> performance_evaluations (evaluation_id));
diesel::joinable!(subsidy_entitlements -> spaces (space_id));
diesel::allow_tables_to_appear_in_same_query!(statistics_filings, spaces);
diesel::allow_tables_to_appear_in_same_query!(incubatees, spaces);
diesel::allow_tables_to_appear_in_same_query!(performance_scores, spaces);
diesel::allow_tables_to_appear_in_same_query!(performance_scores, performance_evaluations);
diesel::allow_tables_to_appear_in_same_query!(subsidy_entitlements, spaces);
diesel::allow_tables_to_appear_in_same_query!(subsidy_entitlements, payout_items);
diesel::allow_tables_to_appear_in_same_query!(subsidy_entitlements, payouts);
diesel::allow_tables_to_appear_in_same_query!(subsidy_entitlements, settlement_runs);
diesel::allow_tables_to_appear_in_same_query!(subsidy_entitlements, support_grants);

diesel::table! {
    email_tokens (id) {
        id -> Text,
        purpose -> Text,
        user_id -> Nullable<Text>,
        email -> Text,
        token_hash -> Text,
        requested_from -> Text,
        requested_by -> Nullable<Text>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    account_unlocks (id) {
        id -> Text,
        username -> Text,
        unlocked_at -> Timestamp,
        unlocked_by -> Nullable<Text>,
        reason -> Text,
    }
}

diesel::table! {
    articles (id) {
        id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        title_en -> Text,
        body_en -> Text,
        published_at -> Nullable<Timestamp>,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    article_files (id) {
        id -> Text,
        article_id -> Text,
        file_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<Text>,
        uploaded_at -> Timestamp,
    }
}

diesel::joinable!(article_files -> articles (article_id));
diesel::allow_tables_to_appear_in_same_query!(article_files, articles);

// The authority's overview follows a selection's vouchers to their orders, items,
// objections and payouts.
diesel::allow_tables_to_appear_in_same_query!(vouchers, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(vouchers, redemption_objections);
diesel::allow_tables_to_appear_in_same_query!(vouchers, payout_items);
diesel::allow_tables_to_appear_in_same_query!(vouchers, payouts);
diesel::allow_tables_to_appear_in_same_query!(orders, payout_items);
diesel::allow_tables_to_appear_in_same_query!(orders, payouts);

// The overview's figures kept as rows change (migration 000027): written by triggers,
// read by `db::tallies`.
diesel::table! {
    tallies (batch_id, kind, status, label) {
        batch_id -> Text,
        kind -> Text,
        status -> Text,
        label -> Text,
        n -> BigInt,
        a_fen -> BigInt,
        b_fen -> BigInt,
    }
}

diesel::table! {
    tally_moves (id) {
        id -> BigInt,
        batch_id -> Text,
        kind -> Text,
        status -> Text,
        label -> Text,
        n -> BigInt,
        a_fen -> BigInt,
        b_fen -> BigInt,
    }
}

diesel::table! {
    holders (batch_id, firm_id) {
        batch_id -> Text,
        firm_id -> Text,
        size_class -> Text,
        industry -> Text,
        district -> Nullable<Text>,
        served -> Bool,
    }
}

diesel::table! {
    holdings (firm_id) {
        firm_id -> Text,
        batches -> BigInt,
    }
}

// The overview's firms counted twice: holders of the firms holding several batches.
diesel::allow_tables_to_appear_in_same_query!(holders, holdings);

// Ratings of confirmed orders (migration 000028).
diesel::table! {
    order_ratings (order_id) {
        order_id -> Text,
        firm_id -> Text,
        provider_id -> Text,
        quality -> Integer,
        timeliness -> Integer,
        value -> Integer,
        comment -> Nullable<Text>,
        rated_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
    }
}

// Each provider's ratings kept as they are given (migration 000029).
diesel::table! {
    provider_scores (provider_id) {
        provider_id -> Text,
        ratings -> BigInt,
        rating_total -> BigInt,
    }
}

diesel::joinable!(provider_scores -> providers (provider_id));
diesel::allow_tables_to_appear_in_same_query!(provider_scores, providers);
diesel::allow_tables_to_appear_in_same_query!(provider_scores, service_items);

// Spot checks and findings (migration 000030).
diesel::table! {
    spot_check_draws (id) {
        id -> Text,
        period -> Text,
        seed -> Text,
        population_digest -> Text,
        population -> Integer,
        sample_size -> Integer,
        rules -> Text,
        drawn_by -> Text,
        drawn_at -> Timestamp,
    }
}

diesel::table! {
    spot_check_entries (draw_id, item_id) {
        draw_id -> Text,
        item_id -> Text,
        tickets -> Integer,
        risks -> Text,
        draw_key -> Text,
        sampled -> Bool,
    }
}

diesel::table! {
    spot_checks (id) {
        id -> Text,
        draw_id -> Text,
        item_id -> Text,
        firm_id -> Text,
        provider_id -> Text,
        status -> Text,
        answer_by -> Timestamp,
        delivered -> Nullable<Bool>,
        firm_note -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        check_id -> Text,
        item_id -> Text,
        provider_id -> Text,
        opened_because -> Text,
        status -> Text,
        provider_statement -> Nullable<Text>,
        outcome -> Nullable<Text>,
        corrected_fen -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        opened_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(spot_check_entries, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(spot_checks, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(findings, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(spot_check_entries, providers);
diesel::allow_tables_to_appear_in_same_query!(spot_checks, providers);
diesel::allow_tables_to_appear_in_same_query!(spot_checks, firms);
diesel::allow_tables_to_appear_in_same_query!(spot_checks, orders);
diesel::allow_tables_to_appear_in_same_query!(spot_check_entries, orders);
diesel::allow_tables_to_appear_in_same_query!(provider_scores, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(spot_check_entries, spot_check_draws);
diesel::allow_tables_to_appear_in_same_query!(spot_checks, findings);
diesel::allow_tables_to_appear_in_same_query!(findings, payouts);
diesel::allow_tables_to_appear_in_same_query!(findings, orders);
diesel::allow_tables_to_appear_in_same_query!(findings, providers);

diesel::table! {
    receivables (id) {
        id -> Text,
        finding_id -> Text,
        item_id -> Text,
        provider_id -> Text,
        programme_id -> Text,
        amount_fen -> BigInt,
        outstanding_fen -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    receivable_recoveries (id) {
        id -> Text,
        receivable_id -> Text,
        kind -> Text,
        payout_id -> Nullable<Text>,
        amount_fen -> BigInt,
        live -> Bool,
        bank_reference -> Nullable<Text>,
        paid_on -> Nullable<Date>,
        recorded_by -> Nullable<Text>,
        recorded_at -> Timestamp,
        undone_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(receivable_recoveries -> receivables (receivable_id));
diesel::allow_tables_to_appear_in_same_query!(receivable_recoveries, receivables);
diesel::allow_tables_to_appear_in_same_query!(receivables, findings);
diesel::allow_tables_to_appear_in_same_query!(receivables, providers);
diesel::allow_tables_to_appear_in_same_query!(receivables, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(receivables, orders);
diesel::allow_tables_to_appear_in_same_query!(receivable_recoveries, payouts);
diesel::allow_tables_to_appear_in_same_query!(receivables, spot_checks);
diesel::allow_tables_to_appear_in_same_query!(findings, firms);
diesel::allow_tables_to_appear_in_same_query!(receivables, payouts);
diesel::allow_tables_to_appear_in_same_query!(receivable_recoveries, findings);
diesel::allow_tables_to_appear_in_same_query!(receivable_recoveries, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(receivable_recoveries, orders);

diesel::table! {
    screening_imports (id) {
        id -> Text,
        file_name -> Text,
        entries -> Text,
        row_count -> Integer,
        status -> Text,
        base_import_id -> Nullable<Text>,
        added_count -> Integer,
        removed_count -> Integer,
        changed_count -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    screening_entries (id) {
        id -> Text,
        credit_code -> Text,
        name -> Text,
        list_type -> Text,
        listed_on -> Date,
        until_on -> Nullable<Date>,
        source -> Text,
        added_by_import -> Text,
        added_at -> Timestamp,
        removed_by_import -> Nullable<Text>,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    screening_clearances (id) {
        id -> Text,
        entry_id -> Text,
        party_kind -> Text,
        party_id -> Text,
        reason -> Text,
        cleared_by -> Text,
        cleared_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(screening_entries, screening_clearances);
diesel::allow_tables_to_appear_in_same_query!(screening_entries, firms);
diesel::allow_tables_to_appear_in_same_query!(screening_entries, providers);
diesel::allow_tables_to_appear_in_same_query!(screening_entries, spaces);
diesel::allow_tables_to_appear_in_same_query!(screening_clearances, firms);
diesel::allow_tables_to_appear_in_same_query!(screening_clearances, providers);
diesel::allow_tables_to_appear_in_same_query!(screening_clearances, spaces);

diesel::table! {
    appeals (id) {
        id -> Text,
        party_kind -> Text,
        party_id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        decision -> Text,
        decided_by -> Nullable<Text>,
        decided_at -> Timestamp,
        grounds -> Text,
        filed_by -> Text,
        filed_at -> Timestamp,
        due_at -> Timestamp,
        status -> Text,
        outcome_reason -> Nullable<Text>,
        handled_by -> Nullable<Text>,
        handled_at -> Nullable<Timestamp>,
        escalated_at -> Nullable<Timestamp>,
        decision_reason -> Text,
        granted_fen -> Nullable<BigInt>,
    }
}

// Supplements: what the programme pays a provider after an appeal raised a finding's
// amount (migration 000035).
diesel::table! {
    supplements (id) {
        id -> Text,
        appeal_id -> Text,
        finding_id -> Text,
        item_id -> Text,
        provider_id -> Text,
        programme_id -> Text,
        amount_fen -> BigInt,
        status -> Text,
        payable_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(supplements, payout_items);
diesel::allow_tables_to_appear_in_same_query!(supplements, payouts);
diesel::allow_tables_to_appear_in_same_query!(supplements, orders);
diesel::allow_tables_to_appear_in_same_query!(supplements, redemption_items);
diesel::allow_tables_to_appear_in_same_query!(supplements, providers);
diesel::allow_tables_to_appear_in_same_query!(supplements, settlement_runs);

//! The work pages of each role, driven as a browser would (forms, cookies, redirects
//! not followed): a firm orders with the split shown first, the provider accepts,
//! uploads and delivers, the firm confirms, the provider applies for redemption; every
//! refused form shows its error next to the field with what was typed kept.

use crate::helpers::spawn_app;
use crate::orders::{world, PDF, PNG};
use crate::web::{post, Browser};
use hechuang::domain::Role;

fn id_after(body: &str, marker: &str) -> String {
    let at = body.find(marker).unwrap_or_else(|| panic!("{marker} in {body}")) + marker.len();
    body[at..at + 36].to_string()
}

#[actix_web::test]
async fn a_firm_orders_and_the_provider_delivers_through_the_pages() {
    let app = spawn_app().await;
    let w = world(&app, "webwork").await;
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    let mut prov = Browser::signed_in(&app, &w.provider_token);

    // Pages of another role are refused plainly; signed out goes to sign-in.
    let p = firm.get("/provider/services").await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("无权访问"), "{}", p.body);
    let p = Browser::new(&app).get("/orders").await;
    assert_eq!((p.status, p.location.as_str()), (303, "/login?next=/orders"));

    // The catalogue, then the order form.
    let p = firm.get("/services").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("发明专利申请代理") && p.body.contains("12,000.00"));
    assert!(p.body.contains("我的订单"), "the firm's navigation");
    let form_page = firm.get(&format!("/orders/new?service={}", w.item)).await;
    assert_eq!(form_page.status, 200, "{}", form_page.body);
    assert!(form_page.body.contains("计算支付份额"));

    // Bad amount: the error next to the field, what was typed kept, nothing ordered.
    let p = post(
        &mut firm,
        &form_page,
        "/orders/new",
        &[
            ("service_item_id", &w.item),
            ("voucher_id", &w.voucher),
            ("contract_amount", "12000.123"),
            ("note", "请尽快"),
            ("_step", "quote"),
        ],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"order-contract_amount-error\"")
            && p.body.contains("value=\"12000.123\"")
            && p.body.contains(">请尽快</textarea>"),
        "{}",
        p.body
    );
    assert_eq!(app.count("orders"), 0);
    // Every error at once: an amount that is not money with a note too long, and no
    // voucher chosen with an amount of zero; each beside its field, nothing ordered.
    let long = "很".repeat(1001);
    for (voucher, amount, note, fields) in [
        (w.voucher.as_str(), "一万", long.as_str(), &["contract_amount", "note"][..]),
        ("", "0.00", "", &["voucher_id", "contract_amount"][..]),
    ] {
        for step in ["quote", "confirm"] {
            let p = post(
                &mut firm,
                &form_page,
                "/orders/new",
                &[
                    ("service_item_id", &w.item),
                    ("voucher_id", voucher),
                    ("contract_amount", amount),
                    ("note", note),
                    ("_step", step),
                ],
            )
            .await;
            assert_eq!(p.status, 422, "{}", p.body);
            for f in fields {
                assert!(
                    p.body.contains(&format!("id=\"order-{f}-error\"")),
                    "{step}: {f} with the others: {}",
                    p.body
                );
            }
            assert!(!p.body.contains("contract_amount："), "no wire name before the error");
        }
    }
    assert_eq!(app.count("orders"), 0);
    // Without the page's token: refused, nothing ordered.
    let p = firm
        .post(
            "/orders/new",
            &[
                ("service_item_id", &w.item),
                ("voucher_id", &w.voucher),
                ("contract_amount", "12000.00"),
                ("_step", "confirm"),
            ],
        )
        .await;
    assert_eq!(p.status, 403);
    assert!(p.body.contains("页面已过期"), "{}", p.body);
    assert_eq!(app.count("orders"), 0);

    // The split first; the order only on confirming.
    let fields = [
        ("service_item_id", w.item.as_str()),
        ("voucher_id", w.voucher.as_str()),
        ("contract_amount", "12000.00"),
        ("note", ""),
    ];
    let mut quote = fields.to_vec();
    quote.push(("_step", "quote"));
    let p = post(&mut firm, &form_page, "/orders/new", &quote).await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(
        p.body.contains("合创券支付</th><td class=\"num\"><strong>6,000.00</strong>")
            && p.body.contains("企业自付</th><td class=\"num\"><strong>6,000.00</strong>"),
        "{}",
        p.body
    );
    assert_eq!(app.count("orders"), 0, "a quote orders nothing");
    let mut confirm = fields.to_vec();
    confirm.push(("_step", "confirm"));
    let p = post(&mut firm, &p, "/orders/new", &confirm).await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(p.location.starts_with("/orders/") && p.location.ends_with("?done=ordered"));
    let order = p.location["/orders/".len().."/orders/".len() + 36].to_string();
    let p = firm.get(&p.location).await;
    assert!(p.body.contains("订单已提交") && p.body.contains("待服务机构接受"), "{}", p.body);

    // The provider: its orders, declining needs a reason, then accepts.
    let p = prov.get("/orders").await;
    assert!(p.body.contains(&format!("/orders/{order}")), "{}", p.body);
    let op = prov.get(&format!("/orders/{order}")).await;
    assert!(op.body.contains("接受订单") && op.body.contains("拒绝原因"));
    let p = post(&mut prov, &op, &format!("/orders/{order}/decline"), &[("reason", "")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"decline-reason-error\""), "{}", p.body);
    let p = post(&mut prov, &op, &format!("/orders/{order}/accept"), &[]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let op = prov.get(&p.location).await;
    assert!(op.body.contains("已接受订单") && op.body.contains("服务中"));
    assert!(
        op.body.contains("disabled aria-describedby=\"deliver-why\""),
        "delivery waits for the documents: {}",
        op.body
    );
    // What is missing, by name, in the reader's language.
    assert!(op.body.contains("尚缺：服务合同、发票"), "{}", op.body);
    let en = prov.get(&format!("/orders/{order}?lang=en")).await;
    assert!(en.body.contains("Still missing: Service contract, Invoice"), "{}", en.body);
    let _ = prov.get(&format!("/orders/{order}?lang=zh")).await;
    // The firm may not accept (not its step).
    let fp = firm.get(&format!("/orders/{order}")).await;
    let p = post(&mut firm, &fp, &format!("/orders/{order}/accept"), &[]).await;
    assert_eq!(p.status, 403);

    // Evidence: a file that is not a PDF is refused by the field; the real ones stored.
    let csrf = Browser::csrf(&op);
    let path = format!("/orders/{order}/evidence");
    let p = prov
        .post_file(
            &path,
            &[("csrf", &csrf), ("kind", "contract")],
            ("file", "contract.pdf", b"MZ\x90\x00 not a pdf"),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"evidence-file-error\""), "{}", p.body);
    assert_eq!(app.count("order_evidence"), 0);
    // An invoice needs its amount and date, said beside the fields; nothing is stored.
    let p = prov
        .post_file(
            &path,
            &[("csrf", &csrf), ("kind", "invoice"), ("amount", ""), ("dated", "")],
            ("file", "invoice.pdf", PDF),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"evidence-amount-error\"")
            && p.body.contains("上传发票时须填写发票金额")
            && p.body.contains("id=\"evidence-dated-error\""),
        "{}",
        p.body
    );
    assert_eq!(app.count("order_evidence"), 0);
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    for (kind, name, bytes, amount) in [
        ("contract", "合同.pdf", PDF, ""),
        ("invoice", "invoice.pdf", PDF, "12000.00"),
        ("payment_receipt", "receipt.png", PNG, ""),
        ("service_report", "report.pdf", PDF, ""),
    ] {
        let form = [("csrf", csrf.as_str()), ("kind", kind), ("amount", amount), ("dated", &today)];
        let p = prov.post_file(&path, &form, ("file", name, bytes)).await;
        assert_eq!(p.status, 303, "{kind}: {}", p.body);
    }
    let op = prov.get(&format!("/orders/{order}")).await;
    assert!(op.body.contains("合同.pdf") && op.body.contains("<img class=\"evidence\""));
    let ev = id_after(&op.body, &format!("&#x2f;orders&#x2f;{order}&#x2f;evidence&#x2f;"));
    let (status, headers, bytes) = {
        let mut res = awc::Client::default()
            .get(app.url(&format!("/orders/{order}/evidence/{ev}")))
            .insert_header(("cookie", format!("hc_access={}", w.firm.token)))
            .send()
            .await
            .unwrap();
        let b = res.body().await.unwrap();
        (res.status().as_u16(), res.headers().clone(), b)
    };
    assert_eq!(status, 200, "the firm sees the evidence inline");
    assert_eq!(headers.get("content-disposition").unwrap(), "inline");
    assert!(bytes.starts_with(b"%PDF") || bytes.starts_with(&PNG[..4]));
    let p = post(&mut prov, &op, &format!("/orders/{order}/deliver"), &[]).await;
    assert_eq!(p.status, 303, "{}", p.body);

    // The firm: disputing needs a reason; it confirms.
    let fp = firm.get(&format!("/orders/{order}")).await;
    assert!(fp.body.contains("确认交付") && fp.body.contains("提出异议"));
    let p = post(&mut firm, &fp, &format!("/orders/{order}/dispute"), &[("reason", "  ")]).await;
    assert_eq!(p.status, 422);
    assert!(p.body.contains("id=\"dispute-reason-error\""), "{}", p.body);
    let p = post(&mut firm, &fp, &format!("/orders/{order}/confirm"), &[]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let p = firm.get("/my/vouchers").await;
    assert!(p.body.contains("44,000.00"), "balance after 6000: {}", p.body);

    // The provider applies for redemption; nothing chosen is refused by the field.
    let rp = prov.get("/provider/redemptions").await;
    assert_eq!(rp.status, 200, "{}", rp.body);
    assert!(rp.body.contains(&format!("value=\"{order}\"")), "{}", rp.body);
    let p = post(&mut prov, &rp, "/provider/redemptions", &[]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"apply-order_ids-error\""), "{}", p.body);
    let p = post(&mut prov, &rp, "/provider/redemptions", &[("order_ids", &order)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let rp = prov.get(&p.location).await;
    assert!(
        rp.body.contains("兑现申请已提交")
            && rp.body.contains("待审核")
            && rp.body.contains("6,000.00"),
        "{}",
        rp.body
    );
    assert!(!rp.body.contains(&format!("value=\"{order}\"")), "applied once");

    // The reviewer: the item with its evidence inline; refusing needs a reason.
    app.staff("webwork_rev", Role::Reviewer);
    let mut rev = Browser::signed_in(&app, &app.token("webwork_rev").await);
    let q = rev.get("/review").await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert!(q.body.contains("兑现审核 · 待审 1 笔") && q.body.contains("合同.pdf"), "{}", q.body);
    assert!(q.body.contains("<img class=\"evidence\""), "images inline");
    // The same PDF was sent as three documents: the reviewer is told.
    assert!(
        q.body.contains("同一文件（合同.pdf）同时作为服务合同、发票、服务报告上传"),
        "{}",
        q.body
    );
    let item = id_after(&q.body, "action=\"/review/item/");
    let at = format!("/review/item/{item}");
    // No decision is chosen for the reviewer: every menu opens on 请选择, and a form
    // sent without a choice is refused beside the menu, nothing decided.
    let menus = q.body.matches("<select").count();
    assert!(menus >= 1, "{}", q.body);
    let open_on_choose = q.body.matches("<option value=\"\" selected>请选择</option>").count();
    assert_eq!(open_on_choose, menus, "{}", q.body);
    assert_eq!(q.body.matches(" selected>").count(), menus, "nothing else chosen: {}", q.body);
    let p = post(&mut rev, &q, &at, &[("decision", ""), ("reason", "")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains(&format!("id=\"item-{item}-decision-error\"")), "{}", p.body);
    assert!(p.body.contains("兑现审核 · 待审 1 笔"), "still waiting: {}", p.body);
    let p = post(&mut rev, &q, &at, &[("decision", "reject"), ("reason", "")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains(&format!("id=\"item-{item}-reason-error\"")), "{}", p.body);
    let p = post(&mut rev, &q, &at, &[("decision", "approve"), ("reason", "")]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let q = rev.get(&p.location).await;
    assert!(
        q.body.contains("已作出审核决定") && q.body.contains("兑现审核 · 待审 0 笔"),
        "{}",
        q.body
    );
    let public = Browser::new(&app).get("/public/redemptions").await;
    assert!(public.body.contains("公示中") && public.body.contains("6,000.00"), "{}", public.body);

    // The notice ends; finance prepares, the preparer cannot approve, a second one does.
    app.clock.advance(chrono::Duration::days(7) + chrono::Duration::minutes(1));
    let admin = app.token("admin_webwork").await;
    let r = app.run_job(&admin, "redemption_notices", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.staff("webwork_fin1", Role::Finance);
    app.staff("webwork_fin2", Role::Finance);
    // The month in progress is refused; once it has ended it is settled.
    let this_month = hechuang::domain::settlement::Period::of(app.clock.now()).to_string();
    let mut early = Browser::signed_in(&app, &app.token("webwork_fin1").await);
    let runs = early.get("/finance").await;
    let p = post(&mut early, &runs, "/finance/runs", &[("period", &this_month)]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"prepare-period-error\"") && p.body.contains("尚未结束"),
        "{}",
        p.body
    );
    let period = app.end_the_month();
    let mut fin1 = Browser::signed_in(&app, &app.token("webwork_fin1").await);
    let mut fin2 = Browser::signed_in(&app, &app.token("webwork_fin2").await);
    let runs = fin1.get("/finance").await;
    assert_eq!(runs.status, 200, "{}", runs.body);
    let p = post(&mut fin1, &runs, "/finance/runs", &[("period", "2026-13")]).await;
    assert_eq!(p.status, 400, "{}", p.body);
    assert!(
        p.body.contains("id=\"prepare-period-error\"") && p.body.contains("value=\"2026-13\""),
        "{}",
        p.body
    );
    let p = post(&mut fin1, &runs, "/finance/runs", &[("period", &period)]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let run_path = p.location.split('?').next().unwrap().to_string();
    let run_id = run_path["/finance/runs/".len()..].to_string();
    let run = fin1.get(&p.location).await;
    assert!(run.body.contains("待审批") && run.body.contains("6,000.00"), "{}", run.body);
    assert!(
        run.body.contains("须由另一名财务人员审批")
            && run.body.contains("value=\"approve\" disabled aria-describedby=\"why-not\""),
        "the preparer's approve button is disabled with the reason: {}",
        run.body
    );
    let decision = format!("{run_path}/decision");
    let p = post(&mut fin1, &run, &decision, &[("decision", "approve"), ("checked", "yes")]).await;
    assert_eq!(p.status, 403, "nor can the preparer post it: {}", p.body);
    let run2 = fin2.get(&run_path).await;
    assert!(!run2.body.contains("aria-describedby=\"why-not\""), "{}", run2.body);
    // The approver opens the payout to what it pays before deciding.
    let payout_link = id_after(&run2.body, "href=\"/finance/payouts/");
    let opened = fin2.get(&format!("/finance/payouts/{payout_link}")).await;
    assert_eq!(opened.status, 200, "{}", opened.body);
    for seen in [
        "付款明细 HC",
        "本笔付款支付的兑现事项",
        "专利服务",
        "6,000.00",
        "webwork_rev 于",
        "服务合同",
        "返回",
    ] {
        assert!(opened.body.contains(seen), "{seen}: {}", opened.body);
    }
    assert!(opened.body.contains(&format!("href=\"/orders/{order}\"")), "{}", opened.body);
    assert!(opened.body.contains(&format!("href=\"/orders/{order}/evidence/")), "{}", opened.body);
    assert!(!opened.body.contains("id=\"bank-changed\""), "{}", opened.body);
    let p = post(&mut fin2, &run2, &decision, &[("decision", "reject"), ("reason", "")]).await;
    assert_eq!(p.status, 422, "returning needs its reason: {}", p.body);
    assert!(p.body.contains("id=\"decision-reason-error\""), "{}", p.body);
    // The checklist: the total, and the provider paid for the first time; approving
    // needs it ticked.
    // The run's totals by category beside it.
    for seen in [
        "批准前请核对",
        "共 1 项、1 个收款方，合计 6,000.00 元",
        "首次向该收款方付款",
        "按类别合计",
        "专利服务",
    ] {
        assert!(run2.body.contains(seen), "{seen}: {}", run2.body);
    }
    let p = post(&mut fin2, &run2, &decision, &[("decision", "approve")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"decision-checked-error\""), "{}", p.body);
    assert!(p.body.contains("待审批"), "{}", p.body);
    let p = post(&mut fin2, &run2, &decision, &[("decision", "approve"), ("checked", "yes")]).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let run2 = fin2.get(&run_path).await;
    let csv = fin2.post(&format!("{run_path}/bank-file"), &[("format", "csv")]).await;
    assert_eq!(csv.status, 403, "not without the page's token: {}", csv.body);
    assert!(!fin2.get(&run_path).await.body.contains("已导出"), "nothing exported");
    let csv = post(&mut fin2, &run2, &format!("{run_path}/bank-file"), &[("format", "csv")]).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("6000.00"), "{}", csv.body);
    let run2 = fin2.get(&run_path).await;
    assert!(run2.body.contains("已导出，待登记结果"), "{}", run2.body);
    let payout = id_after(&run2.body, "action=\"/finance/payouts/");
    let today = hechuang::domain::china_time(app.clock.now()).date().to_string();
    let result = format!("/finance/payouts/{payout}/result");
    let mut paid = vec![
        ("_run", run_id.as_str()),
        ("outcome", "paid"),
        ("bank_reference", ""),
        ("paid_on", today.as_str()),
        ("reason", ""),
    ];
    let p = post(&mut fin2, &run2, &result, &paid).await;
    assert_eq!(p.status, 422, "paid without the bank's reference: {}", p.body);
    assert!(p.body.contains(&format!("id=\"payout-{payout}-bank_reference-error\"")), "{}", p.body);
    // Both errors at once: no reference and a day that is not a day.
    let both = [
        ("_run", run_id.as_str()),
        ("outcome", "paid"),
        ("bank_reference", ""),
        ("paid_on", "昨天"),
        ("reason", ""),
    ];
    let p = post(&mut fin2, &run2, &result, &both).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains(&format!("id=\"payout-{payout}-bank_reference-error\""))
            && p.body.contains(&format!("id=\"payout-{payout}-paid_on-error\"")),
        "every error at once: {}",
        p.body
    );
    // A bank result file naming no payout of the run records nothing and says which row.
    let csrf = Browser::csrf(&run2);
    let file = format!(
        "reference,status,amount,bank_reference,paid_on,reason\nHC-NO-SUCH,成功,6000.00,BOC1,{today},\n"
    );
    let p = fin2
        .post_file(
            &format!("{run_path}/results"),
            &[("csrf", &csrf)],
            ("file", "results.csv", file.as_bytes()),
        )
        .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("第 2 行") && p.body.contains("已登记 0 笔"), "{}", p.body);
    let p = fin2
        .post_file(
            &format!("{run_path}/results"),
            &[("csrf", &csrf)],
            ("file", "results.csv", b"ref,outcome\nx,paid\n"),
        )
        .await;
    assert_eq!(p.status, 422, "a file of another shape: {}", p.body);
    assert!(p.body.contains("class=\"error\" role=\"alert\""), "{}", p.body);
    paid[2] = ("bank_reference", "BOC20261201001");
    let p = post(&mut fin2, &run2, &result, &paid).await;
    assert_eq!(p.status, 303, "{}", p.body);
    let run2 = fin2.get(&run_path).await;
    assert!(run2.body.contains("已完成") && run2.body.contains("BOC20261201001"), "{}", run2.body);
    let public = Browser::new(&app).get("/public/redemptions").await;
    assert!(public.body.contains("已拨付") && public.body.contains("6,000.00"), "{}", public.body);
    let report = fin2.get(&format!("/finance/report?period={period}")).await;
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(
        report.body.contains("<svg class=\"chart\"") && report.body.contains("<rect"),
        "{}",
        report.body
    );
    assert!(report.body.contains("已支付 <strong>6,000.00</strong>"), "{}", report.body);
}

#[actix_web::test]
async fn a_provider_edits_its_catalogue_with_errors_by_field() {
    let app = spawn_app().await;
    let (_, token) = crate::catalogue::listed_provider(&app, "webcat").await;
    let mut b = Browser::signed_in(&app, &token);
    let p = b.get("/provider").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("已入库"), "{}", p.body);
    let p = b.get("/provider/services").await;
    assert_eq!(p.status, 200, "{}", p.body);
    let bad = post(
        &mut b,
        &p,
        "/provider/services",
        &[
            ("category", "patent"),
            ("title", "专利检索"),
            ("description", "检索报告"),
            ("list_price", "abc"),
            ("delivery_days", "十"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("id=\"item-delivery_days-error\"")
            && bad.body.contains("value=\"专利检索\""),
        "{}",
        bad.body
    );
    let bad = post(
        &mut b,
        &p,
        "/provider/services",
        &[
            ("category", "patent"),
            ("title", "专利检索"),
            ("description", "检索报告"),
            ("list_price", "abc"),
            ("delivery_days", "10"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"item-list_price-error\""), "{}", bad.body);
    assert_eq!(app.count("service_items"), 0);
    let ok = post(
        &mut b,
        &p,
        "/provider/services",
        &[
            ("category", "patent"),
            ("title", "专利检索"),
            ("description", "检索报告"),
            ("list_price", "3000.00"),
            ("delivery_days", "10"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = b.get("/provider/services").await;
    assert!(p.body.contains("专利检索") && p.body.contains("上架中"));
    let item = id_after(&p.body, "href=\"/provider/services/");
    let e = b.get(&format!("/provider/services/{item}")).await;
    assert!(e.body.contains("value=\"3000.00\""), "{}", e.body);
    let ok = post(
        &mut b,
        &e,
        &format!("/provider/services/{item}"),
        &[
            ("category", "patent"),
            ("title", "专利检索"),
            ("description", "检索报告"),
            ("list_price", "3500.00"),
            ("delivery_days", "10"),
            ("active", "false"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = b.get("/provider/services").await;
    assert!(p.body.contains("3,500.00") && p.body.contains("已下架"), "{}", p.body);
}

#[actix_web::test]
async fn an_admin_sets_up_a_programme_and_batch_and_runs_the_desk_from_pages() {
    let app = spawn_app().await;
    let token = app.staff_token("webadmin", Role::Admin).await;
    let mut b = Browser::signed_in(&app, &token);
    let p = b.get("/admin").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("现行政策参数") && p.body.contains("兑现公示期"), "{}", p.body);

    // A programme: a bad code is shown by its field; then made.
    let bad = post(&mut b, &p, "/admin/programmes", &[("code", ""), ("name", "合创券2027")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("id=\"programme-code-error\"")
            && bad.body.contains("value=\"合创券2027\""),
        "{}",
        bad.body
    );
    // The voucher's share is typed as a percentage, 50 by default; a share as the API
    // takes it (0.4) or anything above 100 is refused beside the field, with the rest.
    assert!(
        p.body.contains("id=\"programme-co_payment_ratio\"")
            && p.body.contains("name=\"co_payment_ratio\" type=\"text\" value=\"50\"")
            && p.body.contains("<dd>50%</dd>"),
        "{}",
        p.body
    );
    for typed in ["0", "150", "四成"] {
        let bad = post(
            &mut b,
            &p,
            "/admin/programmes",
            &[("code", ""), ("name", "合创券2027"), ("co_payment_ratio", typed)],
        )
        .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(
            bad.body.contains(
                "id=\"programme-co_payment_ratio-error\">请填写大于 0、不超过 100 的百分数"
            ) && bad.body.contains("id=\"programme-code-error\""),
            "{typed}: {}",
            bad.body
        );
    }
    let ok = post(
        &mut b,
        &p,
        "/admin/programmes",
        &[
            ("code", "HC2027"),
            ("name", "合创券2027"),
            ("categories", "patent"),
            ("categories", "testing"),
            ("co_payment_ratio", "40"),
            ("full_coverage_threshold", "10000.00"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = b.get("/admin").await;
    assert!(p.body.contains("合创券2027（HC2027）"), "{}", p.body);
    assert!(
        p.body.contains("合创券支付比例 40% · 合同金额低于 10,000.00 元的全额支付"),
        "one sentence, a percentage and a grouped amount: {}",
        p.body
    );
    let at =
        p.body.find("action=\"/admin/programmes/").unwrap() + "action=\"/admin/programmes/".len();
    let programme = p.body[at..at + 36].to_string();

    // A batch in Beijing time: closing before opening is refused at the field.
    let path = format!("/admin/programmes/{programme}/batches");
    let fid = format!("batch-{programme}");
    let bad = post(
        &mut b,
        &p,
        &path,
        &[
            ("name", "第一期"),
            ("budget", "30000000.00"),
            ("face_values", "50000.00、20000.00"),
            ("opens_at", "2027-01-10T09:00"),
            ("closes_at", "2027-01-01T09:00"),
            ("allocation_mode", "first_come"),
            ("publish", "false"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains(&format!("id=\"{fid}-closes_at-error\"")), "{}", bad.body);
    assert!(
        bad.body.contains("value=\"2027-01-10T09:00:00+08:00\"")
            || bad.body.contains("value=\"2027-01-10T09:00\"")
    );
    let ok = post(
        &mut b,
        &p,
        &path,
        &[
            ("name", "第一期"),
            ("budget", "30000000.00"),
            ("face_values", "50000.00、20000.00"),
            ("opens_at", "2027-01-10T09:00"),
            ("closes_at", "2027-02-10T09:00"),
            ("allocation_mode", "first_come"),
            ("publish", "false"),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = b.get("/admin").await;
    assert!(
        p.body.contains("草稿")
            && p.body.contains("20000.00、50000.00")
            && p.body.contains("2027-01-10 09:00:00"),
        "opens at 09:00 Beijing time: {}",
        p.body
    );
    let at = p.body.find("action=\"/admin/batches/").unwrap() + "action=\"/admin/batches/".len();
    let batch = p.body[at..at + 36].to_string();
    let ok = post(&mut b, &p, &format!("/admin/batches/{batch}/publish"), &[]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let p = b.get("/admin").await;
    assert!(p.body.contains("已发布，待开抢"), "{}", p.body);

    // Users: a staff account, a short password refused at its field, disabling.
    let u = b.get("/admin/users").await;
    let bad = post(
        &mut b,
        &u,
        "/admin/users",
        &[
            ("username", "checker2"),
            ("display_name", "审核员二"),
            ("email", ""),
            ("role", "reviewer"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("id=\"user-password-error\"")
            && bad.body.contains("value=\"checker2\"")
            && !bad.body.contains("value=\"short\""),
        "{}",
        bad.body
    );
    let ok = post(
        &mut b,
        &u,
        "/admin/users",
        &[
            ("username", "checker2"),
            ("display_name", "审核员二"),
            ("email", ""),
            ("role", "reviewer"),
            ("password", crate::helpers::PASSWORD),
        ],
    )
    .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(app.login("checker2", crate::helpers::PASSWORD).await.status, 200);
    let u = b.get("/admin/users").await;
    let marker = "审核员二</td><td>审核人员";
    assert!(u.body.contains(marker), "{}", u.body);
    let row = &u.body[u.body.find(marker).unwrap()..];
    let at = row.find("action=\"/admin/users/").unwrap() + "action=\"/admin/users/".len();
    let user = row[at..at + 36].to_string();
    let ok = post(&mut b, &u, &format!("/admin/users/{user}/disable"), &[]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(app.login("checker2", crate::helpers::PASSWORD).await.status, 401);

    // Jobs: run one by hand, see its run; the outbox page answers.
    let j = b.get("/admin/jobs").await;
    assert_eq!(j.status, 200, "{}", j.body);
    // Each job by what it does and when, in words: no job codes, no cron strings.
    for words in ["发送待发邮件", "每 5 秒", "每月 1 日 02:00", "每天 09:00", "每小时第 17 分"]
    {
        assert!(j.body.contains(words), "{words}: {}", j.body);
    }
    for code in ["*/5", "0 0 2 1 * *", ">outbox_dispatch<", "<code>"] {
        assert!(!j.body.contains(code), "{code} shown: {}", j.body);
    }
    let en = b.get("/admin/jobs?lang=en").await;
    for words in
        ["Send due emails from the outbox", "every 5 seconds", "on day 1 of every month at 02:00"]
    {
        assert!(en.body.contains(words), "{words}: {}", en.body);
    }
    let _ = b.get("/admin/jobs?lang=zh").await;
    let ok = post(&mut b, &j, "/admin/jobs/housekeeping/runs", &[]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let j = b.get(&ok.location).await;
    assert!(j.body.contains("任务已运行") && j.body.contains("手动"), "{}", j.body);
    // The lottery check runs every second: its runs that found nothing to draw are not
    // listed (the API still has them); one that drew is.
    for (id, second, items) in [("f0", 1, 0), ("f1", 2, 1)] {
        let at = format!("2026-01-01 00:00:0{second}");
        app.exec(&format!(
            "INSERT INTO job_runs (id, job, slot, origin, status, attempt, runner, started_at, \
             heartbeat_at, finished_at, duration_ms, items) VALUES \
             ('01a244c2-b06a-710f-a26e-8976e943c3{id}', 'lottery_draw', '{at}', 'schedule', \
             'succeeded', 1, 'test', '{at}', '{at}', '{at}', 1, {items})"
        ))
        .unwrap();
    }
    let j = b.get("/admin/jobs").await;
    assert!(j.body.contains("2026-01-01 08:00:02"), "the run that drew: {}", j.body);
    assert!(!j.body.contains("2026-01-01 08:00:01"), "the idle run: {}", j.body);
    let admin_token = app.token("webadmin").await;
    let r = app.get("/api/v1/admin/jobs/runs?job=lottery_draw", Some(&admin_token)).await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    let o = b.get("/admin/outbox").await;
    assert_eq!(o.status, 200, "{}", o.body);
    assert!(o.body.contains("没有发送失败的邮件"), "{}", o.body);

    // Another role is refused the admin's pages.
    let fin = app.staff_token("webadmin_fin", Role::Finance).await;
    assert_eq!(Browser::signed_in(&app, &fin).get("/admin").await.status, 403);
}

#[actix_web::test]
async fn a_space_applies_keeps_its_register_and_files_statistics_from_pages() {
    let app = spawn_app().await;
    let (_, _, token) = crate::subsidies::space(&app, "webspace").await;
    let mut b = Browser::signed_in(&app, &token);
    let p = b.get("/space/apply").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("省级科技企业孵化器"), "{}", p.body);
    let p = b.get("/space/apply?scheme=national_incubator").await;
    assert!(
        p.body.contains("name=\"figures.space_area_m2\"") && p.body.contains("请选择"),
        "each figure as a field: {}",
        p.body
    );
    // The figures as typed: yes/no as chosen, numbers as text.
    let figures = crate::subsidies::figures();
    let mut fields: Vec<(String, String)> = vec![("scheme".into(), "national_incubator".into())];
    for (k, v) in figures.as_object().unwrap() {
        let typed = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        fields.push((format!("figures.{k}"), typed));
    }
    let mut bad = fields.clone();
    for (k, v) in bad.iter_mut() {
        if k == "figures.space_area_m2" {
            *v = "一万".into();
        }
    }
    let form: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = post(&mut b, &p, "/space/apply", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"apply-figures.space_area_m2-error\"")
            && r.body.contains("value=\"一万\""),
        "the figure's error at its field, what was typed kept: {}",
        r.body
    );
    assert_eq!(app.count("certification_applications"), 0);
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = post(&mut b, &p, "/space/apply", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let s = b.get(&r.location).await;
    assert!(s.body.contains("已提交") && s.body.contains("达标"), "{}", s.body);

    // The reviewer sees the rule engine's result and certifies from the queue.
    let rev = app.staff_token("webspace_rev", Role::Reviewer).await;
    let mut rb = Browser::signed_in(&app, &rev);
    let q = rb.get("/review").await;
    assert!(
        q.body.contains("规则判定：符合条件") && q.body.contains("国家级科技企业孵化器"),
        "{}",
        q.body
    );
    let app_id = id_after(&q.body, "action=\"/review/application/");
    let r = post(
        &mut rb,
        &q,
        &format!("/review/application/{app_id}"),
        &[("decision", "certify"), ("certified_on", ""), ("reason", "")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let s = b.get("/space").await;
    assert!(s.body.contains("已认定") && s.body.contains("有效"), "{}", s.body);

    // The register: a future entry date is refused at its field; a good one is listed.
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let founded = (today - chrono::Months::new(10)).to_string();
    let entered = (today - chrono::Months::new(2)).to_string();
    let code = crate::helpers::new_credit_code();
    let reg = b.get("/space/incubatees").await;
    let r = post(
        &mut b,
        &reg,
        "/space/incubatees",
        &[
            ("firm_name", "合肥星云科技有限公司"),
            ("credit_code", &code),
            ("founded_on", &founded),
            ("entered_on", &tomorrow),
            ("field", "软件"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"incubatee-entered_on-error\"")
            && r.body.contains("value=\"合肥星云科技有限公司\""),
        "{}",
        r.body
    );
    let r = post(
        &mut b,
        &reg,
        "/space/incubatees",
        &[
            ("firm_name", "合肥星云科技有限公司"),
            ("credit_code", &code),
            ("founded_on", &founded),
            ("entered_on", &entered),
            ("field", "软件"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let reg = b.get("/space/incubatees").await;
    assert!(reg.body.contains("合肥星云科技有限公司") && reg.body.contains("在孵"), "{}", reg.body);
    let inc = id_after(&reg.body, "action=\"/space/incubatees/");
    let r = post(
        &mut b,
        &reg,
        &format!("/space/incubatees/{inc}/departure"),
        &[("left_on", &today.to_string()), ("reason", "")],
    )
    .await;
    assert_eq!(r.status, 422, "a departure needs its reason: {}", r.body);
    let r2 = post(
        &mut b,
        &reg,
        &format!("/space/incubatees/{inc}/graduation"),
        &[("graduated_on", &tomorrow), ("condition", "high_tech_enterprise"), ("amount", "")],
    )
    .await;
    assert_eq!(r2.status, 422, "{}", r2.body);
    assert!(
        r2.body.contains(&format!("id=\"graduation-{inc}-graduated_on-error\"")),
        "{}",
        r2.body
    );
    assert!(r.body.contains(&format!("id=\"departure-{inc}-reason-error\"")), "{}", r.body);

    // Statistics: a missing figure is named at its field.
    let st = b.get("/space/statistics").await;
    assert_eq!(st.status, 200, "{}", st.body);
    let last_year = (today.format("%Y").to_string().parse::<i32>().unwrap() - 1).to_string();
    let r = post(&mut b, &st, "/space/statistics", &[("year", &last_year)]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("-error\"") && r.body.contains("请填报"), "{}", r.body);
    // A year that is not a year is said with the figures' errors, at once.
    let r = post(&mut b, &st, "/space/statistics", &[("year", "去年")]).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"statistics-year-error\">请填写年份") && r.body.contains("请填报"),
        "{}",
        r.body
    );
}

#[actix_web::test]
async fn a_firm_sees_its_onboarding_and_corrects_its_details_by_field() {
    let app = spawn_app().await;
    let (firm_id, _) = app.register_firm("webfirm").await;
    let token = app.token("webfirm").await;
    let mut b = Browser::signed_in(&app, &token);
    let p = b.get("/firm").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("已提交，待审核"), "{}", p.body);
    let csrf = Browser::csrf(&p);
    // The form as shown, with one figure changed.
    let mut fields: Vec<(String, String)> = Vec::new();
    for name in [
        "credit_code",
        "name",
        "legal_representative",
        "actual_controller",
        "registered_on",
        "address",
        "contact_name",
        "contact_phone",
        "contact_email",
        "employees",
        "revenue",
        "total_assets",
    ] {
        let marker = format!("name=\"{name}\" type=");
        let at = p.body.find(&marker).unwrap_or_else(|| panic!("{name}"));
        let rest = &p.body[at..];
        let v = rest.find("value=\"").unwrap() + 7;
        let end = rest[v..].find('"').unwrap();
        fields.push((name.to_string(), rest[v..v + end].to_string()));
    }
    let industry = {
        let sel = &p.body[p.body.find("name=\"industry\"").unwrap()..];
        let at = sel.find(" selected").map(|s| &sel[..s]).unwrap();
        let v = at.rfind("value=\"").unwrap() + 7;
        at[v..at.len() - 1].to_string()
    };
    fields.push(("industry".into(), industry));
    let district = {
        let sel = &p.body[p.body.find("name=\"district\"").unwrap()..];
        let at = sel.find(" selected").map(|s| &sel[..s]).unwrap();
        let v = at.rfind("value=\"").unwrap() + 7;
        at[v..at.len() - 1].to_string()
    };
    fields.push(("district".into(), district));
    let with = |employees: &str| -> Vec<(String, String)> {
        let mut f = vec![("csrf".to_string(), csrf.clone())];
        f.extend(fields.iter().map(|(k, v)| {
            (k.clone(), if k == "employees" { employees.to_string() } else { v.clone() })
        }));
        f
    };
    let bad = with("十二");
    let form: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/firm", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("id=\"profile-employees-error\"") && r.body.contains("value=\"十二\""),
        "{}",
        r.body
    );
    // An unreadable number, three required fields left empty and a malformed address:
    // all five said at once, each beside its field, and nothing saved.
    let emptied: Vec<(String, String)> = bad
        .iter()
        .map(|(k, v)| {
            let v = if ["name", "address", "contact_phone"].contains(&k.as_str()) {
                String::new()
            } else if k == "contact_email" {
                "not-an-address".to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect();
    let form: Vec<(&str, &str)> = emptied.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/firm", &form).await;
    assert_eq!(r.status, 422, "{}", r.body);
    for field in ["employees", "name", "address", "contact_phone", "contact_email"] {
        assert!(r.body.contains(&format!("id=\"profile-{field}-error\"")), "{field}: {}", r.body);
    }
    assert_eq!(app.count("audit_events WHERE action = 'firm.profile_updated'"), 0);
    let good = with("15");
    let form: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = b.post("/firm", &form).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let p = b.get(&r.location).await;
    assert!(p.body.contains("已保存") && p.body.contains("value=\"15\""), "{}", p.body);
    let mut c = app.conn();
    let f =
        hechuang::db::parties::firm(&mut c, &hechuang::domain::id::FirmId::stored(firm_id.clone()))
            .unwrap()
            .unwrap();
    assert_eq!(f.employees, 15);
}

#[actix_web::test]
async fn notices_are_published_as_csv_and_json_too() {
    let app = spawn_app().await;
    let id = app.register_provider("webnotice").await;
    let rev = app.staff_token("webnotice_rev", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{id}/listing"),
            Some(&rev),
            &serde_json::json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, headers, csv) = app.get_bytes("/public/provider-notices.csv", None).await;
    assert_eq!(status, 200);
    assert!(headers
        .get("content-type")
        .is_some_and(|v| v.to_str().unwrap().starts_with("text/csv")));
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(csv.starts_with("服务机构,统一社会信用代码"), "{csv}");
    assert!(csv.contains("webnotice"), "{csv}");
    let r = app.get("/public/provider-notices.json", None).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(r.body[0]["provider_id"], id.as_str());
    let r = app.get("/public/redemption-notices.json", None).await;
    assert_eq!(r.body, serde_json::json!([]));
    let (status, _, page) = app.get_bytes("/public/provider-notices", None).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(page.to_vec())
        .unwrap()
        .contains("href=\"&#x2f;public&#x2f;provider-notices.csv\""));
}

#[actix_web::test]
async fn the_work_pages_speak_english_when_asked_and_keep_it() {
    let app = spawn_app().await;
    let w = world(&app, "webeng").await;
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    let p = firm.get("/services?lang=en").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.set_cookies.iter().any(|c| c.starts_with("hc_lang=en")), "{:?}", p.set_cookies);
    assert!(
        p.body.contains("<html lang=\"en\">")
            && p.body.contains("Service catalogue")
            && p.body.contains("My orders")
            && p.body.contains("Order with a voucher"),
        "{}",
        p.body
    );
    assert!(
        p.body.contains("href=\"&#x2f;services?lang=zh\"")
            || p.body.contains("href=\"/services?lang=zh\""),
        "the switch back"
    );
    // The choice is kept without the query, on forms and their refusals too.
    let form = firm.get(&format!("/orders/new?service={}", w.item)).await;
    assert!(form.body.contains("Compute the split"), "{}", form.body);
    let csrf = Browser::csrf(&form);
    let r = firm
        .post(
            "/orders/new",
            &[
                ("csrf", &csrf),
                ("service_item_id", &w.item),
                ("voucher_id", &w.voucher),
                ("contract_amount", "12000.123"),
                ("note", ""),
                ("_step", "quote"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let at = r.body.find("id=\"order-contract_amount-error\">").unwrap();
    assert!(
        r.body[at..].starts_with(
            "id=\"order-contract_amount-error\">amount may have at most 2 decimal places (fen)<"
        ),
        "the refusal in English: {}",
        &r.body[at..at + 200]
    );
    let r = firm
        .post(
            "/orders/new",
            &[
                ("csrf", &csrf),
                ("service_item_id", &w.item),
                ("voucher_id", &w.voucher),
                ("contract_amount", "12000.00"),
                ("note", ""),
                ("_step", "quote"),
            ],
        )
        .await;
    assert!(
        r.body.contains("Paid by the voucher") && r.body.contains("Confirm the order"),
        "{}",
        r.body
    );
    // Back to Chinese.
    let p = firm.get("/orders?lang=zh").await;
    assert!(p.body.contains("我的订单") && p.body.contains("<html lang=\"zh-CN\">"));
    let p = firm.get("/my/vouchers").await;
    assert!(p.body.contains("我的合创券"), "{}", p.body);
    // The public batches page follows the same choice.
    let p = firm.get("/batches?lang=en").await;
    assert!(
        p.body.contains("Voucher batches") && p.body.contains("First come, first served"),
        "{}",
        p.body
    );
}

/// The decision forms not covered above: each refusal is shown next to its field, in
/// Chinese, on the same page, and changes nothing.
#[actix_web::test]
async fn every_decision_form_refuses_at_its_field() {
    let app = spawn_app().await;
    let w = world(&app, "webforms").await;
    // A firm waiting for onboarding, a provider applying, one in notice with an objection,
    // a space's certification application, a disputed order.
    let (firm_id, _) = app.register_firm("webforms_firm").await;
    let applied = app.register_provider("webforms_applied").await;
    let noticed = app.register_provider("webforms_noticed").await;
    let rev = app.staff_token("webforms_rev", Role::Reviewer).await;
    let r = app
        .post(
            &format!("/api/v1/providers/{noticed}/listing"),
            Some(&rev),
            &serde_json::json!({"action": "start_notice"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/public/provider-notices/{noticed}/objections"),
            None,
            &serde_json::json!({"objector_name": "某某企业", "objector_contact": "0551-61234567",
                                "reason": "该机构曾出具虚假检测报告"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let objection = r.body["id"].as_str().unwrap().to_string();
    let (_, _, space) = crate::subsidies::space(&app, "webforms_space").await;
    let r = app
        .post(
            "/api/v1/space/certification-applications",
            Some(&space),
            &serde_json::json!({"scheme": "provincial_incubator", "figures": crate::subsidies::figures()}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let application = r.body["id"].as_str().unwrap().to_string();
    let o = w.order(&app, "12000.00").await;
    assert_eq!(w.provider_does(&app, &o, "accept", serde_json::json!({})).await.status, 200);
    w.upload_all(&app, &o).await;
    assert_eq!(w.provider_does(&app, &o, "deliver", serde_json::json!({})).await.status, 200);
    let r = w.firm_does(&app, &o, "dispute", serde_json::json!({"reason": "报告内容不全"})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let audit_before = app.count("audit_events");
    let mut b = Browser::signed_in(&app, &rev);
    let q = b.get("/review").await;
    assert_eq!(q.status, 200, "{}", q.body);
    for (path, form, field, fields) in [
        (
            format!("/review/firm/{firm_id}"),
            format!("firm-{firm_id}"),
            "reason",
            vec![("decision", "reject"), ("reason", "  ")],
        ),
        (
            format!("/review/provider/{applied}"),
            format!("provider-{applied}"),
            "reason",
            vec![("action", "reject"), ("reason", "")],
        ),
        (
            format!("/review/objection/{objection}"),
            format!("objection-{objection}"),
            "note",
            vec![("outcome", "dismissed"), ("note", "")],
        ),
        (
            format!("/review/application/{application}"),
            format!("application-{application}"),
            "reason",
            vec![("decision", "refuse"), ("certified_on", ""), ("reason", "")],
        ),
        (
            format!("/review/application/{application}"),
            format!("application-{application}"),
            "certified_on",
            vec![("decision", "certify"), ("certified_on", "2099-01-01"), ("reason", "")],
        ),
    ] {
        let p = post(&mut b, &q, &path, &fields).await;
        assert!(p.status == 422 || p.status == 400, "{path}: {} {}", p.status, p.body);
        assert!(
            p.body.contains(&format!("id=\"{form}-{field}-error\"")),
            "{path}: the error at {field}: {}",
            p.body
        );
        assert!(p.body.contains("审核工作台"), "the same page again");
    }
    // A decision says every error at once: refusing with no reason on a future day.
    let p = post(
        &mut b,
        &q,
        &format!("/review/application/{application}"),
        &[("decision", "refuse"), ("certified_on", "2099-01-01"), ("reason", "")],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    for field in ["reason", "certified_on"] {
        assert!(
            p.body.contains(&format!("id=\"application-{application}-{field}-error\"")),
            "{field} with the other: {}",
            p.body
        );
    }
    // The dispute is resolved on the order page; a note is needed.
    let op = b.get(&format!("/orders/{o}")).await;
    let p = post(
        &mut b,
        &op,
        &format!("/orders/{o}/resolve"),
        &[("outcome", "delivered"), ("note", "")],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"resolve-note-error\""), "{}", p.body);

    // The provider's cancel needs its reason; the catalogue editor refuses a bad price.
    let mut prov = Browser::signed_in(&app, &w.provider_token);
    let o2 = w.order(&app, "3000.00").await;
    let op = prov.get(&format!("/orders/{o2}")).await;
    let p = post(&mut prov, &op, &format!("/orders/{o2}/cancel"), &[("reason", "")]).await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(p.body.contains("id=\"cancel-reason-error\""), "{}", p.body);
    let e = prov.get(&format!("/provider/services/{}", w.item)).await;
    let p = post(
        &mut prov,
        &e,
        &format!("/provider/services/{}", w.item),
        &[
            ("category", "patent"),
            ("title", "发明专利申请代理"),
            ("description", "撰写与答复"),
            ("list_price", "-1"),
            ("delivery_days", "60"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"item-list_price-error\"") && p.body.contains("value=\"-1\""),
        "{}",
        p.body
    );

    // Nothing above changed anything.
    assert_eq!(app.count("audit_events"), audit_before + 1, "only the second order was placed");
    let r = app.get(&format!("/api/v1/orders/{o2}"), Some(&w.provider_token)).await;
    assert_eq!(r.body["status"], "requested");
    let r = app.get(&format!("/api/v1/orders/{o}"), Some(&w.provider_token)).await;
    assert_eq!(r.body["status"], "disputed");
}

#[actix_web::test]
async fn the_public_pages_follow_the_language_chosen_on_any_page() {
    let app = spawn_app().await;
    let mut b = Browser::new(&app);
    let p = b.get("/public/certifications?lang=en").await;
    assert!(p.body.contains("<html lang=\"en\">"), "{}", p.body);
    assert!(b.jar.get("hc_lang").is_some_and(|v| v == "en"));
    // Without the query the choice holds, on public and sign-in pages alike.
    for path in [
        "/",
        "/public/subsidies",
        "/public/redemptions",
        "/batches",
        "/login",
        "/public/provider-notices",
    ] {
        let p = b.get(path).await;
        assert!(p.body.contains("<html lang=\"en\">"), "{path}: {}", p.body);
    }
    let p = b.get("/public/subsidies?lang=zh").await;
    assert!(p.body.contains("<html lang=\"zh-CN\">"));
    let p = b.get("/").await;
    assert!(p.body.contains("<html lang=\"zh-CN\">") && p.body.contains("信息公示"));
}

/// Every page, for every role that opens it, carries the same security headers.
#[actix_web::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    let w = world(&app, "webhdr").await;
    let order = w.order(&app, "3000.00").await;
    let rev = app.staff_token("webhdr_rev", Role::Reviewer).await;
    let fin = app.staff_token("webhdr_fin", Role::Finance).await;
    let admin = app.token("admin_webhdr").await;
    let (_, _, space) = crate::subsidies::space(&app, "webhdr_space").await;
    let pages: Vec<(Option<&str>, String)> = vec![
        (None, "/".into()),
        (None, "/login".into()),
        (None, "/batches".into()),
        (None, "/public/certifications".into()),
        (None, "/public/subsidies".into()),
        (None, "/public/redemptions".into()),
        (None, "/public/provider-notices".into()),
        (None, "/public/redemption-notices".into()),
        (None, "/public/awards/latest".into()),
        (Some(&w.firm.token), "/firm".into()),
        (Some(&w.firm.token), "/my/vouchers".into()),
        (Some(&w.firm.token), "/services".into()),
        (Some(&w.firm.token), format!("/orders/new?service={}", w.item)),
        (Some(&w.firm.token), "/orders".into()),
        (Some(&w.firm.token), format!("/orders/{order}")),
        (Some(&w.firm.token), "/account".into()),
        (Some(&w.firm.token), "/admin".into()),
        (Some(&w.provider_token), "/provider".into()),
        (Some(&w.provider_token), "/provider/services".into()),
        (Some(&w.provider_token), format!("/provider/services/{}", w.item)),
        (Some(&w.provider_token), "/provider/redemptions".into()),
        (Some(&rev), "/review".into()),
        (Some(&fin), "/finance".into()),
        (Some(&fin), "/finance/report".into()),
        (Some(&admin), "/admin".into()),
        (Some(&admin), "/admin/users".into()),
        (Some(&admin), "/admin/outbox".into()),
        (Some(&admin), "/admin/jobs".into()),
        (Some(&space), "/space".into()),
        (Some(&space), "/space/apply?scheme=national_incubator".into()),
        (Some(&space), "/space/incubatees".into()),
        (Some(&space), "/space/statistics".into()),
    ];
    for (token, path) in pages {
        let mut req = app.client.get(app.url(&path));
        if let Some(t) = token {
            req = req.insert_header(("cookie", format!("hc_access={t}")));
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        assert!(status == 200 || status == 403, "{path}: {status}");
        let h = |n: &str| {
            res.headers().get(n).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
        };
        let csp = h("content-security-policy");
        for part in [
            "default-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(part), "{path}: CSP {csp:?} lacks {part}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{path}: {csp}");
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert!(h("content-type").starts_with("text/html"), "{path}");
    }
}

/// A form with a field left empty and another the use case refuses says both at once,
/// and keeps nothing (the use case's check ran on stand-ins and was rolled back).
#[actix_web::test]
async fn a_service_form_says_every_error_at_once_and_keeps_nothing() {
    let app = spawn_app().await;
    let w = world(&app, "allatonce").await;
    let mut prov = Browser::signed_in(&app, &w.provider_token);
    let page = prov.get("/provider/services").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let items = app.count("service_items");
    let audit = app.count("audit_events");
    let p = post(
        &mut prov,
        &page,
        "/provider/services",
        &[
            ("category", "patent"),
            ("title", ""),
            ("description", "说明"),
            ("list_price", "-5.00"),
            ("delivery_days", "30"),
            ("active", "true"),
        ],
    )
    .await;
    assert_eq!(p.status, 422, "{}", p.body);
    assert!(
        p.body.contains("id=\"item-title-error\"")
            && p.body.contains("id=\"item-list_price-error\""),
        "both errors at once: {}",
        p.body
    );
    assert_eq!(app.count("service_items"), items, "nothing kept");
    assert_eq!(app.count("audit_events"), audit, "nothing audited");
}

#[actix_web::test]
async fn the_auditor_finds_events_by_filter_verifies_the_chain_and_exports() {
    let app = spawn_app().await;
    let w = world(&app, "aud").await;
    let order = w.order(&app, "12000.00").await;
    assert_eq!(w.provider_does(&app, &order, "accept", serde_json::json!({})).await.status, 200);
    app.staff("auditor_a", Role::Auditor);
    let token = app.token("auditor_a").await;
    let mut b = Browser::signed_in(&app, &token);
    // Reached from the auditor's header.
    let home = b.get("/home").await;
    assert!(home.body.contains("href=\"&#x2f;audit\">审计日志</a>"), "{}", home.body);
    let all = b.get("/audit").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert!(all.body.contains("审计日志") && all.body.contains("order.requested"), "{}", all.body);

    // By who acted and by a family of actions: the provider's acceptance, nothing else.
    let provider = "aud";
    let mine = b.get(&format!("/audit?actor={provider}&action=order.")).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert!(mine.body.contains("order.accepted") && mine.body.contains(&order), "{}", mine.body);
    assert!(
        !mine.body.contains("order.requested"),
        "the firm's request is not the provider's: {}",
        mine.body
    );
    assert!(mine.body.contains("订单") && mine.body.contains("变更前后"), "{}", mine.body);
    // Each action in words, its code beside it.
    assert!(
        mine.body.contains("机构接单 <code class=\"small\">order.accepted</code>"),
        "{}",
        mine.body
    );
    // By record, and by China days (today's events; none tomorrow).
    let today = hechuang::domain::china_time(app.clock.now()).date();
    let by_record =
        b.get(&format!("/audit?entity_type=order&entity_id={order}&from={today}&to={today}")).await;
    assert!(
        by_record.body.contains("order.requested") && by_record.body.contains("order.accepted"),
        "{}",
        by_record.body
    );
    let tomorrow = today.succ_opt().unwrap();
    let none = b.get(&format!("/audit?entity_type=order&entity_id={order}&from={tomorrow}")).await;
    assert!(none.body.contains("没有符合条件的记录"), "{}", none.body);

    // Bad parts of the filter are said beside their fields.
    let bad = b.get("/audit?from=2026-13-01&actor=nobody_at_all&action=Order%20x").await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in ["from", "actor", "action"] {
        assert!(
            bad.body.contains(&format!("id=\"filter-{field}-error\"")),
            "{field}: {}",
            bad.body
        );
    }
    assert!(bad.body.contains("value=\"nobody_at_all\""), "what was typed is kept: {}", bad.body);

    // The chain, verified on request.
    let checked = b.get("/audit?verify=1").await;
    assert!(checked.body.contains("审计链完整"), "{}", checked.body);

    // The filtered list as CSV; the same filter in the API.
    let csv = b.get(&format!("/audit/export?actor={provider}&action=order.")).await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains("序号,时间（北京时间）,操作人") && csv.body.contains("order.accepted"),
        "{}",
        csv.body
    );
    assert!(!csv.body.contains("order.requested"), "{}", csv.body);
    let r = app
        .get(&format!("/api/v1/audit/events?actor={provider}&action=order."), Some(&token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let actions: Vec<&str> =
        r.body.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["order.accepted"]);
    let r = app.get("/api/v1/audit/events?to=2026-02-30", Some(&token)).await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "date_invalid"), "{}", r.body);

    // The language switch keeps the filter and the page answers in English.
    let en = b.get(&format!("/audit?actor={provider}&lang=en")).await;
    assert_eq!(en.status, 200, "{}", en.body);
    assert!(en.body.contains("Audit trail") && en.body.contains("order.accepted"), "{}", en.body);
    let _ = b.get("/audit?lang=zh").await;

    // Not a page for a firm.
    let mut firm = Browser::signed_in(&app, &w.firm.token);
    assert_eq!(firm.get("/audit").await.status, 403);
}

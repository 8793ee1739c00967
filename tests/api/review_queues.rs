//! The review desk's queues each have a page of their own: the longest waiting on the
//! desk with the count and a link; on the queue's page every waiting record with the
//! work list's search, days, orders, pages and files, and the same decision forms, whose
//! answers come back to the queue's page as it was asked.

use crate::claims::bulk_firms;
use crate::helpers::spawn_app;
use crate::web::Browser;
use hechuang::domain::Role;

fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("q", s)]).unwrap()
}

fn forms_for_firms(body: &str) -> usize {
    body.matches("action=\"/review/firm/").count()
}

#[actix_web::test]
async fn a_queue_has_its_own_page_searched_paged_and_downloaded_and_decisions_return_to_it() {
    let app = spawn_app().await;
    let firms = bulk_firms(&app, 25, "small", false, None);
    let reviewer = app.staff_token("rq_rev", Role::Reviewer).await;
    let mut b = Browser::signed_in(&app, &reviewer);

    // The desk: the 20 waiting longest, the count, and the way to the rest.
    let desk = b.get("/review").await;
    assert_eq!(desk.status, 200);
    assert_eq!(forms_for_firms(&desk.body), 20);
    assert!(desk.body.contains("这里是等待最久的 20 项，共 25 项"), "{}", desk.body);
    let links = desk.body.replace("&#x2f;", "/");
    assert!(links.contains("id=\"queue-firms-all\" href=\"/review/firms\""), "{links}");
    assert!(links.contains("id=\"queue-items-all\" href=\"/review/items\""), "{links}");

    // The queue's page: every one, 20 a page, with the total, pager and downloads.
    let p = b.get("/review/firms").await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert!(p.body.contains("共 25 条"), "{}", p.body);
    assert_eq!(forms_for_firms(&p.body), 20);
    assert!(p.body.contains("id=\"list-next\""), "a pager");
    assert!(p.body.contains("id=\"filter-q\""), "a search box");
    assert!(!p.body.contains("id=\"q-disputes\""), "only this queue");
    let p2 = b.get("/review/firms?page=2").await;
    assert_eq!(forms_for_firms(&p2.body), 5);
    // Oldest first: the desk's first is the page's first; newest first reverses it.
    let first_id = |body: &str| {
        let at = body.find("action=\"/review/firm/").unwrap() + 21;
        body[at..at + 36].split('"').next().unwrap().to_string()
    };
    assert_eq!(first_id(&desk.body), first_id(&p.body));
    let newest = b.get("/review/firms?sort=newest").await;
    assert_ne!(first_id(&newest.body), first_id(&p.body));

    // Searched by name: one.
    let found = b.get(&format!("/review/firms?{}", enc("合肥测试企业7"))).await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("共 1 条"), "{}", found.body);
    assert_eq!(forms_for_firms(&found.body), 1);
    let one = first_id(&found.body);
    assert!(firms.iter().any(|f| f.id == one));
    // A state asked for is the queue's own whatever it says; a bad order is refused
    // beside its field with the queue's first page.
    let p = b.get("/review/firms?status=onboarded").await;
    assert!(p.body.contains("共 25 条"), "the queue's state is fixed");
    let bad = b.get("/review/firms?sort=cheapest").await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"filter-sort-error\""), "{}", bad.body);
    assert_eq!(forms_for_firms(&bad.body), 20);

    // The download is the filtered queue.
    let csv = b.get(&format!("/review/firms/export?{}&format=csv", enc("合肥测试企业7"))).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("合肥测试企业7"), "{}", csv.body);
    assert!(!csv.body.contains("合肥测试企业8"), "{}", csv.body);
    let xlsx = b.get("/review/firms/export?format=xlsx").await;
    assert!(xlsx.body.starts_with("PK"), "a spreadsheet");

    // A decision from the searched page returns to it, the firm gone from the queue.
    let csrf = Browser::csrf(&found);
    let back = format!("/review/firms?{}", enc("合肥测试企业7"));
    let r = b
        .post(
            &format!("/review/firm/{one}"),
            &[("csrf", &csrf), ("_back", &back), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location, format!("{back}&done=decided"));
    let after = b.get(&back).await;
    assert!(after.body.contains("共 0 条"), "{}", after.body);
    // A refused decision on page 2 comes back on page 2, beside that firm's form.
    let p2 = b.get("/review/firms?page=2").await;
    let on_two = first_id(&p2.body);
    let r = b
        .post(
            &format!("/review/firm/{on_two}"),
            &[("csrf", &Browser::csrf(&p2)), ("_back", "/review/firms?page=2"), ("decision", "")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains(&format!("id=\"firm-{on_two}-decision-error\"")), "{}", r.body);
    assert!(r.body.contains("共 24 条") && r.body.contains("id=\"list-prev\""), "{}", r.body);
    // Anywhere else to go back to is the desk.
    let p = b.get("/review/firms?page=2").await;
    let r = b
        .post(
            &format!("/review/firm/{}", first_id(&p.body)),
            &[
                ("csrf", &Browser::csrf(&p)),
                ("_back", "https://example.com/"),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(r.location, "/review?done=decided");

    // Every queue has its page; nothing else does; only reviewers and admins see them.
    for q in ["items", "providers", "notice", "applications"] {
        let p = b.get(&format!("/review/{q}")).await;
        assert_eq!(p.status, 200, "{q}: {}", p.body);
        assert!(p.body.contains("共 0 条"), "{q}");
        let f = b.get(&format!("/review/{q}/export?format=csv")).await;
        assert_eq!(f.status, 200, "{q}");
    }
    assert_eq!(b.get("/review/everything").await.status, 404);
    let finance = app.staff_token("rq_fin", Role::Finance).await;
    let mut other = Browser::signed_in(&app, &finance);
    assert_ne!(other.get("/review/firms").await.status, 200);
    assert!(!other.get("/review/firms/export?format=xlsx").await.body.starts_with("PK"));
}

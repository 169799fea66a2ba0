//! `TestApp`: the router over a fresh database, a controllable clock, and an SMTP sink; and
//! `Client`: a browser-like client bound to one host, keeping its session cookie.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chapterhouse_app::jobs::Worker;
use chapterhouse_app::societies::NewSocietyForm;
use chapterhouse_app::{Actor, App, LinkSettings};
use chapterhouse_core::signing::Signer;
use chapterhouse_core::time::FixedClock;
use chapterhouse_mail::{Mailer, SmtpConfig, SmtpTls};
use chapterhouse_store::{Society, Store};
use chapterhouse_testkit::{ReceivedMail, SmtpSink, TestDb, test_db};
use chapterhouse_web::{AppState, WebConfig};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub const PASSWORD: &str = "a long test password";

pub struct TestApp {
    pub router: Router,
    pub app: App,
    pub clock: Arc<FixedClock>,
    pub smtp: SmtpSink,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(WebConfig::default()).await
    }

    pub async fn with_config(config: WebConfig) -> TestApp {
        let db = test_db().await;
        let smtp = SmtpSink::start().await.expect("SMTP sink");
        let mailer = Mailer::smtp(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: smtp.port(),
            username: None,
            password: None,
            tls: SmtpTls::None,
            dkim: None,
            timeout_secs: 5,
        })
        .expect("mailer");
        let clock = FixedClock::at_rfc3339("2026-11-21T15:00:00Z");
        let app = App {
            store: Store::new(db.db.clone()),
            clock: clock.clone(),
            signer: Arc::new(Signer::new(b"test secret key that is long enough")),
            secrets: chapterhouse_app::secrets::SecretBox::from_deployment_secret(
                b"test secret key that is long enough",
            ),
            mailer,
            links: LinkSettings {
                scheme: "https".into(),
                port_suffix: String::new(),
            },
        };
        let router = chapterhouse_web::router(AppState::new(app.clone(), config));
        TestApp {
            router,
            app,
            clock,
            smtp,
            db,
        }
    }

    /// A society with an owner whose password is [`PASSWORD`].
    pub async fn society(&self, slug: &str) -> Society {
        let form = NewSocietyForm {
            name: format!("{} Oncology Society", slug.to_uppercase()),
            short_name: slug.to_uppercase(),
            slug: slug.into(),
            host: format!("{slug}.test"),
            time_zone: "America/Chicago".into(),
            email: format!("office@{slug}.test"),
            postal_address: "100 Main Street\nSpringfield".into(),
            phone: "(555) 010-0000".into(),
            owner_name: format!("Owner of {slug}"),
            owner_email: format!("owner@{slug}.test"),
            owner_password: PASSWORD.into(),
        };
        let (society, _) =
            chapterhouse_app::societies::create_society(&self.app, &form, &Actor::default())
                .await
                .expect("create society");
        society
    }

    pub async fn add_account(&self, society: &Society, email: &str, role: chapterhouse_core::Role) {
        chapterhouse_app::accounts::create_account(
            &self.app,
            &self.app.scoped(society),
            chapterhouse_app::accounts::NewAccountInput {
                email: email.into(),
                display_name: format!("Person {email}"),
                role,
                is_operator: false,
                password: Some(PASSWORD.into()),
            },
            &Actor::default(),
        )
        .await
        .expect("create account");
    }

    pub async fn add_page(&self, society: &Society, slug: &str, title: &str, body: &str) {
        let form = chapterhouse_app::pages::PageForm {
            title: title.into(),
            slug: slug.into(),
            body: body.into(),
            menu_label: title.into(),
            published: Some("on".into()),
            ..Default::default()
        };
        chapterhouse_app::pages::create_page(
            &self.app,
            &self.app.scoped(society),
            &form,
            &Actor::default(),
        )
        .await
        .expect("page");
    }

    pub fn client(&self, host: &str) -> Client {
        Client {
            router: self.router.clone(),
            host: host.into(),
            cookie: None,
            csrf: None,
        }
    }

    /// Run queued jobs (mail) now, and return what the SMTP sink received in all.
    pub async fn deliver_mail(&self, expected_total: usize) -> Vec<ReceivedMail> {
        let worker = Worker::new(self.app.clone());
        while worker.run_once().await.expect("worker") > 0 {}
        self.smtp
            .wait_for(expected_total, Duration::from_secs(5))
            .await
            .expect("mail arrives")
    }
}

#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    pub fn csrf(&self) -> Option<String> {
        let re = regex_lite::Regex::new(r#"name="csrf" value="([^"]+)""#).unwrap();
        re.captures(&self.body).map(|c| c[1].to_string())
    }
}

/// A browser on one host: keeps the session cookie and the latest CSRF token it was given.
#[derive(Clone)]
pub struct Client {
    router: Router,
    pub host: String,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

impl Client {
    pub async fn send(&mut self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap_or("");
            if let Some(rest) = set.strip_prefix("ch_session=") {
                let value = rest.split(';').next().unwrap_or("");
                self.cookie = (!value.is_empty()).then(|| value.to_string());
            }
        }
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = String::from_utf8_lossy(&bytes).to_string();
        let response = TestResponse {
            status,
            headers,
            body,
        };
        if let Some(token) = response.csrf() {
            self.csrf = Some(token);
        }
        response
    }

    fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host);
        if let Some(cookie) = &self.cookie {
            builder = builder.header(header::COOKIE, format!("ch_session={cookie}"));
        }
        builder
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn post_raw(&mut self, path: &str, body: String) -> TestResponse {
        let request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// POST a form with the CSRF token from the last page this client saw (fetching `/sign-in`
    /// first when it has none, as a browser would have loaded some form).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        if self.csrf.is_none() {
            self.get("/sign-in").await;
        }
        let token = self.csrf.clone().unwrap_or_default();
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        pairs.extend_from_slice(fields);
        let body = serde_urlencoded(&pairs);
        self.post_raw(path, body).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> TestResponse {
        self.get("/sign-in").await;
        let response = self
            .post("/sign-in", &[("email", email), ("password", password)])
            .await;
        // Pages after sign-in carry a token bound to the new session.
        self.csrf = None;
        if response.status == StatusCode::SEE_OTHER {
            let next = response.location();
            self.get(&next).await;
        }
        response
    }
}

pub fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The first link in a mail body that starts with `prefix`.
pub fn link_in(mail: &ReceivedMail, prefix: &str) -> String {
    let text = mail.body_text();
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no link starting {prefix} in:\n{text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// The path of an absolute URL.
pub fn path_of(url: &str) -> String {
    let without_scheme = url.split("://").nth(1).unwrap_or(url);
    format!(
        "/{}",
        without_scheme.split_once('/').map(|(_, p)| p).unwrap_or("")
    )
}

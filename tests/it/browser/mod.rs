//! A real headless Chromium driven through chromedriver. One chromedriver
//! per test binary (started on first use, on a free port, and gone with the
//! test process); one browser per test with a fresh profile; browser tests
//! take turns.
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One browser at a time: Chromium is heavy and CI has two cores.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
static DRIVER: OnceLock<Driver> = OnceLock::new();

struct Driver {
    url: String,
    _child: Child,
}

fn driver() -> &'static Driver {
    DRIVER.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        // The parent-death signal follows the thread that spawned the
        // child, so a thread that lives as long as the process spawns it.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(spawn_driver(port));
            loop {
                std::thread::park();
            }
        });
        let child = rx.recv().expect("the driver thread");
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { url, _child: child }
    })
}

fn spawn_driver(port: u16) -> Child {
    let mut command = Command::new("chromedriver");
    command
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Ends with the test process, however that ends.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    command
        .spawn()
        .expect("chromedriver (Debian's chromium-driver) is installed")
}

/// A browser session; closed when the test calls [`Browser::close`].
pub struct Browser {
    pub c: Client,
    pub base: String,
    /// To end the session from `Drop` when a test fails half way.
    session: Option<String>,
    /// The turn of browser tests (the second of a pair holds none).
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A fresh headless Chromium, `width` pixels wide, for the site at `base`.
    pub async fn open(base: &str, width: u32) -> Browser {
        let turn = TURN.lock().await;
        Self::session(base, width, Some(turn)).await
    }

    /// Two browsers in one turn, for two people at once (close both).
    pub async fn open_pair(base: &str, width: u32) -> (Browser, Browser) {
        let first = Self::open(base, width).await;
        let second = Self::session(base, width, None).await;
        (first, second)
    }

    async fn session(
        base: &str,
        width: u32,
        turn: Option<tokio::sync::MutexGuard<'static, ()>>,
    ) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let args = serde_json::json!([
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            format!("--window-size={width},900"),
            format!("--user-data-dir={}", profile.path().display()),
        ]);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({"args": args}),
        );
        let c = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver().url)
            .await
            .expect("a Chromium session");
        let session = c.session_id().await.ok().flatten();
        Browser {
            c,
            session,
            base: base.trim_end_matches('/').to_owned(),
            _turn: turn,
            _profile: profile,
        }
    }

    pub async fn go(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    pub async fn path(&self) -> String {
        let url = self.c.current_url().await.expect("current url");
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        format!("{}{query}", url.path())
    }

    /// The page's visible text (empty while a page is being replaced).
    pub async fn text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// The text of the first element `css` selects.
    pub async fn text_of(&self, css: &str) -> String {
        let found = self.c.find(Locator::Css(css)).await;
        let element = found.unwrap_or_else(|e| panic!("an element {css}: {e}"));
        element.text().await.unwrap_or_default()
    }

    /// The current value of the first field `css` selects.
    pub async fn value(&self, css: &str) -> String {
        let found = self.c.find(Locator::Css(css)).await;
        let field = found.unwrap_or_else(|e| panic!("a field {css}: {e}"));
        field.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Waits until the page's text contains `needle`.
    pub async fn wait_text(&self, needle: &str) {
        let start = Instant::now();
        loop {
            if self.text().await.contains(needle) {
                return;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!(
                    "{needle:?} never showed on {}: {}",
                    self.path().await,
                    self.text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fills the field labelled by `label`'s `for`, found by its name.
    pub async fn fill(&self, name: &str, value: &str) {
        let field = self
            .c
            .find(Locator::Css(&format!("[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("a field named {name}: {e}"));
        field.clear().await.ok();
        field.send_keys(value).await.expect("typing");
    }

    /// Clicks the button or link whose text is `text`.
    pub async fn click(&self, text: &str) {
        let xpath = format!(
            "//button[normalize-space(.)='{text}'] | //a[normalize-space(.)='{text}'] | //a[.//*[normalize-space(.)='{text}']]"
        );
        self.c
            .find(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|e| panic!("something to click named {text:?}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// Picks `value` in the select named `name`.
    pub async fn choose(&self, name: &str, value: &str) {
        self.c
            .find(Locator::Css(&format!("select[name='{name}']")))
            .await
            .unwrap_or_else(|e| panic!("a select named {name}: {e}"))
            .select_by_value(value)
            .await
            .expect("select");
    }

    /// Saves a screenshot as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Every resource the page loaded came from its own origin.
    pub async fn loaded_only_from_here(&self) -> Vec<String> {
        let urls = self
            .c
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .await
            .expect("resource list");
        let urls: Vec<String> = serde_json::from_value(urls).unwrap_or_default();
        urls.into_iter()
            .filter(|u| !u.starts_with(&self.base))
            .collect()
    }

    /// `target/screenshots/<name>.png`: these browsers' pages side by side
    /// (drawn by the first of them).
    pub async fn screenshot_side_by_side(&self, others: &[&Browser], name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let mut imgs = String::new();
        for (n, b) in std::iter::once(self)
            .chain(others.iter().copied())
            .enumerate()
        {
            let file = format!("{name}-{n}.png");
            let png = b.c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(&file), png).expect("write screenshot");
            imgs.push_str(&format!("<img src=\"{file}\">"));
        }
        let page = dir.join(format!("{name}.html"));
        std::fs::write(
            &page,
            format!("<body style=\"margin:0;display:flex;gap:8px;background:#888\">{imgs}</body>"),
        )
        .expect("write the page");
        let back = self.c.current_url().await.expect("url");
        let size = self.c.get_window_size().await.expect("window size");
        let wide = (size.0 + 8) * (others.len() as u64 + 1);
        self.c
            .set_window_size(wide as u32, size.1 as u32)
            .await
            .expect("resize");
        self.c
            .goto(&format!("file://{}", page.display()))
            .await
            .expect("open the page");
        self.screenshot(name).await;
        self.c
            .set_window_size(size.0 as u32, size.1 as u32)
            .await
            .expect("resize");
        self.c.goto(back.as_str()).await.expect("back");
    }

    pub async fn close(mut self) {
        if self.c.clone().close().await.is_ok() {
            self.session = None;
        }
    }
}

impl Drop for Browser {
    /// A test that failed half way still ends its Chromium: chromedriver is
    /// told so directly, as the async client cannot be awaited here.
    fn drop(&mut self) {
        use std::io::{Read, Write};
        let Some(id) = self.session.take() else {
            return;
        };
        let Some(addr) = driver().url.strip_prefix("http://") else {
            return;
        };
        if let Ok(mut s) = std::net::TcpStream::connect(addr) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let request = format!(
                "DELETE /session/{id} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = s.write_all(request.as_bytes());
            let _ = s.read_to_end(&mut Vec::new());
        }
    }
}

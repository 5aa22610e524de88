//! A generator of realistic support mail: new threads, replies that quote
//! and reference earlier mail, auto-replies and mail from a banned domain.
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub const BANNED: &str = "@spam.example";

const WORDS: &[&str] = &[
    "invoice",
    "order",
    "shipping",
    "refund",
    "account",
    "password",
    "login",
    "printer",
    "delivery",
    "the",
    "my",
    "is",
    "not",
    "working",
    "since",
    "yesterday",
    "please",
    "help",
    "could",
    "you",
    "check",
    "again",
    "thanks",
    "error",
    "message",
    "when",
    "I",
    "try",
    "to",
    "open",
    "page",
    "customer",
    "number",
    "attached",
    "screenshot",
    "urgent",
    "payment",
    "card",
    "declined",
    "and",
];

struct Thread {
    subject: String,
    customer: String,
    ids: Vec<String>,
}

pub struct Corpus {
    rng: StdRng,
    left: usize,
    n: usize,
    threads: Vec<Thread>,
}

impl Corpus {
    pub fn new(seed: u64, count: usize) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            left: count,
            n: 0,
            threads: Vec::new(),
        }
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s: Vec<&str> = (0..words)
            .map(|_| WORDS[self.rng.random_range(0..WORDS.len())])
            .collect();
        if let Some(first) = s.first_mut() {
            *first = "Hello";
        }
        s.join(" ") + "."
    }

    fn body(&mut self) -> String {
        let paragraphs = self.rng.random_range(2..5);
        (0..paragraphs)
            .map(|_| {
                (0..3)
                    .map(|_| self.sentence(14))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    fn next_mail(&mut self) -> Vec<u8> {
        self.n += 1;
        let n = self.n;
        let roll = self.rng.random_range(0..100);
        let id = format!(
            "{n}.{}@mail.customer{}.example",
            self.rng.random::<u32>(),
            n % 97
        );
        let body = self.body();
        if roll < 2 {
            return mail(
                &format!("Spam {n}"),
                &format!("bot{n}{BANNED}"),
                &id,
                "",
                &body,
                "",
            );
        }
        if roll < 32 && !self.threads.is_empty() {
            let t = self.rng.random_range(0..self.threads.len());
            let auto = roll < 5;
            let opening = self.sentence(12);
            let thread = &mut self.threads[t];
            let refs = thread
                .ids
                .iter()
                .map(|i| format!("<{i}>"))
                .collect::<Vec<_>>()
                .join(" ");
            let last = thread.ids.last().cloned().unwrap_or_default();
            let headers = format!("In-Reply-To: <{last}>\r\nReferences: {refs}\r\n");
            let (subject, extra, text) = if auto {
                (
                    format!("Out of Office: {}", thread.subject),
                    "Auto-Submitted: auto-replied\r\n",
                    "I am away until Monday.".to_string(),
                )
            } else {
                let quoted: String = body.lines().map(|l| format!("> {l}\n")).collect();
                (
                    format!("Re: {}", thread.subject),
                    "",
                    format!(
                        "{}\n\nOn Mon, 3 Mar 2025 at 10:00, Support <support@example.com> wrote:\n{quoted}",
                        opening
                    ),
                )
            };
            let customer = thread.customer.clone();
            thread.ids.push(id.clone());
            return mail(&subject, &customer, &id, &headers, &text, extra);
        }
        let subject = format!("Order {n}: {}", self.sentence(5).trim_end_matches('.'));
        let customer = format!("customer{}@customer{}.example", n, n % 97);
        self.threads.push(Thread {
            subject: subject.clone(),
            customer: customer.clone(),
            ids: vec![id.clone()],
        });
        mail(&subject, &customer, &id, "", &body, "")
    }
}

fn mail(subject: &str, from: &str, id: &str, thread: &str, text: &str, extra: &str) -> Vec<u8> {
    let html: String = text.split("\n\n").map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "Received: from mx.customer.example (mx.customer.example [192.0.2.10])\r\n\tby mx.example.com with ESMTPS id 4Xy7; Mon, 3 Mar 2025 10:00:00 +0000\r\n\
         DKIM-Signature: v=1; a=rsa-sha256; d=customer.example; s=sel; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==\r\n\
         From: \"A Customer\" <{from}>\r\nTo: Support <support@example.com>\r\nSubject: {subject}\r\n\
         Date: Mon, 3 Mar 2025 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n{thread}{extra}MIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n\
         --b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
         --b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{html}</body></html>\r\n--b1--\r\n"
    )
    .into_bytes()
}

impl Iterator for Corpus {
    type Item = anyhow::Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(Ok(self.next_mail()))
    }
}

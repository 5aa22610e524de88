//! GET attachments/{id}: the bytes as stored, streamed in pieces (migration
//! 0015), whatever their size against the piece size; a part not kept is
//! gone (410) with its reason.
use super::ADMIN_TOKEN;
use super::tickets_support::Desk;
use postdesk::ingest::Limits;
use postdesk::store::messages::PIECE_BYTES;

/// Bytes that differ from piece to piece, so a piece out of order shows.
fn bytes(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|n| (n.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
        .collect()
}

fn mail_with(message_id: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut raw = format!(
        "From: ana@souza.example\r\nTo: support@example.com\r\nSubject: Files\r\n\
         Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe files.\r\n"
    );
    for (name, data) in files {
        let b64 = data_encoding::BASE64.encode(data);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        raw.push_str(&format!(
            "--b\r\nContent-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            lines.join("\r\n")
        ));
    }
    raw.push_str("--b--\r\n");
    raw.into_bytes()
}

async fn attachment_ids(desk: &Desk, ticket: i64) -> Vec<(String, i64)> {
    let thread = desk
        .api
        .get(&format!("/api/v1/tickets/{ticket}/messages"))
        .await
        .expect(200);
    thread["items"][0]["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["filename"].as_str().unwrap().to_string(),
                a["id"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn attachments_of_every_size_download_intact_and_a_dropped_one_is_gone() {
    let limit = 3 * PIECE_BYTES + 10;
    let desk = Desk::with_limits(Limits {
        max_attachment_bytes: limit,
    })
    .await;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("small.bin", bytes(70, 1)),
        ("two-pieces.bin", bytes(2 * PIECE_BYTES, 2)),
        ("three-and-a-bit.bin", bytes(2 * PIECE_BYTES + 12_345, 3)),
        ("at-the-limit.bin", bytes(limit, 4)),
        ("too-big.bin", bytes(limit + 1, 5)),
    ];
    let listed: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    let first = desk
        .ingest(mail_with("files-1@souza.example", &listed))
        .await;
    // The same content again, on another ticket: stored once, read twice.
    let second = desk
        .ingest(mail_with("files-2@souza.example", &listed[1..3]))
        .await;
    assert_ne!(first, second);
    let client = reqwest::Client::new();
    let ids = [
        attachment_ids(&desk, first).await,
        attachment_ids(&desk, second).await,
    ]
    .concat();
    assert_eq!(ids.len(), 7, "{ids:?}");
    for (name, id) in ids {
        let answer = client
            .get(format!("{}/api/v1/attachments/{id}", desk.api.base))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let want = &files.iter().find(|(n, _)| *n == name).unwrap().1;
        if name == "too-big.bin" {
            assert_eq!(answer.status(), 410);
            let body = answer.text().await.unwrap();
            assert!(body.contains("limit"), "{body}");
            continue;
        }
        assert_eq!(answer.status(), 200, "{name}");
        let h = answer.headers();
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(
            h["content-length"].to_str().unwrap(),
            want.len().to_string(),
            "{name}"
        );
        assert!(
            h["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!("filename=\"{name}\""))
        );
        let got = answer.bytes().await.unwrap();
        assert!(got.as_ref() == want.as_slice(), "{name}: bytes intact");
    }
    let pieces = desk.api.store().count("attachment_chunks").await.unwrap();
    // Stored once each: 1 + 2 + 3 pieces beyond each first piece.
    assert_eq!(pieces, 1 + 2 + 3, "pieces past the first");
    let missing = desk.api.get("/api/v1/attachments/999999").await;
    assert_eq!(missing.status, 404);
}

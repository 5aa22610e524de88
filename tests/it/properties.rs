use crate::support::{TestDb, fixture};
use postdesk::mail::{inspect::inspect, parse};
use proptest::prelude::*;

const FIXTURES: &[&str] = &[
    "gmail_new.eml",
    "gmail_reply.eml",
    "outlook_reply_de.eml",
    "apple_reply.eml",
    "html_only_latin1.eml",
    "dsn_bounce.eml",
    "attachments.eml",
    "vacation.eml",
];

/// A real message with bytes flipped, cut, duplicated or inserted.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..FIXTURES.len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..24),
    )
        .prop_map(|(f, edits)| {
            let mut raw = fixture(FIXTURES[f]);
            for (at, byte, kind) in edits {
                if raw.is_empty() {
                    break;
                }
                let i = at.index(raw.len());
                match kind {
                    0 => raw[i] = byte,
                    1 => raw.truncate(i),
                    2 => raw.insert(i, byte),
                    _ => {
                        let tail = raw[i..].to_vec();
                        raw.extend_from_slice(&tail[..tail.len().min(64)]);
                    }
                }
            }
            raw
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_parse_or_inspect(raw in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(mail) = parse(&raw) {
            serde_json::to_string(&inspect(&mail)).unwrap();
        }
    }

    #[test]
    fn mutated_real_messages_never_panic_parse_or_inspect(raw in mutated()) {
        if let Ok(mail) = parse(&raw) {
            serde_json::to_string(&inspect(&mail)).unwrap();
        }
    }
}

#[test]
fn mutated_and_random_inputs_always_end_in_one_ingest_record_each() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(64));
    let batch = prop::collection::vec(
        prop_oneof![mutated(), prop::collection::vec(any::<u8>(), 0..512)],
        1..16,
    );
    runner
        .run(&batch, |raws| {
            let before = rt.block_on(db.store.count("ingest_records")).unwrap();
            let out = rt.block_on(db.ingest(&raws));
            prop_assert_eq!(out.len(), raws.len());
            let after = rt.block_on(db.store.count("ingest_records")).unwrap();
            // Inputs seen before (same bytes) add no record; all others add exactly one.
            let repeats = out
                .iter()
                .filter(|o| o.outcome == postdesk::ingest::Outcome::Duplicate)
                .count() as i64;
            prop_assert!(after - before <= raws.len() as i64);
            prop_assert!(after - before >= raws.len() as i64 - repeats);
            Ok(())
        })
        .unwrap();
}

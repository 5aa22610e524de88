//! Outlook's `Thread-Index` (MAPI PidTagConversationIndex, [MS-OXOMSG]
//! 2.2.1.3): a 22-byte conversation header followed by 5-byte child blocks,
//! sent base64-encoded. Outlook and Exchange group a conversation by the
//! header, so every mail of one ticket must carry the same 22 bytes.
//!
//! What is implemented:
//! - Header: the top 6 bytes of the ticket's creation time as a FILETIME
//!   (100 ns ticks since 1601, big-endian; that first byte is the spec's
//!   "reserved = 0x01" for any date from 1829 to 2057), then a
//!   16-byte GUID hashed (SHA-256) from the short id and creation time, so
//!   the header is stable per ticket without storing it.
//! - Child blocks: delta code bit + 31-bit time delta from the header time
//!   (ticks >> 18, or >> 23 past ~1.7 years), then one byte: a hashed nibble
//!   and the message ordinal's low nibble.
//! - Our replies are flat: message `n >= 1` of a ticket is header + one child
//!   block, i.e. a child of the conversation root. Outlook threads them the
//!   same (it keys on the header) and orders them by time; we do not know
//!   the earlier messages' times to rebuild a deeper chain.
//! - [`ThreadIndex::parse`] + [`ThreadIndex::child`] continue a conversation
//!   a customer's Outlook started, when the caller has their header value.
use crate::domain::ShortId;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Bytes in the conversation header.
pub const HEADER_LEN: usize = 22;
/// Bytes in one child block.
pub const CHILD_LEN: usize = 5;
/// Child blocks kept at most: the header value stays a few hundred octets
/// (it cannot be folded, being one base64 word).
pub const MAX_CHILDREN: usize = 32;

/// Seconds from 1601-01-01 (FILETIME epoch) to 1970-01-01.
const FILETIME_UNIX_OFFSET: i64 = 11_644_473_600;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadIndex {
    bytes: Vec<u8>,
}

impl ThreadIndex {
    /// The conversation header of a ticket: the index of its first mail.
    pub fn for_ticket(created_at: DateTime<Utc>, short_id: &ShortId) -> Self {
        let time = (filetime(created_at) >> 16).to_be_bytes();
        let mut bytes = Vec::with_capacity(HEADER_LEN + CHILD_LEN);
        bytes.extend_from_slice(&time[2..]);
        bytes.extend_from_slice(&guid(created_at, short_id));
        Self { bytes }
    }

    /// The index of a ticket's mail number `ordinal` (0: the first mail,
    /// header only), sent at `at`: header + one child block.
    pub fn for_message(
        created_at: DateTime<Utc>,
        short_id: &ShortId,
        ordinal: u32,
        at: DateTime<Utc>,
    ) -> Self {
        let root = Self::for_ticket(created_at, short_id);
        if ordinal == 0 {
            root
        } else {
            root.child(at, ordinal)
        }
    }

    /// A `Thread-Index` header value as received (base64); `None` unless it
    /// is a 22-byte header followed by whole 5-byte blocks.
    pub fn parse(value: &str) -> Option<Self> {
        let compact: String = value.split_whitespace().collect();
        let bytes = data_encoding::BASE64.decode(compact.as_bytes()).ok()?;
        let ok = bytes.len() >= HEADER_LEN && (bytes.len() - HEADER_LEN).is_multiple_of(CHILD_LEN);
        ok.then_some(Self { bytes })
    }

    /// This index with one child block appended for a mail sent at `at`.
    /// Past [`MAX_CHILDREN`] the newest blocks are replaced, not added.
    pub fn child(&self, at: DateTime<Utc>, ordinal: u32) -> Self {
        let mut bytes = self.bytes.clone();
        bytes.truncate(HEADER_LEN + (MAX_CHILDREN - 1) * CHILD_LEN);
        let header_time = self.header_filetime();
        let diff = filetime(at).saturating_sub(header_time);
        let (code, delta) = if diff >> 49 == 0 {
            (0u32, diff >> 18)
        } else {
            (1u32, diff >> 23)
        };
        let delta = u32::try_from(delta & 0x7FFF_FFFF).unwrap_or(0);
        bytes.extend_from_slice(&((code << 31) | delta).to_be_bytes());
        let mut h = Sha256::new();
        h.update(self.header());
        h.update(ordinal.to_be_bytes());
        let nibble = h.finalize()[0] & 0xF0;
        let sequence = u8::try_from(ordinal & 0x0F).unwrap_or(0);
        bytes.push(nibble | sequence);
        Self { bytes }
    }

    /// The 22-byte conversation header shared by every mail of the thread.
    pub fn header(&self) -> &[u8] {
        &self.bytes[..HEADER_LEN.min(self.bytes.len())]
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The header value: standard base64 with padding.
    pub fn to_base64(&self) -> String {
        data_encoding::BASE64.encode(&self.bytes)
    }

    /// The header's FILETIME with its dropped low 16 bits as zeros.
    fn header_filetime(&self) -> u64 {
        let mut time = [0u8; 8];
        for (slot, b) in time[2..].iter_mut().zip(self.header()) {
            *slot = *b;
        }
        u64::from_be_bytes(time) << 16
    }
}

/// 100 ns ticks since 1601-01-01 UTC (0 for earlier dates).
fn filetime(t: DateTime<Utc>) -> u64 {
    let secs = t.timestamp().saturating_add(FILETIME_UNIX_OFFSET);
    let secs = u64::try_from(secs).unwrap_or(0);
    secs.saturating_mul(10_000_000)
        .saturating_add(u64::from(t.timestamp_subsec_nanos() / 100))
}

/// A GUID derived from the ticket, shaped as an RFC 9562 version-8 UUID.
fn guid(created_at: DateTime<Utc>, short_id: &ShortId) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"postdesk-thread-index-v1:");
    h.update(short_id.as_str().as_bytes());
    h.update(b":");
    h.update(created_at.timestamp().to_be_bytes());
    h.update(created_at.timestamp_subsec_nanos().to_be_bytes());
    let digest = h.finalize();
    let mut g = [0u8; 16];
    g.copy_from_slice(&digest[..16]);
    g[6] = (g[6] & 0x0F) | 0x80;
    g[8] = (g[8] & 0x3F) | 0x80;
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0).unwrap()
    }

    fn id(s: &str) -> ShortId {
        ShortId::parse(s).unwrap()
    }

    #[test]
    fn first_mail_is_a_22_byte_header_starting_with_the_reserved_byte() {
        let t = ThreadIndex::for_ticket(at(2025, 3, 1, 9), &id("K7QX2M"));
        assert_eq!(t.as_bytes().len(), HEADER_LEN);
        assert_eq!(t.as_bytes()[0], 0x01);
        let b64 = t.to_base64();
        assert_eq!(b64.len(), 32);
        assert_eq!(
            data_encoding::BASE64.decode(b64.as_bytes()).unwrap(),
            t.as_bytes()
        );
    }

    #[test]
    fn replies_on_one_ticket_share_the_header_and_add_one_block() {
        let created = at(2025, 3, 1, 9);
        let a = ThreadIndex::for_message(created, &id("K7QX2M"), 1, at(2025, 3, 1, 10));
        let b = ThreadIndex::for_message(created, &id("K7QX2M"), 2, at(2025, 3, 2, 10));
        assert_eq!(a.as_bytes().len(), HEADER_LEN + CHILD_LEN);
        assert_eq!(a.header(), b.header());
        assert_ne!(a, b);
        let other = ThreadIndex::for_ticket(created, &id("ABC234"));
        assert_ne!(other.header(), a.header());
        assert_eq!(
            ThreadIndex::for_ticket(created, &id("K7QX2M")).header(),
            a.header()
        );
    }

    #[test]
    fn the_child_block_encodes_the_time_since_the_header() {
        let created = at(2025, 3, 1, 9);
        let t = ThreadIndex::for_message(created, &id("K7QX2M"), 3, at(2025, 3, 1, 10));
        let block = &t.as_bytes()[HEADER_LEN..];
        let word = u32::from_be_bytes([block[0], block[1], block[2], block[3]]);
        assert_eq!(word >> 31, 0, "under 1.7 years: delta code 0");
        let ticks = u64::from(word & 0x7FFF_FFFF) << 18;
        let hour = 3_600 * 10_000_000u64;
        assert!(ticks.abs_diff(hour) < (1 << 18) + (1 << 16), "{ticks}");
        assert_eq!(block[4] & 0x0F, 3);
        let late = ThreadIndex::for_message(created, &id("K7QX2M"), 1, at(2028, 1, 1, 0));
        assert_eq!(
            late.as_bytes()[HEADER_LEN] >> 7,
            1,
            "past 1.7 years: code 1"
        );
    }

    #[test]
    fn a_received_index_is_continued_and_growth_is_capped() {
        let theirs = ThreadIndex::for_ticket(at(2024, 1, 1, 0), &id("ABC234"));
        let parsed = ThreadIndex::parse(&theirs.to_base64()).unwrap();
        let mut t = parsed.child(at(2024, 1, 2, 0), 1);
        assert_eq!(t.header(), theirs.header());
        for n in 0..100 {
            t = t.child(at(2024, 1, 3, 0), n);
        }
        assert_eq!(t.as_bytes().len(), HEADER_LEN + MAX_CHILDREN * CHILD_LEN);
        for bad in [
            "",
            "not base64!",
            "AQID",
            &data_encoding::BASE64.encode(&[1u8; 23]),
        ] {
            assert_eq!(ThreadIndex::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_before_1601_do_not_panic() {
        let t = ThreadIndex::for_message(at(1500, 1, 1, 0), &id("K7QX2M"), 1, at(1400, 1, 1, 0));
        assert_eq!(t.as_bytes().len(), HEADER_LEN + CHILD_LEN);
    }
}

//! IMAP UID sets: a list of UIDs as compact ranges (`1:5,7,9:12`), cut into
//! pieces short enough for one command line each (servers limit line
//! length; Dovecot to 64 KiB).
use std::fmt::Write as _;

/// The longest set put into one command: far below any server's line limit.
pub const MAX_SET_LEN: usize = 8_000;

/// `uids` (any order, duplicates allowed) as sets of ranges, each at most
/// `max_len` bytes long (one range is never split, and is at most 21 bytes).
/// Empty input gives no sets.
pub fn uid_sets(uids: &[u32], max_len: usize) -> Vec<String> {
    let mut sorted = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut sets = Vec::new();
    let mut set = String::new();
    let mut range = String::new();
    for (first, last) in ranges(&sorted) {
        range.clear();
        // Writing into a String cannot fail.
        let _ = match first == last {
            true => write!(range, "{first}"),
            false => write!(range, "{first}:{last}"),
        };
        if !set.is_empty() && set.len() + 1 + range.len() > max_len {
            sets.push(std::mem::take(&mut set));
        }
        if !set.is_empty() {
            set.push(',');
        }
        set.push_str(&range);
    }
    if !set.is_empty() {
        sets.push(set);
    }
    sets
}

/// Runs of consecutive numbers in a sorted, deduplicated slice.
fn ranges(sorted: &[u32]) -> impl Iterator<Item = (u32, u32)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let first = *sorted.get(i)?;
        let mut last = first;
        i += 1;
        while let Some(&next) = sorted.get(i) {
            if Some(next) != last.checked_add(1) {
                break;
            }
            last = next;
            i += 1;
        }
        Some((first, last))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_become_ranges_and_singles_stay_single() {
        let cases: &[(&[u32], &[&str])] = &[
            (&[], &[]),
            (&[7], &["7"]),
            (&[1, 2, 3, 4, 5, 7, 9, 10, 11, 12], &["1:5,7,9:12"]),
            (&[12, 9, 7, 11, 10, 7], &["7,9:12"]),
            (&[u32::MAX - 1, u32::MAX, 1], &["1,4294967294:4294967295"]),
            (&[3, 5, 7], &["3,5,7"]),
        ];
        for (uids, want) in cases {
            assert_eq!(uid_sets(uids, MAX_SET_LEN), *want, "{uids:?}");
        }
    }

    #[test]
    fn long_sets_are_cut_between_ranges() {
        let uids: Vec<u32> = (1..=10).map(|n| n * 10).collect();
        let sets = uid_sets(&uids, 9);
        assert_eq!(sets, ["10,20,30", "40,50,60", "70,80,90", "100"]);
        assert!(sets.iter().all(|s| s.len() <= 9));
    }

    #[test]
    fn many_scattered_uids_fit_the_limit_and_lose_none() {
        let uids: Vec<u32> = (0..20_000).map(|n| n * 2 + 1_000_000).collect();
        let sets = uid_sets(&uids, MAX_SET_LEN);
        assert!(sets.len() > 1);
        assert!(sets.iter().all(|s| s.len() <= MAX_SET_LEN));
        let back: Vec<u32> = sets
            .iter()
            .flat_map(|s| s.split(','))
            .map(|n| n.parse().expect("a single uid"))
            .collect();
        assert_eq!(back, uids);
    }
}

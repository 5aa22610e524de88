//! Who one reply goes to: the requester, and the ticket's active
//! participants copied, without our own addresses, each once, at most
//! [`MAX_RECIPIENTS`] in all. The composer and the dry-run read
//! (`GET tickets/{id}/recipients`) both ask this.
use crate::domain::{EmailAddress, MAX_RECIPIENTS, Mailbox, is_own_address};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipients {
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Participants not copied because the mail was full.
    pub left_out: Vec<String>,
}

pub fn recipients(requester: Mailbox, copied: &[Mailbox], ours: &[EmailAddress]) -> Recipients {
    let mut seen: HashSet<String> = HashSet::from([requester.address.as_str().to_string()]);
    let mut r = Recipients {
        to: vec![requester],
        ..Default::default()
    };
    for m in copied {
        if is_own_address(&m.address, ours) || !seen.insert(m.address.as_str().to_string()) {
            continue;
        }
        if r.to.len() + r.cc.len() >= MAX_RECIPIENTS {
            r.left_out.push(m.address.as_str().to_string());
        } else {
            r.cc.push(m.clone());
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(a: &str) -> Mailbox {
        Mailbox {
            address: EmailAddress::parse(a).unwrap(),
            name: None,
        }
    }

    #[test]
    fn the_requester_is_to_and_participants_are_copied_once_without_us() {
        let ours = [EmailAddress::parse("support@example.com").unwrap()];
        let copied = [
            mb("bob@x.example"),
            mb("ann@x.example"),
            mb("support+k7-x@example.com"),
            mb("bob@x.example"),
        ];
        let r = recipients(mb("ann@x.example"), &copied, &ours);
        assert_eq!(r.to, vec![mb("ann@x.example")]);
        assert_eq!(r.cc, vec![mb("bob@x.example")]);
        assert!(r.left_out.is_empty());
    }

    #[test]
    fn at_most_fifty_recipients_and_the_rest_is_named() {
        let copied: Vec<Mailbox> = (0..60).map(|i| mb(&format!("p{i}@x.example"))).collect();
        let r = recipients(mb("ann@x.example"), &copied, &[]);
        assert_eq!(r.to.len() + r.cc.len(), MAX_RECIPIENTS);
        assert_eq!(r.left_out.len(), 60 - (MAX_RECIPIENTS - 1));
        assert_eq!(r.left_out[0], format!("p{}@x.example", MAX_RECIPIENTS - 1));
    }
}

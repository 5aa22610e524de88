//! Where webhooks may be sent. A webhook URL is chosen by an admin, but a
//! server that POSTs wherever it is told can be turned on the network it
//! sits in (cloud metadata at 169.254.169.254, an admin port on loopback).
//! So only public addresses are targets, unless `webhooks.allow_targets`
//! lists the host name or a range; the check is made on every address a
//! name resolves to, at the moment of sending, so a name that later
//! resolves elsewhere gains nothing.
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

/// What may be targeted besides public addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    hosts: Vec<String>,
    nets: Vec<IpNet>,
}

impl Targets {
    /// From the config's list: host names, addresses and ranges (`10.0.0.0/8`).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut targets = Self::default();
        for entry in entries {
            let entry = entry.trim().to_ascii_lowercase();
            if let Ok(net) = entry.parse::<IpNet>() {
                targets.nets.push(net);
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                targets.nets.push(IpNet::from(ip));
            } else if !entry.is_empty() && !entry.contains(['/', ' ', ':']) {
                targets.hosts.push(entry);
            } else {
                return Err(format!("{entry:?} is not a host name, address or range"));
            }
        }
        Ok(targets)
    }

    /// Whether `host` (as written in the URL) at `ip` may be sent to.
    pub fn permits(&self, host: &str, ip: IpAddr) -> bool {
        is_public(ip)
            || self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
            || self.nets.iter().any(|n| n.contains(&canonical(ip)))
    }

    /// Why a URL's host may not be sent to, when that shows without DNS:
    /// an address, or `localhost` (any other name is checked once resolved).
    pub fn refuse_host(&self, host: &str) -> Option<String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let ip = match bare.parse::<IpAddr>() {
            Ok(ip) => ip,
            Err(_) if is_localhost(bare) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Err(_) => return None,
        };
        (!self.permits(host, ip)).then(|| refusal(host))
    }
}

/// Why a URL may not be fetched, when that shows without DNS (see
/// [`Targets::refuse_host`]); an unreadable URL is refused too.
pub fn refuse_url(targets: &Targets, url: &str) -> Option<String> {
    match reqwest::Url::parse(url) {
        Ok(u) => targets.refuse_host(u.host_str().unwrap_or_default()),
        Err(e) => Some(format!("{url:?} is not a URL: {e}")),
    }
}

/// An HTTP client that reaches only what `targets` permits: every
/// resolved address checked, no proxy, no redirects, `timeout` for the
/// connection and for the whole request. Webhooks and remote images use it.
pub fn guarded_client(
    targets: Arc<Targets>,
    timeout: std::time::Duration,
    user_agent: &'static str,
) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { targets }))
        .user_agent(user_agent)
        .build()
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

fn refusal(host: &str) -> String {
    format!(
        "{host} is a private, loopback or otherwise non-public address: list it in webhooks.allow_targets to send there"
    )
}

/// IPv4 written as IPv6 (`::ffff:10.0.0.1`) is judged as IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || first == 0x0064 && ip.segments()[1] == 0xff9b) // NAT64: an IPv4 behind it
}

/// A resolver that keeps only the addresses [`Targets`] permits, so the
/// HTTP client can never connect anywhere else.
pub struct GuardedResolver {
    pub targets: Arc<Targets>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.targets.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| targets.permits(&host, a.ip()))
                .collect();
            if kept.is_empty() && !found.is_empty() {
                return Err(refusal(&host).into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_targets_by_default() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn the_allow_list_opens_names_addresses_and_ranges() {
        let t = Targets::parse(&[
            "hooks.internal".into(),
            "127.0.0.1".into(),
            "10.0.0.0/8".into(),
        ])
        .unwrap();
        assert!(t.permits("hooks.internal", ip("192.168.9.9")));
        assert!(t.permits("anything", ip("10.200.0.1")));
        assert!(t.permits("anything", ip("::ffff:10.200.0.1")));
        assert!(t.permits("127.0.0.1", ip("127.0.0.1")));
        assert!(!t.permits("other.internal", ip("192.168.9.9")));
        assert!(!t.permits("anything", ip("169.254.169.254")));
        assert_eq!(t.refuse_host("127.0.0.1"), None);
        assert!(t.refuse_host("[::1]").is_some());
        assert!(Targets::default().refuse_host("LocalHost.").is_some());
        assert!(t.refuse_host("example.com").is_none(), "names wait for DNS");
        assert!(Targets::parse(&["not a host".into()]).is_err());
    }

    #[tokio::test]
    async fn the_resolver_drops_the_private_addresses_a_name_resolves_to() {
        use reqwest::dns::Resolve;
        let strict = GuardedResolver {
            targets: Arc::default(),
        };
        let name = || "localhost".parse::<reqwest::dns::Name>().unwrap();
        let Err(err) = strict.resolve(name()).await else {
            panic!("localhost resolved");
        };
        assert!(err.to_string().contains("allow_targets"), "{err}");
        let open = GuardedResolver {
            targets: Arc::new(Targets::parse(&["localhost".into()]).unwrap()),
        };
        let mut found = open.resolve(name()).await.unwrap();
        assert!(found.next().is_some_and(|a| a.ip().is_loopback()));
    }
}

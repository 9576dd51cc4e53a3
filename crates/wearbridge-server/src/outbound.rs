//! The outbound target guard: which addresses a URL a developer (or a provider's answer)
//! can steer may reach. Webhook destinations are checked when set and again at every
//! send, through a DNS resolver that drops refused answers, so the connection goes to an
//! address that was checked (a name that answers differently between the two checks, DNS
//! rebinding, still cannot reach a refused address). Redirects are never followed by the
//! clients this guards.
//!
//! Refused unless allowed: loopback, link-local (cloud metadata services live there),
//! private and shared (carrier-grade NAT), unique-local, multicast, unspecified and
//! reserved addresses, also when written as IPv4-mapped or -compatible IPv6. Allowed:
//! what `webhooks.allowed_targets` lists (CIDRs), and loopback in development and sandbox
//! mode. Hand-written because the classification is a handful of range checks over std's
//! address types, and the crates that do it pull a resolver stack with them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use futures::future::BoxFuture;

use ipnet::IpNet;
use url::{Host, Url};

/// Why an address is not a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressClass {
    Loopback,
    /// 169.254.0.0/16 and fe80::/10, where cloud metadata services answer.
    LinkLocal,
    /// RFC 1918, shared address space (100.64.0.0/10) and site-local IPv6.
    Private,
    /// fc00::/7.
    UniqueLocal,
    Multicast,
    Unspecified,
    /// 240.0.0.0/4 and the broadcast address.
    Reserved,
}

impl AddressClass {
    fn describe(self) -> &'static str {
        match self {
            AddressClass::Loopback => "a loopback address",
            AddressClass::LinkLocal => "a link-local address (cloud metadata lives there)",
            AddressClass::Private => "a private address",
            AddressClass::UniqueLocal => "a unique-local address",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Unspecified => "an unspecified address",
            AddressClass::Reserved => "a reserved address",
        }
    }
}

/// The class of a non-public `ip`; `None` for a public address.
pub fn classify(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, ..] = ip.octets();
    Some(match (a, b) {
        (0, _) => AddressClass::Unspecified,
        (127, _) => AddressClass::Loopback,
        (169, 254) => AddressClass::LinkLocal,
        (10, _) | (192, 168) => AddressClass::Private,
        (172, 16..=31) | (100, 64..=127) => AddressClass::Private,
        (224..=239, _) => AddressClass::Multicast,
        (240..=255, _) => AddressClass::Reserved,
        _ => return None,
    })
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let first = ip.segments()[0];
    Some(match first {
        _ if ip.is_unspecified() => AddressClass::Unspecified,
        _ if ip.is_loopback() => AddressClass::Loopback,
        0xfe80..=0xfebf => AddressClass::LinkLocal,
        0xfec0..=0xfeff => AddressClass::Private,
        0xfc00..=0xfdff => AddressClass::UniqueLocal,
        0xff00..=0xffff => AddressClass::Multicast,
        _ => return None,
    })
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible
/// (`::a.b.c.d`, deprecated but still routed by some stacks) IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = ip.segments();
    let compatible = segments[..6].iter().all(|s| *s == 0) && !ip.is_loopback();
    (compatible && !ip.is_unspecified()).then(|| {
        let [.., hi, lo] = segments;
        Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
    })
}

/// A destination the guard refuses, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} resolves to {ip}, {}; list it in webhooks.allowed_targets to allow it", class.describe())]
pub struct RefusedTarget {
    pub host: String,
    pub ip: IpAddr,
    pub class: AddressClass,
}

/// Why a URL cannot be used as a destination.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Refused(#[from] RefusedTarget),
    #[error("{0} has no host")]
    NoHost(String),
}

/// Resolves a host name to its addresses. The guard asks one of these both when a URL
/// is set and when a connection is opened, so an embedder (or a test) that brings its own
/// resolver has both checks see the same DNS.
pub trait ResolveHost: Send + Sync + 'static {
    fn resolve(&self, host: &str) -> BoxFuture<'static, std::io::Result<Vec<IpAddr>>>;
}

/// Where the guard gets a name's addresses.
#[derive(Clone, Default)]
pub enum HostLookup {
    /// The operating system's resolver (`getaddrinfo` through tokio).
    #[default]
    System,
    /// Another resolver.
    Custom(Arc<dyn ResolveHost>),
}

impl HostLookup {
    /// Every address `host` answers now.
    pub async fn addresses(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        match self {
            HostLookup::System => Ok(tokio::net::lookup_host((host, 0))
                .await?
                .map(|addr| addr.ip())
                .collect()),
            HostLookup::Custom(resolver) => resolver.resolve(host).await,
        }
    }
}

impl std::fmt::Debug for HostLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HostLookup::System => "System",
            HostLookup::Custom(_) => "Custom",
        })
    }
}

/// Two lookups are the same when both are the system's or both are one resolver.
impl PartialEq for HostLookup {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (HostLookup::System, HostLookup::System) => true,
            (HostLookup::Custom(a), HostLookup::Custom(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for HostLookup {}

/// What the guard lets through besides public addresses, and how it resolves names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Loopback allowed (development and sandbox mode).
    pub allow_loopback: bool,
    /// `webhooks.allowed_targets`.
    pub allowed: Vec<IpNet>,
    /// The resolver both checks ask.
    pub lookup: HostLookup,
}

impl TargetPolicy {
    /// Checks one address `host` resolved to.
    pub fn check_ip(&self, host: &str, ip: IpAddr) -> Result<(), RefusedTarget> {
        let Some(class) = classify(ip) else {
            return Ok(());
        };
        let ip = match ip {
            IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let listed = self.allowed.iter().any(|net| net.contains(&ip));
        if listed || (class == AddressClass::Loopback && self.allow_loopback) {
            return Ok(());
        }
        Err(RefusedTarget {
            host: host.to_owned(),
            ip,
            class,
        })
    }

    /// The literal address of `url`, checked; `None` when its host is a name (the
    /// resolver checks those). The URL parser has already turned decimal, octal and hex
    /// IPv4 forms (`http://2130706433/`, `http://0177.1/`) into the address.
    pub fn check_literal(&self, url: &Url) -> Result<Option<IpAddr>, TargetError> {
        let ip = match url.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            Some(Host::Domain(_)) => return Ok(None),
            None => return Err(TargetError::NoHost(url.to_string())),
        };
        self.check_ip(&ip.to_string(), ip)?;
        Ok(Some(ip))
    }

    /// Checks `url` as a destination now: its literal address, or every address its
    /// name resolves to (one refused answer refuses the URL: it could be the one used).
    /// A name that does not resolve now is accepted: DNS may not be set up yet, and the
    /// send-time resolver checks whatever it answers later.
    pub async fn check_url(&self, url: &Url) -> Result<(), TargetError> {
        if self.check_literal(url)?.is_some() {
            return Ok(());
        }
        let host = url.host_str().unwrap_or_default().to_owned();
        let Ok(answers) = self.lookup.addresses(&host).await else {
            return Ok(());
        };
        for answer in answers {
            self.check_ip(&host, answer)?;
        }
        Ok(())
    }
}

/// The DNS resolver of guarded clients: resolves with the system resolver and keeps only
/// the answers the policy allows, so the client connects to a checked address. All
/// answers refused: the lookup fails with [`RefusedTarget`] (found again by
/// [`refusal_of`]).
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub policy: Arc<TargetPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let answers = policy.lookup.addresses(&host).await?;
            let mut refused = None;
            let allowed: Vec<SocketAddr> = answers
                .into_iter()
                .filter(|ip| match policy.check_ip(&host, *ip) {
                    Ok(()) => true,
                    Err(refusal) => {
                        refused.get_or_insert(refusal);
                        false
                    }
                })
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some(refusal)) => Err(Box::new(refusal) as _),
                _ => Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

/// The guard's refusal behind a failed request, if that is why it failed.
pub fn refusal_of(error: &(dyn std::error::Error + 'static)) -> Option<RefusedTarget> {
    let mut source = Some(error);
    while let Some(error) = source {
        if let Some(refusal) = error.downcast_ref::<RefusedTarget>() {
            return Some(refusal.clone());
        }
        source = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> Option<AddressClass> {
        classify(text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
    }

    #[test]
    fn every_refused_class_in_both_families() {
        use AddressClass::*;
        let cases = [
            ("127.0.0.1", Some(Loopback)),
            ("::1", Some(Loopback)),
            ("169.254.169.254", Some(LinkLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("10.1.2.3", Some(Private)),
            ("172.31.0.1", Some(Private)),
            ("192.168.0.1", Some(Private)),
            ("100.64.0.1", Some(Private)),
            ("fd00::1", Some(UniqueLocal)),
            ("224.0.0.1", Some(Multicast)),
            ("ff02::1", Some(Multicast)),
            ("0.0.0.0", Some(Unspecified)),
            ("::", Some(Unspecified)),
            ("255.255.255.255", Some(Reserved)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::10.0.0.1", Some(Private)),
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("2606:4700::1111", None),
            ("::ffff:8.8.8.8", None),
        ];
        for (ip, expected) in cases {
            assert_eq!(class(ip), expected, "{ip}");
        }
    }

    #[test]
    fn literal_forms_the_url_parser_normalises_are_checked() {
        let policy = TargetPolicy::default();
        for url in [
            "http://2130706433/hook",
            "http://0177.0.0.1/hook",
            "http://0x7f.1/hook",
            "http://[::ffff:7f00:1]/hook",
            "http://169.254.169.254/latest/meta-data",
        ] {
            let url = Url::parse(url).unwrap_or_else(|error| panic!("{url}: {error}"));
            assert!(policy.check_literal(&url).is_err(), "{url} allowed");
        }
        let public = Url::parse("https://93.184.216.34/hook").ok();
        assert!(public.is_some_and(|url| policy.check_literal(&url).is_ok()));
    }

    #[test]
    fn allowed_targets_and_loopback_mode_open_exactly_what_they_name() {
        let lan: IpNet = "10.0.0.0/8".parse().unwrap_or_default();
        let policy = TargetPolicy {
            allow_loopback: false,
            allowed: vec![lan],
            ..TargetPolicy::default()
        };
        let ip = |text: &str| {
            text.parse::<IpAddr>()
                .unwrap_or(IpAddr::V4(Ipv4Addr::BROADCAST))
        };
        assert!(policy.check_ip("h", ip("10.9.8.7")).is_ok());
        assert!(policy.check_ip("h", ip("::ffff:10.9.8.7")).is_ok());
        assert!(policy.check_ip("h", ip("192.168.1.1")).is_err());
        assert!(policy.check_ip("h", ip("127.0.0.1")).is_err());
        let sandbox = TargetPolicy {
            allow_loopback: true,
            ..TargetPolicy::default()
        };
        assert!(sandbox.check_ip("h", ip("127.0.0.1")).is_ok());
        assert!(sandbox.check_ip("h", ip("169.254.169.254")).is_err());
    }
}

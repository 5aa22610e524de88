//! Who may do what over the API.
use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, configuration included.
    Admin,
    /// Tickets; configuration read-only.
    Agent,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let name = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| Invalid(format!("role must be admin or agent, not {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_in_any_case_and_print_back() {
        assert_eq!(Role::parse(" Admin ").unwrap(), Role::Admin);
        assert_eq!(Role::parse("agent").unwrap().as_str(), "agent");
        assert!(Role::parse("owner").is_err());
    }
}

//! Roles within a society, ordered from least to most privileged. The operator role is not a
//! society role: it belongs to the deployment and is stored on the account itself.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Member,
    Staff,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Member, Role::Staff, Role::Admin, Role::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Staff => "staff",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Member => "Member",
            Role::Staff => "Staff",
            Role::Admin => "Administrator",
            Role::Owner => "Owner",
        }
    }

    /// Whether someone holding `self` may do what needs `required`.
    pub fn satisfies(self, required: Role) -> bool {
        self >= required
    }

    /// Staff-side roles may be granted by an admin or owner, but only up to their own role.
    pub fn may_grant(self, granted: Role) -> bool {
        self >= Role::Admin && granted <= self
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; expected member, staff, admin or owner"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_and_grants() {
        assert!(Role::Owner.satisfies(Role::Staff));
        assert!(!Role::Member.satisfies(Role::Staff));
        assert!(Role::Admin.may_grant(Role::Staff));
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(!Role::Staff.may_grant(Role::Member));
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}

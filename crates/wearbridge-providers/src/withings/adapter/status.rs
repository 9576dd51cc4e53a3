//! Withings envelope statuses (providers.md §3.5).

/// Authentication failed: the token is invalid, expired or revoked.
pub const AUTH_FAILED: [i64; 5] = [100, 101, 102, 200, 401];
/// The app or user is not authorized for the call.
pub const UNAUTHORIZED: [i64; 5] = [214, 277, 2553, 2554, 2555];
pub const TOO_MANY_REQUESTS: i64 = 601;
pub const TIMEOUT: i64 = 522;

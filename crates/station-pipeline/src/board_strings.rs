//! What a board reports about itself (serial, model, hardware and firmware revisions) is data
//! from a device the station does not trust: it is checked before any of it is used — in a
//! registration ID, a file name, an audit subject, a CSV cell or a terminal line.

use station_config::ProductProfile;
use station_smp::commands::provisioning::IdentityResponse;

use crate::error::UnitFailure;
use crate::events::Step;

/// Longest board string accepted.
pub(crate) const MAX_LEN: usize = 64;

/// Checks every board string against the product's rule: 1 to [`MAX_LEN`] characters, each a
/// letter, a digit, one of `. _ : -`, or one of `product.board_string_extra_chars`.
pub(crate) fn check(
    identity: &IdentityResponse,
    product: &ProductProfile,
) -> Result<(), UnitFailure> {
    let allowed = |c: char| {
        c.is_ascii_alphanumeric()
            || ".:_-".contains(c)
            || product.board_string_extra_chars.contains(c)
    };
    for (what, value) in [
        ("serial", &identity.serial),
        ("model", &identity.model),
        ("hardware revision", &identity.hw),
        ("firmware version", &identity.fw),
    ] {
        let fits = (1..=MAX_LEN).contains(&value.chars().count()) && value.chars().all(allowed);
        if !fits {
            // Shown escaped and cut short: the value itself may be a terminal escape sequence
            // or a formula.
            let shown: String = value.chars().take(MAX_LEN).collect();
            return Err(UnitFailure::new(
                Step::Identify,
                "station::identify::bad_board_string",
                format!(
                    "the board reports a {what} the station does not accept: {shown:?} (1 to {MAX_LEN} letters, digits and . _ : -{})",
                    if product.board_string_extra_chars.is_empty() {
                        String::new()
                    } else {
                        format!(", or {:?}", product.board_string_extra_chars)
                    }
                ),
            ));
        }
    }
    Ok(())
}

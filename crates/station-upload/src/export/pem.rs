//! PEM with the `pem` crate: a damaged block is an error, never skipped.

/// The DER bodies of every `CERTIFICATE` block in `pem`, in order (other blocks, such as a
/// key, are passed over). A block that is not valid PEM (bad base64, no end line) is an error:
/// a trust file with a damaged certificate must not quietly trust the others alone.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let blocks = ::pem::parse_many(pem).map_err(|e| format!("damaged PEM: {e}"))?;
    // `parse_many` passes over a block that never ends: count the beginnings too.
    let begun = pem.windows(11).filter(|w| w == b"-----BEGIN ").count();
    if begun != blocks.len() {
        return Err(format!(
            "damaged PEM: {begun} block(s) begin, {} end properly",
            blocks.len()
        ));
    }
    Ok(blocks
        .into_iter()
        .filter(|b| b.tag() == "CERTIFICATE")
        .map(::pem::Pem::into_contents)
        .collect())
}

/// `der` as one PEM block with `label`, 64-column lines, `\n` line ends.
pub(super) fn encode(label: &str, der: &[u8]) -> String {
    ::pem::encode_config(
        &::pem::Pem::new(label, der),
        ::pem::EncodeConfig::new().set_line_ending(::pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_round_trip_in_order_and_other_blocks_are_passed_over() {
        let (a, b) = (vec![1u8, 2, 3, 250], vec![9u8; 100]);
        let text = format!(
            "{}{}{}",
            encode("CERTIFICATE", &a),
            encode("PRIVATE KEY", &[7, 7]),
            encode("CERTIFICATE", &b)
        );
        assert_eq!(pem_certificates(text.as_bytes()).unwrap(), vec![a, b]);
        assert!(encode("CERTIFICATE", &[1]).ends_with("-----END CERTIFICATE-----\n"));
    }

    #[test]
    fn a_damaged_block_is_an_error_not_skipped() {
        let good = encode("CERTIFICATE", &[1, 2, 3]);
        let damaged = "-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n";
        assert!(pem_certificates(format!("{good}{damaged}").as_bytes()).is_err());
        let unterminated = "-----BEGIN CERTIFICATE-----\nAQID\n";
        assert!(pem_certificates(format!("{good}{unterminated}").as_bytes()).is_err());
        assert_eq!(
            pem_certificates(b"no pem here").unwrap(),
            Vec::<Vec<u8>>::new()
        );
    }
}

//! The National Provider Identifier: ten digits, the last a Luhn check digit computed over the
//! prefix 80840 followed by the first nine digits.

/// Whether `npi` is ten digits with a valid check digit. Spaces and hyphens are ignored.
pub fn is_valid(npi: &str) -> bool {
    normalize(npi).is_some()
}

/// The ten digits of a valid NPI, without separators.
pub fn normalize(npi: &str) -> Option<String> {
    let digits: String = npi.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let check = check_digit(&digits[..9])?;
    (digits.as_bytes()[9] - b'0' == check).then_some(digits)
}

/// The check digit for the first nine digits.
pub fn check_digit(first_nine: &str) -> Option<u8> {
    if first_nine.len() != 9 {
        return None;
    }
    let payload = format!("80840{first_nine}");
    let mut sum = 0u32;
    // Luhn: from the rightmost payload digit, double every other digit starting with it.
    for (i, c) in payload.chars().rev().enumerate() {
        let mut d = c.to_digit(10)?;
        if i % 2 == 0 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    Some(((10 - sum % 10) % 10) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        assert!(is_valid("1234567893"));
        // Real NPIs from the NPI Registry (an individual and an organisation).
        assert!(is_valid("1760485387") && is_valid("1770626038"));
        assert!(!is_valid("1234567891"));
        assert_eq!(normalize("123-456 7893").as_deref(), Some("1234567893"));
        for bad in ["", "123456789", "12345678930", "12345678a3"] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }

    #[test]
    fn every_single_digit_typo_is_caught() {
        let good = "1234567893";
        for position in 0..10 {
            for digit in b'0'..=b'9' {
                let mut typo = good.as_bytes().to_vec();
                if typo[position] == digit {
                    continue;
                }
                typo[position] = digit;
                assert!(!is_valid(std::str::from_utf8(&typo).unwrap()));
            }
        }
    }
}

//! Percent-encoding as S3 and IAM use it (RFC 3986, per UTF-8 byte).

use std::fmt::Write as _;

/// Decodes `%XX` sequences; `None` when one is malformed or the result is
/// not UTF-8 (such a request can't be mapped with certainty).
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let high = hex_value(*bytes.get(i + 1)?)?;
            let low = hex_value(*bytes.get(i + 2)?)?;
            out.push(high * 16 + low);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Encodes everything but RFC 3986 unreserved characters (and `/` when
/// `keep_slash`).
pub fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let key = "k1/a b/ü+%.txt";
        assert_eq!(decode(&encode(key, true)).as_deref(), Some(key));
        assert_eq!(encode(key, true), "k1/a%20b/%C3%BC%2B%25.txt");
    }

    #[test]
    fn malformed_escapes_do_not_decode() {
        assert_eq!(decode("%"), None);
        assert_eq!(decode("%zz"), None);
        assert_eq!(decode("%FF"), None);
    }
}

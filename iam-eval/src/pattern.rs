//! Wildcard patterns (`*`, `?`) as IAM uses them in actions, resources and
//! `...Like` operators.

/// One piece of a pattern after policy variables were substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Characters that must appear as they are.
    Literal(String),
    /// `*`: any run of characters, including none.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
}

/// A pattern ready to match, with its literals already case-folded if the
/// match is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    AnyRun,
    AnyOne,
}

impl Pattern {
    pub(crate) fn from_pieces(pieces: &[Piece], ignore_case: bool) -> Self {
        let mut tokens = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Literal(text) => {
                    if ignore_case {
                        tokens.extend(text.to_lowercase().chars().map(Token::Char));
                    } else {
                        tokens.extend(text.chars().map(Token::Char));
                    }
                }
                Piece::AnyRun => tokens.push(Token::AnyRun),
                Piece::AnyOne => tokens.push(Token::AnyOne),
            }
        }
        Self { tokens }
    }

    /// A pattern where `*` and `?` are wildcards and nothing else is special.
    pub(crate) fn glob(text: &str, ignore_case: bool) -> Self {
        let pieces: Vec<Piece> = text
            .chars()
            .map(|c| match c {
                '*' => Piece::AnyRun,
                '?' => Piece::AnyOne,
                other => Piece::Literal(other.to_string()),
            })
            .collect();
        Self::from_pieces(&pieces, ignore_case)
    }

    /// Whether the whole of `text` matches (text is case-folded by the caller
    /// when the pattern was built case-insensitive).
    pub(crate) fn matches(&self, text: &str) -> bool {
        if text.is_ascii() {
            let bytes = text.as_bytes();
            return self.matches_at(bytes.len(), |i| char::from(bytes[i]));
        }
        let chars: Vec<char> = text.chars().collect();
        self.matches_at(chars.len(), |i| chars[i])
    }

    fn matches_at(&self, len: usize, char_at: impl Fn(usize) -> char) -> bool {
        let (mut p, mut t) = (0usize, 0usize);
        let mut backtrack: Option<(usize, usize)> = None;
        while t < len {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(Token::AnyOne) => {
                    p += 1;
                    t += 1;
                }
                Some(Token::Char(c)) if *c == char_at(t) => {
                    p += 1;
                    t += 1;
                }
                _ => match backtrack {
                    Some((bp, bt)) => {
                        p = bp + 1;
                        t = bt + 1;
                        backtrack = Some((bp, bt + 1));
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::AnyRun)
    }
}

/// Matches `text` against `pattern` where `*` and `?` are wildcards, without
/// allocating for ASCII input (actions, ARNs and keys nearly always are).
pub(crate) fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if !(pattern.is_ascii() && text.is_ascii()) {
        let text = if ignore_case {
            text.to_lowercase()
        } else {
            text.to_owned()
        };
        return Pattern::glob(pattern, ignore_case).matches(&text);
    }
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let same = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                backtrack = Some((pi, ti));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                ti += 1;
            }
            Some(&c) if same(c, t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match backtrack {
                Some((bp, bt)) => {
                    pi = bp + 1;
                    ti = bt + 1;
                    backtrack = Some((bp, bt + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_spans_any_characters_including_slashes() {
        assert!(Pattern::glob("b/k1/*", false).matches("b/k1/a/b"));
        assert!(Pattern::glob("*", false).matches(""));
        assert!(!Pattern::glob("b/k1/*", false).matches("b/k1x/a"));
    }

    #[test]
    fn question_mark_is_exactly_one_character() {
        assert!(Pattern::glob("a?c", false).matches("abc"));
        assert!(!Pattern::glob("a?c", false).matches("ac"));
        assert!(!Pattern::glob("a?c", false).matches("abbc"));
    }

    #[test]
    fn backtracks_over_repeated_literals() {
        assert!(Pattern::glob("*ab*ab", false).matches("xabyabab"));
        assert!(!Pattern::glob("*ab*abc", false).matches("xabyabab"));
    }

    #[test]
    fn case_rules_follow_the_flag() {
        assert!(Pattern::glob("S3:Get*", true).matches("s3:getobject"));
        assert!(!Pattern::glob("Bucket/*", false).matches("bucket/x"));
    }

    #[test]
    fn glob_match_agrees_with_pattern() {
        for (p, t) in [
            ("b/k1/*", "b/k1/a"),
            ("*ab*ab", "xabyabab"),
            ("*ab*abc", "xabyabab"),
            ("a?c", "ac"),
            ("S3:Get*", "s3:GetObject"),
            ("é*", "éa"),
        ] {
            for ignore_case in [false, true] {
                let folded = if ignore_case {
                    t.to_lowercase()
                } else {
                    t.to_owned()
                };
                assert_eq!(
                    glob_match(p, t, ignore_case),
                    Pattern::glob(p, ignore_case).matches(&folded),
                    "{p} {t} {ignore_case}"
                );
            }
        }
    }

    #[test]
    fn literal_pieces_keep_wildcard_characters_literal() {
        let p = Pattern::from_pieces(&[Piece::Literal("a*".into()), Piece::AnyRun], false);
        assert!(p.matches("a*bc"));
        assert!(!p.matches("abc"));
    }
}

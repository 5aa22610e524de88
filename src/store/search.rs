//! Keyword search: what a person typed, turned into FTS5 queries that match
//! its words and can never be an FTS5 syntax error.

/// Each whitespace-separated word of `q` as one FTS5 query: its letters and
/// digits quoted as a phrase (so `e-mail` finds "e-mail" and "e mail", and
/// operators such as `AND`, `(` or `"` are plain text), and, when the word
/// ends in `*` after at least two characters, a prefix query. Words without
/// a letter or digit are dropped; repeated words count once.
pub fn match_terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for word in q.split_whitespace() {
        let prefix = word.ends_with('*');
        let text: String = word
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let Some(last) = tokens.last() else { continue };
        let star = if prefix && last.chars().count() >= 2 {
            "*"
        } else {
            ""
        };
        let term = format!("\"{}\"{star}", tokens.join(" "));
        if !terms.contains(&term) {
            terms.push(term);
        }
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::match_terms;

    #[test]
    fn words_become_quoted_phrases_and_a_trailing_star_a_prefix() {
        let cases: &[(&str, &[&str])] = &[
            ("invoice", &["\"invoice\""]),
            ("  Invoice   ES123 ", &["\"Invoice\"", "\"ES123\""]),
            ("invo*", &["\"invo\"*"]),
            ("e-mail", &["\"e mail\""]),
            ("a*", &["\"a\""]),
            ("x-ab*", &["\"x ab\"*"]),
            ("Perdón", &["\"Perdón\""]),
            ("dup dup", &["\"dup\""]),
        ];
        for (q, want) in cases {
            assert_eq!(match_terms(q), *want, "{q:?}");
        }
    }

    #[test]
    fn operators_and_quotes_are_plain_words_or_dropped() {
        let cases: &[(&str, &[&str])] = &[
            ("\"foo", &["\"foo\""]),
            ("AND OR (", &["\"AND\"", "\"OR\""]),
            ("NEAR(a b)", &["\"NEAR a\"", "\"b\""]),
            ("subject:x ^y", &["\"subject x\"", "\"y\""]),
            ("\" * ( ) - + :", &[]),
            ("", &[]),
        ];
        for (q, want) in cases {
            assert_eq!(match_terms(q), *want, "{q:?}");
        }
    }
}

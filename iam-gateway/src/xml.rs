//! Small XML helpers: escaping what the gateway writes, reading what moto writes.

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// The text of the first element named `tag` (any namespace).
pub fn first_text(xml: &str, tag: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == tag)
        .map(|n| n.text().unwrap_or_default().to_owned())
}

/// The texts of all elements named `tag` under the first element named `parent`.
pub fn texts_under(xml: &str, parent: &str, tag: &str) -> Vec<String> {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return Vec::new();
    };
    let Some(parent) = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == parent)
    else {
        return Vec::new();
    };
    parent
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == tag)
        .map(|n| n.text().unwrap_or_default().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn reads_texts() {
        let xml =
            r#"<R xmlns="x"><Names><member>a</member><member>b</member></Names><Code>C</Code></R>"#;
        assert_eq!(first_text(xml, "Code").as_deref(), Some("C"));
        assert_eq!(texts_under(xml, "Names", "member"), ["a", "b"]);
        assert_eq!(first_text("<not xml", "Code"), None);
    }
}

//! Staff write content in Markdown (through a toolbar, so they never need its syntax); visitors get
//! sanitised HTML. Raw HTML in the source is escaped, and the rendered HTML passes through ammonia,
//! so `<script>`, event handlers and `javascript:` links never reach a page.

use pulldown_cmark::{Event, Options, Parser, html};

/// Render Markdown to safe HTML.
pub fn render(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Raw HTML is shown as text rather than interpreted: staff content is Markdown only.
    let parser = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut unsafe_html, parser);
    sanitizer().clean(&unsafe_html).to_string()
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(["http", "https", "mailto", "tel"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .add_generic_attributes(["id"])
        .id_prefix(Some("c-"));
    builder
}

/// The first paragraph's plain text, shortened: used for meta descriptions when none is set.
pub fn plain_summary(source: &str, max_chars: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(source) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(pulldown_cmark::TagEnd::Heading(_)) => text.push(' '),
            Event::End(pulldown_cmark::TagEnd::Paragraph) if !text.trim().is_empty() => break,
            _ => {}
        }
    }
    crate::text::truncate_chars(text.trim(), max_chars)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn formatting_survives() {
        let html =
            render("## Mission\n\nWe **serve** patients.\n\n- one\n- two\n\n[Contact](/contact)");
        assert!(html.contains("<h2>Mission</h2>"), "{html}");
        assert!(html.contains("<strong>serve</strong>"));
        assert!(html.contains("<li>one</li>"));
        assert!(html.contains("href=\"/contact\""));
    }

    #[test]
    fn script_tags_are_shown_as_text_not_run() {
        let html = render("Hello <script>alert('x')</script> there");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_href() {
        let html = render("[click](javascript:alert(1)) and [data](data:text/html,hi)");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
    }

    #[test]
    fn event_handlers_are_removed() {
        let html = render("<img src=x onerror=alert(1)>\n\n![pic](/x.png \"t\")");
        // The raw tag is shown as text; no element carries the handler.
        assert!(html.contains("&lt;img src=x onerror"), "{html}");
        assert!(!html.contains("onerror=\""), "{html}");
        assert!(!html.contains("<img src=\"x\""), "{html}");
    }

    #[test]
    fn summary_takes_first_paragraph() {
        assert_eq!(
            super::plain_summary("## Head\n\nFirst *para* here.\n\nSecond.", 100),
            "Head First para here."
        );
    }
}

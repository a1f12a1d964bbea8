//! Proposal bodies: Markdown rendered safely. Raw HTML is shown as text (no
//! script, no iframe), links keep only web and mail schemes, and images
//! become links unless the operator allows remote images.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// Schemes a link may use; relative links and fragments are kept too.
const SAFE_SCHEMES: &[&str] = &["http:", "https:", "mailto:", "ipfs:"];

fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        // A colon before any `/`, `?` or `#` starts a scheme.
        Some(colon) if !lower[..colon].contains(['/', '?', '#']) => {
            SAFE_SCHEMES.iter().any(|scheme| lower.starts_with(scheme))
        }
        _ => true,
    }
}

/// How an image in progress is written.
enum Image {
    Shown,
    /// A link to it, its alt text as the link's text.
    Link,
    /// Its alt text only (an unsafe URL).
    Text,
}

/// Markdown to HTML that cannot run code or load anything from elsewhere
/// (images from elsewhere only when `remote_images`).
pub fn render(markdown: &str, remote_images: bool) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut images: Vec<Image> = Vec::new();
    let mut dropped_links = 0usize;
    let mut events = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Start(Tag::Link { dest_url, .. }) if !safe_url(&dest_url) => {
                dropped_links += 1;
            }
            Event::End(TagEnd::Link) if dropped_links > 0 => dropped_links -= 1,
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let remote = dest_url.contains(':') || dest_url.starts_with("//");
                let image = if !safe_url(&dest_url) {
                    Image::Text
                } else if remote_images || !remote {
                    Image::Shown
                } else {
                    Image::Link
                };
                match image {
                    Image::Shown => events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    })),
                    Image::Link => {
                        events.push(Event::Text(CowStr::from("[image: ")));
                        events.push(Event::Start(Tag::Link {
                            link_type,
                            dest_url,
                            title,
                            id,
                        }));
                    }
                    Image::Text => events.push(Event::Text(CowStr::from("[image: "))),
                }
                images.push(image);
            }
            Event::End(TagEnd::Image) => match images.pop() {
                Some(Image::Shown) | None => events.push(Event::End(TagEnd::Image)),
                Some(Image::Link) => {
                    events.push(Event::End(TagEnd::Link));
                    events.push(Event::Text(CowStr::from("]")));
                }
                Some(Image::Text) => events.push(Event::Text(CowStr::from("]"))),
            },
            other => events.push(other),
        }
    }
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn raw_html_is_text() {
        let html = render(
            "Hi <script>alert(1)</script>\n\n<iframe src=x></iframe>",
            false,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn only_safe_links_are_links() {
        let html = render(
            "[a](https://x.org) [b](javascript:alert(1)) [c](/s/x) [d](JaVaScRiPt:x)",
            false,
        );
        assert!(html.contains(r#"<a href="https://x.org">a</a>"#), "{html}");
        assert!(html.contains(r#"<a href="/s/x">c</a>"#), "{html}");
        assert!(!html.to_lowercase().contains("javascript"), "{html}");
        assert!(html.contains(" b ") && html.contains(" d"), "{html}");
    }

    #[test]
    fn remote_images_are_links_unless_allowed() {
        let md = "![a chart](https://x.org/c.png) ![local](/ipfs/bafk) ![bad](javascript:x)";
        let html = render(md, false);
        assert!(!html.contains("<img src=\"https:"), "{html}");
        assert!(
            html.contains(r#"[image: <a href="https://x.org/c.png">a chart</a>]"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<img src="/ipfs/bafk" alt="local""#),
            "{html}"
        );
        assert!(
            html.contains("[image: bad]") && !html.contains("javascript"),
            "{html}"
        );
        let allowed = render(md, true);
        assert!(
            allowed.contains(r#"<img src="https://x.org/c.png" alt="a chart""#),
            "{allowed}"
        );
    }

    #[test]
    fn markdown_renders() {
        let html = render(
            "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done",
            false,
        );
        assert!(
            html.contains("<h1>T</h1>") && html.contains("<table>"),
            "{html}"
        );
    }
}

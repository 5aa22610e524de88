use super::*;

#[test]
fn scratch_deep() {
    let n = 10_000;
    let html = format!("{}x{}", "<div>".repeat(n), "</div>".repeat(n));
    let config = html2text::config::with_decorator(MailDecorator)
        .raw_mode(true)
        .allow_width_overflow();
    let t = std::time::Instant::now();
    let dom = config.parse_html(html.as_bytes()).unwrap();
    println!("parse {:?}", t.elapsed());
    strip_quoted_history(&dom.document);
    println!("strip {:?}", t.elapsed());
    let tree = config.dom_to_render_tree(&dom).unwrap();
    println!("tree {:?}", t.elapsed());
    let s = config.render_to_string(tree, RENDER_WIDTH).unwrap();
    println!("render {:?} {}", t.elapsed(), s.len());
    for n in [1000usize, 10_000] {
        let t = std::time::Instant::now();
        let html = format!("{}x{}", "<blockquote>".repeat(n), "</blockquote>".repeat(n));
        let out = html_to_text(&html);
        println!("bq {n}: {:?} {:?}", out.len(), t.elapsed());
    }
    let t = std::time::Instant::now();
    let html = "<p>word word word word</p>".repeat(50_000);
    let out = html_to_text(&html);
    println!("big: {:?} {:?}", out.len(), t.elapsed());
    let html = "<table><tr><td>a</td><td>b</td></tr></table>".repeat(5_000);
    let t = std::time::Instant::now();
    let out = html_to_text(&html);
    println!("tables: {:?} {:?}", out.len(), t.elapsed());
}

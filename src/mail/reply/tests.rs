use super::*;

#[test]
fn scratch() {
    let html = r#"<html><head><style>p{}</style></head><body><div dir="ltr">Thanks, <b>that</b> <i>works</i> &amp; caf&eacute;&nbsp;ok. <a href="https://x.com">the link</a><div><br></div><ul><li>one</li><li>two</li></ul><ol><li>a</li></ol><p>para 1</p><p>para 2</p><h1>Head</h1><blockquote>q1<br>q2</blockquote><table><tr><td>c1</td><td>c2</td></tr></table><hr><pre>-- 
sig</pre></div></body></html>"#;
    println!("{:?}", html_to_text(html));
}

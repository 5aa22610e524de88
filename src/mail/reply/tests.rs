use super::*;

/// (name, plain-text body, expected reply_text)
const REPLY_CASES: &[(&str, &str, &str)] = &[
    // --- Gmail -----------------------------------------------------------
    (
        "gmail web",
        "Thanks, that fixed it.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Doe <john@example.com> wrote:\n\n> Hi,\n> please reset my password.\n>\n> John\n",
        "Thanks, that fixed it.",
    ),
    (
        "gmail header wrapped inside the address",
        "Sure, Tuesday works.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Doe <\njohn@example.com> wrote:\n\n> Can we talk Tuesday?\n",
        "Sure, Tuesday works.",
    ),
    (
        "gmail header wrapped before wrote",
        "Sure, Tuesday works.\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Doe <john@example.com>\nwrote:\n\n> Can we talk Tuesday?\n",
        "Sure, Tuesday works.",
    ),
    (
        "gmail header wrapped over three lines",
        "Done.\n\nOn Mon, Jan 1, 2024 at 10:00 AM\nJohnathan Alexander Doe-Smithson\n<johnathan.doe-smithson@example.com> wrote:\n> Is it done?\n",
        "Done.",
    ),
    (
        "android gmail",
        "Ok thanks\n\nOn Mon, 1 Jan 2024, 10:00 John Doe, <john@example.com> wrote:\n\n> Your ticket has been updated.\n> \n",
        "Ok thanks",
    ),
    (
        "gmail with dash dash space signature",
        "See attached.\n\n-- \nAnna Smith\nAcme Corp | +1 555 0100\n\nOn Mon, Jan 1, 2024 at 10:00 AM John Doe <john@example.com> wrote:\n> Please send the file.\n",
        "See attached.",
    ),
    (
        "gmail forward with a note: the forward is what the sender sends",
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: John Doe <john@example.com>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: Invoice 42\nTo: <billing@example.com>\n\nThe invoice is wrong.\n",
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: John Doe <john@example.com>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: Invoice 42\nTo: <billing@example.com>\n\nThe invoice is wrong.",
    ),
    (
        "bare gmail forward falls back to whole text minus signature",
        "---------- Forwarded message ---------\nFrom: John Doe <john@example.com>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: Invoice 42\nTo: <billing@example.com>\n\nThe invoice is wrong.\n-- \nJohn Doe\n",
        "---------- Forwarded message ---------\nFrom: John Doe <john@example.com>\nDate: Mon, Jan 1, 2024 at 10:00 AM\nSubject: Invoice 42\nTo: <billing@example.com>\n\nThe invoice is wrong.",
    ),
    // --- Outlook ---------------------------------------------------------
    (
        "outlook desktop original message",
        "Hello,\r\n\r\nThe printer works again.\r\n\r\nRegards,\r\nMark\r\n\r\n-----Original Message-----\r\nFrom: Support <support@example.com> \r\nSent: Monday, January 1, 2024 10:00 AM\r\nTo: Mark Lee <mark@example.com>\r\nSubject: RE: [#123] Printer\r\n\r\nDid a restart help?\r\n",
        "Hello,\n\nThe printer works again.\n\nRegards,\nMark",
    ),
    (
        "outlook web underscores",
        "Yes, please cancel it.\r\n\r\nGet Outlook for iOS<https://aka.ms/o0ukef>\r\n________________________________\r\nFrom: Support <support@example.com>\r\nSent: Monday, January 1, 2024 10:00:00 AM\r\nTo: Mary Major <mary@outlook.com>\r\nSubject: Your order\r\n\r\nShould we cancel the order?\r\n",
        "Yes, please cancel it.",
    ),
    (
        "outlook header block without separator",
        "Received, thank you.\n\nFrom: Support <support@example.com>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Mark Lee <mark@example.com>\nCc: Sales <sales@example.com>\nSubject: RE: Quote\n\nHere is the quote.\n",
        "Received, thank you.",
    ),
    (
        "outlook header block with bold markers",
        "Received, thank you.\n\n*From:* Support <support@example.com>\n*Sent:* Monday, January 1, 2024 10:00 AM\n*To:* Mark Lee <mark@example.com>\n*Subject:* RE: Quote\n\nHere is the quote.\n",
        "Received, thank you.",
    ),
    (
        "outlook header block with From wrapped",
        "Noted.\n\nFrom: Support Team of Example Incorporated\n<support@example.com>\nSent: Monday, January 1, 2024 10:00 AM\nTo: Mark Lee <mark@example.com>\nSubject: RE: Quote\n\nHere is the quote.\n",
        "Noted.",
    ),
    (
        "outlook mac header block from date to subject",
        "Works for me.\n\nFrom: Support <support@example.com>\nDate: Monday, 1 January 2024 at 10:00\nTo: Mark Lee <mark@example.com>\nSubject: Re: Meeting\n\nDoes 10:00 work?\n",
        "Works for me.",
    ),
    (
        "get outlook for android",
        "Call me back please\n\nGet Outlook for Android\n\nFrom: Support <support@example.com>\nSent: Monday, January 1, 2024 10:00:00 AM\nTo: kim@example.com <kim@example.com>\nSubject: Re: Call\n\nWhen can we call?\n",
        "Call me back please",
    ),
    (
        "a From: line in the customer's text is kept",
        "From: my old address I cannot log in.\nPlease help.\n",
        "From: my old address I cannot log in.\nPlease help.",
    ),
    // --- Apple Mail and iOS -----------------------------------------------
    (
        "apple mail",
        "Perfect, thanks!\n\n> On Jan 1, 2024, at 10:00, John Doe <john@example.com> wrote:\n> \n> Your refund was issued.\n",
        "Perfect, thanks!",
    ),
    (
        "apple mail macos unquoted header",
        "Perfect, thanks!\n\nOn Jan 1, 2024, at 10:00, John Doe <john@example.com> wrote:\n\n> Your refund was issued.\n",
        "Perfect, thanks!",
    ),
    (
        "ios mail sent from my iphone",
        "Got it\n\nSent from my iPhone\n\n> On Jan 1, 2024, at 10:00 AM, Support <support@example.com> wrote:\n> \n> Hello!\n",
        "Got it",
    ),
    ("sent from my ipad", "Thanks\n\nSent from my iPad", "Thanks"),
    (
        "apple forward: the forward is what the sender sends",
        "See below\n\nBegin forwarded message:\n\n> From: John Doe <john@example.com>\n> Subject: Order\n> Date: January 1, 2024 at 10:00:00 AM GMT+1\n> To: shop@example.com\n",
        "See below\n\nBegin forwarded message:\n\n> From: John Doe <john@example.com>\n> Subject: Order\n> Date: January 1, 2024 at 10:00:00 AM GMT+1\n> To: shop@example.com",
    ),
    // --- Android / Samsung ------------------------------------------------
    (
        "samsung original message",
        "Yes please.\n\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: Support <support@example.com> \nDate: 1/1/24 10:00 (GMT+01:00) \nTo: kim@example.com \nSubject: Re: Delivery \n\nShall we deliver tomorrow?\n",
        "Yes please.",
    ),
    (
        "sent from my android device",
        "On my way.\n\nSent from my Android device\n\n-------- Original message --------\nFrom: Support <support@example.com>\nDate: 01/01/2024 10:00\nTo: kim@example.com\nSubject: ETA\n",
        "On my way.",
    ),
    // --- Thunderbird --------------------------------------------------------
    (
        "thunderbird",
        "Thanks!\n\nOn 1/1/24 10:00, John Doe wrote:\n> Hi,\n> the server is down.\n",
        "Thanks!",
    ),
    (
        "thunderbird german",
        "Danke!\n\nAm 01.01.24 um 10:00 schrieb John Doe:\n> Hallo,\n> der Server ist down.\n",
        "Danke!",
    ),
    // --- Yahoo and AOL ----------------------------------------------------
    (
        "yahoo unquoted history",
        "I still have not received it.\n\nSent from Yahoo Mail on Android\n\n    On Monday, January 1, 2024, 10:00:00 AM GMT+1, John Doe <john@yahoo.com> wrote:  \n \n Your parcel is on its way.\n",
        "I still have not received it.",
    ),
    (
        "yahoo for iphone",
        "Thank you\n\nSent from Yahoo Mail for iPhone\n\nOn Monday, January 1, 2024, 10:00 AM, Support <support@example.com> wrote:\n\n> Hello\n",
        "Thank you",
    ),
    (
        "aol original message any order",
        "Please call me.\n\n\n-----Original Message-----\nFrom: Support <support@example.com>\nTo: ann@aol.com\nSent: Mon, Jan 1, 2024 10:00 am\nSubject: Re: Refund\n\nWe need more details.\n",
        "Please call me.",
    ),
    // --- Spanish ----------------------------------------------------------
    (
        "spanish gmail",
        "Gracias, ya funciona.\n\nEl lun, 1 ene 2024 a las 10:00, Juan (<juan@x.com>) escribió:\n\n> Hola,\n> ¿funciona ya?\n",
        "Gracias, ya funciona.",
    ),
    (
        "spanish outlook",
        "Recibido.\n\n-----Mensaje original-----\nDe: Soporte <soporte@x.com>\nEnviado el: lunes, 1 de enero de 2024 10:00\nPara: Juan <juan@x.com>\nAsunto: Pedido\n\nSu pedido está listo.\n",
        "Recibido.",
    ),
    (
        "spanish outlook web without separator",
        "Recibido.\n\nDe: Soporte <soporte@x.com>\nEnviado: lunes, 1 de enero de 2024 10:00\nPara: Juan <juan@x.com>\nAsunto: Pedido\n",
        "Recibido.",
    ),
    (
        "spanish iphone",
        "Vale\n\nEnviado desde mi iPhone\n\n> El 1 ene 2024, a las 10:00, Soporte <soporte@x.com> escribió:\n> \n> Hola\n",
        "Vale",
    ),
    // --- Portuguese -------------------------------------------------------
    (
        "portuguese gmail",
        "Obrigado!\n\nEm seg., 1 de jan. de 2024 às 10:00, João <joao@x.com> escreveu:\n\n> Olá\n",
        "Obrigado!",
    ),
    (
        "portuguese outlook",
        "Certo.\n\n-----Mensagem original-----\nDe: Suporte <suporte@x.com>\nEnviada em: segunda-feira, 1 de janeiro de 2024 10:00\nPara: João <joao@x.com>\nAssunto: Pedido\n",
        "Certo.",
    ),
    (
        "portuguese outlook web without separator",
        "Certo.\n\nDe: Suporte <suporte@x.com>\nEnviado: segunda-feira, 1 de janeiro de 2024 10:00\nPara: João <joao@x.com>\nAssunto: Pedido\n",
        "Certo.",
    ),
    (
        "portuguese iphone",
        "Combinado\n\nEnviado do meu iPhone\n\n> Em 1 de jan. de 2024, à(s) 10:00, Suporte <suporte@x.com> escreveu:\n> \n> Olá\n",
        "Combinado",
    ),
    // --- French -----------------------------------------------------------
    (
        "french gmail",
        "Merci beaucoup.\n\nLe lun. 1 janv. 2024 à 10:00, Jean <jean@x.com> a écrit :\n\n> Bonjour,\n",
        "Merci beaucoup.",
    ),
    (
        "french gmail with non-breaking space before colon",
        "Merci beaucoup.\n\nLe lun. 1 janv. 2024 à 10:00, Jean <jean@x.com> a écrit\u{a0}:\n\n> Bonjour,\n",
        "Merci beaucoup.",
    ),
    (
        "french outlook",
        "Bien reçu.\n\n-----Message d'origine-----\nDe : Support <support@x.com>\nEnvoyé : lundi 1 janvier 2024 10:00\nÀ : Jean <jean@x.com>\nObjet : Commande\n",
        "Bien reçu.",
    ),
    (
        "french outlook without separator",
        "Bien reçu.\n\nDe\u{a0}: Support <support@x.com>\nEnvoyé\u{a0}: lundi 1 janvier 2024 10:00\nÀ\u{a0}: Jean <jean@x.com>\nObjet\u{a0}: Commande\n",
        "Bien reçu.",
    ),
    (
        "french iphone",
        "Parfait\n\nEnvoyé de mon iPhone\n\n> Le 1 janv. 2024 à 10:00, Support <support@x.com> a écrit :\n> \n> Bonjour\n",
        "Parfait",
    ),
    // --- German -----------------------------------------------------------
    (
        "german gmail",
        "Vielen Dank.\n\nAm Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Hans <hans@x.de>:\n\n> Hallo,\n",
        "Vielen Dank.",
    ),
    (
        "german gmail wrapped",
        "Vielen Dank.\n\nAm Mo., 1. Jan. 2024 um 10:00 Uhr schrieb Hans Müller <\nhans.mueller@example.de>:\n\n> Hallo,\n",
        "Vielen Dank.",
    ),
    (
        "german outlook",
        "Erledigt.\n\n-----Ursprüngliche Nachricht-----\nVon: Support <support@x.de>\nGesendet: Montag, 1. Januar 2024 10:00\nAn: Hans <hans@x.de>\nBetreff: Bestellung\n",
        "Erledigt.",
    ),
    (
        "german iphone",
        "Passt\n\nVon meinem iPhone gesendet\n\n> Am 01.01.2024 um 10:00 schrieb Support <support@x.de>:\n> \n> Hallo\n",
        "Passt",
    ),
    // --- Dutch and Italian ------------------------------------------------
    (
        "dutch gmail",
        "Bedankt!\n\nOp ma 1 jan. 2024 om 10:00 schreef Jan <jan@x.nl>:\n\n> Hallo\n",
        "Bedankt!",
    ),
    (
        "italian gmail",
        "Grazie!\n\nIl giorno lun 1 gen 2024 alle ore 10:00 Mario Rossi <mario@x.it> ha scritto:\n\n> Ciao\n",
        "Grazie!",
    ),
    // --- Signatures -------------------------------------------------------
    (
        "dash dash space signature",
        "The login works now.\n\n-- \nAnna Smith\nHead of IT\n",
        "The login works now.",
    ),
    (
        "plain dash dash signature",
        "The login works now.\n--\nAnna\n",
        "The login works now.",
    ),
    // --- Inline / interleaved ---------------------------------------------
    (
        "interleaved reply",
        "On Mon, Jan 1, 2024 at 10:00 AM Support <support@example.com> wrote:\n> What is your order number?\n\nIt is 12345.\n\n> Which address should we ship to?\n\n1 Main Street, Springfield.\n\n-- \nJohn\n",
        "It is 12345.\n\n1 Main Street, Springfield.",
    ),
    (
        "bottom posting",
        "On 1/1/24 10:00, Support wrote:\n> Did the update help?\n> Let us know.\n\nYes, it did.\n",
        "Yes, it did.",
    ),
    (
        "a bare 'Name wrote:' above the quote goes with it",
        "Support wrote:\n> Did the update help?\n\nYes, it did.\n",
        "Yes, it did.",
    ),
    // --- Header shape required --------------------------------------------
    (
        "wrote: inside the customer's own text",
        "Hello,\nAs I wrote: the invoice is wrong.\nPlease fix it.\n",
        "Hello,\nAs I wrote: the invoice is wrong.\nPlease fix it.",
    ),
    (
        "On … wrote: sentence without a date is text",
        "On Monday I wrote:\nthe invoice is wrong.\n",
        "On Monday I wrote:\nthe invoice is wrong.",
    ),
    (
        "dated sentence without time or address is text",
        "On 5 May the agent wrote:\nwe will refund you. Still waiting!\n",
        "On 5 May the agent wrote:\nwe will refund you. Still waiting!",
    ),
    (
        "sentence ending in a period is not wrapped into a header",
        "On the 2nd we met.\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@example.com> wrote:\n> Hi\n",
        "On the 2nd we met.",
    ),
    (
        "unquoted history after a detailed header",
        "Please hurry.\n\nOn Mon, Jan 1, 2024 at 10:00 AM Support <support@example.com> wrote:\nWe are looking into it.\n",
        "Please hurry.",
    ),
    (
        "short attribution above a quote",
        "Fixed, thanks!\n\nOn Sat, Dana wrote:\n> Did the update help?\n",
        "Fixed, thanks!",
    ),
    (
        "short attribution with nothing quoted is text",
        "On Sat, Dana wrote:\nthe parcel never came.\n",
        "On Sat, Dana wrote:\nthe parcel never came.",
    ),
    // --- Encoding and edge cases --------------------------------------------
    (
        "crlf, bom and tabs",
        "\u{feff}Line one\r\n\tindented line\r\n\r\n> quoted\r\n",
        "Line one\n\tindented line",
    ),
    (
        "old mac line endings",
        "First\rSecond\r> quoted\r",
        "First\nSecond",
    ),
    ("empty input", "", ""),
    ("only blank lines", "\n \n\t\n", ""),
    (
        "only quotes falls back to the whole text",
        "> one\n> two\n",
        "> one\n> two",
    ),
    (
        "unicode and blank runs",
        "\n\nこんにちは 🙂\n\n\n\nÇa va? Ünïcödé ✓\n\n\n",
        "こんにちは 🙂\n\nÇa va? Ünïcödé ✓",
    ),
    (
        "quoted signature does not cut",
        "> Thanks\n> -- \n> Support\n\nMy answer.\n",
        "My answer.",
    ),
    (
        "underscore line without a header is text",
        "Total\n__________\n42 EUR\n",
        "Total\n__________\n42 EUR",
    ),
];

#[test]
fn reply_text_table() {
    let mut failures = Vec::new();
    for (name, input, expected) in REPLY_CASES {
        let got = reply_text(input);
        if got != *expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Replies in 20-odd languages and from as many clients (see `cases.rs`).
#[test]
fn replies_from_many_clients_and_languages() {
    let mut failures = Vec::new();
    for (name, input, expected) in super::cases::CASES {
        let got = reply_text(input);
        if got != *expected {
            failures.push(format!(
                "{name}:\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fail:\n{}",
        failures.len(),
        super::cases::CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn reply_table_is_large() {
    assert!(REPLY_CASES.len() >= 40, "{}", REPLY_CASES.len());
}

#[test]
fn reply_text_survives_odd_input() {
    let nasty = [
        "On",
        "On 1",
        "On 1\n",
        "From:",
        "From: x\nSent: y",
        "________________________________",
        "\u{feff}",
        "\r",
        "--",
        "-- \n",
        ">",
        "\u{a0}\u{2028}\u{0}",
        "On 1:00 a@b\nwrote:",
    ];
    for input in nasty {
        let _ = reply_text(input);
    }
    assert_eq!(
        reply_text("On 1/1/24 10:00, John wrote:"),
        "On 1/1/24 10:00, John wrote:"
    );
    let long = "On 1 ".repeat(100_000) + "wrote:";
    assert_eq!(reply_text(&long), long.trim_end());
}

// --- html_to_text ---------------------------------------------------------

const GMAIL_HTML: &str = r#"<div dir="ltr">Thanks, that works!<div><br></div><div>Best,</div><div>Anna</div></div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">On Mon, Jan 1, 2024 at 10:00 AM John Doe &lt;<a href="mailto:john@example.com">john@example.com</a>&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex"><div dir="ltr">Hi Anna,<div>did the reset work?</div></div></blockquote></div>
"#;

const OUTLOOK_DESKTOP_HTML: &str = r##"<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><style><!-- p.MsoNormal {margin:0cm;} --></style></head><body lang="EN-US" link="#0563C1"><div class="WordSection1"><p class="MsoNormal">Hi team,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">The <b>VPN</b> is still down.<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Support &lt;support@example.com&gt; <br><b>Sent:</b> Monday, January 1, 2024 10:00 AM<br><b>To:</b> Mark Lee &lt;mark@example.com&gt;<br><b>Subject:</b> RE: VPN<o:p></o:p></p></div></div><p class="MsoNormal"><o:p>&nbsp;</o:p></p><p class="MsoNormal">Is the VPN working now?<o:p></o:p></p></div></body></html>"##;

const OUTLOOK_WEB_HTML: &str = r##"<html><body><div class="elementToProof" style="font-family: Aptos, sans-serif;">Please cancel my order.</div><div id="appendonsend"></div><hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> Shop &lt;shop@example.com&gt;<br><b>Sent:</b> Monday, January 1, 2024 10:00 AM<br><b>To:</b> Mary &lt;mary@outlook.com&gt;<br><b>Subject:</b> Your order</font><div>&nbsp;</div></div><div>Your order has shipped.</div></body></html>"##;

const APPLE_MAIL_HTML: &str = r#"<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">Perfect, see you then.<br id="lineBreakAtBeginningOfSignature"><div dir="ltr">Sent from my iPhone</div><div dir="ltr"><br><blockquote type="cite">On Jan 1, 2024, at 10:00, John Doe &lt;john@example.com&gt; wrote:<br><br></blockquote></div><blockquote type="cite"><div dir="ltr">Can we meet at 10:00?</div></blockquote></body></html>"#;

const THUNDERBIRD_HTML: &str = r#"<html><body><p>Works now, thanks.</p><div class="moz-cite-prefix">On 1/1/24 10:00, John Doe wrote:<br></div><blockquote type="cite" cite="mid:abc@example.com"><p>Try again?</p></blockquote><pre class="moz-signature" cols="72">-- 
Anna</pre></body></html>"#;

const YAHOO_HTML: &str = r#"<html><body><div class="ydp1" style="font-family:Helvetica;"><div dir="ltr">Still waiting.</div></div><div id="yahoo_quoted_1234567890" class="yahoo_quoted"><div style="font-family:'Helvetica Neue';">On Monday, January 1, 2024, 10:00:00 AM GMT+1, Shop &lt;shop@example.com&gt; wrote:<br><br><div>Your parcel is on its way.</div></div></div></body></html>"#;

const PLAIN_HTML: &str = r#"<!DOCTYPE html><html><head><title>Ignored</title><style>p { color: red; }</style></head><body><h2>Order problem</h2><p>Hello&nbsp;team &amp; friends,</p><p>The <strong>caf&eacute;</strong> order is <em>wrong</em>:</p><ul><li>2 x espresso</li><li>1 x cr&egrave;me br&ucirc;l&eacute;e</li></ul><ol><li>First step</li><li>Second step</li></ol><p>See <a href="https://example.com/orders/42">my order page</a> or write to <a href="mailto:me@example.com">me@example.com</a>.</p><p>A very long line that must not be wrapped by the converter at all, no matter how long it gets, because wrapping would insert artificial line breaks into the ticket text.</p><blockquote>An ordinary quote<br>over two lines</blockquote><p>Thanks</p><img src="https://example.com/logo.png" alt="Logo"></body></html>"#;

#[test]
fn html_gmail_reply() {
    assert_eq!(
        html_to_text(GMAIL_HTML),
        "Thanks, that works!\n\nBest,\nAnna"
    );
}

#[test]
fn html_outlook_desktop_reply() {
    assert_eq!(
        html_to_text(OUTLOOK_DESKTOP_HTML),
        "Hi team,\n\nThe VPN is still down."
    );
}

#[test]
fn html_outlook_web_reply() {
    assert_eq!(html_to_text(OUTLOOK_WEB_HTML), "Please cancel my order.");
}

#[test]
fn html_apple_mail_reply() {
    let text = html_to_text(APPLE_MAIL_HTML);
    assert_eq!(text, "Perfect, see you then.\nSent from my iPhone");
    assert_eq!(reply_text(&text), "Perfect, see you then.");
}

#[test]
fn html_thunderbird_reply() {
    let text = html_to_text(THUNDERBIRD_HTML);
    assert_eq!(text, "Works now, thanks.\n\n--\nAnna");
    assert_eq!(reply_text(&text), "Works now, thanks.");
}

#[test]
fn html_yahoo_reply() {
    assert_eq!(html_to_text(YAHOO_HTML), "Still waiting.");
}

#[test]
fn html_plain_message() {
    let expected = "Order problem\n\n\
        Hello team & friends,\n\n\
        The café order is wrong:\n\
        - 2 x espresso\n\
        - 1 x crème brûlée\n\
        1. First step\n\
        2. Second step\n\n\
        See my order page or write to me@example.com.\n\n\
        A very long line that must not be wrapped by the converter at all, no matter how long it gets, because wrapping would insert artificial line breaks into the ticket text.\n\n\
        > An ordinary quote\n\
        > over two lines\n\n\
        Thanks";
    assert_eq!(html_to_text(PLAIN_HTML), expected);
}

#[test]
fn html_generic_blockquote_is_dropped_by_reply_text() {
    let html = "<p>New answer</p><p>On Mon, Jan 1, 2024 at 10:00 AM Bob &lt;bob@example.com&gt; wrote:</p><blockquote><p>Old question</p></blockquote>";
    assert_eq!(reply_text(&html_to_text(html)), "New answer");
}

#[test]
fn html_new_outlook_reference_container() {
    let html = r#"<div class="elementToProof">Approved.</div><div id="mail-editor-reference-message-container"><div class="ms-outlook-mobile-reference-message"><b>From: </b>Boss &lt;boss@example.com&gt;<br><b>Date: </b>Monday, 1 January 2024 at 10:00<br><b>To: </b>Me &lt;me@example.com&gt;<br><b>Subject: </b>Leave<br><br></div>Can I take Friday off?</div>"#;
    assert_eq!(html_to_text(html), "Approved.");
}

#[test]
fn html_outlook_border_div_without_from_is_kept() {
    let html = r#"<p>Intro</p><div style="border-top:solid #ccc 1pt"><p>Details follow</p></div>"#;
    assert_eq!(html_to_text(html), "Intro\n\nDetails follow");
}

#[test]
fn html_survives_odd_input() {
    assert_eq!(html_to_text(""), "");
    assert_eq!(html_to_text("\u{feff}plain <b>text</b>"), "plain text");
    assert_eq!(html_to_text("<div><p>unclosed <b>tags"), "unclosed tags");
    assert_eq!(html_to_text("<<<>>>&&&;<"), "<<<>>>&&&;<");
    let deep = format!("{}deep{}", "<div>".repeat(50_000), "</div>".repeat(50_000));
    assert_eq!(html_to_text(&deep), "deep");
    let quotes = format!(
        "{}q{}",
        "<blockquote>".repeat(200),
        "</blockquote>".repeat(200)
    );
    assert_eq!(
        html_to_text(&quotes),
        format!("{}q", "> ".repeat(200)).trim_end()
    );
}

#[test]
fn html_layout_tables_and_pre() {
    let html = "<table><tr><td>Order</td><td>#42</td></tr><tr><td>Total</td><td>9&nbsp;&euro;</td></tr></table><pre>line 1\n  line 2</pre>";
    assert_eq!(
        html_to_text(html),
        "Order\n#42\nTotal\n9 €\n\nline 1\n  line 2"
    );
    let long = format!("<p>{}</p>", "word ".repeat(20_000));
    assert_eq!(html_to_text(&long), "word ".repeat(20_000).trim_end());
}

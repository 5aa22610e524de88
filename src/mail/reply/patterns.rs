//! What mail clients write above quoted history, per language: reply
//! headers ("On … wrote:"), original-message and forwarded-message
//! separators, the field labels of header blocks, and mobile signatures.
//! Each table is plain data; the regexes are built from them once.
use regex::Regex;
use std::sync::LazyLock;

/// Reply headers a client writes above the quote, joined into one line
/// when wrapped. Strong ones name the act of writing in their language, so
/// they are trusted even with no `>` quote below when they also carry a
/// time or an address.
const ATTRIBUTIONS: &[(&str, &str)] = &[
    // English: Gmail, Apple Mail, Thunderbird, Eudora ("At …, you wrote:"),
    // "sent:" variants, Lotus Notes ("Name/ORG wrote on DATE:").
    ("en", r"(?:On|At)\s.+?\s(?:wrote|sent|writes)\s*:"),
    ("en", r".+\swrote\s+on\s.+:"),
    ("es", r"El\s.+\sescribió\s*:"),
    ("pt", r"(?:Em|Às)\s.+\sescreveu\s*:"),
    ("fr", r"Le\s.+\sa\s+écrit\s*:"),
    ("de", r"Am\s.+\sschrieb(?:\s.*)?:"),
    // Google Inbox and newer Gmail in German: "Name <a@b> schrieb am …:".
    ("de", r".+\sschrieb\s+am\s.+:"),
    ("nl", r"Op\s.+\s(?:schreef|geschreven)(?:\s.*)?:"),
    ("it", r"Il\s.+\sha\s+scritto\s*:"),
    // Danish, Norwegian, Swedish: "Den 17. okt. 2014 kl. 11.28 skrev …:",
    // "tir. 17. okt. 2014 kl. 11:28 skrev Name <a@b>:".
    ("da/no/sv", r".+\sskrev(?:\s.*)?:"),
    (
        "pl",
        r"(?:W\s+dniu|Dnia)\s.+\s(?:napisał\(a\)|napisała|napisał|pisze)\s*:",
    ),
    ("ru", r".+\s(?:написал\(а\)|написала|написал|пишет)\s*:"),
    ("uk", r".+\s(?:пише|написав|написала)\s*:"),
    ("vi", r"Vào\s.+\sđã\s+viết\s*:"),
    ("zh", r"(?:在)?.+(?:写道|寫道)\s*[:：]"),
    ("ja", r".+(?:は書きました|のメッセージ)\s*[:：]"),
    ("ko", r".+님이\s*작성\s*[:：]"),
    ("tr", r".+\s(?:şunu\s+yazdı|yazdı)\s*:"),
    ("cs", r".+\snapsal(?:\(a\)|a)?\s*:"),
    ("fi", r".+\skirjoitti\s*:"),
    ("hu", r".+\sezt\s+írta(?:\s.*)?:"),
    ("el", r".+\sέγραψε\s*:"),
    ("ro", r".+\sa\s+scris\s*:"),
    ("id/ms", r".+\smenulis\s*:"),
    ("ca", r".+\sva\s+escriure\s*:"),
    ("sk", r".+\snapísal(?:\(a\)|a)?\s*:"),
    ("hr/bs/sr", r".+\sje\s+napisa(?:o|la)\s*:"),
    ("bg", r".+\sнаписа\s*:"),
    ("ar", r".+كتب\s*:"),
    ("th", r".+เขียนว่า\s*:"),
];

/// Reply headers that could also be a customer's own words ("Name
/// wrote:"), and those with no word for "wrote": a date or time and an
/// address only (Gmail in Russian or Japanese, old Gmail's "2011/4/7 Name <a@b>",
/// "2014-10-17 11:28 GMT+03:00 Name <a@b>:"). Trusted only above a quote.
const WEAK_ATTRIBUTIONS: &[&str] = &[
    // Thunderbird and many others: "Name wrote:", "Name <a@b> wrote:".
    r".+\swrote\s*:",
    r"\d{4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,2}.*<[^<>\s]+@[^<>\s]+>\s*[:：]?",
    r".*\d{1,2}[:.]\d{2}.*<[^<>\s]+@[^<>\s]+>\s*[:：]",
];

/// First words a reply header begins with, for a header that follows the
/// customer's own words on the same line ("thanks On Wed, … wrote:").
const INLINE_STARTS: &str = r"On|El|Em|Le|Am|Op|Il|W\s+dniu|Den|Vào|在";

/// Words of an original-message separator between dashes or rules.
const ORIGINAL_MESSAGE: &[&str] = &[
    r"original\s+message",
    r"reply\s+message",
    r"mensaje\s+original",
    r"mensagem\s+original",
    r"message\s+d['’]origine",
    r"message\s+original",
    r"mail\s+original",
    r"ursprüngliche\s+(?:nachricht|mail)",
    r"originalnachricht",
    r"antwort\s+nachricht",
    r"oorspronkelijk\s+bericht",
    r"origineel\s+bericht",
    r"messaggio\s+originale",
    r"oprindelig\s+meddelelse",
    r"opprinnelig\s+melding",
    r"ursprungligt\s+meddelande",
    r"oryginalna\s+wiadomość",
    r"wiadomość\s+oryginalna",
    r"исходное\s+сообщение",
    r"оригинальное\s+сообщение",
    r"вихідне\s+повідомлення",
    r"původní\s+zpráva",
    r"alkuperäinen\s+viesti",
    r"eredeti\s+üzenet",
    r"özgün\s+ileti",
    r"orijinal\s+mesaj",
    r"αρχικό\s+μήνυμα",
    r"原始邮件",
    r"原始郵件",
    r"元のメッセージ",
    r"원본\s*메시지",
    r"tin\s+nhắn\s+gốc",
];

/// Words of a forwarded-message separator between dashes.
const FORWARDED_MESSAGE: &[&str] = &[
    r"forwarded\s+message",
    r"mensaje\s+reenviado",
    r"mensagem\s+encaminhada",
    r"message\s+transféré",
    r"weitergeleitete\s+nachricht",
    r"doorgestuurd\s+bericht",
    r"messaggio\s+inoltrato",
    r"videresendt\s+meddelelse",
    r"videresendt\s+melding",
    r"vidarebefordrat\s+meddelande",
    r"przekazana\s+wiadomość",
    r"пересылаемое\s+сообщение",
    r"пересланное\s+сообщение",
    r"přeposlaná\s+zpráva",
    r"välitetty\s+viesti",
    r"továbbított\s+üzenet",
    r"iletilen\s+ileti",
    r"转发的邮件",
    r"転送されたメッセージ",
];

/// Forward headers that stand alone with a colon (Apple Mail and friends).
const FORWARD_LINES: &[&str] = &[
    r"begin\s+forwarded\s+message",
    r"inicio\s+del\s+mensaje\s+reenviado",
    r"início\s+da\s+mensagem\s+encaminhada",
    r"début\s+du\s+message\s+(?:réexpédié|transféré)",
    r"anfang\s+der\s+weitergeleiteten\s+(?:nachricht|e-mail)",
    r"begin\s+doorgestuurd\s+bericht",
    r"inizio\s+messaggio\s+inoltrato",
    r"videresendt\s+besked",
    r"vidarebefordrat\s+brev",
    r"początek\s+przekazywanej\s+wiadomości",
    r"начало\s+переадресованного\s+сообщения",
];

/// Header-block field labels (Outlook, Lotus Notes, webmail), per field.
const FROM: &[&str] = &[
    "From",
    "De",
    "Von",
    "Van",
    "Da",
    "Fra",
    "Från",
    "Od",
    "От",
    "Від",
    "Kimden",
    "Lähettäjä",
    "Feladó",
    "Afzender",
    "Από",
    "Từ",
    "发件人",
    "寄件者",
    "差出人",
    "보낸 사람",
];
const DATE: &[&str] = &[
    "Sent",
    "Date",
    r"Enviado(?:\s+(?:el|em))?",
    r"Enviada\s+em",
    "Fecha",
    "Data",
    r"Envoyé(?:\s+le)?",
    "Gesendet",
    "Datum",
    "Verzonden",
    "Verstuurd",
    r"Inviato(?:\s+il)?",
    "Sendt",
    "Skickat",
    "Wysłano",
    "Wysłane",
    "Отправлено",
    "Дата",
    "Надіслано",
    "Gönderildi",
    "Tarih",
    "Lähetetty",
    "Päivämäärä",
    "Küldve",
    "Dátum",
    "Odesláno",
    "Στάλθηκε",
    "Ημερομηνία",
    "Đã gửi",
    "Ngày",
    "发送时间",
    "日期",
    "寄件日期",
    "送信日時",
    "日付",
    "보낸 날짜",
];
const TO: &[&str] = &[
    "To",
    "Cc",
    "Para",
    "À",
    "A",
    "An",
    "Aan",
    "Til",
    "Till",
    "Do",
    "DW",
    "Кому",
    "Копия",
    "Kime",
    "Vastaanottaja",
    "Címzett",
    "Komu",
    "Προς",
    "Đến",
    "收件人",
    "抄送",
    "收件者",
    "宛先",
    "받는 사람",
];
const SUBJECT: &[&str] = &[
    "Subject",
    "Asunto",
    "Assunto",
    "Objet",
    "Sujet",
    "Betreff",
    "Onderwerp",
    "Oggetto",
    "Emne",
    "Ämne",
    "Temat",
    "Тема",
    "Konu",
    "Aihe",
    "Tárgy",
    "Předmět",
    "Θέμα",
    "Chủ đề",
    "主题",
    "主旨",
    "件名",
    "제목",
];

/// Mobile and webmail auto-signatures, matched against a whole trimmed
/// line (of at most [`MOBILE_SIGNATURE_CHARS`]); an optional `<link>` may
/// follow. Patterns here and above use unbounded `.*` with the length
/// checked in code: a bounded `.{1,250}` makes an automaton too large for
/// the regex crate's fast engines, and every line would take the slow one.
const MOBILE_SIGNATURES: &[&str] = &[
    r"sent\s+from\s+(?:my\s|yahoo\s+mail|outlook|mail\s+for|samsung).*",
    r"sent\s+(?:via|using)\s+(?:blackberry|the\s+samsung|proton\s*mail).*",
    r"get\s+outlook\s+for\s+\S+",
    r"enviado\s+desde\s+mi\s.+",
    r"enviado\s+do\s+meu\s.+",
    r"envoyé\s+de\s+mon\s.+",
    r"von\s+meinem\s.+\s+gesendet",
    r"gesendet\s+von\s+(?:meinem\s|mein\s|yahoo).+",
    r"verzonden\s+(?:vanaf|met)\s+mijn\s.+",
    r"inviato\s+da(?:l\s+mio|\s+yahoo)\s?.+",
    r"(?:sendt|skickat)\s+från?\s+min\s.+",
    r"wysłane\s+z\s+(?:mojego\s)?.+",
    r"отправлено\s+с\s+(?:моего\s)?.+",
    r"надіслано\s+з\s+(?:мого\s)?.+",
    r"odesláno\s+z\s+(?:mého\s)?.+",
    r"lähetetty\s+.+(?:puhelimesta|iphonesta|androidista)",
    r".+['’]?(?:dan|den|tan|ten)\s+gönderildi",
    r"iphoneから送信",
    r"发自我的\s?.+",
    r"從我的\s?.+傳送",
    r"내\s+.+에서\s+보냄",
    r"gửi\s+từ\s+.+",
];

/// The longest line tested as a mobile signature.
pub(super) const MOBILE_SIGNATURE_CHARS: usize = 120;

fn any(list: &[&str]) -> String {
    list.join("|")
}

/// A whole reply header (its wrapped lines joined), and whether it is a
/// strong one (see [`ATTRIBUTIONS`]).
pub(super) static ATTRIBUTION: LazyLock<Regex> = LazyLock::new(|| {
    let strong: Vec<&str> = ATTRIBUTIONS.iter().map(|(_, p)| *p).collect();
    Regex::new(&format!(r"(?i)^\s*(?:{})\s*$", any(&strong))).unwrap()
});

pub(super) static WEAK_ATTRIBUTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)^\s*(?:{})\s*$", any(WEAK_ATTRIBUTIONS))).unwrap());

/// The customer's words, then a strong reply header on the same line.
pub(super) static INLINE_ATTRIBUTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^(.*?\S)\s+((?:{INLINE_STARTS})\s.*)$")).unwrap());

/// A line that begins a reply header, so it does not continue one begun on
/// the line above.
pub(super) static ATTRIBUTION_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"^\s*(?:{INLINE_STARTS})\s")).unwrap());

/// Signs that a reply header is a real one: a clock time or an address.
pub(super) static DETAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,2}[:.]\d{2}|@").unwrap());

/// An original-message separator (`-----Original Message-----`, with
/// stars, rules or none around the dashes).
pub(super) static ORIGINAL_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*[*_]*\s*[-=_]{{2,}}\s*(?:{})\s*[-=_]{{2,}}\s*[*_]*\s*$",
        any(ORIGINAL_MESSAGE)
    ))
    .unwrap()
});

/// Android's "---- Name wrote ----", above history that is not quoted.
pub(super) static WROTE_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*-{2,}\s*.+\s(?:wrote|a\s+écrit|schrieb|escribió|escreveu|ha\s+scritto|skrev|napisał|написал|kirjoitti)\s*-{2,}\s*$",
    )
    .unwrap()
});

/// A reply header with the quoted text run on after it on the same line
/// (Yahoo's plain text, some mobile clients): history from here on.
pub(super) static HEADER_THEN_HISTORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\s*(?:{INLINE_STARTS})\s.+?\s(?i:wrote|escribió|escreveu|a\s+écrit|schrieb|schreef|ha\s+scritto|skrev)\s*:\s+\S"
    ))
    .unwrap()
});

/// A forwarded-message separator.
pub(super) static FORWARD_SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^\s*[*_]*\s*(?:[-=_]{{2,}}\s*(?:{})\s*[-=_]{{2,}}|(?:{})\s*:)\s*[*_]*\s*$",
        any(FORWARDED_MESSAGE),
        any(FORWARD_LINES)
    ))
    .unwrap()
});

/// A rule of underscores or dashes that Outlook puts above its header
/// block.
pub(super) static RULE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:_{8,}|-{8,})\s*$").unwrap());

/// A header-block label: optionally bold-marked, then a colon (full-width
/// in CJK clients), possibly a tab.
fn label(labels: &[&str]) -> Regex {
    Regex::new(&format!(
        r"(?i)^\s*[*_]{{0,2}}\s*(?:{})\s*[*_]{{0,2}}\s*[:：]",
        any(labels)
    ))
    .unwrap()
}

pub(super) static FROM_LABEL: LazyLock<Regex> = LazyLock::new(|| label(FROM));
pub(super) static DATE_LABEL: LazyLock<Regex> = LazyLock::new(|| label(DATE));
pub(super) static TO_LABEL: LazyLock<Regex> = LazyLock::new(|| label(TO));
pub(super) static SUBJECT_LABEL: LazyLock<Regex> = LazyLock::new(|| label(SUBJECT));

pub(super) static MOBILE_SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)^(?:{})(?:\s*<[^>\s]+>)?\.?$",
        any(MOBILE_SIGNATURES)
    ))
    .unwrap()
});

/// A line that is only a link (`<https://…>`, `[https://…]` or a bare
/// URL), as tracking links break a run of quoted lines.
pub(super) static LINK_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*[<\[(]?\s*https?://\S+?\s*[>\])]?\s*$").unwrap());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_the_tables_cover_many_languages() {
        for re in [
            &ATTRIBUTION,
            &WEAK_ATTRIBUTION,
            &INLINE_ATTRIBUTION,
            &ATTRIBUTION_START,
            &ORIGINAL_SEPARATOR,
            &WROTE_SEPARATOR,
            &HEADER_THEN_HISTORY,
            &FORWARD_SEPARATOR,
            &FROM_LABEL,
            &DATE_LABEL,
            &TO_LABEL,
            &SUBJECT_LABEL,
            &MOBILE_SIGNATURE,
            &LINK_ONLY,
        ] {
            assert!(!re.is_match("\u{0}"));
        }
        let languages: std::collections::HashSet<&str> =
            ATTRIBUTIONS.iter().map(|(l, _)| *l).collect();
        assert!(languages.len() >= 20, "{languages:?}");
    }
}

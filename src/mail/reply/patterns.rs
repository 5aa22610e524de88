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
    ("en", r"(?:On|At)\s.{1,250}?\b(?:wrote|sent|writes)\s*:"),
    ("en", r".{1,150}\bwrote\s+on\s.{1,100}:"),
    ("es", r"El\s.{1,250}\bescribió\s*:"),
    ("pt", r"(?:Em|Às)\s.{1,250}\bescreveu\s*:"),
    ("fr", r"Le\s.{1,250}\ba\s+écrit\s*:"),
    ("de", r"Am\s.{1,250}\bschrieb\b.{0,100}:"),
    // Google Inbox and newer Gmail in German: "Name <a@b> schrieb am …:".
    ("de", r".{1,150}\bschrieb\s+am\s.{1,120}:"),
    ("nl", r"Op\s.{1,250}\b(?:schreef|geschreven)\b.{0,100}:"),
    ("it", r"Il\s.{1,250}\bha\s+scritto\s*:"),
    // Danish, Norwegian, Swedish: "Den 17. okt. 2014 kl. 11.28 skrev …:",
    // "tir. 17. okt. 2014 kl. 11:28 skrev Name <a@b>:".
    ("da/no/sv", r".{1,250}\bskrev\b.{0,150}:"),
    (
        "pl",
        r"(?:W\s+dniu|Dnia)\s.{1,250}\b(?:napisał\(a\)|napisała|napisał|pisze)\s*:",
    ),
    (
        "ru",
        r".{1,250}\b(?:написал\(а\)|написала|написал|пишет)\s*:",
    ),
    ("uk", r".{1,250}\b(?:пише|написав|написала)\s*:"),
    ("vi", r"Vào\s.{1,250}\bđã\s+viết\s*:"),
    ("zh", r"(?:在)?.{1,250}(?:写道|寫道)\s*[:：]"),
    ("ja", r".{1,250}(?:は書きました|のメッセージ)\s*[:：]"),
    ("ko", r".{1,250}님이\s*작성\s*[:：]"),
    ("tr", r".{1,250}\b(?:şunu\s+yazdı|yazdı)\s*:"),
    ("cs", r".{1,250}\bnapsal(?:\(a\)|a)?\s*:"),
    ("fi", r".{1,250}\bkirjoitti\s*:"),
    ("hu", r".{1,250}\bezt\s+írta\b.{0,120}:"),
    ("el", r".{1,250}\bέγραψε\s*:"),
    ("ro", r".{1,250}\ba\s+scris\s*:"),
    ("id/ms", r".{1,250}\bmenulis\s*:"),
    ("ca", r".{1,250}\bva\s+escriure\s*:"),
    ("sk", r".{1,250}\bnapísal(?:\(a\)|a)?\s*:"),
    ("hr/bs/sr", r".{1,250}\bje\s+napisa(?:o|la)\s*:"),
    ("bg", r".{1,250}\bнаписа\s*:"),
    ("ar", r".{1,250}كتب\s*:"),
    ("th", r".{1,250}เขียนว่า\s*:"),
];

/// Reply headers that could also be a customer's own words ("Name
/// wrote:"), and those with no word for "wrote": a date or time and an
/// address only (Gmail in Russian or Japanese, old Gmail's "2011/4/7 Name <a@b>",
/// "2014-10-17 11:28 GMT+03:00 Name <a@b>:"). Trusted only above a quote.
const WEAK_ATTRIBUTIONS: &[&str] = &[
    // Thunderbird and many others: "Name wrote:", "Name <a@b> wrote:".
    r".{1,200}\bwrote\s*:",
    r"\d{4}[-/.年]\s?\d{1,2}[-/.月]\s?\d{1,2}.{0,150}<[^<>\s]+@[^<>\s]+>\s*[:：]?",
    r".{0,150}\d{1,2}[:.]\d{2}.{0,150}<[^<>\s]+@[^<>\s]+>\s*[:：]",
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
/// line; an optional `<link>` may follow.
const MOBILE_SIGNATURES: &[&str] = &[
    r"sent\s+from\s+(?:my\s|yahoo\s+mail|outlook|mail\s+for|samsung)[^\n]{0,70}",
    r"sent\s+(?:via|using)\s+(?:blackberry|the\s+samsung|proton\s*mail)[^\n]{0,60}",
    r"get\s+outlook\s+for\s+\S+",
    r"enviado\s+desde\s+mi\s[^\n]{1,60}",
    r"enviado\s+do\s+meu\s[^\n]{1,60}",
    r"envoyé\s+de\s+mon\s[^\n]{1,60}",
    r"von\s+meinem\s[^\n]{1,60}\s+gesendet",
    r"gesendet\s+von\s+(?:meinem\s|mein\s|yahoo)[^\n]{1,60}",
    r"verzonden\s+(?:vanaf|met)\s+mijn\s[^\n]{1,60}",
    r"inviato\s+da(?:l\s+mio|\s+yahoo)\s?[^\n]{1,60}",
    r"(?:sendt|skickat)\s+från?\s+min\s[^\n]{1,60}",
    r"wysłane\s+z\s+(?:mojego\s)?[^\n]{1,60}",
    r"отправлено\s+с\s+(?:моего\s)?[^\n]{1,60}",
    r"надіслано\s+з\s+(?:мого\s)?[^\n]{1,60}",
    r"odesláno\s+z\s+(?:mého\s)?[^\n]{1,60}",
    r"lähetetty\s+[^\n]{1,40}(?:puhelimesta|iphonesta|androidista)",
    r"[^\n]{1,30}['’]?(?:dan|den|tan|ten)\s+gönderildi",
    r"iphoneから送信",
    r"发自我的\s?[^\n]{1,30}",
    r"從我的\s?[^\n]{1,30}傳送",
    r"내\s+[^\n]{1,30}에서\s+보냄",
    r"gửi\s+từ\s+[^\n]{1,40}",
];

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
        r"(?i)^\s*-{2,}\s*.{1,120}\s(?:wrote|a\s+écrit|schrieb|escribió|escreveu|ha\s+scritto|skrev|napisał|написал|kirjoitti)\s*-{2,}\s*$",
    )
    .unwrap()
});

/// A reply header with the quoted text run on after it on the same line
/// (Yahoo's plain text, some mobile clients): history from here on.
pub(super) static HEADER_THEN_HISTORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\s*(?:{INLINE_STARTS})\s.{{1,250}}?\b(?i:wrote|escribió|escreveu|a\s+écrit|schrieb|schreef|ha\s+scritto|skrev)\s*:\s+\S"
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

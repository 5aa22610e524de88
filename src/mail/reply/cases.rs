//! Replies as real clients send them, by language and client: what a
//! customer wrote above (or between, or below) what their client added.
//! Written for Postdesk from the shapes the clients produce (their reply
//! headers, separators, header blocks and signatures in each language);
//! no fixture is taken from another project. Each case: (language or
//! client, body, the reply text an agent should read).

/// The customer's own words in most cases.
const WORDS: &str = "The parcel arrived damaged.\nCan you send a new one?";

pub const CASES: &[(&str, &str, &str)] = &[
    // --- Scandinavian ------------------------------------------------------
    (
        "da gmail",
        "The parcel arrived damaged.\nCan you send a new one?\n\nDen fre. 17. okt. 2014 kl. 11.28 skrev Support <support@example.com>:\n\n> Tak for din ordre.\n",
        WORDS,
    ),
    (
        "da apple mail",
        "The parcel arrived damaged.\nCan you send a new one?\n\n> Den 17. okt. 2014 kl. 11.28 skrev Support <support@example.com>:\n> \n> Tak for din ordre.\n",
        WORDS,
    ),
    (
        "da outlook",
        "The parcel arrived damaged.\nCan you send a new one?\n\nFra: Support <support@example.com>\nSendt: 17. oktober 2014 11:28\nTil: Kunde <kunde@example.dk>\nEmne: Ordre 42\n\nTak for din ordre.\n",
        WORDS,
    ),
    (
        "da oprindelig meddelelse",
        "The parcel arrived damaged.\nCan you send a new one?\n\n-------- Oprindelig meddelelse --------\nFra: Support <support@example.com>\nDato: 17-10-2014 11:28\nTil: kunde@example.dk\nEmne: Ordre 42\n\nTak for din ordre.\n",
        WORDS,
    ),
    (
        "no gmail",
        "The parcel arrived damaged.\nCan you send a new one?\n\ntir. 17. okt. 2014 kl. 11:28 skrev Support <support@example.com>:\n\n> Takk for bestillingen.\n",
        WORDS,
    ),
    (
        "no outlook",
        "The parcel arrived damaged.\nCan you send a new one?\n\nFra: Support <support@example.com>\nSendt: fredag 17. oktober 2014 11:28\nTil: Kunde\nEmne: SV: Ordre 42\n\nTakk for bestillingen.\n",
        WORDS,
    ),
    (
        "sv gmail",
        "The parcel arrived damaged.\nCan you send a new one?\n\nDen 17 okt. 2014 kl. 11:28 skrev Support <support@example.com>:\n\n> Tack för din beställning.\n",
        WORDS,
    ),
    (
        "sv outlook",
        "The parcel arrived damaged.\nCan you send a new one?\n\nFrån: Support <support@example.com>\nSkickat: den 17 oktober 2014 11:28\nTill: Kund <kund@example.se>\nÄmne: SV: Order 42\n\nTack för din beställning.\n",
        WORDS,
    ),
    (
        "sv iphone",
        "The parcel arrived damaged.\nCan you send a new one?\n\nSkickat från min iPhone\n\n> 17 okt. 2014 kl. 11:28 skrev Support <support@example.com>:\n>\n> Tack för din beställning.\n",
        WORDS,
    ),
    // --- Polish ------------------------------------------------------------
    (
        "pl gmail",
        "The parcel arrived damaged.\nCan you send a new one?\n\nW dniu 17.10.2014 o 11:28, Support <support@example.com> pisze:\n\n> Dziękujemy za zamówienie.\n",
        WORDS,
    ),
    (
        "pl thunderbird",
        "The parcel arrived damaged.\nCan you send a new one?\n\nW dniu 2014-10-17 o 11:28, użytkownik Support <support@example.com> napisał:\n> Dziękujemy za zamówienie.\n",
        WORDS,
    ),
    (
        "pl napisał(a)",
        "The parcel arrived damaged.\nCan you send a new one?\n\nDnia 17 października 2014 11:28 Support <support@example.com> napisał(a):\n\n> Dziękujemy za zamówienie.\n",
        WORDS,
    ),
    (
        "pl outlook",
        "The parcel arrived damaged.\nCan you send a new one?\n\nOd: Support <support@example.com>\nWysłano: piątek, 17 października 2014 11:28\nDo: Klient <klient@example.pl>\nTemat: Zamówienie 42\n\nDziękujemy za zamówienie.\n",
        WORDS,
    ),
    (
        "pl iphone",
        "The parcel arrived damaged.\nCan you send a new one?\n\nWysłane z iPhone'a\n\n> Wiadomość napisana przez Support w dniu 17.10.2014, o godz. 11:28:\n",
        WORDS,
    ),
    // --- Russian, Ukrainian -------------------------------------------------
    (
        "ru gmail",
        "Посылка пришла повреждённой.\nПришлите новую, пожалуйста.\n\nпт, 17 окт. 2014 г. в 11:28, Support <support@example.com>:\n\n> Спасибо за заказ.\n",
        "Посылка пришла повреждённой.\nПришлите новую, пожалуйста.",
    ),
    (
        "ru yandex",
        "Посылка пришла повреждённой.\n\n17.10.2014, 11:28, \"Support\" <support@example.com>:\n> Спасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru thunderbird",
        "Посылка пришла повреждённой.\n\n17.10.2014 11:28, Support пишет:\n> Спасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru mail.ru",
        "Посылка пришла повреждённой.\n\nПятница, 17 октября 2014, 11:28 +03:00 от Support <support@example.com>:\n> Спасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru написал",
        "Посылка пришла повреждённой.\n\n17 октября 2014 г., 11:28 пользователь Support <support@example.com> написал:\n\n> Спасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru outlook",
        "Посылка пришла повреждённой.\n\nОт: Support <support@example.com>\nОтправлено: 17 октября 2014 г. 11:28\nКому: Иван <ivan@example.ru>\nТема: RE: Заказ 42\n\nСпасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru исходное сообщение",
        "Посылка пришла повреждённой.\n\n-------- Исходное сообщение --------\nОт: Support <support@example.com>\nДата: 17.10.2014 11:28\n\nСпасибо за заказ.\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "ru iphone",
        "Посылка пришла повреждённой.\n\nОтправлено с iPhone\n\n> 17 окт. 2014 г., в 11:28, Support <support@example.com> написал(а):\n",
        "Посылка пришла повреждённой.",
    ),
    (
        "uk gmail",
        "Посилка прийшла пошкодженою.\n\nпт, 17 жовт. 2014 о 11:28 Support <support@example.com> пише:\n\n> Дякуємо за замовлення.\n",
        "Посилка прийшла пошкодженою.",
    ),
    (
        "uk outlook",
        "Посилка прийшла пошкодженою.\n\nВід: Support <support@example.com>\nНадіслано: 17 жовтня 2014 р. 11:28\nКому: Іван\nТема: Замовлення 42\n\nДякуємо за замовлення.\n",
        "Посилка прийшла пошкодженою.",
    ),
    // --- Vietnamese, Dutch, German ------------------------------------------
    (
        "vi gmail",
        "Gói hàng bị hỏng.\n\nVào 11:28 Thứ Sáu, ngày 17/10/2014, Support <support@example.com> đã viết:\n\n> Cảm ơn bạn đã đặt hàng.\n",
        "Gói hàng bị hỏng.",
    ),
    (
        "nl apple mail",
        "Het pakket is beschadigd.\n\nOp 17 okt. 2014 om 11:28 heeft Support <support@example.com> het volgende geschreven:\n\n> Bedankt voor uw bestelling.\n",
        "Het pakket is beschadigd.",
    ),
    (
        "nl gmail",
        "Het pakket is beschadigd.\n\nOp vr 17 okt. 2014 om 11:28 schreef Support <support@example.com>:\n\n> Bedankt voor uw bestelling.\n",
        "Het pakket is beschadigd.",
    ),
    (
        "nl outlook",
        "Het pakket is beschadigd.\n\nVan: Support <support@example.com>\nVerzonden: vrijdag 17 oktober 2014 11:28\nAan: Klant <klant@example.nl>\nOnderwerp: RE: Bestelling 42\n\nBedankt voor uw bestelling.\n",
        "Het pakket is beschadigd.",
    ),
    (
        "de google inbox",
        "Das Paket kam beschädigt an.\n\nSupport <support@example.com> schrieb am Fr., 17. Okt. 2014 um 11:28:\n\n> Danke für Ihre Bestellung.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "de gmail",
        "Das Paket kam beschädigt an.\n\nAm Fr., 17. Okt. 2014 um 11:28 Uhr schrieb Support <support@example.com>:\n\n> Danke für Ihre Bestellung.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "de gmx",
        "Das Paket kam beschädigt an.\n\nGesendet: Freitag, 17. Oktober 2014 um 11:28 Uhr\nVon: \"Support\" <support@example.com>\nAn: kunde@example.de\nBetreff: Bestellung 42\n\nDanke für Ihre Bestellung.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "de ursprüngliche nachricht",
        "Das Paket kam beschädigt an.\n\n-----Ursprüngliche Nachricht-----\nVon: Support [mailto:support@example.com]\nGesendet: Freitag, 17. Oktober 2014 11:28\nAn: Kunde\nBetreff: AW: Bestellung 42\n\nDanke.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "de antwort nachricht",
        "Das Paket kam beschädigt an.\n\n----- Antwort Nachricht -----\nVon: Support\nDanke.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "de iphone",
        "Das Paket kam beschädigt an.\n\nVon meinem iPhone gesendet\n\n> Am 17.10.2014 um 11:28 schrieb Support <support@example.com>:\n",
        "Das Paket kam beschädigt an.",
    ),
    // --- Chinese, Japanese, Korean ------------------------------------------
    (
        "zh gmail",
        "包裹到了，但是坏了。\n\n在 2014年10月17日 上午11:28，Support <support@example.com> 写道：\n\n> 感谢您的订单。\n",
        "包裹到了，但是坏了。",
    ),
    (
        "zh qq mail",
        "包裹到了，但是坏了。\n\n------------------ 原始邮件 ------------------\n发件人: \"Support\"<support@example.com>;\n发送时间: 2014年10月17日(星期五) 上午11:28\n收件人: \"客户\"<kehu@example.cn>;\n主题: 订单 42\n\n感谢您的订单。\n",
        "包裹到了，但是坏了。",
    ),
    (
        "zh outlook",
        "包裹到了，但是坏了。\n\n发件人: Support <support@example.com>\n发送时间: 2014年10月17日 11:28\n收件人: 客户 <kehu@example.cn>\n主题: 回复: 订单 42\n\n感谢您的订单。\n",
        "包裹到了，但是坏了。",
    ),
    (
        "zh-tw outlook",
        "包裹壞了。\n\n寄件者: Support <support@example.com>\n寄件日期: 2014年10月17日 上午 11:28\n收件者: 客戶\n主旨: 訂單 42\n\n謝謝您的訂購。\n",
        "包裹壞了。",
    ),
    (
        "zh iphone",
        "包裹坏了。\n\n发自我的iPhone\n\n> 在 2014年10月17日，11:28，Support <support@example.com> 写道：\n",
        "包裹坏了。",
    ),
    (
        "ja gmail",
        "荷物が破損していました。\n\n2014年10月17日(金) 11:28 Support <support@example.com>:\n\n> ご注文ありがとうございます。\n",
        "荷物が破損していました。",
    ),
    (
        "ja outlook",
        "荷物が破損していました。\n\n差出人: Support <support@example.com>\n送信日時: 2014年10月17日 11:28\n宛先: お客様 <kyaku@example.jp>\n件名: RE: ご注文 42\n\nご注文ありがとうございます。\n",
        "荷物が破損していました。",
    ),
    (
        "ja iphone",
        "荷物が破損していました。\n\niPhoneから送信\n\n> 2014/10/17 11:28、Support <support@example.com> のメッセージ:\n",
        "荷物が破損していました。",
    ),
    (
        "ko gmail",
        "택배가 파손되었습니다.\n\n2014년 10월 17일 (금) 오전 11:28, Support <support@example.com>님이 작성:\n\n> 주문해 주셔서 감사합니다.\n",
        "택배가 파손되었습니다.",
    ),
    (
        "ko outlook",
        "택배가 파손되었습니다.\n\n보낸 사람: Support <support@example.com>\n보낸 날짜: 2014년 10월 17일 금요일 오전 11:28\n받는 사람: 고객\n제목: 주문 42\n\n감사합니다.\n",
        "택배가 파손되었습니다.",
    ),
    // --- Turkish, Czech, Finnish, Hungarian, Greek, Italian, French ---------
    (
        "tr gmail",
        "Paket hasarlı geldi.\n\n17 Eki 2014 Cum, 11:28 tarihinde Support <support@example.com> şunu yazdı:\n\n> Siparişiniz için teşekkürler.\n",
        "Paket hasarlı geldi.",
    ),
    (
        "tr outlook",
        "Paket hasarlı geldi.\n\nKimden: Support <support@example.com>\nGönderildi: 17 Ekim 2014 Cuma 11:28\nKime: Müşteri\nKonu: Sipariş 42\n\nTeşekkürler.\n",
        "Paket hasarlı geldi.",
    ),
    (
        "cs gmail",
        "Balík dorazil poškozený.\n\npá 17. 10. 2014 v 11:28 odesílatel Support <support@example.com> napsal:\n\n> Děkujeme za objednávku.\n",
        "Balík dorazil poškozený.",
    ),
    (
        "cs seznam",
        "Balík dorazil poškozený.\n\n---------- Původní zpráva ----------\nOd: Support <support@example.com>\nKomu: zakaznik@example.cz\nDatum: 17. 10. 2014 11:28:00\nPředmět: Objednávka 42\n\nDěkujeme.\n",
        "Balík dorazil poškozený.",
    ),
    (
        "fi gmail",
        "Paketti tuli rikki.\n\npe 17. lokak. 2014 klo 11.28 Support <support@example.com> kirjoitti:\n\n> Kiitos tilauksestasi.\n",
        "Paketti tuli rikki.",
    ),
    (
        "fi outlook",
        "Paketti tuli rikki.\n\nLähettäjä: Support <support@example.com>\nLähetetty: perjantai 17. lokakuuta 2014 11.28\nVastaanottaja: Asiakas\nAihe: Tilaus 42\n\nKiitos.\n",
        "Paketti tuli rikki.",
    ),
    (
        "hu gmail",
        "A csomag sérülten érkezett.\n\nSupport <support@example.com> ezt írta (időpont: 2014. okt. 17., P, 11:28):\n\n> Köszönjük a rendelést.\n",
        "A csomag sérülten érkezett.",
    ),
    (
        "hu outlook",
        "A csomag sérülten érkezett.\n\nFeladó: Support <support@example.com>\nKüldve: 2014. október 17. 11:28\nCímzett: Vevő\nTárgy: Rendelés 42\n\nKöszönjük.\n",
        "A csomag sérülten érkezett.",
    ),
    (
        "el gmail",
        "Το δέμα ήρθε χαλασμένο.\n\nΣτις Παρ, 17 Οκτ 2014 στις 11:28 π.μ., ο/η Support <support@example.com> έγραψε:\n\n> Ευχαριστούμε για την παραγγελία.\n",
        "Το δέμα ήρθε χαλασμένο.",
    ),
    (
        "it gmail",
        "Il pacco è arrivato danneggiato.\n\nIl giorno ven 17 ott 2014 alle ore 11:28 Support <support@example.com> ha scritto:\n\n> Grazie per l'ordine.\n",
        "Il pacco è arrivato danneggiato.",
    ),
    (
        "fr gmail",
        "Le colis est arrivé abîmé.\n\nLe ven. 17 oct. 2014 à 11:28, Support <support@example.com> a écrit :\n\n> Merci pour votre commande.\n",
        "Le colis est arrivé abîmé.",
    ),
    (
        "fr outlook header in french after a rule",
        "Le colis est arrivé abîmé.\n\n________________________________\nDe : Support <support@example.com>\nEnvoyé : vendredi 17 octobre 2014 11:28\nÀ : Client\nObjet : RE: Commande 42\n\nMerci.\n",
        "Le colis est arrivé abîmé.",
    ),
    // --- Shapes of English clients ------------------------------------------
    (
        "en sent instead of wrote",
        "The parcel arrived damaged.\nCan you send a new one?\n\nOn Fri, Oct 17, 2014 at 11:28 AM, Support <support@example.com> sent:\n> Thanks for your order.\n",
        WORDS,
    ),
    (
        "en date first with gmt offset",
        "The parcel arrived damaged.\nCan you send a new one?\n\n2014-10-17 11:28 GMT+03:00 Support <support@example.com>:\n\n> Thanks for your order.\n",
        WORDS,
    ),
    (
        "en old gmail date and name",
        "The parcel arrived damaged.\nCan you send a new one?\n\n2011/4/7 Support <support@example.com>\n\n> Thanks for your order.\n",
        WORDS,
    ),
    (
        "en android wrote separator with unquoted history",
        "The parcel arrived damaged.\nCan you send a new one?\n\n---- Support wrote ----\n\nThanks for your order.\n",
        WORDS,
    ),
    (
        "en eudora you wrote",
        "The parcel arrived damaged.\nCan you send a new one?\n\nAt 6/16/2016 08:32 PM, you wrote:\n>Thanks for your order.\n",
        WORDS,
    ),
    (
        "en lotus notes header block with tabs",
        "The parcel arrived damaged.\nCan you send a new one?\n\n\n\nFrom:\tSupport <support@example.com>\nTo:\tJohn Doe/ACME@ACME\nDate:\t10/17/2014 11:28 AM\nSubject:\tRe: Order 42\n\n\n\nThanks for your order.\n",
        WORDS,
    ),
    (
        "en lotus notes wrote on",
        "The parcel arrived damaged.\nCan you send a new one?\n\nSupport/EXAMPLE wrote on 10/17/2014 11:28:23 AM:\n\n> Thanks for your order.\n",
        WORDS,
    ),
    (
        "en attribution wrapped over three lines",
        "The parcel arrived damaged.\nCan you send a new one?\n\nOn Friday, October 17, 2014 11:28 AM,\nExample Customer Support Team\n<support@example.com> wrote:\n> Thanks for your order.\n",
        WORDS,
    ),
    (
        "en reply and splitter on one line",
        "thanks, it works now On Wed, Oct 15, 2014 at 11:28 AM, Support <support@example.com> wrote:\n> Please restart it.\n",
        "thanks, it works now",
    ),
    (
        "en starred original message",
        "The parcel arrived damaged.\nCan you send a new one?\n\n*-------- Original Message --------*\n*From:* Support\n*Sent:* Friday\n\nThanks.\n",
        WORDS,
    ),
    (
        "en reply message separator",
        "The parcel arrived damaged.\nCan you send a new one?\n\n----- Reply Message -----\nFrom: Support <support@example.com>\n\nThanks.\n",
        WORDS,
    ),
    (
        "en outlook block starting with date after dashes",
        "The parcel arrived damaged.\nCan you send a new one?\n\n--------------------------------------------\nDate: Fri, 17 Oct 2014 11:28:00 +0000\nFrom: Support <support@example.com>\nTo: customer@example.com\nSubject: Re: Order 42\n\nThanks.\n",
        WORDS,
    ),
    (
        "en tracking links break the quote run",
        "The parcel arrived damaged.\nCan you send a new one?\n\nOn Fri, Oct 17, 2014 at 11:28 AM, Support <support@example.com> wrote:\n> Track your order here\n<https://click.example.com/t/abc123>\n> and reply to this mail.\n[https://click.example.com/t/def456]\n> Support\n",
        WORDS,
    ),
    (
        "en k-9 signature",
        "The parcel arrived damaged.\nCan you send a new one?\n\nSent from my Android device with K-9 Mail. Please excuse my brevity.\n\nSupport <support@example.com> wrote:\n>Thanks for your order.\n",
        WORDS,
    ),
    (
        "en blackberry signature",
        "The parcel arrived damaged.\nCan you send a new one?\n\nSent from my BlackBerry® wireless device\n\n-----Original Message-----\nFrom: Support\n",
        WORDS,
    ),
    (
        "en yahoo mail for android",
        "The parcel arrived damaged.\nCan you send a new one?\n\nSent from Yahoo Mail on Android\n\n  On Fri, Oct 17, 2014 at 11:28, Support<support@example.com> wrote:   Thanks for your order.\n",
        WORDS,
    ),
    (
        "fr envoyé de mon iphone",
        "Le colis est arrivé abîmé.\n\nEnvoyé de mon iPhone\n\n> Le 17 oct. 2014 à 11:28, Support <support@example.com> a écrit :\n",
        "Le colis est arrivé abîmé.",
    ),
    (
        "en get outlook for ios",
        "The parcel arrived damaged.\nCan you send a new one?\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n________________________________\nFrom: Support <support@example.com>\nSent: Friday, October 17, 2014 11:28:00 AM\nTo: Customer\nSubject: Order 42\n\nThanks.\n",
        WORDS,
    ),
    // --- More languages and webmail ------------------------------------------
    (
        "ro gmail",
        "Coletul a sosit deteriorat.\n\nÎn vin., 17 oct. 2014 la 11:28, Support <support@example.com> a scris:\n\n> Vă mulțumim pentru comandă.\n",
        "Coletul a sosit deteriorat.",
    ),
    (
        "id gmail",
        "Paketnya rusak.\n\nPada tanggal Jum, 17 Okt 2014 11:28, Support <support@example.com> menulis:\n\n> Terima kasih atas pesanan Anda.\n",
        "Paketnya rusak.",
    ),
    (
        "ar gmail",
        "وصل الطرد تالفا.\n\nفي الجمعة، 17 أكتوبر 2014 في 11:28 ص، Support <support@example.com> كتب:\n\n> شكرا لطلبك.\n",
        "وصل الطرد تالفا.",
    ),
    (
        "he gmail",
        "החבילה הגיעה פגומה.\n\nבתאריך יום ו׳, 17 באוק׳ 2014 ב-11:28 מאת Support <support@example.com>:\n\n> תודה על ההזמנה.\n",
        "החבילה הגיעה פגומה.",
    ),
    (
        "sk gmail",
        "Balík prišiel poškodený.\n\npi 17. 10. 2014 o 11:28 Support <support@example.com> napísal(a):\n\n> Ďakujeme za objednávku.\n",
        "Balík prišiel poškodený.",
    ),
    (
        "hr gmail",
        "Paket je stigao oštećen.\n\nSupport <support@example.com> je napisao:\n> Hvala na narudžbi.\n",
        "Paket je stigao oštećen.",
    ),
    (
        "de zimbra",
        "Das Paket kam beschädigt an.\n\n----- Ursprüngliche Mail -----\nVon: \"Support\" <support@example.com>\nAn: \"Kunde\" <kunde@example.de>\n\nDanke.\n",
        "Das Paket kam beschädigt an.",
    ),
    (
        "fr zimbra",
        "Le colis est arrivé abîmé.\n\n----- Mail original -----\nDe: \"Support\" <support@example.com>\nÀ: client@example.fr\n\nMerci.\n",
        "Le colis est arrivé abîmé.",
    ),
    (
        "en yahoo header with history on the same line",
        "The parcel arrived damaged.\nCan you send a new one?\n\n     On Friday, October 17, 2014 11:28 AM, Support <support@example.com> wrote:   Thanks for your order. We ship tomorrow.\n",
        WORDS,
    ),
    (
        "es outlook enviado el",
        "El paquete llegó dañado.\n\nDe: Support <support@example.com>\nEnviado el: viernes, 17 de octubre de 2014 11:28\nPara: Cliente <cliente@example.es>\nAsunto: RE: Pedido 42\n\nGracias por su pedido.\n",
        "El paquete llegó dañado.",
    ),
    (
        "pt gmail",
        "O pacote chegou danificado.\n\nEm sex., 17 de out. de 2014 às 11:28, Support <support@example.com> escreveu:\n\n> Obrigado pelo seu pedido.\n",
        "O pacote chegou danificado.",
    ),
    // --- What must not be cut -----------------------------------------------
    (
        "a forward sent on purpose keeps its text",
        "Here is the mail the courier sent me:\n\nBegin forwarded message:\n\nFrom: Courier <noreply@courier.example>\nSubject: Delivery failed\nDate: 17 October 2014 at 11:28:00 CEST\nTo: customer@example.com\n\nWe could not deliver your parcel.\n",
        "Here is the mail the courier sent me:\n\nBegin forwarded message:\n\nFrom: Courier <noreply@courier.example>\nSubject: Delivery failed\nDate: 17 October 2014 at 11:28:00 CEST\nTo: customer@example.com\n\nWe could not deliver your parcel.",
    ),
    (
        "arrows in the customer's text",
        "Go to Settings >>> Account >>> Delete, it fails.\nThen --> nothing happens.\n",
        "Go to Settings >>> Account >>> Delete, it fails.\nThen --> nothing happens.",
    ),
    (
        "dashes in the customer's text",
        "Step 1 ----- open the box\nStep 2 ----- it is broken\n---\nThanks\n",
        "Step 1 ----- open the box\nStep 2 ----- it is broken\n---\nThanks",
    ),
    (
        "bottom-posted answer",
        "On Fri, Oct 17, 2014 at 11:28 AM, Support <support@example.com> wrote:\n> Did the parcel arrive?\n\nYes, but it was damaged.\n",
        "Yes, but it was damaged.",
    ),
    (
        "interleaved answers",
        "On Fri, Oct 17, 2014 at 11:28 AM, Support <support@example.com> wrote:\n> What is your order number?\n42\n> And your postcode?\n1234 AB\n",
        "42\n1234 AB",
    ),
    (
        "a sentence that mentions wrote",
        "My colleague wrote: the parcel is damaged.\nPlease check.\n",
        "My colleague wrote: the parcel is damaged.\nPlease check.",
    ),
    (
        "a list of from and to that is not a header block",
        "From: Berlin\nTo: Munich\nThe train ticket is wrong.\n",
        "From: Berlin\nTo: Munich\nThe train ticket is wrong.",
    ),
];

// Every text a guest reads (SMS and the status page) in ICU MessageFormat, per language. Keep SMS
// templates short: Chinese, Arabic and Turkish texts are UCS-2 (70 characters per segment).
// A test fails when a key is missing in any language or a template does not compile.
import type { GuestLanguage } from '../merchants/model.js';

export const SMS_KINDS = ['joined', 'almost_turn', 'ready', 'canceled', 'declined', 'no_show', 'extra_time_accepted', 'extra_time_refused'] as const;
export type SmsKind = (typeof SMS_KINDS)[number];

export type Catalog = Readonly<Record<string, string>>;

const en: Catalog = {
  'sms.joined':
    '{merchant}: {name}, {state, select, pending {we got your waitlist request for {party, plural, one {# guest} other {# guests}}; the restaurant will confirm.} other {you are {position, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} in line, table expected {start}-{end}.}} Status: {link} Reply 1 = on my way, 9 = cancel',
  'sms.almost_turn':
    '{merchant}: {name}, it is almost your turn ({position, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} in line). Please head back. {link}',
  'sms.ready':
    '{merchant}: {name}, your table is ready! {hold, select, yes {Please come within {minutes} min.} other {Please come to the host stand.}} Reply 1 = on my way, +10 = more time. {link}',
  'sms.canceled':
    '{merchant}: {cause, select, merchant {sorry {name}, your waitlist spot was cancelled.} other {your waitlist spot is cancelled. Thank you for telling us.}} {link}',
  'sms.declined': '{merchant}: sorry {name}, we cannot take your party this time. {link}',
  'sms.no_show': '{merchant}: {name}, we held your table but did not see you, so it was given away. {link}',
  'sms.extra_time_accepted': '{merchant}: OK {name}, we will hold your table {minutes} more min. {link}',
  'sms.extra_time_refused': '{merchant}: sorry {name}, we cannot hold your table longer. Please come now. {link}',
  'page.title': 'Your place at {merchant}',
  'page.greeting': 'Hi {name}',
  'page.party': '{party, plural, one {Party of #} other {Party of #}}',
  'page.state.WAITING': 'You are on the waitlist',
  'page.state.PENDING_MERCHANT_CONFIRMATION': 'Waiting for the restaurant to confirm',
  'page.state.SERVICE_READY': 'Your table is ready',
  'page.state.CHECKED_IN': 'You are checked in',
  'page.state.SEATED': 'You are seated. Enjoy your meal!',
  'page.state.NO_SHOW': 'Your table was given away',
  'page.state.CANCELED': 'Your waitlist spot is cancelled',
  'page.state.DECLINED_BY_MERCHANT': 'The restaurant could not take your party',
  'page.position': '{ahead, plural, =0 {You are next in line} one {# party ahead of you} other {# parties ahead of you}}',
  'page.range': 'Table expected between {start} and {end}',
  'page.todo.WAITING': 'Stay nearby. We will text you when your table is ready.',
  'page.todo.PENDING_MERCHANT_CONFIRMATION': 'We will text you when the restaurant confirms.',
  'page.todo.SERVICE_READY': 'Please come to the host stand now.',
  'page.todo.CHECKED_IN': 'We will seat you shortly.',
  'page.todo.DONE': 'Nothing more to do. Thank you!',
  'page.cancel': 'Cancel my spot',
  'page.confirm.question': 'Cancel your spot at {merchant}? You would lose your place in line.',
  'page.confirm.yes': 'Yes, cancel my spot',
  'page.confirm.no': 'No, keep my spot',
  'page.canceled.notice': 'Your spot is cancelled.',
  'page.updated': 'Updated {time}',
  'page.live': 'This page updates by itself.',
  'page.error.csrf': 'This form has expired. Please go back and try again.',
};

const zhHans: Catalog = {
  'sms.joined':
    '{merchant}：{name}，{state, select, pending {已收到您{party}位的候位申请，餐厅将确认。} other {您排在第{position}位，预计{start}-{end}入座。}}状态：{link} 回复1=在路上，9=取消',
  'sms.almost_turn': '{merchant}：{name}，快轮到您了（第{position}位），请回到餐厅。{link}',
  'sms.ready':
    '{merchant}：{name}，您的餐桌已准备好！{hold, select, yes {请在{minutes}分钟内到达。} other {请到接待台。}}回复1=在路上，+10=需要更多时间。{link}',
  'sms.canceled': '{merchant}：{cause, select, merchant {抱歉{name}，您的候位已被取消。} other {您的候位已取消，谢谢告知。}}{link}',
  'sms.declined': '{merchant}：抱歉{name}，这次无法接待您的同行人。{link}',
  'sms.no_show': '{merchant}：{name}，我们为您保留了餐桌但未见您到达，餐桌已让出。{link}',
  'sms.extra_time_accepted': '{merchant}：好的{name}，我们再为您保留{minutes}分钟。{link}',
  'sms.extra_time_refused': '{merchant}：抱歉{name}，无法继续保留餐桌，请现在过来。{link}',
  'page.title': '您在{merchant}的候位',
  'page.greeting': '{name}，您好',
  'page.party': '{party}位',
  'page.state.WAITING': '您正在候位',
  'page.state.PENDING_MERCHANT_CONFIRMATION': '等待餐厅确认',
  'page.state.SERVICE_READY': '您的餐桌已准备好',
  'page.state.CHECKED_IN': '您已签到',
  'page.state.SEATED': '您已入座，祝您用餐愉快！',
  'page.state.NO_SHOW': '您的餐桌已让出',
  'page.state.CANCELED': '您的候位已取消',
  'page.state.DECLINED_BY_MERCHANT': '餐厅无法接待您的同行人',
  'page.position': '{ahead, plural, =0 {下一位就是您} other {您前面还有#组}}',
  'page.range': '预计{start}至{end}入座',
  'page.todo.WAITING': '请在附近等候，餐桌准备好时我们会发短信通知您。',
  'page.todo.PENDING_MERCHANT_CONFIRMATION': '餐厅确认后我们会发短信通知您。',
  'page.todo.SERVICE_READY': '请现在到接待台。',
  'page.todo.CHECKED_IN': '我们很快为您安排座位。',
  'page.todo.DONE': '无需其他操作，谢谢！',
  'page.cancel': '取消候位',
  'page.confirm.question': '确定取消在{merchant}的候位吗？您将失去排队位置。',
  'page.confirm.yes': '是，取消候位',
  'page.confirm.no': '否，保留候位',
  'page.canceled.notice': '您的候位已取消。',
  'page.updated': '更新于{time}',
  'page.live': '本页面会自动更新。',
  'page.error.csrf': '此表单已过期，请返回重试。',
};

const ar: Catalog = {
  'sms.joined':
    '{merchant}: {name}، {state, select, pending {استلمنا طلب الانتظار لـ{party} أشخاص وسيؤكده المطعم.} other {ترتيبك {position} في الدور، الطاولة متوقعة {start}-{end}.}} الحالة: {link} أرسل 1 = في الطريق، 9 = إلغاء',
  'sms.almost_turn': '{merchant}: {name}، اقترب دورك (الترتيب {position}). يرجى العودة. {link}',
  'sms.ready':
    '{merchant}: {name}، طاولتك جاهزة! {hold, select, yes {يرجى الحضور خلال {minutes} دقيقة.} other {يرجى التوجه إلى الاستقبال.}} أرسل 1 = في الطريق، ‎+10 = وقت إضافي. {link}',
  'sms.canceled': '{merchant}: {cause, select, merchant {نأسف {name}، تم إلغاء مكانك في الانتظار.} other {تم إلغاء مكانك في الانتظار. شكرا لإبلاغنا.}} {link}',
  'sms.declined': '{merchant}: نأسف {name}، لا يمكننا استقبال مجموعتك هذه المرة. {link}',
  'sms.no_show': '{merchant}: {name}، احتفظنا بطاولتك ولم نرك، فأعطيناها لغيرك. {link}',
  'sms.extra_time_accepted': '{merchant}: حسنا {name}، سنحتفظ بطاولتك {minutes} دقيقة إضافية. {link}',
  'sms.extra_time_refused': '{merchant}: نأسف {name}، لا يمكننا الاحتفاظ بطاولتك أكثر. يرجى الحضور الآن. {link}',
  'page.title': 'مكانك في {merchant}',
  'page.greeting': 'مرحبا {name}',
  'page.party': '{party, plural, one {شخص واحد} two {شخصان} few {# أشخاص} many {# شخصا} other {# شخص}}',
  'page.state.WAITING': 'أنت في قائمة الانتظار',
  'page.state.PENDING_MERCHANT_CONFIRMATION': 'بانتظار تأكيد المطعم',
  'page.state.SERVICE_READY': 'طاولتك جاهزة',
  'page.state.CHECKED_IN': 'تم تسجيل وصولك',
  'page.state.SEATED': 'تم إجلاسك. بالهناء والشفاء!',
  'page.state.NO_SHOW': 'أعطيت طاولتك لغيرك',
  'page.state.CANCELED': 'تم إلغاء مكانك في الانتظار',
  'page.state.DECLINED_BY_MERCHANT': 'لم يتمكن المطعم من استقبال مجموعتك',
  'page.position':
    '{ahead, plural, =0 {أنت التالي في الدور} one {أمامك مجموعة واحدة} two {أمامك مجموعتان} few {أمامك # مجموعات} many {أمامك # مجموعة} other {أمامك # مجموعة}}',
  'page.range': 'الطاولة متوقعة بين {start} و{end}',
  'page.todo.WAITING': 'ابق قريبا. سنرسل لك رسالة عندما تجهز طاولتك.',
  'page.todo.PENDING_MERCHANT_CONFIRMATION': 'سنرسل لك رسالة عندما يؤكد المطعم.',
  'page.todo.SERVICE_READY': 'يرجى التوجه إلى الاستقبال الآن.',
  'page.todo.CHECKED_IN': 'سنجلسك قريبا.',
  'page.todo.DONE': 'لا شيء آخر مطلوب. شكرا لك!',
  'page.cancel': 'إلغاء مكاني',
  'page.confirm.question': 'هل تريد إلغاء مكانك في {merchant}؟ ستفقد ترتيبك في الدور.',
  'page.confirm.yes': 'نعم، ألغ مكاني',
  'page.confirm.no': 'لا، احتفظ بمكاني',
  'page.canceled.notice': 'تم إلغاء مكانك.',
  'page.updated': 'آخر تحديث {time}',
  'page.live': 'هذه الصفحة تتحدث تلقائيا.',
  'page.error.csrf': 'انتهت صلاحية هذا النموذج. يرجى الرجوع والمحاولة مجددا.',
};

const tr: Catalog = {
  'sms.joined':
    '{merchant}: {name}, {state, select, pending {{party} kişilik bekleme talebiniz alındı; restoran onaylayacak.} other {sırada {position}. sıradasınız, masa tahmini {start}-{end}.}} Durum: {link} 1 = yoldayım, 9 = iptal yanıtlayın',
  'sms.almost_turn': '{merchant}: {name}, sıranız geldi sayılır ({position}. sıra). Lütfen geri gelin. {link}',
  'sms.ready':
    '{merchant}: {name}, masanız hazır! {hold, select, yes {Lütfen {minutes} dk içinde gelin.} other {Lütfen karşılama masasına gelin.}} 1 = yoldayım, +10 = ek süre. {link}',
  'sms.canceled':
    '{merchant}: {cause, select, merchant {üzgünüz {name}, bekleme kaydınız iptal edildi.} other {bekleme kaydınız iptal edildi. Bildirdiğiniz için teşekkürler.}} {link}',
  'sms.declined': '{merchant}: üzgünüz {name}, bu sefer grubunuzu alamıyoruz. {link}',
  'sms.no_show': '{merchant}: {name}, masanızı tuttuk ama sizi göremedik, masa başkasına verildi. {link}',
  'sms.extra_time_accepted': '{merchant}: Tamam {name}, masanızı {minutes} dk daha tutacağız. {link}',
  'sms.extra_time_refused': '{merchant}: üzgünüz {name}, masanızı daha fazla tutamıyoruz. Lütfen şimdi gelin. {link}',
  'page.title': '{merchant} bekleme sıranız',
  'page.greeting': 'Merhaba {name}',
  'page.party': '{party} kişi',
  'page.state.WAITING': 'Bekleme listesindesiniz',
  'page.state.PENDING_MERCHANT_CONFIRMATION': 'Restoranın onayı bekleniyor',
  'page.state.SERVICE_READY': 'Masanız hazır',
  'page.state.CHECKED_IN': 'Girişiniz yapıldı',
  'page.state.SEATED': 'Masanıza oturdunuz. Afiyet olsun!',
  'page.state.NO_SHOW': 'Masanız başkasına verildi',
  'page.state.CANCELED': 'Bekleme kaydınız iptal edildi',
  'page.state.DECLINED_BY_MERCHANT': 'Restoran grubunuzu alamadı',
  'page.position': '{ahead, plural, =0 {Sıradaki sizsiniz} other {Önünüzde # grup var}}',
  'page.range': 'Masa tahmini {start} ile {end} arası',
  'page.todo.WAITING': 'Yakında bekleyin. Masanız hazır olunca size mesaj atacağız.',
  'page.todo.PENDING_MERCHANT_CONFIRMATION': 'Restoran onaylayınca size mesaj atacağız.',
  'page.todo.SERVICE_READY': 'Lütfen şimdi karşılama masasına gelin.',
  'page.todo.CHECKED_IN': 'Sizi birazdan masanıza alacağız.',
  'page.todo.DONE': 'Yapmanız gereken başka bir şey yok. Teşekkürler!',
  'page.cancel': 'Sıramı iptal et',
  'page.confirm.question': '{merchant} bekleme kaydınız iptal edilsin mi? Sıranızı kaybedersiniz.',
  'page.confirm.yes': 'Evet, iptal et',
  'page.confirm.no': 'Hayır, sıramı koru',
  'page.canceled.notice': 'Sıranız iptal edildi.',
  'page.updated': 'Güncellendi: {time}',
  'page.live': 'Bu sayfa kendiliğinden güncellenir.',
  'page.error.csrf': 'Bu formun süresi doldu. Lütfen geri dönüp tekrar deneyin.',
};

const it: Catalog = {
  'sms.joined':
    '{merchant}: {name}, {state, select, pending {abbiamo ricevuto la richiesta per {party} persone; il ristorante la confermerà.} other {sei {position}° in fila, tavolo previsto {start}-{end}.}} Stato: {link} Rispondi 1 = arrivo, 9 = annulla',
  'sms.almost_turn': '{merchant}: {name}, tocca quasi a te ({position}° in fila). Torna pure da noi. {link}',
  'sms.ready':
    "{merchant}: {name}, il tuo tavolo è pronto! {hold, select, yes {Vieni entro {minutes} min.} other {Vieni all'accoglienza.}} Rispondi 1 = arrivo, +10 = più tempo. {link}",
  'sms.canceled':
    '{merchant}: {cause, select, merchant {ci dispiace {name}, il tuo posto in lista è stato annullato.} other {il tuo posto in lista è annullato. Grazie di averci avvisato.}} {link}',
  'sms.declined': '{merchant}: ci dispiace {name}, questa volta non possiamo accogliervi. {link}',
  'sms.no_show': '{merchant}: {name}, abbiamo tenuto il tavolo ma non ti abbiamo visto, quindi è stato assegnato. {link}',
  'sms.extra_time_accepted': '{merchant}: OK {name}, teniamo il tavolo altri {minutes} min. {link}',
  'sms.extra_time_refused': '{merchant}: ci dispiace {name}, non possiamo tenere il tavolo oltre. Vieni ora. {link}',
  'page.title': 'Il tuo posto da {merchant}',
  'page.greeting': 'Ciao {name}',
  'page.party': '{party, plural, one {# persona} other {# persone}}',
  'page.state.WAITING': "Sei in lista d'attesa",
  'page.state.PENDING_MERCHANT_CONFIRMATION': 'In attesa della conferma del ristorante',
  'page.state.SERVICE_READY': 'Il tuo tavolo è pronto',
  'page.state.CHECKED_IN': "Sei registrato all'accoglienza",
  'page.state.SEATED': 'Sei al tavolo. Buon appetito!',
  'page.state.NO_SHOW': 'Il tuo tavolo è stato assegnato',
  'page.state.CANCELED': 'Il tuo posto in lista è annullato',
  'page.state.DECLINED_BY_MERCHANT': 'Il ristorante non ha potuto accogliervi',
  'page.position': '{ahead, plural, =0 {Sei il prossimo} one {# gruppo prima di te} other {# gruppi prima di te}}',
  'page.range': 'Tavolo previsto tra le {start} e le {end}',
  'page.todo.WAITING': 'Resta nei dintorni. Ti scriveremo quando il tavolo è pronto.',
  'page.todo.PENDING_MERCHANT_CONFIRMATION': 'Ti scriveremo quando il ristorante conferma.',
  'page.todo.SERVICE_READY': "Vieni subito all'accoglienza.",
  'page.todo.CHECKED_IN': 'Ti faremo accomodare a breve.',
  'page.todo.DONE': 'Non serve altro. Grazie!',
  'page.cancel': 'Annulla il mio posto',
  'page.confirm.question': 'Annullare il tuo posto da {merchant}? Perderai la tua posizione in fila.',
  'page.confirm.yes': 'Sì, annulla',
  'page.confirm.no': 'No, tengo il posto',
  'page.canceled.notice': 'Il tuo posto è annullato.',
  'page.updated': 'Aggiornato alle {time}',
  'page.live': 'Questa pagina si aggiorna da sola.',
  'page.error.csrf': 'Questo modulo è scaduto. Torna indietro e riprova.',
};

export const CATALOGS: Readonly<Record<GuestLanguage, Catalog>> = {
  en,
  'zh-Hans': zhHans,
  ar,
  tr,
  it,
};

/** Text direction of each language, for `<html dir>`. */
export const DIRECTION: Readonly<Record<GuestLanguage, 'ltr' | 'rtl'>> = {
  en: 'ltr',
  'zh-Hans': 'ltr',
  ar: 'rtl',
  tr: 'ltr',
  it: 'ltr',
};

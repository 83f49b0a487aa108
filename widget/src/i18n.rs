//! The words of both elements, in English, German, Spanish, French, Dutch
//! and Turkish, with the reseller's overrides.
//!
//! - [`Msg`] (the registrant widget, and what both elements share) and
//!   [`ListMsg`] (the staff list) are the stable message ids; each id has
//!   its six templates next to it, in one static table per element, so the
//!   registrant's wasm never carries the list's words. A template names its
//!   values in braces (`{email}`, `{date}`); a plural message has a `one`
//!   and an `other` form and is chosen by [`plural`], CLDR's cardinal rule.
//! - [`Overrides`]: the `strings` attribute (JSON) or property, parsed once
//!   per change. Ids at the top level apply in every locale; an object
//!   under a locale tag (`"de"`, `"de-AT"`) applies in that locale and the
//!   tags under it, the longest tag winning.
//! - [`Messages`]: what a view asks for its words: a language chosen from
//!   the resolved locale (`de-AT` → German; a language without a catalog →
//!   English), the overrides that apply there, template filling and number
//!   formatting. Its [`Messages::locale`] is also what the dates are
//!   formatted with, so words and dates never disagree.
//!
//! Filled values are plain text: the views render them as text nodes.

use std::sync::Arc;

/// A language with a built-in catalog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English, the fallback.
    #[default]
    En,
    /// German.
    De,
    /// Spanish.
    Es,
    /// French.
    Fr,
    /// Dutch.
    Nl,
    /// Turkish.
    Tr,
}

impl Lang {
    /// Every language with a catalog.
    pub const ALL: [Lang; 6] = [Lang::En, Lang::De, Lang::Es, Lang::Fr, Lang::Nl, Lang::Tr];

    /// The language's primary subtag (`en`, `de`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::Nl => "nl",
            Lang::Tr => "tr",
        }
    }

    /// The catalog for a BCP 47 tag by its primary subtag (`de-AT` → German,
    /// `TR` → Turkish), or `None` when there is none (`it`, `xx`, ``).
    pub fn of(tag: &str) -> Option<Lang> {
        let primary = primary_subtag(tag);
        Lang::ALL.into_iter().find(|l| primary.eq_ignore_ascii_case(l.code()))
    }
}

impl Lang {
    /// `true` when this language's words are here: always for English and
    /// for a build with `bundled-languages`, else once its catalog was
    /// added ([`add_catalog`]).
    pub fn available(self) -> bool {
        #[cfg(feature = "bundled-languages")]
        return true;
        #[cfg(not(feature = "bundled-languages"))]
        return self == Lang::En || loaded::has(self);
    }
}

fn primary_subtag(tag: &str) -> &str {
    tag.trim().split(['-', '_']).next().unwrap_or("")
}

/// A CLDR plural category (the ones these six languages use for whole
/// numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    /// `one`: English "1 day"; French also 0.
    One,
    /// `many`: French and Spanish for exact millions ("1 000 000 de jours").
    Many,
    /// `other`: everything else.
    Other,
}

/// CLDR's cardinal plural rule for the whole number `n` in `lang`
/// (unicode.org/cldr/charts/latest/supplemental/language_plural_rules.html,
/// integers only: `v = 0`, `e = 0`):
///
/// - en, de, nl: `one` for `i = 1`;
/// - tr: `one` for `n = 1`;
/// - es: `one` for `n = 1`; `many` for `i != 0 and i % 1000000 = 0`;
/// - fr: `one` for `i = 0,1`; `many` for `i != 0 and i % 1000000 = 0`;
/// - otherwise `other`. Negative numbers count by their absolute value.
pub fn plural(lang: Lang, n: i64) -> Plural {
    let i = n.unsigned_abs();
    let millions = i != 0 && i.is_multiple_of(1_000_000);
    match lang {
        Lang::En | Lang::De | Lang::Nl | Lang::Tr if i == 1 => Plural::One,
        Lang::En | Lang::De | Lang::Nl | Lang::Tr => Plural::Other,
        Lang::Es if i == 1 => Plural::One,
        Lang::Fr if i <= 1 => Plural::One,
        Lang::Es | Lang::Fr if millions => Plural::Many,
        Lang::Es | Lang::Fr => Plural::Other,
    }
}

/// A built-in template: one text, or the `one` and `other` forms of a
/// plural message (`many` falls back to `other`, as in ICU).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A template.
    Text(&'static str),
    /// The `one` and `other` forms.
    Plural(&'static str, &'static str),
}

impl Entry {
    fn form(self, category: Plural) -> &'static str {
        match (self, category) {
            (Entry::Text(t), _) => t,
            (Entry::Plural(one, _), Plural::One) => one,
            (Entry::Plural(_, other), _) => other,
        }
    }
}

/// A set of message ids and their templates in every [`Lang`].
pub trait Catalog: Copy + 'static {
    /// The id (`daysLeft`), as in docs/languages.md and in `strings`.
    fn id(self) -> &'static str;
    /// The built-in template in `lang`.
    fn entry(self, lang: Lang) -> Entry;
}

/// The separator of a plural message's forms in the tables (`one`, then
/// `other`); no template contains it.
const FORMS: char = '\u{1f}';

/// A catalog cell: `t("text")`, or `p("one", "other")` joined by [`FORMS`].
macro_rules! form {
    (t, $text:literal) => {
        $text
    };
    (p, $one:literal, $other:literal) => {
        concat!($one, "\u{1f}", $other)
    };
}

/// Declares a message-id enum and its table: one row per id, its six
/// templates side by side (en, de, es, fr, nl, tr). The table is static
/// data (`&str`s) indexed by id and language, not code. Without the
/// `bundled-languages` feature (the registrant's wasm) only English is
/// compiled in; the other languages come from `js/locales/*.js` at run time
/// ([`add_catalog`]).
macro_rules! catalog {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $variant:ident = $id:literal {
                en: $enk:ident($($en:literal),+),
                de: $dek:ident($($de:literal),+),
                es: $esk:ident($($es:literal),+),
                fr: $frk:ident($($fr:literal),+),
                nl: $nlk:ident($($nl:literal),+),
                tr: $trk:ident($($tr:literal),+) $(,)?
            } )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = concat!("`", $id, "`")] $variant, )*
        }

        impl $name {
            /// Every id, in catalog order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            const IDS: &'static [&'static str] = &[$($id),*];

            const EN: &'static [&'static str] = &[$(form!($enk, $($en),+)),*];

            #[cfg(feature = "bundled-languages")]
            const OTHERS: &'static [[&'static str; 5]] = &[$([
                form!($dek, $($de),+),
                form!($esk, $($es),+),
                form!($frk, $($fr),+),
                form!($nlk, $($nl),+),
                form!($trk, $($tr),+),
            ]),*];

            /// The id for `id`, if there is one.
            pub fn from_id(id: &str) -> Option<$name> {
                Self::IDS.iter().position(|i| *i == id).map(|i| Self::ALL[i])
            }
        }

        impl Catalog for $name {
            fn id(self) -> &'static str {
                Self::IDS[self as usize]
            }

            fn entry(self, lang: Lang) -> Entry {
                let i = self as usize;
                let cell = match lang {
                    Lang::En => Self::EN[i],
                    #[cfg(feature = "bundled-languages")]
                    _ => Self::OTHERS[i][lang as usize - 1],
                    #[cfg(not(feature = "bundled-languages"))]
                    _ => loaded::cell(lang, Self::IDS[i]).unwrap_or(Self::EN[i]),
                };
                match cell.split_once(FORMS) {
                    Some((one, other)) => Entry::Plural(one, other),
                    None => Entry::Text(cell),
                }
            }
        }
    };
}

catalog! {
    /// The registrant widget's messages, and those both elements share
    /// (statuses, buttons, what failed).
    pub enum Msg {
        // ---- the card's label (the tone in words)
        Checking = "checking" {
            en: t("Checking"),
            de: t("Wird geprüft"),
            es: t("Comprobando"),
            fr: t("Vérification"),
            nl: t("Controleren"),
            tr: t("Kontrol ediliyor"),
        }
        Problem = "problem" {
            en: t("Problem"),
            de: t("Problem"),
            es: t("Problema"),
            fr: t("Problème"),
            nl: t("Probleem"),
            tr: t("Sorun"),
        }
        Verified = "verified" {
            en: t("Verified"),
            de: t("Bestätigt"),
            es: t("Verificado"),
            fr: t("Vérifié"),
            nl: t("Geverifieerd"),
            tr: t("Doğrulandı"),
        }
        ActionNeeded = "actionNeeded" {
            en: t("Action needed"),
            de: t("Aktion erforderlich"),
            es: t("Acción necesaria"),
            fr: t("Action requise"),
            nl: t("Actie vereist"),
            tr: t("İşlem gerekli"),
        }
        DueSoon = "dueSoon" {
            en: t("Due soon"),
            de: t("Bald fällig"),
            es: t("Vence pronto"),
            fr: t("Échéance proche"),
            nl: t("Deadline nadert"),
            tr: t("Süre doluyor"),
        }
        Urgent = "urgent" {
            en: t("Urgent"),
            de: t("Dringend"),
            es: t("Urgente"),
            fr: t("Urgent"),
            nl: t("Dringend"),
            tr: t("Acil"),
        }
        Overdue = "overdue" {
            en: t("Overdue"),
            de: t("Überfällig"),
            es: t("Vencido"),
            fr: t("En retard"),
            nl: t("Te laat"),
            tr: t("Süresi geçti"),
        }
        Suspended = "suspended" {
            en: t("Suspended"),
            de: t("Gesperrt"),
            es: t("Suspendido"),
            fr: t("Suspendu"),
            nl: t("Opgeschort"),
            tr: t("Askıya alındı"),
        }
        // ---- values used inside sentences
        YourEmail = "yourEmail" {
            en: t("your email address"),
            de: t("Ihre E-Mail-Adresse"),
            es: t("su dirección de correo electrónico"),
            fr: t("votre adresse e-mail"),
            nl: t("uw e-mailadres"),
            // Turkish templates put "adres..." after {email}.
            tr: t("e-posta"),
        }
        DomainsBelow = "domainsBelow" {
            en: t("the domains below"),
            de: t("die unten aufgeführten Domains"),
            es: t("los dominios indicados abajo"),
            fr: t("les domaines ci-dessous"),
            nl: t("de onderstaande domeinen"),
            tr: t("aşağıdaki alan adları"),
        }
        YourDomains = "yourDomains" {
            en: t("your domains"),
            de: t("Ihre Domains"),
            es: t("sus dominios"),
            fr: t("vos domaines"),
            nl: t("uw domeinen"),
            tr: t("alan adlarınız"),
        }
        // ---- headlines and leads, by state
        LoadingHeadline = "loadingHeadline" {
            en: t("Checking your email verification…"),
            de: t("Ihre E-Mail-Bestätigung wird geprüft…"),
            es: t("Comprobando la verificación de su correo electrónico…"),
            fr: t("Vérification de la confirmation de votre adresse e-mail…"),
            nl: t("Uw e-mailverificatie wordt gecontroleerd…"),
            tr: t("E-posta doğrulamanız kontrol ediliyor…"),
        }
        ProblemHeadline = "problemHeadline" {
            en: t("Could not load your verification status"),
            de: t("Ihr Bestätigungsstatus konnte nicht geladen werden"),
            es: t("No se pudo cargar el estado de su verificación"),
            fr: t("Impossible de charger l’état de votre vérification"),
            nl: t("Uw verificatiestatus kon niet worden geladen"),
            tr: t("Doğrulama durumunuz yüklenemedi"),
        }
        NotStartedHeadline = "notStartedHeadline" {
            en: t("Verify your email address"),
            de: t("Bestätigen Sie Ihre E-Mail-Adresse"),
            es: t("Verifique su dirección de correo electrónico"),
            fr: t("Vérifiez votre adresse e-mail"),
            nl: t("Verifieer uw e-mailadres"),
            tr: t("E-posta adresinizi doğrulayın"),
        }
        NotStartedLead = "notStartedLead" {
            en: t("Your registrar must confirm that {email} is your address. We will send a verification email there: click the link in it. Until you do, {domains} are at risk of being suspended."),
            de: t("Ihr Registrar muss bestätigen, dass {email} Ihre Adresse ist. Wir senden Ihnen dorthin eine Bestätigungs-E-Mail: Klicken Sie auf den Link darin. Bis dahin besteht das Risiko, dass {domains} gesperrt werden."),
            es: t("Su registrador debe confirmar que {email} es su dirección. Le enviaremos allí un correo de verificación: haga clic en el enlace que contiene. Mientras no lo haga, {domains} corren el riesgo de ser suspendidos."),
            fr: t("Votre bureau d’enregistrement doit confirmer que {email} est bien votre adresse. Nous allons y envoyer un e-mail de vérification\u{a0}: cliquez sur le lien qu’il contient. Tant que vous ne l’avez pas fait, {domains} risquent d’être suspendus."),
            nl: t("Uw registrar moet bevestigen dat {email} uw adres is. We sturen een verificatie-e-mail naar dat adres: klik op de link daarin. Zolang u dat niet doet, lopen {domains} het risico te worden opgeschort."),
            tr: t("Kayıt şirketinizin {email} adresinin size ait olduğunu onaylaması gerekiyor. Bu adrese bir doğrulama e-postası göndereceğiz: içindeki bağlantıya tıklayın. Siz bunu yapana kadar {domains} askıya alınma riski altındadır."),
        }
        AtRiskHeading = "atRiskHeading" {
            en: t("Domains that stop working if you do not verify"),
            de: t("Domains, die ohne Bestätigung nicht mehr funktionieren"),
            es: t("Dominios que dejarán de funcionar si no verifica"),
            fr: t("Domaines qui cesseront de fonctionner sans vérification"),
            nl: t("Domeinen die niet meer werken als u niet verifieert"),
            tr: t("Doğrulama yapmazsanız çalışmayı durduracak alan adları"),
        }
        PendingHeadline = "pendingHeadline" {
            en: t("Please verify your email address"),
            de: t("Bitte bestätigen Sie Ihre E-Mail-Adresse"),
            es: t("Por favor, verifique su dirección de correo electrónico"),
            fr: t("Veuillez vérifier votre adresse e-mail"),
            nl: t("Verifieer alstublieft uw e-mailadres"),
            tr: t("Lütfen e-posta adresinizi doğrulayın"),
        }
        PendingLead = "pendingLead" {
            en: t("We sent a verification email to {email}. Click the link in it to keep {domains} working."),
            de: t("Wir haben eine Bestätigungs-E-Mail an {email} gesendet. Klicken Sie auf den Link darin, damit {domains} weiterhin funktionieren."),
            es: t("Hemos enviado un correo de verificación a {email}. Haga clic en el enlace que contiene para que {domains} sigan funcionando."),
            fr: t("Nous avons envoyé un e-mail de vérification à {email}. Cliquez sur le lien qu’il contient pour que {domains} continuent de fonctionner."),
            nl: t("We hebben een verificatie-e-mail gestuurd naar {email}. Klik op de link daarin zodat {domains} blijven werken."),
            tr: t("{email} adresine bir doğrulama e-postası gönderdik. İçindeki bağlantıya tıklayın; böylece {domains} çalışmaya devam eder."),
        }
        DueSoonHeadline = "dueSoonHeadline" {
            en: t("Verify your email address soon"),
            de: t("Bestätigen Sie Ihre E-Mail-Adresse bald"),
            es: t("Verifique pronto su dirección de correo electrónico"),
            fr: t("Vérifiez bientôt votre adresse e-mail"),
            nl: t("Verifieer uw e-mailadres binnenkort"),
            tr: t("E-posta adresinizi yakında doğrulayın"),
        }
        DueNowHeadline = "dueNowHeadline" {
            en: t("Verify your email address now"),
            de: t("Bestätigen Sie Ihre E-Mail-Adresse jetzt"),
            es: t("Verifique ahora su dirección de correo electrónico"),
            fr: t("Vérifiez votre adresse e-mail dès maintenant"),
            nl: t("Verifieer uw e-mailadres nu"),
            tr: t("E-posta adresinizi hemen doğrulayın"),
        }
        DueSoonLead = "dueSoonLead" {
            en: t("Click the link in the verification email sent to {email}. If you do not verify before the deadline, {domains} will be suspended and stop working."),
            de: t("Klicken Sie auf den Link in der Bestätigungs-E-Mail an {email}. Wenn Sie nicht vor Ablauf der Frist bestätigen, werden {domains} gesperrt und funktionieren nicht mehr."),
            es: t("Haga clic en el enlace del correo de verificación enviado a {email}. Si no verifica antes de la fecha límite, {domains} serán suspendidos y dejarán de funcionar."),
            fr: t("Cliquez sur le lien de l’e-mail de vérification envoyé à {email}. Si vous ne vérifiez pas avant la date limite, {domains} seront suspendus et cesseront de fonctionner."),
            nl: t("Klik op de link in de verificatie-e-mail die naar {email} is gestuurd. Als u niet vóór de deadline verifieert, worden {domains} opgeschort en werken ze niet meer."),
            tr: t("{email} adresine gönderilen doğrulama e-postasındaki bağlantıya tıklayın. Süre dolmadan doğrulamazsanız {domains} askıya alınır ve çalışmayı durdurur."),
        }
        SuspendedHeadline = "suspendedHeadline" {
            en: t("Your domains are suspended"),
            de: t("Ihre Domains sind gesperrt"),
            es: t("Sus dominios están suspendidos"),
            fr: t("Vos domaines sont suspendus"),
            nl: t("Uw domeinen zijn opgeschort"),
            tr: t("Alan adlarınız askıya alındı"),
        }
        OverdueHeadline = "overdueHeadline" {
            en: t("The verification deadline has passed"),
            de: t("Die Frist für die Bestätigung ist abgelaufen"),
            es: t("Ha vencido el plazo de verificación"),
            fr: t("Le délai de vérification est dépassé"),
            nl: t("De verificatietermijn is verstreken"),
            tr: t("Doğrulama süresi doldu"),
        }
        OverdueLead = "overdueLead" {
            en: t("{email} was not verified in time, so {domains} stop resolving: websites and email on them do not work. Click the link in the verification email to restore them, or send a new one."),
            de: t("{email} wurde nicht rechtzeitig bestätigt, deshalb sind {domains} nicht mehr erreichbar: Websites und E-Mails unter diesen Domains funktionieren nicht. Klicken Sie auf den Link in der Bestätigungs-E-Mail, um sie wieder freizuschalten, oder lassen Sie sich eine neue senden."),
            es: t("{email} no se verificó a tiempo, por lo que {domains} ya no funcionan: los sitios web y el correo electrónico que dependen de ellos no están disponibles. Haga clic en el enlace del correo de verificación para restablecerlos, o envíe uno nuevo."),
            fr: t("{email} n’a pas été vérifiée à temps, donc {domains} ne fonctionnent plus\u{a0}: les sites web et les e-mails qui en dépendent sont hors service. Cliquez sur le lien de l’e-mail de vérification pour les rétablir, ou envoyez-en un nouveau."),
            nl: t("{email} is niet op tijd geverifieerd, waardoor {domains} niet meer werken: websites en e-mail op deze domeinen zijn onbereikbaar. Klik op de link in de verificatie-e-mail om ze te herstellen, of laat een nieuwe sturen."),
            tr: t("{email} adresi zamanında doğrulanmadı; bu nedenle {domains} artık çalışmıyor: bu alan adlarındaki web siteleri ve e-postalar kullanılamıyor. Yeniden etkinleştirmek için doğrulama e-postasındaki bağlantıya tıklayın ya da yeni bir e-posta gönderin."),
        }
        SuspendedHeading = "suspendedHeading" {
            en: t("Suspended domains"),
            de: t("Gesperrte Domains"),
            es: t("Dominios suspendidos"),
            fr: t("Domaines suspendus"),
            nl: t("Opgeschorte domeinen"),
            tr: t("Askıya alınan alan adları"),
        }
        AffectedHeading = "affectedHeading" {
            en: t("Affected domains"),
            de: t("Betroffene Domains"),
            es: t("Dominios afectados"),
            fr: t("Domaines concernés"),
            nl: t("Betrokken domeinen"),
            tr: t("Etkilenen alan adları"),
        }
        VerifiedHeadline = "verifiedHeadline" {
            en: t("Your email address is verified"),
            de: t("Ihre E-Mail-Adresse ist bestätigt"),
            es: t("Su dirección de correo electrónico está verificada"),
            fr: t("Votre adresse e-mail est vérifiée"),
            nl: t("Uw e-mailadres is geverifieerd"),
            tr: t("E-posta adresiniz doğrulandı"),
        }
        VerifiedLead = "verifiedLead" {
            en: t("{email} is confirmed. There is nothing else to do."),
            de: t("{email} ist bestätigt. Sie müssen nichts weiter tun."),
            es: t("{email} está confirmada. No tiene que hacer nada más."),
            fr: t("{email} est confirmée. Vous n’avez rien d’autre à faire."),
            nl: t("{email} is bevestigd. U hoeft verder niets te doen."),
            tr: t("{email} adresi onaylandı. Yapmanız gereken başka bir şey yok."),
        }
        ExpiredHeadline = "expiredHeadline" {
            en: t("The verification expired"),
            de: t("Die Bestätigung ist abgelaufen"),
            es: t("La verificación ha caducado"),
            fr: t("La vérification a expiré"),
            nl: t("De verificatie is verlopen"),
            tr: t("Doğrulamanın süresi doldu"),
        }
        ExpiredLead = "expiredLead" {
            en: t("The link sent to {email} is no longer valid. Send a new verification email and click the link in it."),
            de: t("Der an {email} gesendete Link ist nicht mehr gültig. Lassen Sie sich eine neue Bestätigungs-E-Mail senden und klicken Sie auf den Link darin."),
            es: t("El enlace enviado a {email} ya no es válido. Envíe un nuevo correo de verificación y haga clic en el enlace que contiene."),
            fr: t("Le lien envoyé à {email} n’est plus valable. Envoyez un nouvel e-mail de vérification et cliquez sur le lien qu’il contient."),
            nl: t("De link die naar {email} is gestuurd, is niet meer geldig. Laat een nieuwe verificatie-e-mail sturen en klik op de link daarin."),
            tr: t("{email} adresine gönderilen bağlantı artık geçerli değil. Yeni bir doğrulama e-postası gönderin ve içindeki bağlantıya tıklayın."),
        }
        FailedHeadline = "failedHeadline" {
            en: t("The verification failed"),
            de: t("Die Bestätigung ist fehlgeschlagen"),
            es: t("La verificación ha fallado"),
            fr: t("La vérification a échoué"),
            nl: t("De verificatie is mislukt"),
            tr: t("Doğrulama başarısız oldu"),
        }
        FailedLead = "failedLead" {
            en: t("The registrar could not verify {email}. Send a new verification email and click the link in it."),
            de: t("Der Registrar konnte {email} nicht bestätigen. Lassen Sie sich eine neue Bestätigungs-E-Mail senden und klicken Sie auf den Link darin."),
            es: t("El registrador no pudo verificar {email}. Envíe un nuevo correo de verificación y haga clic en el enlace que contiene."),
            fr: t("Le bureau d’enregistrement n’a pas pu vérifier {email}. Envoyez un nouvel e-mail de vérification et cliquez sur le lien qu’il contient."),
            nl: t("De registrar kon {email} niet verifiëren. Laat een nieuwe verificatie-e-mail sturen en klik op de link daarin."),
            tr: t("Kayıt şirketi {email} adresini doğrulayamadı. Yeni bir doğrulama e-postası gönderin ve içindeki bağlantıya tıklayın."),
        }
        StillSuspended = "stillSuspended" {
            en: t("Until then, {domains} are suspended and do not work."),
            de: t("Bis dahin sind {domains} gesperrt und funktionieren nicht."),
            es: t("Hasta entonces, {domains} están suspendidos y no funcionan."),
            fr: t("D’ici là, {domains} restent suspendus et ne fonctionnent pas."),
            nl: t("Tot die tijd zijn {domains} opgeschort en werken ze niet."),
            tr: t("O zamana kadar {domains} askıda kalır ve çalışmaz."),
        }
        BouncedHeadline = "bouncedHeadline" {
            en: t("The email to {email} bounced"),
            de: t("Die E-Mail an {email} konnte nicht zugestellt werden"),
            es: t("No se pudo entregar el correo a {email}"),
            fr: t("L’e-mail envoyé à {email} n’a pas pu être distribué"),
            nl: t("De e-mail aan {email} kon niet worden bezorgd"),
            tr: t("{email} adresine gönderilen e-posta geri döndü"),
        }
        BouncedLead = "bouncedLead" {
            en: t("The verification email could not be delivered, so this address cannot be verified. Correct your email address; the registrar then sends a new verification email."),
            de: t("Die Bestätigungs-E-Mail konnte nicht zugestellt werden, daher kann diese Adresse nicht bestätigt werden. Korrigieren Sie Ihre E-Mail-Adresse; der Registrar sendet dann eine neue Bestätigungs-E-Mail."),
            es: t("El correo de verificación no se pudo entregar, por lo que esta dirección no se puede verificar. Corrija su dirección de correo electrónico; después, el registrador enviará un nuevo correo de verificación."),
            fr: t("L’e-mail de vérification n’a pas pu être distribué, cette adresse ne peut donc pas être vérifiée. Corrigez votre adresse e-mail\u{a0}; le bureau d’enregistrement enverra ensuite un nouvel e-mail de vérification."),
            nl: t("De verificatie-e-mail kon niet worden bezorgd, dus dit adres kan niet worden geverifieerd. Corrigeer uw e-mailadres; de registrar stuurt daarna een nieuwe verificatie-e-mail."),
            tr: t("Doğrulama e-postası teslim edilemedi, bu nedenle bu adres doğrulanamıyor. E-posta adresinizi düzeltin; ardından kayıt şirketi yeni bir doğrulama e-postası gönderir."),
        }
        UnknownHeadline = "unknownHeadline" {
            en: t("We are checking with the registrar"),
            de: t("Wir fragen beim Registrar nach"),
            es: t("Estamos consultando con el registrador"),
            fr: t("Nous vérifions auprès du bureau d’enregistrement"),
            nl: t("We controleren het bij de registrar"),
            tr: t("Kayıt şirketiyle kontrol ediyoruz"),
        }
        // Said when name.com's list does not (yet) prove the contact
        // verified: within minutes of a change, or a page with more to come.
        UnknownLead = "unknownLead" {
            en: t("The registrar has not confirmed the status of {email} yet: its list can take a few minutes to update after a change. Check again shortly."),
            de: t("Der Registrar hat den Status von {email} noch nicht bestätigt: Seine Liste kann nach einer Änderung einige Minuten brauchen. Schauen Sie in Kürze noch einmal nach."),
            es: t("El registrador aún no ha confirmado el estado de {email}: su lista puede tardar unos minutos en actualizarse tras un cambio. Vuelva a comprobarlo en breve."),
            fr: t("Le bureau d’enregistrement n’a pas encore confirmé l’état de {email}\u{a0}: sa liste peut mettre quelques minutes à se mettre à jour après un changement. Revenez dans quelques instants."),
            nl: t("De registrar heeft de status van {email} nog niet bevestigd: de lijst kan na een wijziging enkele minuten nodig hebben. Kijk straks nog eens."),
            tr: t("Kayıt şirketi {email} adresinin durumunu henüz onaylamadı: listesinin bir değişiklikten sonra güncellenmesi birkaç dakika sürebilir. Lütfen birazdan tekrar bakın."),
        }
        NextCheckAt = "nextCheckAt" {
            en: t("Next check at {time}."),
            de: t("Nächste Prüfung: {time}."),
            es: t("Próxima comprobación: {time}."),
            fr: t("Prochaine vérification\u{a0}: {time}."),
            nl: t("Volgende controle: {time}."),
            tr: t("Sonraki kontrol: {time}."),
        }
        // After an answer in the checking state: when the widget last asked.
        StillUnconfirmedAt = "stillUnconfirmedAt" {
            en: t("Still not confirmed at {time}."),
            de: t("Um {time} noch nicht bestätigt."),
            es: t("Aún sin confirmar a las {time}."),
            fr: t("Toujours pas confirmé à {time}."),
            nl: t("Om {time} nog niet bevestigd."),
            tr: t("{time} itibarıyla henüz onaylanmadı."),
        }
        // ---- the deadline line
        DaysLeft = "daysLeft" {
            en: p("{n} day left", "{n} days left"),
            de: p("Noch {n} Tag", "Noch {n} Tage"),
            es: p("Queda {n} día", "Quedan {n} días"),
            fr: p("Il reste {n} jour", "Il reste {n} jours"),
            nl: p("Nog {n} dag", "Nog {n} dagen"),
            tr: p("{n} gün kaldı", "{n} gün kaldı"),
        }
        HoursLeft = "hoursLeft" {
            en: p("{n} hour left", "{n} hours left"),
            de: p("Noch {n} Stunde", "Noch {n} Stunden"),
            es: p("Queda {n} hora", "Quedan {n} horas"),
            fr: p("Il reste {n} heure", "Il reste {n} heures"),
            nl: p("Nog {n} uur", "Nog {n} uur"),
            tr: p("{n} saat kaldı", "{n} saat kaldı"),
        }
        MinutesLeft = "minutesLeft" {
            en: p("{n} minute left", "{n} minutes left"),
            de: p("Noch {n} Minute", "Noch {n} Minuten"),
            es: p("Queda {n} minuto", "Quedan {n} minutos"),
            fr: p("Il reste {n} minute", "Il reste {n} minutes"),
            nl: p("Nog {n} minuut", "Nog {n} minuten"),
            tr: p("{n} dakika kaldı", "{n} dakika kaldı"),
        }
        VerifyBy = "verifyBy" {
            en: t("Verify by {date}"),
            de: t("Bestätigen Sie bis {date}"),
            es: t("Verifique antes del {date}"),
            fr: t("Vérifiez avant le {date}"),
            nl: t("Verifieer vóór {date}"),
            tr: t("Son doğrulama tarihi: {date}"),
        }
        SuspendedAfter = "suspendedAfter" {
            en: t("Domains are suspended after {date}"),
            de: t("Die Domains werden ab {date} gesperrt"),
            es: t("Los dominios se suspenden después del {date}"),
            fr: t("Les domaines sont suspendus après le {date}"),
            nl: t("De domeinen worden opgeschort na {date}"),
            tr: t("Alan adları şu tarihten sonra askıya alınır: {date}"),
        }
        DeadlineWas = "deadlineWas" {
            en: t("The deadline was {date}"),
            de: t("Die Frist endete am {date}"),
            es: t("La fecha límite fue el {date}"),
            fr: t("La date limite était le {date}"),
            nl: t("De deadline was {date}"),
            tr: t("Son tarih şuydu: {date}"),
        }
        // Domain Name API's date is the link's validity, not a suspension
        // date: never "verify by" it (record field `deadlineKind`).
        LinkValidUntil = "linkValidUntil" {
            en: t("The link in the email is valid until {date}"),
            de: t("Der Link in der E-Mail ist bis {date} gültig"),
            es: t("El enlace del correo es válido hasta el {date}"),
            fr: t("Le lien de l’e-mail est valable jusqu’au {date}"),
            nl: t("De link in de e-mail is geldig tot {date}"),
            tr: t("E-postadaki bağlantı şu tarihe kadar geçerli: {date}"),
        }
        LinkExpiredOn = "linkExpiredOn" {
            en: t("The link in the email expired on {date}"),
            de: t("Der Link in der E-Mail ist am {date} abgelaufen"),
            es: t("El enlace del correo caducó el {date}"),
            fr: t("Le lien de l’e-mail a expiré le {date}"),
            nl: t("De link in de e-mail is verlopen op {date}"),
            tr: t("E-postadaki bağlantının süresi şu tarihte doldu: {date}"),
        }
        LinkSoonerLead = "linkSoonerLead" {
            en: t("ICANN requires verification within 15 days of the email, so {domains} may be suspended before the link expires."),
            de: t("ICANN verlangt die Bestätigung innerhalb von 15 Tagen nach der E-Mail, daher können {domains} schon vor Ablauf des Links gesperrt werden."),
            es: t("ICANN exige la verificación en un plazo de 15 días desde el correo, por lo que {domains} pueden ser suspendidos antes de que caduque el enlace."),
            fr: t("L’ICANN exige une vérification dans les 15 jours suivant l’e-mail\u{a0}: {domains} peuvent donc être suspendus avant l’expiration du lien."),
            nl: t("ICANN vereist verificatie binnen 15 dagen na de e-mail, dus {domains} kunnen al worden opgeschort voordat de link verloopt."),
            tr: t("ICANN, e-postadan itibaren 15 gün içinde doğrulama yapılmasını zorunlu kılar; bu nedenle {domains} bağlantının süresi dolmadan askıya alınabilir."),
        }
        VerifyByEstimated = "verifyByEstimated" {
            en: t("Verify by {date} (estimated)"),
            de: t("Bestätigen Sie bis {date} (geschätzt)"),
            es: t("Verifique antes del {date} (estimado)"),
            fr: t("Vérifiez avant le {date} (estimation)"),
            nl: t("Verifieer vóór {date} (geschat)"),
            tr: t("Tahmini son doğrulama tarihi: {date}"),
        }
        EstimatedDeadlineWas = "estimatedDeadlineWas" {
            en: t("The estimated deadline was {date}"),
            de: t("Die geschätzte Frist endete am {date}"),
            es: t("La fecha límite estimada fue el {date}"),
            fr: t("La date limite estimée était le {date}"),
            nl: t("De geschatte deadline was {date}"),
            tr: t("Tahmini son tarih şuydu: {date}"),
        }
        // ---- buttons
        Retry = "retry" {
            en: t("Retry"),
            de: t("Erneut versuchen"),
            es: t("Reintentar"),
            fr: t("Réessayer"),
            nl: t("Opnieuw proberen"),
            tr: t("Yeniden dene"),
        }
        Retrying = "retrying" {
            en: t("Retrying…"),
            de: t("Neuer Versuch…"),
            es: t("Reintentando…"),
            fr: t("Nouvelle tentative…"),
            nl: t("Opnieuw proberen…"),
            tr: t("Yeniden deneniyor…"),
        }
        CheckAgain = "checkAgain" {
            en: t("Check again"),
            de: t("Erneut prüfen"),
            es: t("Comprobar de nuevo"),
            fr: t("Vérifier à nouveau"),
            nl: t("Opnieuw controleren"),
            tr: t("Tekrar kontrol et"),
        }
        CheckingNow = "checkingNow" {
            en: t("Checking…"),
            de: t("Wird geprüft…"),
            es: t("Comprobando…"),
            fr: t("Vérification…"),
            nl: t("Controleren…"),
            tr: t("Kontrol ediliyor…"),
        }
        Sending = "sending" {
            en: t("Sending…"),
            de: t("Wird gesendet…"),
            es: t("Enviando…"),
            fr: t("Envoi en cours…"),
            nl: t("Verzenden…"),
            tr: t("Gönderiliyor…"),
        }
        TryAgain = "tryAgain" {
            en: t("Try again"),
            de: t("Noch einmal versuchen"),
            es: t("Intentar de nuevo"),
            fr: t("Essayer à nouveau"),
            nl: t("Probeer het opnieuw"),
            tr: t("Tekrar deneyin"),
        }
        SendEmail = "sendEmail" {
            en: t("Send verification email"),
            de: t("Bestätigungs-E-Mail senden"),
            es: t("Enviar correo de verificación"),
            fr: t("Envoyer l’e-mail de vérification"),
            nl: t("Verificatie-e-mail sturen"),
            tr: t("Doğrulama e-postası gönder"),
        }
        SendNewEmail = "sendNewEmail" {
            en: t("Send a new verification email"),
            de: t("Neue Bestätigungs-E-Mail senden"),
            es: t("Enviar un nuevo correo de verificación"),
            fr: t("Envoyer un nouvel e-mail de vérification"),
            nl: t("Nieuwe verificatie-e-mail sturen"),
            tr: t("Yeni bir doğrulama e-postası gönder"),
        }
        ResendEmail = "resendEmail" {
            en: t("Resend verification email"),
            de: t("Bestätigungs-E-Mail erneut senden"),
            es: t("Reenviar correo de verificación"),
            fr: t("Renvoyer l’e-mail de vérification"),
            nl: t("Verificatie-e-mail opnieuw sturen"),
            tr: t("Doğrulama e-postasını yeniden gönder"),
        }
        CorrectEmail = "correctEmail" {
            en: t("Correct your email address"),
            de: t("E-Mail-Adresse korrigieren"),
            es: t("Corregir la dirección de correo electrónico"),
            fr: t("Corriger votre adresse e-mail"),
            nl: t("Uw e-mailadres corrigeren"),
            tr: t("E-posta adresinizi düzeltin"),
        }
        ContactSupport = "contactSupport" {
            en: t("Contact support to correct your email address."),
            de: t("Wenden Sie sich an den Support, um Ihre E-Mail-Adresse zu korrigieren."),
            es: t("Póngase en contacto con el servicio de asistencia para corregir su dirección de correo electrónico."),
            fr: t("Contactez le support pour corriger votre adresse e-mail."),
            nl: t("Neem contact op met support om uw e-mailadres te corrigeren."),
            tr: t("E-posta adresinizi düzeltmek için destek ekibiyle iletişime geçin."),
        }
        // ---- under the button: the last resend
        ResendSent = "resendSent" {
            en: t("We sent a new verification email to {email}."),
            de: t("Wir haben eine neue Bestätigungs-E-Mail an {email} gesendet."),
            es: t("Hemos enviado un nuevo correo de verificación a {email}."),
            fr: t("Nous avons envoyé un nouvel e-mail de vérification à {email}."),
            nl: t("We hebben een nieuwe verificatie-e-mail gestuurd naar {email}."),
            tr: t("{email} adresine yeni bir doğrulama e-postası gönderdik."),
        }
        ResendAllowedAt = "resendAllowedAt" {
            en: t("The registrar allows another email at {time}."),
            de: t("Der Registrar erlaubt die nächste E-Mail ab {time}."),
            es: t("El registrador permite otro correo a partir de {time}."),
            fr: t("Le bureau d’enregistrement autorise un nouvel e-mail à partir de {time}."),
            nl: t("De registrar staat vanaf {time} een nieuwe e-mail toe."),
            tr: t("Kayıt şirketi yeni bir e-postaya {time} itibarıyla izin veriyor."),
        }
        ResendThrottled = "resendThrottled" {
            en: t("The registrar refused to send another email so soon."),
            de: t("Der Registrar hat es abgelehnt, so bald eine weitere E-Mail zu senden."),
            es: t("El registrador se negó a enviar otro correo tan pronto."),
            fr: t("Le bureau d’enregistrement a refusé d’envoyer un autre e-mail si tôt."),
            nl: t("De registrar weigerde zo snel nog een e-mail te sturen."),
            tr: t("Kayıt şirketi bu kadar kısa sürede yeni bir e-posta göndermeyi reddetti."),
        }
        ResendAlreadyVerified = "resendAlreadyVerified" {
            en: t("Your email address is already verified."),
            de: t("Ihre E-Mail-Adresse ist bereits bestätigt."),
            es: t("Su dirección de correo electrónico ya está verificada."),
            fr: t("Votre adresse e-mail est déjà vérifiée."),
            nl: t("Uw e-mailadres is al geverifieerd."),
            tr: t("E-posta adresiniz zaten doğrulanmış."),
        }
        ResendNotSentBecause = "resendNotSentBecause" {
            en: t("The registrar did not send an email: {message}"),
            de: t("Der Registrar hat keine E-Mail gesendet: {message}"),
            es: t("El registrador no envió ningún correo: {message}"),
            fr: t("Le bureau d’enregistrement n’a pas envoyé d’e-mail\u{a0}: {message}"),
            nl: t("De registrar heeft geen e-mail gestuurd: {message}"),
            tr: t("Kayıt şirketi e-posta göndermedi: {message}"),
        }
        ResendNotSent = "resendNotSent" {
            en: t("The registrar did not send an email. Try again later."),
            de: t("Der Registrar hat keine E-Mail gesendet. Versuchen Sie es später erneut."),
            es: t("El registrador no envió ningún correo. Vuelva a intentarlo más tarde."),
            fr: t("Le bureau d’enregistrement n’a pas envoyé d’e-mail. Réessayez plus tard."),
            nl: t("De registrar heeft geen e-mail gestuurd. Probeer het later opnieuw."),
            tr: t("Kayıt şirketi e-posta göndermedi. Daha sonra tekrar deneyin."),
        }
        ResendFailed = "resendFailed" {
            en: t("The email was not sent. {problem}"),
            de: t("Die E-Mail wurde nicht gesendet. {problem}"),
            es: t("No se envió el correo. {problem}"),
            fr: t("L’e-mail n’a pas été envoyé. {problem}"),
            nl: t("De e-mail is niet verzonden. {problem}"),
            tr: t("E-posta gönderilemedi. {problem}"),
        }
        ResendRecent = "resendRecent" {
            en: t("A verification email was sent recently."),
            de: t("Vor Kurzem wurde eine Bestätigungs-E-Mail gesendet."),
            es: t("Se envió un correo de verificación hace poco."),
            fr: t("Un e-mail de vérification a été envoyé récemment."),
            nl: t("Er is onlangs een verificatie-e-mail gestuurd."),
            tr: t("Kısa süre önce bir doğrulama e-postası gönderildi."),
        }
        SendAnotherIn = "sendAnotherIn" {
            en: t("You can send another in {countdown}"),
            de: t("Nächste E-Mail möglich in {countdown}"),
            es: t("Podrá enviar otro dentro de {countdown}"),
            fr: t("Vous pourrez en envoyer un autre dans {countdown}"),
            nl: t("U kunt over {countdown} een nieuwe sturen"),
            tr: t("Yeni bir e-postayı {countdown} sonra gönderebilirsiniz"),
        }
        // The waiting button's accessible name: whole minutes, so it does
        // not change every second while focused.
        SendAnotherInMinutes = "sendAnotherInMinutes" {
            en: p("You can send another in {n} minute", "You can send another in {n} minutes"),
            de: p("Nächste E-Mail möglich in {n} Minute", "Nächste E-Mail möglich in {n} Minuten"),
            es: p("Podrá enviar otro dentro de {n} minuto", "Podrá enviar otro dentro de {n} minutos"),
            fr: p("Vous pourrez en envoyer un autre dans {n} minute", "Vous pourrez en envoyer un autre dans {n} minutes"),
            nl: p("U kunt over {n} minuut een nieuwe sturen", "U kunt over {n} minuten een nieuwe sturen"),
            tr: p("Yeni bir e-postayı {n} dakika sonra gönderebilirsiniz", "Yeni bir e-postayı {n} dakika sonra gönderebilirsiniz"),
        }
        // ---- the automatic retry after a failed check
        RetryNow = "retryNow" {
            en: t("Trying again now…"),
            de: t("Neuer Versuch läuft…"),
            es: t("Reintentando ahora…"),
            fr: t("Nouvelle tentative en cours…"),
            nl: t("Nu opnieuw proberen…"),
            tr: t("Şimdi yeniden deneniyor…"),
        }
        RetryInSeconds = "retryInSeconds" {
            en: p("Trying again automatically in {n} second.", "Trying again automatically in {n} seconds."),
            de: p("Neuer Versuch automatisch in {n} Sekunde.", "Neuer Versuch automatisch in {n} Sekunden."),
            es: p("Se reintentará automáticamente dentro de {n} segundo.", "Se reintentará automáticamente dentro de {n} segundos."),
            fr: p("Nouvelle tentative automatique dans {n} seconde.", "Nouvelle tentative automatique dans {n} secondes."),
            nl: p("Automatisch opnieuw proberen over {n} seconde.", "Automatisch opnieuw proberen over {n} seconden."),
            tr: p("{n} saniye içinde otomatik olarak yeniden denenecek.", "{n} saniye içinde otomatik olarak yeniden denenecek."),
        }
        RetryAt = "retryAt" {
            en: t("Trying again automatically at {time}."),
            de: t("Nächster automatischer Versuch: {time}."),
            es: t("Próximo reintento automático: {time}."),
            fr: t("Nouvelle tentative automatique\u{a0}: {time}."),
            nl: t("Volgende automatische poging: {time}."),
            tr: t("Otomatik olarak yeniden denenecek: {time}."),
        }
        ServerAskedToWait = "serverAskedToWait" {
            en: t("The server asked us to wait. {retry}"),
            de: t("Der Server hat uns gebeten zu warten. {retry}"),
            es: t("El servidor nos pidió que esperáramos. {retry}"),
            fr: t("Le serveur nous a demandé de patienter. {retry}"),
            nl: t("De server vroeg ons te wachten. {retry}"),
            tr: t("Sunucu beklememizi istedi. {retry}"),
        }
        // ---- what failed (both elements)
        // A setup problem the registrant cannot fix (a wrong attribute, an
        // answer the browser blocks): neutral words, no Retry; the detail
        // goes to the console and the `verification-error` event.
        ErrorConfig = "errorConfig" {
            en: t("We can't show your verification status right now. Please contact support."),
            de: t("Wir können Ihren Bestätigungsstatus gerade nicht anzeigen. Bitte wenden Sie sich an den Support."),
            es: t("Ahora mismo no podemos mostrar el estado de su verificación. Póngase en contacto con el soporte."),
            fr: t("Nous ne pouvons pas afficher l’état de votre vérification pour le moment. Veuillez contacter le support."),
            nl: t("We kunnen uw verificatiestatus nu niet tonen. Neem contact op met support."),
            tr: t("Doğrulama durumunuzu şu anda gösteremiyoruz. Lütfen destek ekibiyle iletişime geçin."),
        }
        // No answer while the browser is online: the server (the gateway)
        // is down or unreachable; the registrant's connection is fine.
        ErrorNetwork = "errorNetwork" {
            en: t("Could not reach the server. It may be down; we will try again."),
            de: t("Der Server war nicht erreichbar. Er ist möglicherweise ausgefallen; wir versuchen es erneut."),
            es: t("No se pudo conectar con el servidor. Puede que no esté disponible; lo intentaremos de nuevo."),
            fr: t("Impossible de joindre le serveur. Il est peut-être indisponible\u{a0}; nous réessaierons."),
            nl: t("De server is niet bereikbaar. Mogelijk is hij offline; we proberen het opnieuw."),
            tr: t("Sunucuya ulaşılamadı. Sunucu kapalı olabilir; yeniden deneyeceğiz."),
        }
        // No answer and `navigator.onLine` is false.
        ErrorOffline = "errorOffline" {
            en: t("You are offline. Check your internet connection."),
            de: t("Sie sind offline. Prüfen Sie Ihre Internetverbindung."),
            es: t("No tiene conexión. Compruebe su conexión a internet."),
            fr: t("Vous êtes hors ligne. Vérifiez votre connexion Internet."),
            nl: t("U bent offline. Controleer uw internetverbinding."),
            tr: t("Çevrimdışısınız. İnternet bağlantınızı kontrol edin."),
        }
        // The gateway answered, the registrar behind it did not (its 502,
        // 503 or 504: `detail` is "HTTP 502, upstream_unavailable" with the
        // gateway's code, else "HTTP 502").
        ErrorRegistrarUnreachable = "errorRegistrarUnreachable" {
            en: t("The registrar did not answer ({detail}). We will try again."),
            de: t("Der Registrar hat nicht geantwortet ({detail}). Wir versuchen es erneut."),
            es: t("El registrador no respondió ({detail}). Lo intentaremos de nuevo."),
            fr: t("Le bureau d’enregistrement n’a pas répondu ({detail}). Nous réessaierons."),
            nl: t("De registrar antwoordde niet ({detail}). We proberen het opnieuw."),
            tr: t("Kayıt şirketi yanıt vermedi ({detail}). Yeniden deneyeceğiz."),
        }
        // A re-check failed; the card keeps what an earlier answer said.
        StaleSince = "staleSince" {
            en: t("Could not check again at {failed}; showing what we knew at {known}."),
            de: t("Erneute Prüfung um {failed} fehlgeschlagen; angezeigt wird der Stand von {known}."),
            es: t("No se pudo volver a comprobar a las {failed}; se muestra lo que sabíamos a las {known}."),
            fr: t("Nouvelle vérification impossible à {failed}\u{a0}; voici ce que nous savions à {known}."),
            nl: t("Opnieuw controleren lukte niet om {failed}; dit is wat we wisten om {known}."),
            tr: t("{failed} itibarıyla yeniden kontrol edilemedi; {known} itibarıyla bildiklerimiz gösteriliyor."),
        }
        StaleAt = "staleAt" {
            en: t("Could not check again at {failed}; showing what we knew before."),
            de: t("Erneute Prüfung um {failed} fehlgeschlagen; angezeigt wird der vorherige Stand."),
            es: t("No se pudo volver a comprobar a las {failed}; se muestra lo que sabíamos antes."),
            fr: t("Nouvelle vérification impossible à {failed}\u{a0}; voici ce que nous savions auparavant."),
            nl: t("Opnieuw controleren lukte niet om {failed}; dit is wat we eerder wisten."),
            tr: t("{failed} itibarıyla yeniden kontrol edilemedi; önceki bilgiler gösteriliyor."),
        }
        // Why, when the panel's session ended (HTTP 401 or 403).
        StaleSession = "staleSession" {
            en: t("Your session has ended: sign in again to see the latest status."),
            de: t("Ihre Sitzung ist abgelaufen: Melden Sie sich erneut an, um den aktuellen Stand zu sehen."),
            es: t("Su sesión ha terminado: vuelva a iniciar sesión para ver el estado actual."),
            fr: t("Votre session a pris fin\u{a0}: reconnectez-vous pour voir l’état actuel."),
            nl: t("Uw sessie is verlopen: log opnieuw in om de actuele status te zien."),
            tr: t("Oturumunuz sona erdi: güncel durumu görmek için yeniden oturum açın."),
        }
        ErrorTimeout = "errorTimeout" {
            en: t("The server did not answer within {seconds} seconds, so we stopped waiting."),
            de: t("Der Server hat nicht innerhalb von {seconds} Sekunden geantwortet, daher haben wir das Warten abgebrochen."),
            es: t("El servidor no respondió en {seconds} segundos, así que dejamos de esperar."),
            fr: t("Le serveur n’a pas répondu en {seconds} secondes, nous avons donc cessé d’attendre."),
            nl: t("De server antwoordde niet binnen {seconds} seconden, dus we zijn gestopt met wachten."),
            tr: t("Sunucu {seconds} saniye içinde yanıt vermedi, bu yüzden beklemeyi bıraktık."),
        }
        ErrorNotFound = "errorNotFound" {
            en: t("The registrar has no verification for this contact."),
            de: t("Der Registrar hat keine Bestätigung für diesen Kontakt."),
            es: t("El registrador no tiene ninguna verificación para este contacto."),
            fr: t("Le bureau d’enregistrement n’a aucune vérification pour ce contact."),
            nl: t("De registrar heeft geen verificatie voor dit contact."),
            tr: t("Kayıt şirketinde bu kişi için bir doğrulama kaydı yok."),
        }
        ErrorHttp401 = "errorHttp401" {
            en: t("Your session may have expired (HTTP 401): sign in again, then retry."),
            de: t("Ihre Sitzung ist möglicherweise abgelaufen (HTTP 401): Melden Sie sich erneut an und versuchen Sie es dann noch einmal."),
            es: t("Es posible que su sesión haya caducado (HTTP 401): vuelva a iniciar sesión y, después, inténtelo de nuevo."),
            fr: t("Votre session a peut-être expiré (HTTP 401)\u{a0}: reconnectez-vous, puis réessayez."),
            nl: t("Uw sessie is mogelijk verlopen (HTTP 401): log opnieuw in en probeer het dan nog eens."),
            tr: t("Oturumunuzun süresi dolmuş olabilir (HTTP 401): yeniden oturum açın, ardından tekrar deneyin."),
        }
        ErrorHttp403 = "errorHttp403" {
            en: t("You may have been signed out, or this account may not see this contact (HTTP 403): sign in again, then retry."),
            de: t("Sie wurden möglicherweise abgemeldet, oder dieses Konto hat keinen Zugriff auf diesen Kontakt (HTTP 403): Melden Sie sich erneut an und versuchen Sie es dann noch einmal."),
            es: t("Es posible que se haya cerrado su sesión o que esta cuenta no tenga acceso a este contacto (HTTP 403): vuelva a iniciar sesión y, después, inténtelo de nuevo."),
            fr: t("Vous avez peut-être été déconnecté, ou ce compte n’a pas accès à ce contact (HTTP 403)\u{a0}: reconnectez-vous, puis réessayez."),
            nl: t("U bent mogelijk afgemeld, of dit account heeft geen toegang tot dit contact (HTTP 403): log opnieuw in en probeer het dan nog eens."),
            tr: t("Oturumunuz kapatılmış olabilir veya bu hesap bu kişiyi göremiyor olabilir (HTTP 403): yeniden oturum açın, ardından tekrar deneyin."),
        }
        ErrorHttp404 = "errorHttp404" {
            en: t("The server does not know this contact (HTTP 404)."),
            de: t("Der Server kennt diesen Kontakt nicht (HTTP 404)."),
            es: t("El servidor no conoce este contacto (HTTP 404)."),
            fr: t("Le serveur ne connaît pas ce contact (HTTP 404)."),
            nl: t("De server kent dit contact niet (HTTP 404)."),
            tr: t("Sunucu bu kişiyi tanımıyor (HTTP 404)."),
        }
        ErrorHttp429 = "errorHttp429" {
            en: t("Too many requests (HTTP 429): the server asked us to slow down."),
            de: t("Zu viele Anfragen (HTTP 429): Der Server hat uns gebeten, es langsamer angehen zu lassen."),
            es: t("Demasiadas solicitudes (HTTP 429): el servidor nos pidió que fuéramos más despacio."),
            fr: t("Trop de requêtes (HTTP 429)\u{a0}: le serveur nous a demandé de ralentir."),
            nl: t("Te veel verzoeken (HTTP 429): de server vroeg ons het rustiger aan te doen."),
            tr: t("Çok fazla istek (HTTP 429): sunucu yavaşlamamızı istedi."),
        }
        ErrorHttp500 = "errorHttp500" {
            en: t("The server had a problem (HTTP 500)."),
            de: t("Auf dem Server ist ein Fehler aufgetreten (HTTP 500)."),
            es: t("El servidor tuvo un problema (HTTP 500)."),
            fr: t("Le serveur a rencontré un problème (HTTP 500)."),
            nl: t("Er is een probleem op de server (HTTP 500)."),
            tr: t("Sunucuda bir sorun oluştu (HTTP 500)."),
        }
        ErrorHttp5xx = "errorHttp5xx" {
            en: t("Could not reach the server (HTTP {status}). It may be down or busy."),
            de: t("Der Server war nicht erreichbar (HTTP {status}). Er ist möglicherweise ausgefallen oder überlastet."),
            es: t("No se pudo conectar con el servidor (HTTP {status}). Puede que no esté disponible o esté saturado."),
            fr: t("Impossible de joindre le serveur (HTTP {status}). Il est peut-être indisponible ou surchargé."),
            nl: t("De server is niet bereikbaar (HTTP {status}). Mogelijk is hij offline of overbelast."),
            tr: t("Sunucuya ulaşılamadı (HTTP {status}). Sunucu kapalı veya yoğun olabilir."),
        }
        ErrorHttp = "errorHttp" {
            en: t("The server answered with an error (HTTP {status})."),
            de: t("Der Server hat mit einem Fehler geantwortet (HTTP {status})."),
            es: t("El servidor respondió con un error (HTTP {status})."),
            fr: t("Le serveur a répondu par une erreur (HTTP {status})."),
            nl: t("De server antwoordde met een fout (HTTP {status})."),
            tr: t("Sunucu bir hatayla yanıt verdi (HTTP {status})."),
        }
        ErrorRegistrar = "errorRegistrar" {
            en: t("The registrar answered with an error: {message}"),
            de: t("Der Registrar hat mit einem Fehler geantwortet: {message}"),
            es: t("El registrador respondió con un error: {message}"),
            fr: t("Le bureau d’enregistrement a répondu par une erreur\u{a0}: {message}"),
            nl: t("De registrar antwoordde met een fout: {message}"),
            tr: t("Kayıt şirketi bir hatayla yanıt verdi: {message}"),
        }
        ErrorRegistrarSession = "errorRegistrarSession" {
            en: t("The registrar answered with an error: {message} Your session may have expired: sign in again, then retry."),
            de: t("Der Registrar hat mit einem Fehler geantwortet: {message} Ihre Sitzung ist möglicherweise abgelaufen: Melden Sie sich erneut an und versuchen Sie es dann noch einmal."),
            es: t("El registrador respondió con un error: {message} Es posible que su sesión haya caducado: vuelva a iniciar sesión y, después, inténtelo de nuevo."),
            fr: t("Le bureau d’enregistrement a répondu par une erreur\u{a0}: {message} Votre session a peut-être expiré\u{a0}: reconnectez-vous, puis réessayez."),
            nl: t("De registrar antwoordde met een fout: {message} Uw sessie is mogelijk verlopen: log opnieuw in en probeer het dan nog eens."),
            tr: t("Kayıt şirketi bir hatayla yanıt verdi: {message} Oturumunuzun süresi dolmuş olabilir: yeniden oturum açın, ardından tekrar deneyin."),
        }
        ErrorInvalidJson = "errorInvalidJson" {
            en: t("The server sent an answer this page cannot read (it is not valid JSON)."),
            de: t("Der Server hat eine Antwort gesendet, die diese Seite nicht lesen kann (kein gültiges JSON)."),
            es: t("El servidor envió una respuesta que esta página no puede leer (no es JSON válido)."),
            fr: t("Le serveur a envoyé une réponse que cette page ne peut pas lire (ce n’est pas du JSON valide)."),
            nl: t("De server stuurde een antwoord dat deze pagina niet kan lezen (geen geldige JSON)."),
            tr: t("Sunucu, bu sayfanın okuyamadığı bir yanıt gönderdi (geçerli JSON değil)."),
        }
        ErrorUnexpectedShape = "errorUnexpectedShape" {
            en: t("The server sent an answer this page cannot read (not the registrar's format)."),
            de: t("Der Server hat eine Antwort gesendet, die diese Seite nicht lesen kann (nicht im Format des Registrars)."),
            es: t("El servidor envió una respuesta que esta página no puede leer (no tiene el formato del registrador)."),
            fr: t("Le serveur a envoyé une réponse que cette page ne peut pas lire (pas au format du bureau d’enregistrement)."),
            nl: t("De server stuurde een antwoord dat deze pagina niet kan lezen (niet in het formaat van de registrar)."),
            tr: t("Sunucu, bu sayfanın okuyamadığı bir yanıt gönderdi (kayıt şirketinin biçiminde değil)."),
        }
        ErrorUnreadable = "errorUnreadable" {
            en: t("The server sent an answer this page cannot read."),
            de: t("Der Server hat eine Antwort gesendet, die diese Seite nicht lesen kann."),
            es: t("El servidor envió una respuesta que esta página no puede leer."),
            fr: t("Le serveur a envoyé une réponse que cette page ne peut pas lire."),
            nl: t("De server stuurde een antwoord dat deze pagina niet kan lezen."),
            tr: t("Sunucu, bu sayfanın okuyamadığı bir yanıt gönderdi."),
        }
    }
}

catalog! {
    /// The staff list's own messages (it also uses [`Msg`]: statuses,
    /// buttons, what failed, days and hours left).
    pub enum ListMsg {
        ListLabel = "listLabel" {
            en: t("Email verification of every contact"),
            de: t("E-Mail-Bestätigung aller Kontakte"),
            es: t("Verificación del correo electrónico de todos los contactos"),
            fr: t("Vérification des adresses e-mail de tous les contacts"),
            nl: t("E-mailverificatie van alle contacten"),
            tr: t("Tüm kişilerin e-posta doğrulaması"),
        }
        Loading = "loading" {
            en: t("Loading contacts… {n} so far"),
            de: t("Kontakte werden geladen… bisher {n}"),
            es: t("Cargando contactos… {n} hasta ahora"),
            fr: t("Chargement des contacts… {n} pour l’instant"),
            nl: t("Contacten laden… tot nu toe {n}"),
            tr: t("Kişiler yükleniyor… şimdiye kadar {n}"),
        }
        NoneLoaded = "noneLoaded" {
            en: t("No contacts loaded"),
            de: t("Keine Kontakte geladen"),
            es: t("No se cargó ningún contacto"),
            fr: t("Aucun contact chargé"),
            nl: t("Geen contacten geladen"),
            tr: t("Hiç kişi yüklenmedi"),
        }
        Contacts = "contacts" {
            en: p("{n} contact", "{n} contacts"),
            de: p("{n} Kontakt", "{n} Kontakte"),
            es: p("{n} contacto", "{n} contactos"),
            fr: p("{n} contact", "{n} contacts"),
            nl: p("{n} contact", "{n} contacten"),
            tr: p("{n} kişi", "{n} kişi"),
        }
        CountOverdue = "countOverdue" {
            en: p("{n} overdue", "{n} overdue"),
            de: p("{n} überfällig", "{n} überfällig"),
            es: p("{n} vencido", "{n} vencidos"),
            fr: p("{n} en retard", "{n} en retard"),
            nl: p("{n} te laat", "{n} te laat"),
            tr: p("{n} süresi geçmiş", "{n} süresi geçmiş"),
        }
        CountSuspended = "countSuspended" {
            en: p("{n} suspended", "{n} suspended"),
            de: p("{n} gesperrt", "{n} gesperrt"),
            es: p("{n} suspendido", "{n} suspendidos"),
            fr: p("{n} suspendu", "{n} suspendus"),
            nl: p("{n} opgeschort", "{n} opgeschort"),
            tr: p("{n} askıda", "{n} askıda"),
        }
        Showing = "showing" {
            en: p("(showing {n})", "(showing {n})"),
            de: p("({n} angezeigt)", "({n} angezeigt)"),
            es: p("(se muestra {n})", "(se muestran {n})"),
            fr: p("({n} affiché)", "({n} affichés)"),
            nl: p("({n} weergegeven)", "({n} weergegeven)"),
            tr: p("({n} gösteriliyor)", "({n} gösteriliyor)"),
        }
        Status = "status" {
            en: t("Status"),
            de: t("Status"),
            es: t("Estado"),
            fr: t("Statut"),
            nl: t("Status"),
            tr: t("Durum"),
        }
        StatusAny = "statusAny" {
            en: t("Any status"),
            de: t("Alle Status"),
            es: t("Cualquier estado"),
            fr: t("Tous les statuts"),
            nl: t("Elke status"),
            tr: t("Tüm durumlar"),
        }
        StatusUnverified = "statusUnverified" {
            en: t("Not verified"),
            de: t("Nicht bestätigt"),
            es: t("Sin verificar"),
            fr: t("Non vérifié"),
            nl: t("Niet geverifieerd"),
            tr: t("Doğrulanmamış"),
        }
        StatusNotStarted = "statusNotStarted" {
            en: t("Not started"),
            de: t("Nicht begonnen"),
            es: t("Sin iniciar"),
            fr: t("Non commencé"),
            nl: t("Niet gestart"),
            tr: t("Başlatılmadı"),
        }
        StatusPending = "statusPending" {
            en: t("Pending"),
            de: t("Ausstehend"),
            es: t("Pendiente"),
            fr: t("En attente"),
            nl: t("In behandeling"),
            tr: t("Bekliyor"),
        }
        StatusFailed = "statusFailed" {
            en: t("Failed"),
            de: t("Fehlgeschlagen"),
            es: t("Fallido"),
            fr: t("Échec"),
            nl: t("Mislukt"),
            tr: t("Başarısız"),
        }
        StatusUnknown = "statusUnknown" {
            en: t("Unknown"),
            de: t("Unbekannt"),
            es: t("Desconocido"),
            fr: t("Inconnu"),
            nl: t("Onbekend"),
            tr: t("Bilinmiyor"),
        }
        StatusBounced = "statusBounced" {
            en: t("Bounced"),
            de: t("Unzustellbar"),
            es: t("Rebotado"),
            fr: t("Non distribué"),
            nl: t("Onbestelbaar"),
            tr: t("Geri döndü"),
        }
        StatusExpired = "statusExpired" {
            en: t("Expired"),
            de: t("Abgelaufen"),
            es: t("Caducado"),
            fr: t("Expiré"),
            nl: t("Verlopen"),
            tr: t("Süresi doldu"),
        }
        StatusOverdue = "statusOverdue" {
            en: t("Overdue"),
            de: t("Überfällig"),
            es: t("Vencido"),
            fr: t("En retard"),
            nl: t("Te laat"),
            tr: t("Süresi geçmiş"),
        }
        StatusVerified = "statusVerified" {
            en: t("Verified"),
            de: t("Bestätigt"),
            es: t("Verificado"),
            fr: t("Vérifié"),
            nl: t("Geverifieerd"),
            tr: t("Doğrulanmış"),
        }
        StatusSuspended = "statusSuspended" {
            en: t("Suspended"),
            de: t("Gesperrt"),
            es: t("Suspendido"),
            fr: t("Suspendu"),
            nl: t("Opgeschort"),
            tr: t("Askıda"),
        }
        // One badge for a status and a suspension ("Overdue, suspended").
        WithSuspended = "withSuspended" {
            en: t("{status}, suspended"),
            de: t("{status}, gesperrt"),
            es: t("{status}, suspendido"),
            fr: t("{status}, suspendu"),
            nl: t("{status}, opgeschort"),
            tr: t("{status}, askıda"),
        }
        SuspendedAny = "suspendedAny" {
            en: t("Any"),
            de: t("Alle"),
            es: t("Todos"),
            fr: t("Tous"),
            nl: t("Alle"),
            tr: t("Tümü"),
        }
        NotSuspended = "notSuspended" {
            en: t("Not suspended"),
            de: t("Nicht gesperrt"),
            es: t("No suspendido"),
            fr: t("Non suspendu"),
            nl: t("Niet opgeschort"),
            tr: t("Askıda değil"),
        }
        SearchLabel = "searchLabel" {
            en: t("Email or domain"),
            de: t("E-Mail oder Domain"),
            es: t("Correo o dominio"),
            fr: t("E-mail ou domaine"),
            nl: t("E-mail of domein"),
            tr: t("E-posta veya alan adı"),
        }
        Search = "search" {
            en: t("Search"),
            de: t("Suchen"),
            es: t("Buscar"),
            fr: t("Rechercher"),
            nl: t("Zoeken"),
            tr: t("Ara"),
        }
        ResendTo = "resendTo" {
            en: p("Resend to {n} contact", "Resend to {n} contacts"),
            de: p("An {n} Kontakt erneut senden", "An {n} Kontakte erneut senden"),
            es: p("Reenviar a {n} contacto", "Reenviar a {n} contactos"),
            fr: p("Renvoyer à {n} contact", "Renvoyer à {n} contacts"),
            nl: p("Opnieuw sturen naar {n} contact", "Opnieuw sturen naar {n} contacten"),
            tr: p("{n} kişiye yeniden gönder", "{n} kişiye yeniden gönder"),
        }
        // A bulk resend of more than a few contacts asks first.
        ConfirmBulk = "confirmBulk" {
            en: p("Send a verification email to {n} contact?", "Send a verification email to {n} contacts?"),
            de: p("Eine Bestätigungs-E-Mail an {n} Kontakt senden?", "Eine Bestätigungs-E-Mail an {n} Kontakte senden?"),
            es: p("¿Enviar un correo de verificación a {n} contacto?", "¿Enviar un correo de verificación a {n} contactos?"),
            fr: p("Envoyer un e-mail de vérification à {n} contact\u{a0}?", "Envoyer un e-mail de vérification à {n} contacts\u{a0}?"),
            nl: p("Een verificatie-e-mail sturen naar {n} contact?", "Een verificatie-e-mail sturen naar {n} contacten?"),
            tr: p("{n} kişiye doğrulama e-postası gönderilsin mi?", "{n} kişiye doğrulama e-postası gönderilsin mi?"),
        }
        ConfirmPaced = "confirmPaced" {
            en: t("Paced by the registrar's limits, the last one goes out in about {duration}. Keep this page open until then."),
            de: t("Nach den Limits des Registrars geht die letzte in etwa {duration} hinaus. Lassen Sie diese Seite bis dahin geöffnet."),
            es: t("Según los límites del registrador, el último sale en unos {duration}. Mantenga esta página abierta hasta entonces."),
            fr: t("Selon les limites du bureau d’enregistrement, le dernier part dans environ {duration}. Gardez cette page ouverte jusque-là."),
            nl: t("Volgens de limieten van de registrar gaat de laatste over ongeveer {duration} de deur uit. Houd deze pagina tot dan open."),
            tr: t("Kayıt şirketinin sınırlarına göre sonuncusu yaklaşık {duration} içinde gönderilir. O zamana kadar bu sayfayı açık tutun."),
        }
        ConfirmPacedGateway = "confirmPacedGateway" {
            en: t("Paced by the registrar's limits, the last one goes out in about {duration}. The gateway sends them: you may close this page."),
            de: t("Nach den Limits des Registrars geht die letzte in etwa {duration} hinaus. Das Gateway sendet sie: Sie können diese Seite schließen."),
            es: t("Según los límites del registrador, el último sale en unos {duration}. El gateway los envía: puede cerrar esta página."),
            fr: t("Selon les limites du bureau d’enregistrement, le dernier part dans environ {duration}. La passerelle les envoie\u{a0}: vous pouvez fermer cette page."),
            nl: t("Volgens de limieten van de registrar gaat de laatste over ongeveer {duration} de deur uit. De gateway verstuurt ze: u kunt deze pagina sluiten."),
            tr: t("Kayıt şirketinin sınırlarına göre sonuncusu yaklaşık {duration} içinde gönderilir. Ağ geçidi gönderir: bu sayfayı kapatabilirsiniz."),
        }
        ConfirmNow = "confirmNow" {
            en: t("They go out now."),
            de: t("Sie werden jetzt gesendet."),
            es: t("Se envían ahora."),
            fr: t("Ils partent maintenant."),
            nl: t("Ze gaan nu de deur uit."),
            tr: t("Hemen gönderilirler."),
        }
        ConfirmSend = "confirmSend" {
            en: p("Send {n} email", "Send {n} emails"),
            de: p("{n} E-Mail senden", "{n} E-Mails senden"),
            es: p("Enviar {n} correo", "Enviar {n} correos"),
            fr: p("Envoyer {n} e-mail", "Envoyer {n} e-mails"),
            nl: p("{n} e-mail sturen", "{n} e-mails sturen"),
            tr: p("{n} e-posta gönder", "{n} e-posta gönder"),
        }
        ConfirmCancel = "confirmCancel" {
            en: t("Cancel"),
            de: t("Abbrechen"),
            es: t("Cancelar"),
            fr: t("Annuler"),
            nl: t("Annuleren"),
            tr: t("İptal"),
        }
        ExportCsv = "exportCsv" {
            en: t("Export CSV"),
            de: t("Als CSV exportieren"),
            es: t("Exportar CSV"),
            fr: t("Exporter en CSV"),
            nl: t("Exporteren als CSV"),
            tr: t("CSV olarak dışa aktar"),
        }
        RowResend = "rowResend" {
            en: t("Resend"),
            de: t("Erneut senden"),
            es: t("Reenviar"),
            fr: t("Renvoyer"),
            nl: t("Opnieuw sturen"),
            tr: t("Yeniden gönder"),
        }
        RowResendTo = "rowResendTo" {
            en: t("Resend the verification email to {email}"),
            de: t("Bestätigungs-E-Mail erneut an {email} senden"),
            es: t("Reenviar el correo de verificación a {email}"),
            fr: t("Renvoyer l’e-mail de vérification à {email}"),
            nl: t("De verificatie-e-mail opnieuw sturen naar {email}"),
            tr: t("Doğrulama e-postasını {email} adresine yeniden gönder"),
        }
        PacedAccount = "pacedAccount" {
            en: t("Paced to {max} per {window} per account, 1 per 15 minutes per contact."),
            de: t("Höchstens {max} pro {window} je Konto, 1 alle 15 Minuten je Kontakt."),
            es: t("Limitado a {max} por {window} por cuenta, 1 cada 15 minutos por contacto."),
            fr: t("Limité à {max} par {window} et par compte, 1 toutes les 15 minutes par contact."),
            nl: t("Maximaal {max} per {window} per account, 1 per 15 minuten per contact."),
            tr: t("Hesap başına her {window} en fazla {max}, kişi başına 15 dakikada en fazla 1 gönderim."),
        }
        PacedContact = "pacedContact" {
            en: t("Each contact at most once per 15 minutes."),
            de: t("Jeder Kontakt höchstens einmal alle 15 Minuten."),
            es: t("Cada contacto, como máximo una vez cada 15 minutos."),
            fr: t("Chaque contact au plus une fois toutes les 15 minutes."),
            nl: t("Elk contact hoogstens één keer per 15 minuten."),
            tr: t("Her kişiye 15 dakikada en fazla bir kez."),
        }
        WindowHour = "windowHour" {
            en: t("hour"),
            de: t("Stunde"),
            es: t("hora"),
            fr: t("heure"),
            nl: t("uur"),
            tr: t("saat"),
        }
        WindowDays = "windowDays" {
            en: p("{n} day", "{n} days"),
            de: p("{n} Tag", "{n} Tage"),
            es: p("{n} día", "{n} días"),
            fr: p("{n} jour", "{n} jours"),
            nl: p("{n} dag", "{n} dagen"),
            tr: p("{n} gün", "{n} gün"),
        }
        WindowHours = "windowHours" {
            en: p("{n} hour", "{n} hours"),
            de: p("{n} Stunde", "{n} Stunden"),
            es: p("{n} hora", "{n} horas"),
            fr: p("{n} heure", "{n} heures"),
            nl: p("{n} uur", "{n} uur"),
            tr: p("{n} saat", "{n} saat"),
        }
        WindowMinutes = "windowMinutes" {
            en: p("{n} minute", "{n} minutes"),
            de: p("{n} Minute", "{n} Minuten"),
            es: p("{n} minuto", "{n} minutos"),
            fr: p("{n} minute", "{n} minutes"),
            nl: p("{n} minuut", "{n} minuten"),
            tr: p("{n} dakika", "{n} dakika"),
        }
        WindowSeconds = "windowSeconds" {
            en: p("{n} second", "{n} seconds"),
            de: p("{n} Sekunde", "{n} Sekunden"),
            es: p("{n} segundo", "{n} segundos"),
            fr: p("{n} seconde", "{n} secondes"),
            nl: p("{n} seconde", "{n} seconden"),
            tr: p("{n} saniye", "{n} saniye"),
        }
        LoadError = "loadError" {
            en: t("Could not load the list: {message}"),
            de: t("Die Liste konnte nicht geladen werden: {message}"),
            es: t("No se pudo cargar la lista: {message}"),
            fr: t("Impossible de charger la liste\u{a0}: {message}"),
            nl: t("De lijst kon niet worden geladen: {message}"),
            tr: t("Liste yüklenemedi: {message}"),
        }
        RowsUnreadable = "rowsUnreadable" {
            en: p("{n} row could not be read", "{n} rows could not be read"),
            de: p("{n} Zeile konnte nicht gelesen werden", "{n} Zeilen konnten nicht gelesen werden"),
            es: p("No se pudo leer {n} fila", "No se pudieron leer {n} filas"),
            fr: p("{n} ligne n’a pas pu être lue", "{n} lignes n’ont pas pu être lues"),
            nl: p("{n} rij kon niet worden gelezen", "{n} rijen konden niet worden gelezen"),
            tr: p("{n} satır okunamadı", "{n} satır okunamadı"),
        }
        OtherRowsListed = "otherRowsListed" {
            en: t("(the other rows are listed):"),
            de: t("(die übrigen Zeilen sind aufgeführt):"),
            es: t("(las demás filas sí aparecen):"),
            fr: t("(les autres lignes sont affichées)\u{a0}:"),
            nl: t("(de andere rijen staan in de lijst):"),
            tr: t("(diğer satırlar listelendi):"),
        }
        RowError = "rowError" {
            en: t("Row {row}: {message}"),
            de: t("Zeile {row}: {message}"),
            es: t("Fila {row}: {message}"),
            fr: t("Ligne {row}\u{a0}: {message}"),
            nl: t("Rij {row}: {message}"),
            tr: t("Satır {row}: {message}"),
        }
        QueueLabel = "queueLabel" {
            en: t("Resend queue"),
            de: t("Warteschlange für erneutes Senden"),
            es: t("Cola de reenvíos"),
            fr: t("File d’attente des renvois"),
            nl: t("Wachtrij voor opnieuw sturen"),
            tr: t("Yeniden gönderim kuyruğu"),
        }
        QueueTitle = "queueTitle" {
            en: t("Resends:"),
            de: t("Versand:"),
            es: t("Reenvíos:"),
            fr: t("Renvois\u{a0}:"),
            nl: t("Opnieuw sturen:"),
            tr: t("Yeniden gönderimler:"),
        }
        QueueItem = "queueItem" {
            en: t("{email} at {time}"),
            de: t("{email} am {time}"),
            es: t("{email}: {time}"),
            fr: t("{email}\u{a0}: {time}"),
            nl: t("{email}: {time}"),
            tr: t("{email}: {time}"),
        }
        QueueMore = "queueMore" {
            en: p("and {n} more", "and {n} more"),
            de: p("und {n} weiterer", "und {n} weitere"),
            es: p("y {n} más", "y {n} más"),
            fr: p("et {n} autre", "et {n} autres"),
            nl: p("en nog {n}", "en nog {n}"),
            tr: p("ve {n} tane daha", "ve {n} tane daha"),
        }
        QueueCancel = "queueCancel" {
            en: t("Cancel queued resends"),
            de: t("Geplante Sendungen abbrechen"),
            es: t("Cancelar los reenvíos en cola"),
            fr: t("Annuler les renvois en attente"),
            nl: t("Wachtende verzendingen annuleren"),
            tr: t("Kuyruktaki gönderimleri iptal et"),
        }
        QueueSent = "queueSent" {
            en: p("{n} sent", "{n} sent"),
            de: p("{n} gesendet", "{n} gesendet"),
            es: p("{n} enviado", "{n} enviados"),
            fr: p("{n} envoyé", "{n} envoyés"),
            nl: p("{n} verzonden", "{n} verzonden"),
            tr: p("{n} gönderildi", "{n} gönderildi"),
        }
        QueueSendingNow = "queueSendingNow" {
            en: p("{n} sending now", "{n} sending now"),
            de: p("{n} wird gerade gesendet", "{n} werden gerade gesendet"),
            es: p("{n} enviándose ahora", "{n} enviándose ahora"),
            fr: p("{n} en cours d’envoi", "{n} en cours d’envoi"),
            nl: p("{n} wordt nu verzonden", "{n} worden nu verzonden"),
            tr: p("{n} şimdi gönderiliyor", "{n} şimdi gönderiliyor"),
        }
        QueueQueuedFor = "queueQueuedFor" {
            en: p("{n} queued for {time}", "{n} queued for {time}"),
            de: p("{n} geplant für {time}", "{n} geplant für {time}"),
            es: p("{n} en cola para el {time}", "{n} en cola para el {time}"),
            fr: p("{n} prévu le {time}", "{n} prévus le {time}"),
            nl: p("{n} gepland voor {time}", "{n} gepland voor {time}"),
            tr: p("{n} gönderim {time} için planlandı", "{n} gönderim {time} için planlandı"),
        }
        QueueQueuedFromTo = "queueQueuedFromTo" {
            en: p("{n} queued from {from} to {to}", "{n} queued from {from} to {to}"),
            de: p("{n} geplant von {from} bis {to}", "{n} geplant von {from} bis {to}"),
            es: p("{n} en cola del {from} al {to}", "{n} en cola del {from} al {to}"),
            fr: p("{n} prévu du {from} au {to}", "{n} prévus du {from} au {to}"),
            nl: p("{n} gepland van {from} tot {to}", "{n} gepland van {from} tot {to}"),
            tr: p("{n} gönderim {from} ile {to} arasına planlandı", "{n} gönderim {from} ile {to} arasına planlandı"),
        }
        QueueNotSent = "queueNotSent" {
            en: p("{n} not sent", "{n} not sent"),
            de: p("{n} nicht gesendet", "{n} nicht gesendet"),
            es: p("{n} no enviado", "{n} no enviados"),
            fr: p("{n} non envoyé", "{n} non envoyés"),
            nl: p("{n} niet verzonden", "{n} niet verzonden"),
            tr: p("{n} gönderilmedi", "{n} gönderilmedi"),
        }
        NotQueued = "notQueued" {
            en: p("{n} selected contact was not queued", "{n} selected contacts were not queued"),
            de: p("{n} ausgewählter Kontakt wurde nicht eingeplant", "{n} ausgewählte Kontakte wurden nicht eingeplant"),
            es: p("{n} contacto seleccionado no se puso en cola", "{n} contactos seleccionados no se pusieron en cola"),
            fr: p("{n} contact sélectionné n’a pas été mis en file d’attente", "{n} contacts sélectionnés n’ont pas été mis en file d’attente"),
            nl: p("{n} geselecteerd contact is niet ingepland", "{n} geselecteerde contacten zijn niet ingepland"),
            tr: p("Seçilen {n} kişi kuyruğa eklenmedi", "Seçilen {n} kişi kuyruğa eklenmedi"),
        }
        SkipVerified = "skipVerified" {
            en: t("already verified"),
            de: t("bereits bestätigt"),
            es: t("ya verificado"),
            fr: t("déjà vérifié"),
            nl: t("al geverifieerd"),
            tr: t("zaten doğrulanmış"),
        }
        SkipBounced = "skipBounced" {
            en: t("the email bounced: the address must be corrected first"),
            de: t("die E-Mail war unzustellbar: Die Adresse muss zuerst korrigiert werden"),
            es: t("el correo rebotó: primero hay que corregir la dirección"),
            fr: t("l’e-mail n’a pas pu être distribué\u{a0}: l’adresse doit d’abord être corrigée"),
            nl: t("de e-mail was onbestelbaar: het adres moet eerst worden gecorrigeerd"),
            tr: t("e-posta geri döndü: önce adresin düzeltilmesi gerekiyor"),
        }
        SkipAwaitingRegistrar = "skipAwaitingRegistrar" {
            en: t("not listed by the registrar yet"),
            de: t("vom Registrar noch nicht gelistet"),
            es: t("el registrador aún no lo incluye"),
            fr: t("pas encore listé par le bureau d’enregistrement"),
            nl: t("nog niet vermeld door de registrar"),
            tr: t("kayıt şirketi henüz listelemedi"),
        }
        SkipMissingContact = "skipMissingContact" {
            en: t("no id the registrar can address"),
            de: t("keine Kennung, die der Registrar ansprechen kann"),
            es: t("no hay ningún identificador que el registrador pueda usar"),
            fr: t("aucun identifiant utilisable par le bureau d’enregistrement"),
            nl: t("geen id die de registrar kan gebruiken"),
            tr: t("kayıt şirketinin kullanabileceği bir kimlik yok"),
        }
        SkipCoolingDown = "skipCoolingDown" {
            en: t("cooling down"),
            de: t("Wartezeit läuft"),
            es: t("en tiempo de espera"),
            fr: t("délai d’attente en cours"),
            nl: t("wachttijd loopt"),
            tr: t("bekleme süresinde"),
        }
        QueuedFor = "queuedFor" {
            en: t("queued for {time}"),
            de: t("geplant für {time}"),
            es: t("en cola: {time}"),
            fr: t("prévu\u{a0}: {time}"),
            nl: t("gepland voor {time}"),
            tr: t("{time} için planlandı"),
        }
        RowSending = "rowSending" {
            en: t("sending…"),
            de: t("wird gesendet…"),
            es: t("enviando…"),
            fr: t("envoi…"),
            nl: t("verzenden…"),
            tr: t("gönderiliyor…"),
        }
        RowSent = "rowSent" {
            en: t("sent"),
            de: t("gesendet"),
            es: t("enviado"),
            fr: t("envoyé"),
            nl: t("verzonden"),
            tr: t("gönderildi"),
        }
        RowThrottled = "rowThrottled" {
            en: t("throttled by the registrar"),
            de: t("vom Registrar gedrosselt"),
            es: t("limitado por el registrador"),
            fr: t("limité par le bureau d’enregistrement"),
            nl: t("afgeremd door de registrar"),
            tr: t("kayıt şirketi tarafından sınırlandı"),
        }
        RowNotSent = "rowNotSent" {
            en: t("not sent"),
            de: t("nicht gesendet"),
            es: t("no enviado"),
            fr: t("non envoyé"),
            nl: t("niet verzonden"),
            tr: t("gönderilmedi"),
        }
        SelectContact = "selectContact" {
            en: t("Select {email}"),
            de: t("{email} auswählen"),
            es: t("Seleccionar {email}"),
            fr: t("Sélectionner {email}"),
            nl: t("{email} selecteren"),
            tr: t("Seç: {email}"),
        }
        SelectAllShown = "selectAllShown" {
            en: t("Select every contact shown"),
            de: t("Alle angezeigten Kontakte auswählen"),
            es: t("Seleccionar todos los contactos mostrados"),
            fr: t("Sélectionner tous les contacts affichés"),
            nl: t("Alle getoonde contacten selecteren"),
            tr: t("Gösterilen tüm kişileri seç"),
        }
        TableLabel = "tableLabel" {
            en: t("Contacts, most urgent first"),
            de: t("Kontakte, dringendste zuerst"),
            es: t("Contactos, los más urgentes primero"),
            fr: t("Contacts, les plus urgents en premier"),
            nl: t("Contacten, meest dringende eerst"),
            tr: t("Kişiler, en acil olan önce"),
        }
        ColumnContact = "columnContact" {
            en: t("Contact"),
            de: t("Kontakt"),
            es: t("Contacto"),
            fr: t("Contact"),
            nl: t("Contact"),
            tr: t("Kişi"),
        }
        ColumnDeadline = "columnDeadline" {
            en: t("Deadline"),
            de: t("Frist"),
            es: t("Fecha límite"),
            fr: t("Date limite"),
            nl: t("Deadline"),
            tr: t("Son tarih"),
        }
        ColumnResend = "columnResend" {
            en: t("Resend"),
            de: t("Erneut senden"),
            es: t("Reenvío"),
            fr: t("Renvoi"),
            nl: t("Opnieuw sturen"),
            tr: t("Yeniden gönderim"),
        }
        NoMatch = "noMatch" {
            en: t("No contact matches these filters."),
            de: t("Kein Kontakt entspricht diesen Filtern."),
            es: t("Ningún contacto coincide con estos filtros."),
            fr: t("Aucun contact ne correspond à ces filtres."),
            nl: t("Geen contact voldoet aan deze filters."),
            tr: t("Bu filtrelere uyan kişi yok."),
        }
        OverdueByHours = "overdueByHours" {
            en: p("overdue by {n} hour", "overdue by {n} hours"),
            de: p("{n} Stunde überfällig", "{n} Stunden überfällig"),
            es: p("vencido hace {n} hora", "vencido hace {n} horas"),
            fr: p("en retard de {n} heure", "en retard de {n} heures"),
            nl: p("{n} uur te laat", "{n} uur te laat"),
            tr: p("{n} saat gecikmiş", "{n} saat gecikmiş"),
        }
        OverdueByDays = "overdueByDays" {
            en: p("overdue by {n} day", "overdue by {n} days"),
            de: p("{n} Tag überfällig", "{n} Tage überfällig"),
            es: p("vencido hace {n} día", "vencido hace {n} días"),
            fr: p("en retard de {n} jour", "en retard de {n} jours"),
            nl: p("{n} dag te laat", "{n} dagen te laat"),
            tr: p("{n} gün gecikmiş", "{n} gün gecikmiş"),
        }
        // The deadline column for a link's validity (Domain Name API) and
        // for an estimated deadline: never "days left" before suspension.
        LinkValidDays = "linkValidDays" {
            en: p("link valid {n} more day", "link valid {n} more days"),
            de: p("Link noch {n} Tag gültig", "Link noch {n} Tage gültig"),
            es: p("enlace válido {n} día más", "enlace válido {n} días más"),
            fr: p("lien valable encore {n} jour", "lien valable encore {n} jours"),
            nl: p("link nog {n} dag geldig", "link nog {n} dagen geldig"),
            tr: p("bağlantı {n} gün daha geçerli", "bağlantı {n} gün daha geçerli"),
        }
        LinkExpired = "linkExpired" {
            en: t("link expired"),
            de: t("Link abgelaufen"),
            es: t("enlace caducado"),
            fr: t("lien expiré"),
            nl: t("link verlopen"),
            tr: t("bağlantının süresi doldu"),
        }
        EstimatedLeft = "estimatedLeft" {
            en: t("{left} (estimated)"),
            de: t("{left} (geschätzt)"),
            es: t("{left} (estimado)"),
            fr: t("{left} (estimation)"),
            nl: t("{left} (geschat)"),
            tr: t("{left} (tahmini)"),
        }
    }
}

/// One overridden message: a template for every count, or per plural
/// category (`many` falls back to `other`, a missing `one` or `other` to
/// the built-in form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Custom {
    /// `"id": "template"`.
    Text(String),
    /// `"id": { "one": "...", "other": "..." }`.
    Plural {
        /// `one`.
        one: Option<String>,
        /// `many`.
        many: Option<String>,
        /// `other`.
        other: Option<String>,
    },
}

/// The reseller's `strings`: templates by id, for every locale or for one
/// locale tag (and the tags under it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Each layer: its locale tag (lowercase, `-`-separated; empty for every
    /// locale) and its overrides by id.
    layers: Vec<(String, Vec<(String, Custom)>)>,
}

/// CLDR's plural categories, as override keys (`zero`, `two` and `few` are
/// accepted but never chosen in these six languages).
const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn looks_like_locale(key: &str) -> bool {
    let mut parts = key.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn normalize_tag(tag: &str) -> String {
    tag.trim().replace('_', "-").to_ascii_lowercase()
}

impl Overrides {
    /// No overrides.
    pub fn none() -> Overrides {
        Overrides::default()
    }

    /// `true` when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        self.layers.iter().all(|(_, l)| l.is_empty())
    }

    /// Reads the `strings` JSON: `{ "id": "template" | { "one": …,
    /// "other": … }, "de": { "id": … }, … }`. `known` says which ids the
    /// element has. Returns what could be read and, for the console, what
    /// was ignored (bad JSON, unknown ids, values of the wrong type); never
    /// fails.
    pub fn parse(json: &str, known: impl Fn(&str) -> bool) -> (Overrides, Vec<String>) {
        let mut problems = Vec::new();
        let mut out = Overrides::default();
        if json.trim().is_empty() {
            return (out, problems);
        }
        let value = match Json::read(json) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("not valid JSON ({e})"));
                return (out, problems);
            }
        };
        let Json::Object(top) = value else {
            problems.push("not a JSON object".to_owned());
            return (out, problems);
        };
        let mut global = Vec::new();
        for (key, value) in top {
            if known(&key) {
                if let Some(c) = custom(&key, value, &mut problems) {
                    global.push((key, c));
                }
            } else if let (true, Json::Object(inner)) = (looks_like_locale(&key), value) {
                let mut layer = Vec::new();
                for (id, value) in inner {
                    if !known(&id) {
                        problems.push(format!("unknown id `{key}.{id}`"));
                    } else if let Some(c) = custom(&id, value, &mut problems) {
                        layer.push((id, c));
                    }
                }
                out.layers.push((normalize_tag(&key), layer));
            } else {
                problems.push(format!("unknown id `{key}`"));
            }
        }
        out.layers.insert(0, (String::new(), global));
        (out, problems)
    }
}

fn custom(id: &str, value: Json, problems: &mut Vec<String>) -> Option<Custom> {
    let forms = match value {
        Json::String(s) => return Some(Custom::Text(s)),
        Json::Object(forms) => forms,
        Json::Other => {
            problems.push(format!("`{id}` is neither a string nor an object of plural forms"));
            return None;
        }
    };
    let (mut one, mut many, mut other) = (None, None, None);
    for (category, text) in forms {
        let Json::String(text) = text else {
            problems.push(format!("`{id}.{category}` is not a string"));
            continue;
        };
        match category.as_str() {
            "one" => one = Some(text),
            "many" => many = Some(text),
            "other" => other = Some(text),
            c if CATEGORIES.contains(&c) => {}
            c => problems
                .push(format!("`{id}.{c}` is not a plural category ({})", CATEGORIES.join(", "))),
        }
    }
    Some(Custom::Plural { one, many, other })
}

/// A JSON value as `serde_json::Value` reads it, reduced to what `strings`
/// and catalogs hold: a string, an object (its keys sorted, each once, the
/// last of repeated keys winning, as in `Value`'s map) or something else.
/// Read by the core's JSON reader, which refuses what `Value` refuses with
/// the same words ([`parse_strict`]).
///
/// [`parse_strict`]: verification_core::json::parse_strict
#[derive(Debug)]
enum Json {
    String(String),
    Object(Vec<(String, Json)>),
    Other,
}

impl Json {
    /// Reads `json` as `serde_json::from_str::<Value>` would.
    fn read(json: &str) -> Result<Json, verification_core::json::SyntaxError> {
        verification_core::json::parse_strict(json).map(|v| Json::of(&v))
    }

    fn of(v: &verification_core::json::Value<'_>) -> Json {
        use verification_core::json::{sorted, Kind};
        match &v.kind {
            Kind::Str(s) => Json::String(s.to_string()),
            Kind::Object(entries) => Json::Object(
                sorted(entries).into_iter().map(|(k, v)| (k.to_owned(), Json::of(v))).collect(),
            ),
            _ => Json::Other,
        }
    }
}

/// The words of one element: its language, its locale and the overrides
/// that apply there. Cheap to clone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Messages {
    lang: Lang,
    locale: String,
    /// The overrides that apply, most specific last.
    custom: Arc<Vec<(String, Custom)>>,
}

impl Default for Messages {
    fn default() -> Messages {
        Messages::english()
    }
}

impl Messages {
    /// English, no overrides (what the native tests read).
    pub fn english() -> Messages {
        Messages { lang: Lang::En, locale: "en".to_owned(), custom: Arc::default() }
    }

    /// The words for `locale` (a BCP 47 tag, already resolved from the
    /// `locale` attribute, `[lang]` or the browser) with `overrides`.
    ///
    /// The catalog is the locale's language (`de-AT` → German), else
    /// English. Overrides apply most specific last: every-locale ids, then
    /// a layer for `de`, then one for `de-AT`. Dates are formatted with
    /// [`Messages::locale`]: the locale itself when its language has a
    /// catalog or an override layer, else `en` (English words with a date
    /// in another language would read as a mistake).
    pub fn new(locale: &str, overrides: &Overrides) -> Messages {
        let tag = normalize_tag(locale);
        let applies = |layer: &str| {
            layer.is_empty()
                || tag == layer
                || (tag.starts_with(layer) && tag.as_bytes().get(layer.len()) == Some(&b'-'))
        };
        let mut layers: Vec<&(String, Vec<(String, Custom)>)> =
            overrides.layers.iter().filter(|(l, _)| applies(l)).collect();
        layers.sort_by_key(|(l, _)| l.len());
        let custom: Vec<(String, Custom)> =
            layers.iter().flat_map(|(_, l)| l.iter().cloned()).collect();
        let lang = Lang::of(&tag).filter(|l| l.available());
        let own_layer = layers.iter().any(|(l, _)| !l.is_empty());
        let locale = match (lang, own_layer) {
            (Some(_), _) | (None, true) if !tag.is_empty() => locale.trim().to_owned(),
            _ => "en".to_owned(),
        };
        Messages { lang: lang.unwrap_or_default(), locale, custom: Arc::new(custom) }
    }

    /// The catalog's language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The locale dates and numbers are formatted with (`Intl`).
    pub fn locale(&self) -> &str {
        &self.locale
    }

    fn template(&self, key: impl Catalog, count: Option<i64>) -> &str {
        let category = plural(self.lang, count.unwrap_or(1));
        let builtin = key.entry(self.lang).form(category);
        let id = key.id();
        // The most specific override that has a form for this count wins.
        for (_, c) in self.custom.iter().rev().filter(|(k, _)| k == id) {
            let form = match c {
                Custom::Text(t) => Some(t),
                Custom::Plural { one, many, other } => match category {
                    Plural::One => one.as_ref().or(other.as_ref()),
                    Plural::Many => many.as_ref().or(other.as_ref()),
                    Plural::Other => other.as_ref(),
                },
            };
            if let Some(form) = form {
                return form;
            }
        }
        builtin
    }

    /// The message `key` with no values to fill.
    pub fn text(&self, key: impl Catalog) -> String {
        self.template(key, None).to_owned()
    }

    /// The message `key` with `{name}` replaced by each `(name, value)`.
    pub fn fill(&self, key: impl Catalog, args: &[(&str, &str)]) -> String {
        fill(self.template(key, None), args)
    }

    /// The plural message `key` for the count `n`: the form CLDR's rule
    /// chooses, `{n}` replaced by the number (grouped as the language
    /// does) and each `(name, value)` filled.
    pub fn count(&self, key: impl Catalog, n: i64, args: &[(&str, &str)]) -> String {
        let number = self.number(n);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(("n", number.as_str()));
        all.extend_from_slice(args);
        fill(self.template(key, Some(n)), &all)
    }

    /// The template of `key` cut at its placeholders, for a view that puts
    /// an element (a live clock, a `<time>`) where a value goes.
    pub fn parts(&self, key: impl Catalog) -> Vec<Part> {
        parts(self.template(key, None))
    }

    /// `n` with the language's digit grouping: `1,204` (en), `1.204` (de,
    /// nl, tr), `1204` / `12.040` (es: only from five digits),
    /// `1 204` (fr, a narrow no-break space).
    pub fn number(&self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let (sep, min) = match self.lang {
            Lang::En => (",", 4),
            Lang::De | Lang::Nl | Lang::Tr => (".", 4),
            Lang::Es => (".", 5),
            Lang::Fr => ("\u{202f}", 4),
        };
        let mut out = String::with_capacity(digits.len() + 8);
        if n < 0 {
            out.push('-');
        }
        let len = digits.len();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && len >= min && (len - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(ch);
        }
        out
    }
}

/// A piece of a template: literal text, or the name of a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text as written.
    Text(String),
    /// `{name}`.
    Value(String),
}

/// The `{name}`s of a template, in order (what the tests compare between
/// languages).
pub fn placeholders(template: &str) -> Vec<String> {
    parts(template)
        .into_iter()
        .filter_map(|p| match p {
            Part::Value(v) => Some(v),
            Part::Text(_) => None,
        })
        .collect()
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn parts(template: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}').filter(|&close| is_name(&after[..close])) {
            Some(close) => {
                text.push_str(&rest[..open]);
                if !text.is_empty() {
                    out.push(Part::Text(std::mem::take(&mut text)));
                }
                out.push(Part::Value(after[..close].to_owned()));
                rest = &after[close + 1..];
            }
            None => {
                text.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Part::Text(text));
    }
    out
}

/// `template` with each `{name}` replaced by its value; a `{name}` without
/// a value is kept as written (a reseller's typo shows, it does not break).
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    for part in parts(template) {
        match part {
            Part::Text(t) => out.push_str(&t),
            Part::Value(name) => match args.iter().find(|(k, _)| *k == name) {
                Some((_, v)) => out.push_str(v),
                None => {
                    out.push('{');
                    out.push_str(&name);
                    out.push('}');
                }
            },
        }
    }
    out
}

/// [`Overrides::parse`] for an element, reporting what it ignored with one
/// `console.warn` (in the browser) naming the element.
pub fn read_overrides(
    element: &str,
    json: Option<&str>,
    known: impl Fn(&str) -> bool,
) -> Overrides {
    let Some(json) = json else { return Overrides::none() };
    let (overrides, problems) = Overrides::parse(json, known);
    if !problems.is_empty() {
        warn(&format!("<{element}>: ignored in `strings`: {}", problems.join("; ")));
    }
    overrides
}

#[cfg(target_arch = "wasm32")]
fn warn(message: &str) {
    use wasm_bindgen::{JsCast, JsValue};
    let console = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("console")).ok();
    let warn = console
        .as_ref()
        .and_then(|c| js_sys::Reflect::get(c, &JsValue::from_str("warn")).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(console), Some(warn)) = (console, warn) {
        let _ = warn.call1(&console, &JsValue::from_str(message));
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn warn(message: &str) {
    eprintln!("{message}");
}

/// An element's words as a memo: its resolved `locale` and its `strings`
/// (read through the two closures, from its configuration signal). The
/// JSON is parsed, and a problem reported, only when `strings` changes; a
/// new locale re-selects the words without parsing again.
pub fn messages_memo(
    element: &'static str,
    known: fn(&str) -> bool,
    locale: impl Fn() -> Option<String> + Send + Sync + 'static,
    strings: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> leptos::prelude::Memo<Messages> {
    use leptos::prelude::{Get, Memo, With};
    let strings = Memo::new(move |_| strings());
    let overrides = Memo::new(move |_| {
        strings.with(|s| Arc::new(read_overrides(element, s.as_deref(), known)))
    });
    let locale = Memo::new(move |_| locale());
    Memo::new(move |_| {
        // A catalog that arrives later changes the words.
        #[cfg(not(feature = "bundled-languages"))]
        loaded::track();
        let locale = locale.get();
        overrides.with(|o| Messages::new(locale.as_deref().unwrap_or("en"), o))
    })
}

/// Adds the words of the language `code` (`de`, `es`, `fr`, `nl`, `tr`)
/// from `json`, `{ "id": "template" | { "one": …, "other": … } }` (what
/// `js/locales/<code>.js` holds), for the ids `known` maps to the
/// element's own. Every mounted element's words follow. Returns how many
/// ids were read; an unknown language or unreadable JSON adds nothing. A
/// build with `bundled-languages` has every language already: it reads
/// nothing and returns 0.
pub fn add_catalog(code: &str, json: &str, known: fn(&str) -> Option<&'static str>) -> usize {
    #[cfg(feature = "bundled-languages")]
    {
        let _ = (code, json, known);
        0
    }
    #[cfg(not(feature = "bundled-languages"))]
    {
        match Lang::of(code) {
            Some(lang) if lang != Lang::En && code.trim().len() == 2 => {
                loaded::add(lang, json, known)
            }
            _ => 0,
        }
    }
}

/// The languages added at run time (builds without `bundled-languages`).
#[cfg(not(feature = "bundled-languages"))]
mod loaded {
    use super::{Json, Lang, FORMS};
    use leptos::prelude::{ArcTrigger, Notify, Track};
    use std::cell::RefCell;

    /// A language's template cells (`one` and `other` joined by
    /// [`FORMS`]), sorted by id. Each language is added once per page and
    /// kept for its lifetime, so the cells are leaked into `&'static str`s.
    /// (Sorted vectors, not a `HashMap`: its SipHash and table code cost
    /// the wasm more than a binary search over a hundred ids saves.)
    type Cells = Vec<(&'static str, &'static str)>;

    thread_local! {
        static LANGS: RefCell<Vec<(Lang, Cells)>> = const { RefCell::new(Vec::new()) };
        static CHANGED: ArcTrigger = ArcTrigger::new();
    }

    pub fn has(lang: Lang) -> bool {
        LANGS.with(|l| l.borrow().iter().any(|(l, _)| *l == lang))
    }

    pub fn cell(lang: Lang, id: &'static str) -> Option<&'static str> {
        LANGS.with(|l| {
            let langs = l.borrow();
            let (_, cells) = langs.iter().find(|(l, _)| *l == lang)?;
            let i = cells.binary_search_by(|(k, _)| (*k).cmp(id)).ok()?;
            Some(cells[i].1)
        })
    }

    /// Makes the current reactive computation re-run when a catalog is
    /// added.
    pub fn track() {
        CHANGED.with(Track::track);
    }

    /// The cells of a catalog, in key order (`None` when it is not a JSON
    /// object): a string, or an object with `one` and `other` strings.
    pub(super) fn read(
        json: &str,
        known: fn(&str) -> Option<&'static str>,
    ) -> Option<Vec<(&'static str, String)>> {
        let Ok(Json::Object(map)) = Json::read(json) else {
            return None;
        };
        let mut cells = Vec::new();
        for (id, value) in map {
            let Some(id) = known(&id) else { continue };
            let cell = match value {
                Json::String(t) => t,
                Json::Object(forms) => {
                    let form = |name: &str| match forms.iter().find(|(k, _)| k == name) {
                        Some((_, Json::String(t))) => Some(t),
                        _ => None,
                    };
                    match (form("one"), form("other")) {
                        (Some(one), Some(other)) => format!("{one}{FORMS}{other}"),
                        _ => continue,
                    }
                }
                Json::Other => continue,
            };
            cells.push((id, cell));
        }
        Some(cells)
    }

    pub fn add(lang: Lang, json: &str, known: fn(&str) -> Option<&'static str>) -> usize {
        if has(lang) {
            return 0;
        }
        let Some(read_cells) = read(json, known) else {
            return 0;
        };
        let read = read_cells.len();
        let mut cells: Cells =
            read_cells.into_iter().map(|(id, cell)| (id, &*String::leak(cell))).collect();
        // In key order already (a catalog's keys are sorted, each once);
        // sorted again in case an id's static name sorts otherwise.
        cells.sort_unstable_by(|a, b| a.0.cmp(b.0));
        LANGS.with(|l| l.borrow_mut().push((lang, cells)));
        CHANGED.with(Notify::notify);
        read
    }
}

/// Every id of the registrant widget's `strings`.
pub fn widget_id(id: &str) -> bool {
    Msg::from_id(id).is_some()
}

/// Every id of the staff list's `strings` (its own and the shared ones).
pub fn list_id(id: &str) -> bool {
    Msg::from_id(id).is_some() || ListMsg::from_id(id).is_some()
}

/// The readings of `strings` and catalogs compared with the `Value`-based
/// ones they replace.
#[cfg(test)]
mod read_as_values {
    use super::*;

    /// `Overrides::parse` as it was, reading a `serde_json::Value`.
    fn parse_with_values(json: &str, known: impl Fn(&str) -> bool) -> (Overrides, Vec<String>) {
        let mut problems = Vec::new();
        let mut out = Overrides::default();
        if json.trim().is_empty() {
            return (out, problems);
        }
        let value: serde_json::Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("not valid JSON ({e})"));
                return (out, problems);
            }
        };
        let Some(top) = value.as_object() else {
            problems.push("not a JSON object".to_owned());
            return (out, problems);
        };
        let mut global = Vec::new();
        for (key, value) in top {
            if known(key) {
                if let Some(c) = custom_with_values(key, value, &mut problems) {
                    global.push((key.clone(), c));
                }
            } else if let (true, Some(inner)) = (looks_like_locale(key), value.as_object()) {
                let mut layer = Vec::new();
                for (id, value) in inner {
                    if !known(id) {
                        problems.push(format!("unknown id `{key}.{id}`"));
                    } else if let Some(c) = custom_with_values(id, value, &mut problems) {
                        layer.push((id.clone(), c));
                    }
                }
                out.layers.push((normalize_tag(key), layer));
            } else {
                problems.push(format!("unknown id `{key}`"));
            }
        }
        out.layers.insert(0, (String::new(), global));
        (out, problems)
    }

    fn custom_with_values(
        id: &str,
        value: &serde_json::Value,
        problems: &mut Vec<String>,
    ) -> Option<Custom> {
        if let Some(s) = value.as_str() {
            return Some(Custom::Text(s.to_owned()));
        }
        let Some(forms) = value.as_object() else {
            problems.push(format!("`{id}` is neither a string nor an object of plural forms"));
            return None;
        };
        let (mut one, mut many, mut other) = (None, None, None);
        for (category, text) in forms {
            let Some(text) = text.as_str() else {
                problems.push(format!("`{id}.{category}` is not a string"));
                continue;
            };
            match category.as_str() {
                "one" => one = Some(text.to_owned()),
                "many" => many = Some(text.to_owned()),
                "other" => other = Some(text.to_owned()),
                c if CATEGORIES.contains(&c) => {}
                c => problems.push(format!(
                    "`{id}.{c}` is not a plural category ({})",
                    CATEGORIES.join(", ")
                )),
            }
        }
        Some(Custom::Plural { one, many, other })
    }

    /// JSON texts that a reader other than `Value` could read otherwise.
    pub(super) fn tricky() -> Vec<String> {
        let mut texts: Vec<String> = [
            "", " ", "{not json", "[1]", "[1] x", "{} x", "{}", "null", "\"retry\"", "1e400",
            "{\"retry\":1e400}", "{\"retry\":\"\\ud800\"}", "{\"retry\":\"\\udc00x\"}",
            "{\"retry\":\"\\ud83d\\ude00 \\u00e9\\n\\\"\"}", "{\"retry\":\"a\",}",
            "{\"retry\":01}", "{\"retr\\u0079\":\"escaped key\"}",
            "{\"retry\":\"a\",\"retry\":\"b\"}", "{\"retry\":\"a\",\"retry\":5}",
            "{\"retry\":5,\"retry\":\"a\"}",
            "{\"verified\":true,\"retry\":null,\"daysLeft\":[\"a\"],\"hoursLeft\":-1.5}",
            "{\"daysLeft\":{\"other\":\"o\",\"one\":\"x\",\"one\":\"y\",\"zz\":1,\"few\":[]}}",
            "{\"daysLeft\":{\"one\":{\"a\":1},\"other\":\"o\",\"many\":\"m\",\"two\":2}}",
            "{\"daysLeft\":{\"one\":\"x\"},\"daysLeft\":\"plain\"}",
            "{\"zz\":1,\"de\":{\"retry\":\"R\",\"nope\":1,\"verified\":{}},\"de_AT\":{\"retry\":\"A\"},\"de-at\":{\"retry\":\"B\"}}",
            "{\"de\":{\"retry\":\"x\"},\"de\":{\"verified\":\"y\"},\"de\":5,\"fr\":[],\"x-y\":{}}",
            "{\"it\":{\"retry\":\"Riprova\"},\"EN\":{\"retry\":\"E\"},\"en\":{\"retry\":\"e\"}}",
            "{\"retry\":\"a\",\"listLabel\":\"b\",\"Retry\":\"c\",\"\":\"d\",\"de\":{\"\":1}}",
            " \n{ \"retry\" : \"spaced\" }\n ",
            "{\"retry\":\"x\"}{",
            "{\"daysLeft\":{\"one\":\"1 {n}\",\"other\":\"{n} n\"},\"sendAnotherIn\":\"in {countdown}\"}",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // (No texts with `Value`'s private raw-value key: `Value` reads
        // them as the JSON in their string, the core's reader as the
        // object they are.)
        for depth in [126, 127, 128, 129, 300] {
            texts.push(format!("{{\"retry\":{}{}}}", "[".repeat(depth), "]".repeat(depth)));
            texts.push(format!("{}\"x\"{}", "{\"de\":".repeat(depth), "}".repeat(depth)));
        }
        // The shipped catalogs, and each with its entries repeated.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js").join("locales");
        for code in ["de", "es", "fr", "nl", "tr"] {
            let text = std::fs::read_to_string(dir.join(format!("{code}.js"))).unwrap();
            let json = &text[text.find('{').unwrap()..=text.rfind('}').unwrap()];
            texts.push(json.to_owned());
            let body = &json[1..json.len() - 1];
            texts.push(format!("{{{body},{body}}}"));
            texts.push(format!("{{\"{code}\":{json},\"it\":{json}}}"));
        }
        texts
    }

    #[test]
    fn overrides_read_as_from_a_value() {
        for json in tricky() {
            for known in [widget_id, list_id] {
                assert_eq!(
                    Overrides::parse(&json, known),
                    parse_with_values(&json, known),
                    "{json}"
                );
            }
        }
    }
}

/// The text of `js/locales/<code>.js` for `lang`: the registrant widget's
/// words in that language, which its wasm (English only) loads at run time.
#[cfg(all(test, feature = "bundled-languages"))]
fn locale_file(lang: Lang) -> String {
    let json = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = format!(
        "// The registrant widget's words in `{}`, loaded by element.js when a widget\n\
         // speaks it. Generated from widget/src/i18n.rs; do not edit. Regenerate:\n\
         // UPDATE_LOCALES=1 cargo test -p verification-widget locale_files\n\
         export default {{\n",
        lang.code()
    );
    let rows: Vec<String> = Msg::ALL
        .iter()
        .map(|m| {
            let value = match m.entry(lang) {
                Entry::Text(t) => json(t),
                Entry::Plural(one, other) => {
                    format!("{{ \"one\": {}, \"other\": {} }}", json(one), json(other))
                }
            };
            format!("  {}: {value}", json(m.id()))
        })
        .collect();
    // JSON inside (no trailing comma): the wasm reads it as such.
    out.push_str(&rows.join(",\n"));
    out.push_str("\n};\n");
    out
}

#[cfg(all(test, feature = "bundled-languages"))]
mod tests {
    use super::*;

    #[test]
    fn locale_files_match_the_tables() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js").join("locales");
        for lang in Lang::ALL.into_iter().filter(|l| *l != Lang::En) {
            let path = dir.join(format!("{}.js", lang.code()));
            let expected = locale_file(lang);
            if std::env::var_os("UPDATE_LOCALES").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &expected).unwrap();
                continue;
            }
            let actual = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                actual == expected,
                "{} differs from the tables: run UPDATE_LOCALES=1 cargo test -p verification-widget locale_files",
                path.display()
            );
        }
    }

    fn all_entries() -> Vec<(&'static str, Lang, Entry)> {
        let mut out = Vec::new();
        for lang in Lang::ALL {
            out.extend(Msg::ALL.iter().map(|m| (m.id(), lang, m.entry(lang))));
            out.extend(ListMsg::ALL.iter().map(|m| (m.id(), lang, m.entry(lang))));
        }
        out
    }

    #[test]
    fn every_language_has_every_id_with_the_same_placeholders() {
        // The tables are exhaustive by construction (the macro asks for six
        // languages per id); check that none is empty, that each keeps the
        // English kind (text or plural) and exactly the English
        // placeholders, and that the forms are not copied English.
        let forms = |e: Entry| match e {
            Entry::Text(t) => vec![t],
            Entry::Plural(one, other) => vec![one, other],
        };
        let sorted = |t: &str| {
            let mut p = placeholders(t);
            p.sort();
            p
        };
        let mut untranslated = 0;
        for (id, lang, entry) in all_entries() {
            let en = if Msg::from_id(id).is_some() {
                Msg::from_id(id).unwrap().entry(Lang::En)
            } else {
                ListMsg::from_id(id).unwrap().entry(Lang::En)
            };
            assert_eq!(
                std::mem::discriminant(&entry),
                std::mem::discriminant(&en),
                "{id} in {lang:?}: text vs plural"
            );
            for (form, en_form) in forms(entry).into_iter().zip(forms(en)) {
                assert!(!form.trim().is_empty(), "{id} in {lang:?} is empty");
                assert_eq!(
                    sorted(form),
                    sorted(en_form),
                    "{id} in {lang:?}: placeholders of {form:?}"
                );
                assert!(!form.contains("{{") && !form.contains("}}"), "{id} in {lang:?}");
                assert!(!form.contains(FORMS), "{id} in {lang:?}: three forms?");
                if lang != Lang::En && form == en_form {
                    untranslated += 1;
                }
            }
        }
        // A few words are the same in some languages ("Status", "Urgent",
        // "Contact", "Problem", "(HTTP …)"-free ids): fewer than 20 of ~700.
        assert!(untranslated < 20, "{untranslated} forms equal to English");
        // Ids are unique, camelCase, and no id looks like a locale tag (the
        // `strings` object keys both).
        let mut ids: Vec<&str> = Msg::ALL.iter().map(|m| m.id()).collect();
        ids.extend(ListMsg::ALL.iter().map(|m| m.id()));
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate ids");
        for id in ids {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert!(id.starts_with(|c: char| c.is_ascii_lowercase()), "{id}");
            assert!(!looks_like_locale(id), "{id} looks like a locale tag");
            assert_eq!(
                Msg::from_id(id).map(|m| m.id()).or(ListMsg::from_id(id).map(|m| m.id())),
                Some(id)
            );
        }
    }

    #[test]
    fn plural_rules_follow_cldr() {
        use Plural::{Many as M, One as O, Other as X};
        let table: [(Lang, [Plural; 5]); 6] = [
            // 0, 1, 2, 5, 21
            (Lang::En, [X, O, X, X, X]),
            (Lang::De, [X, O, X, X, X]),
            (Lang::Nl, [X, O, X, X, X]),
            (Lang::Tr, [X, O, X, X, X]),
            (Lang::Es, [X, O, X, X, X]),
            (Lang::Fr, [O, O, X, X, X]),
        ];
        for (lang, expected) in table {
            let got = [0, 1, 2, 5, 21].map(|n| plural(lang, n));
            assert_eq!(got, expected, "{lang:?}");
        }
        assert_eq!(plural(Lang::Fr, 1_000_000), M);
        assert_eq!(plural(Lang::Es, 2_000_000), M);
        assert_eq!(plural(Lang::Es, 1_000_001), X);
        assert_eq!(plural(Lang::En, 1_000_000), X);
        assert_eq!(plural(Lang::En, -1), O);
        assert_eq!(plural(Lang::Fr, 11), X);
    }

    #[test]
    fn plural_words_by_language() {
        let words =
            |tag: &str, n: i64| Messages::new(tag, &Overrides::none()).count(Msg::DaysLeft, n, &[]);
        assert_eq!(words("en", 1), "1 day left");
        assert_eq!(words("en", 5), "5 days left");
        assert_eq!(words("en", 0), "0 days left");
        assert_eq!(words("de", 1), "Noch 1 Tag");
        assert_eq!(words("de", 5), "Noch 5 Tage");
        assert_eq!(words("fr", 0), "Il reste 0 jour");
        assert_eq!(words("fr", 1), "Il reste 1 jour");
        assert_eq!(words("fr", 2), "Il reste 2 jours");
        assert_eq!(words("es", 1), "Queda 1 día");
        assert_eq!(words("es", 21), "Quedan 21 días");
        assert_eq!(words("nl", 5), "Nog 5 dagen");
        assert_eq!(words("tr", 5), "5 gün kaldı");
        // `many` falls back to `other`.
        assert_eq!(words("fr", 1_000_000), "Il reste 1\u{202f}000\u{202f}000 jours");
    }

    #[test]
    fn numbers_are_grouped_as_the_language_does() {
        let n = |tag: &str, n: i64| Messages::new(tag, &Overrides::none()).number(n);
        assert_eq!(n("en", 1204), "1,204");
        assert_eq!(n("en", 999), "999");
        assert_eq!(n("en", 1_234_567), "1,234,567");
        assert_eq!(n("de", 1204), "1.204");
        assert_eq!(n("es", 1204), "1204");
        assert_eq!(n("es", 12040), "12.040");
        assert_eq!(n("fr", 1204), "1\u{202f}204");
        assert_eq!(n("tr", -1204), "-1.204");
        assert_eq!(n("nl", 0), "0");
    }

    #[test]
    fn templates_are_filled_and_unknown_names_kept() {
        assert_eq!(fill("Verify by {date}", &[("date", "Monday")]), "Verify by Monday");
        assert_eq!(fill("{a}{b} {a}", &[("a", "1"), ("b", "2")]), "12 1");
        assert_eq!(fill("{missing} and {date}", &[("date", "x")]), "{missing} and x");
        // Braces that are not a name stay text.
        assert_eq!(fill("a { b } {} {x y} {", &[("x", "1")]), "a { b } {} {x y} {");
        // A value is inserted as is, never re-read as a template.
        assert_eq!(fill("{a}", &[("a", "{a}<b>")]), "{a}<b>");
        assert_eq!(
            parts("in {countdown}!"),
            vec![Part::Text("in ".into()), Part::Value("countdown".into()), Part::Text("!".into())]
        );
        assert_eq!(placeholders("{n} queued from {from} to {to}"), ["n", "from", "to"]);
        let en = Messages::english();
        assert_eq!(
            en.fill(Msg::ResendSent, &[("email", "ann@example.com")]),
            "We sent a new verification email to ann@example.com."
        );
        assert_eq!(en.count(ListMsg::Contacts, 1204, &[]), "1,204 contacts");
        assert_eq!(
            en.count(ListMsg::QueueQueuedFor, 1, &[("time", "12:30")]),
            "1 queued for 12:30"
        );
    }

    #[test]
    fn language_falls_back_by_primary_subtag_then_to_english() {
        let m = |tag: &str| Messages::new(tag, &Overrides::none());
        assert_eq!(m("de-AT").lang(), Lang::De);
        assert_eq!(m("de-AT").locale(), "de-AT");
        assert_eq!(m("DE_ch").lang(), Lang::De);
        assert_eq!(m("fr-CA").text(Msg::Overdue), "En retard");
        assert_eq!(m("tr-TR").lang(), Lang::Tr);
        assert_eq!(m("nl-BE").lang(), Lang::Nl);
        assert_eq!(m("es-419").lang(), Lang::Es);
        // No catalog: English words, and English dates to match them.
        assert_eq!(m("xx").lang(), Lang::En);
        assert_eq!(m("xx").locale(), "en");
        assert_eq!(m("it-IT").text(Msg::Verified), "Verified");
        assert_eq!(m("").locale(), "en");
        assert_eq!(m("en-GB").locale(), "en-GB");
        assert_eq!(Lang::of("deu"), None);
    }

    fn parse(json: &str) -> (Overrides, Vec<String>) {
        Overrides::parse(json, widget_id)
    }

    #[test]
    fn overrides_replace_any_string_in_every_locale() {
        let (o, problems) = parse(
            r#"{"problemHeadline":"Hmm, {x}","daysLeft":{"one":"one day: {n}","other":"{n} days to go"}}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        for tag in ["en", "de", "fr-CA"] {
            let m = Messages::new(tag, &o);
            assert_eq!(m.text(Msg::ProblemHeadline), "Hmm, {x}", "{tag}");
            assert_eq!(m.count(Msg::DaysLeft, 5, &[]), "5 days to go", "{tag}");
        }
        // The category follows the locale's rule: 0 is `one` in French.
        assert_eq!(Messages::new("fr", &o).count(Msg::DaysLeft, 0, &[]), "one day: 0");
        assert_eq!(Messages::new("en", &o).count(Msg::DaysLeft, 0, &[]), "0 days to go");
        // A plain string serves every count; other ids keep the catalog.
        let (o, _) = parse(r#"{"hoursLeft":"{n} h"}"#);
        let de = Messages::new("de", &o);
        assert_eq!(de.count(Msg::HoursLeft, 1, &[]), "1 h");
        assert_eq!(de.count(Msg::MinutesLeft, 1, &[]), "Noch 1 Minute");
        // A plural override without the needed form uses the built-in one.
        let (o, _) = parse(r#"{"daysLeft":{"other":"{n} Tage übrig"}}"#);
        let de = Messages::new("de", &o);
        assert_eq!(de.count(Msg::DaysLeft, 2, &[]), "2 Tage übrig");
        assert_eq!(de.count(Msg::DaysLeft, 1, &[]), "2 Tage übrig".replace('2', "1"));
        let (o, _) = parse(r#"{"daysLeft":{"one":"ein Tag"}}"#);
        assert_eq!(Messages::new("de", &o).count(Msg::DaysLeft, 3, &[]), "Noch 3 Tage");
    }

    #[test]
    fn overrides_per_locale_most_specific_wins() {
        let json = r#"{
            "problemHeadline": "All",
            "de": { "problemHeadline": "Deutsch", "retry": "Nochmal" },
            "de-AT": { "problemHeadline": "Österreich" },
            "it": { "verified": "Verificato" }
        }"#;
        let (o, problems) = parse(json);
        assert!(problems.is_empty(), "{problems:?}");
        let m = |tag: &str| Messages::new(tag, &o);
        assert_eq!(m("en").text(Msg::ProblemHeadline), "All");
        assert_eq!(m("de").text(Msg::ProblemHeadline), "Deutsch");
        assert_eq!(m("de-DE").text(Msg::ProblemHeadline), "Deutsch");
        assert_eq!(m("de-AT").text(Msg::ProblemHeadline), "Österreich");
        assert_eq!(m("de-AT").text(Msg::Retry), "Nochmal");
        assert_eq!(m("dea").text(Msg::ProblemHeadline), "All", "a prefix is not a subtag");
        // A reseller may add a language: its layer applies, the rest is
        // English, and dates then follow the locale (the reseller chose it).
        assert_eq!(m("it-IT").text(Msg::Verified), "Verificato");
        assert_eq!(m("it-IT").text(Msg::Retry), "Retry");
        assert_eq!(m("it-IT").locale(), "it-IT");
    }

    #[test]
    fn bad_overrides_are_ignored_and_reported() {
        let (o, problems) = parse("{not json");
        assert!(o.is_empty());
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("not valid JSON"), "{problems:?}");
        let (o, problems) = parse("[1]");
        assert!(o.is_empty() && problems == ["not a JSON object"]);
        let (o, problems) = parse(
            r#"{"nope":"x","retry":"Again","verified":5,"daysLeft":{"one":"x","lots":"y","few":"z","other":7},"de":{"bad":"x"},"listLabel":"staff only"}"#,
        );
        assert_eq!(Messages::new("en", &o).text(Msg::Retry), "Again");
        assert_eq!(Messages::new("en", &o).text(Msg::Verified), "Verified");
        let all = problems.join("\n");
        for needle in [
            "`nope`",
            "`verified`",
            "`daysLeft.lots`",
            "`daysLeft.other`",
            "`de.bad`",
            "`listLabel`",
        ] {
            assert!(all.contains(needle), "{needle} in {all}");
        }
        assert!(!all.contains("daysLeft.few"), "a CLDR category is not a problem: {all}");
        assert_eq!(problems.len(), 6, "{all}");
        // The list knows its own ids too.
        let (o, problems) = Overrides::parse(r#"{"listLabel":"Staff","retry":"Again"}"#, list_id);
        assert!(problems.is_empty());
        assert_eq!(Messages::new("en", &o).text(ListMsg::ListLabel), "Staff");
        assert_eq!(parse("  ").0, Overrides::none());
        assert!(read_overrides("x", None, widget_id).is_empty());
    }

    #[test]
    fn readme_and_typings_list_every_id() {
        // The ids are an API: the catalog in docs/languages.md and `index.d.ts` list
        // each with its English text.
        let file = |path: &str| {
            std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        let (readme, dts) = (file("../docs/languages.md"), file("js/index.d.ts"));
        let row = |id: &str, e: Entry| match e {
            Entry::Text(t) => format!("| `{id}` | {t} |"),
            Entry::Plural(one, other) => format!("| `{id}` | one: {one}<br>other: {other} |"),
        };
        let all = Msg::ALL
            .iter()
            .map(|m| (m.id(), m.entry(Lang::En)))
            .chain(ListMsg::ALL.iter().map(|m| (m.id(), m.entry(Lang::En))));
        for (id, entry) in all {
            let row = row(id, entry);
            assert!(readme.contains(&row), "docs/languages.md lacks {row}");
            let listed = |end: &str| dts.contains(&format!("| '{id}'{end}"));
            assert!(listed("\n") || listed(";"), "index.d.ts lacks '{id}'");
        }
        let count = Msg::ALL.len() + ListMsg::ALL.len();
        assert!(readme.contains(&format!("({count} ids;")), "docs/languages.md: the id count");
    }

    #[test]
    fn parts_cut_a_template_for_elements() {
        let en = Messages::english();
        assert_eq!(
            en.parts(Msg::SendAnotherIn),
            vec![Part::Text("You can send another in ".into()), Part::Value("countdown".into())]
        );
        let nl = Messages::new("nl", &Overrides::none());
        assert_eq!(
            nl.parts(Msg::SendAnotherIn),
            vec![
                Part::Text("U kunt over ".into()),
                Part::Value("countdown".into()),
                Part::Text(" een nieuwe sturen".into())
            ]
        );
    }
}

/// The registrant's build: English only until a catalog is added.
#[cfg(all(test, not(feature = "bundled-languages")))]
mod unbundled_tests {
    use super::*;

    fn file(code: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("js")
            .join("locales")
            .join(format!("{code}.js"));
        let text = std::fs::read_to_string(path).unwrap();
        text[text.find('{').unwrap()..=text.rfind('}').unwrap()].to_owned()
    }

    fn widget_id(id: &str) -> Option<&'static str> {
        Msg::from_id(id).map(Catalog::id)
    }

    /// A catalog's cells as `loaded::add` read them from a `Value`, in the
    /// order it inserted them.
    fn read_with_values(json: &str) -> Option<Vec<(&'static str, String)>> {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(json) else {
            return None;
        };
        let mut cells = Vec::new();
        for (id, value) in &map {
            let Some(id) = widget_id(id) else { continue };
            let cell = match value {
                serde_json::Value::String(t) => t.clone(),
                serde_json::Value::Object(forms) => match (forms.get("one"), forms.get("other")) {
                    (
                        Some(serde_json::Value::String(one)),
                        Some(serde_json::Value::String(other)),
                    ) => {
                        format!("{one}{FORMS}{other}")
                    }
                    _ => continue,
                },
                _ => continue,
            };
            cells.push((id, cell));
        }
        Some(cells)
    }

    #[test]
    fn catalogs_read_as_from_a_value() {
        for json in super::read_as_values::tricky() {
            assert_eq!(loaded::read(&json, widget_id), read_with_values(&json), "{json}");
        }
    }

    #[test]
    fn english_until_the_language_is_added_then_the_added_words() {
        let de = || Messages::new("de-AT", &Overrides::none());
        // No German yet: English words, and English dates to match.
        assert_eq!(de().text(Msg::Retry), "Retry");
        assert_eq!(de().locale(), "en");
        assert_eq!(add_catalog("de", "not json", widget_id), 0);
        assert_eq!(add_catalog("xx", &file("de"), widget_id), 0);
        assert_eq!(add_catalog("de", &file("de"), widget_id), Msg::ALL.len());
        assert_eq!(de().text(Msg::Retry), "Erneut versuchen");
        assert_eq!(de().locale(), "de-AT");
        assert_eq!(de().count(Msg::DaysLeft, 1, &[]), "Noch 1 Tag");
        assert_eq!(de().count(Msg::DaysLeft, 2, &[]), "Noch 2 Tage");
        // Once per language.
        assert_eq!(add_catalog("de", &file("de"), widget_id), 0);
        // Every shipped language reads completely.
        for code in ["es", "fr", "nl", "tr"] {
            assert_eq!(add_catalog(code, &file(code), widget_id), Msg::ALL.len(), "{code}");
        }
    }
}

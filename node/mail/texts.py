"""The words of every mail, in English, German and French (the member's language).

Mail is written here rather than in the pages' gettext catalogues: the domain sends
it, and the domain knows nothing of the web layer. Each text is plain, calm and
short. A digest names only counts by kind: never a post, a message, a person or a
group (``node.mail.digest``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from node.mail.kinds import DigestFrequency

LOCALES = ("en", "de", "fr")


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


def _locale(locale: str) -> str:
    return locale if locale in LOCALES else "en"


_VERIFY = {
    "en": Text(
        "Confirm your email address for {node}",
        "Hello,\n\n"
        "this address was added to the account @{handle} on {node}.\n"
        "To confirm that it is yours, open this link within 24 hours:\n\n"
        "{link}\n\n"
        "If this was not you, you can ignore this mail: the address will not be used.\n\n"
        "{node}\n",
    ),
    "de": Text(
        "Bestätige deine E-Mail-Adresse für {node}",
        "Hallo,\n\n"
        "diese Adresse wurde beim Konto @{handle} auf {node} eingetragen.\n"
        "Um zu bestätigen, dass sie dir gehört, öffne innerhalb von 24 Stunden diesen Link:\n\n"
        "{link}\n\n"
        "Wenn du das nicht warst, kannst du diese Mail einfach ignorieren: "
        "die Adresse wird dann nicht verwendet.\n\n"
        "{node}\n",
    ),
    "fr": Text(
        "Confirmez votre adresse e-mail pour {node}",
        "Bonjour,\n\n"
        "cette adresse a été ajoutée au compte @{handle} sur {node}.\n"
        "Pour confirmer qu'elle est bien la vôtre, ouvrez ce lien dans les 24 heures :\n\n"
        "{link}\n\n"
        "Si ce n'était pas vous, vous pouvez ignorer ce message : l'adresse ne sera pas "
        "utilisée.\n\n"
        "{node}\n",
    ),
}

_RESET = {
    "en": Text(
        "Choose a new password on {node}",
        "Hello,\n\n"
        "someone asked to reset the password of the account @{handle} on {node}.\n"
        "To choose a new password, open this link within {hours}. It works once:\n\n"
        "{link}\n\n"
        "If this was not you, you can ignore this mail: your password stays as it is.\n\n"
        "{node}\n",
    ),
    "de": Text(
        "Wähle ein neues Passwort auf {node}",
        "Hallo,\n\n"
        "jemand hat darum gebeten, das Passwort des Kontos @{handle} auf {node} "
        "zurückzusetzen.\n"
        "Um ein neues Passwort zu wählen, öffne innerhalb von {hours} diesen Link. "
        "Er funktioniert nur einmal:\n\n"
        "{link}\n\n"
        "Wenn du das nicht warst, kannst du diese Mail ignorieren: "
        "dein Passwort bleibt, wie es ist.\n\n"
        "{node}\n",
    ),
    "fr": Text(
        "Choisissez un nouveau mot de passe sur {node}",
        "Bonjour,\n\n"
        "quelqu'un a demandé à réinitialiser le mot de passe du compte @{handle} "
        "sur {node}.\n"
        "Pour choisir un nouveau mot de passe, ouvrez ce lien dans les {hours}. "
        "Il ne fonctionne qu'une fois :\n\n"
        "{link}\n\n"
        "Si ce n'était pas vous, vous pouvez ignorer ce message : votre mot de passe "
        "reste inchangé.\n\n"
        "{node}\n",
    ),
}

_HOURS = {
    "en": ("an hour", "{n} hours"),
    "de": ("einer Stunde", "{n} Stunden"),
    "fr": ("une heure", "{n} heures"),
}

_DIGEST = {
    "en": Text(
        "What is new for you on {node}",
        "Hello,\n\n"
        "you have {counts} on {node}.\n\n"
        "Read them when it suits you:\n"
        "{notifications}\n\n"
        "You get this mail because you asked for a {frequency} summary.\n"
        "To stop it, open this link (no need to sign in):\n"
        "{unsubscribe}\n",
    ),
    "de": Text(
        "Neues für dich auf {node}",
        "Hallo,\n\n"
        "du hast {counts} auf {node}.\n\n"
        "Lies sie, wann es dir passt:\n"
        "{notifications}\n\n"
        "Du bekommst diese Mail, weil du dir eine {frequency} Zusammenfassung gewünscht "
        "hast.\n"
        "Um sie abzubestellen, öffne diesen Link (ohne Anmeldung):\n"
        "{unsubscribe}\n",
    ),
    "fr": Text(
        "Du nouveau pour vous sur {node}",
        "Bonjour,\n\n"
        "vous avez {counts} sur {node}.\n\n"
        "Lisez-les quand cela vous convient :\n"
        "{notifications}\n\n"
        "Vous recevez ce message parce que vous avez demandé un résumé {frequency}.\n"
        "Pour ne plus le recevoir, ouvrez ce lien (sans vous connecter) :\n"
        "{unsubscribe}\n",
    ),
}

_FREQUENCY = {
    "en": {DigestFrequency.DAILY: "daily", DigestFrequency.WEEKLY: "weekly"},
    "de": {DigestFrequency.DAILY: "tägliche", DigestFrequency.WEEKLY: "wöchentliche"},
    "fr": {DigestFrequency.DAILY: "quotidien", DigestFrequency.WEEKLY: "hebdomadaire"},
}

# What a digest counts, by group of notification kinds; singular and plural.
_COUNTED = {
    "en": {
        "replies": ("{n} new reply", "{n} new replies"),
        "mentions": ("{n} mention", "{n} mentions"),
        "requests": ("{n} conversation request", "{n} conversation requests"),
        "conversations": ("{n} conversation update", "{n} conversation updates"),
        "care": ("{n} kind message", "{n} kind messages"),
        "posts": ("{n} update about your posts", "{n} updates about your posts"),
        "groups": ("{n} update about your groups", "{n} updates about your groups"),
        "meetings": ("{n} update about your meetings", "{n} updates about your meetings"),
        "other": ("{n} other notification", "{n} other notifications"),
    },
    "de": {
        "replies": ("{n} neue Antwort", "{n} neue Antworten"),
        "mentions": ("{n} Erwähnung", "{n} Erwähnungen"),
        "requests": ("{n} Gesprächsanfrage", "{n} Gesprächsanfragen"),
        "conversations": ("{n} Neuigkeit in Gesprächen", "{n} Neuigkeiten in Gesprächen"),
        "care": ("{n} freundliche Nachricht", "{n} freundliche Nachrichten"),
        "posts": ("{n} Neuigkeit zu deinen Beiträgen", "{n} Neuigkeiten zu deinen Beiträgen"),
        "groups": ("{n} Neuigkeit zu deinen Gruppen", "{n} Neuigkeiten zu deinen Gruppen"),
        "meetings": ("{n} Neuigkeit zu deinen Treffen", "{n} Neuigkeiten zu deinen Treffen"),
        "other": ("{n} weitere Benachrichtigung", "{n} weitere Benachrichtigungen"),
    },
    "fr": {
        "replies": ("{n} nouvelle réponse", "{n} nouvelles réponses"),
        "mentions": ("{n} mention", "{n} mentions"),
        "requests": ("{n} demande de conversation", "{n} demandes de conversation"),
        "conversations": (
            "{n} nouveauté dans vos conversations",
            "{n} nouveautés dans vos conversations",
        ),
        "care": ("{n} message bienveillant", "{n} messages bienveillants"),
        "posts": ("{n} nouvelle sur vos messages", "{n} nouvelles sur vos messages"),
        "groups": ("{n} nouvelle sur vos groupes", "{n} nouvelles sur vos groupes"),
        "meetings": ("{n} nouvelle sur vos rencontres", "{n} nouvelles sur vos rencontres"),
        "other": ("{n} autre notification", "{n} autres notifications"),
    },
}
COUNTED_GROUPS = tuple(_COUNTED["en"])

_AND = {"en": "and", "de": "und", "fr": "et"}


def verification(locale: str, *, node: str, handle: str, link: str) -> Text:
    text = _VERIFY[_locale(locale)]
    return Text(
        text.subject.format(node=node), text.body.format(node=node, handle=handle, link=link)
    )


def password_reset(locale: str, *, node: str, handle: str, link: str, hours: int) -> Text:
    locale = _locale(locale)
    one, many = _HOURS[locale]
    within = one if hours == 1 else many.format(n=hours)
    text = _RESET[locale]
    body = text.body.format(node=node, handle=handle, link=link, hours=within)
    return Text(text.subject.format(node=node), body)


def _counts(locale: str, counts: Mapping[str, int]) -> str:
    words = _COUNTED[locale]
    parts = [words[group][0 if n == 1 else 1].format(n=n) for group, n in counts.items() if n > 0]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {_AND[locale]} {parts[-1]}"


def digest(
    locale: str,
    *,
    node: str,
    counts: Mapping[str, int],
    frequency: DigestFrequency,
    notifications: str,
    unsubscribe: str,
) -> Text:
    """A digest: ``counts`` by group (``COUNTED_GROUPS``), in that order."""
    locale = _locale(locale)
    text = _DIGEST[locale]
    body = text.body.format(
        node=node,
        counts=_counts(locale, counts),
        frequency=_FREQUENCY[locale][frequency],
        notifications=notifications,
        unsubscribe=unsubscribe,
    )
    return Text(text.subject.format(node=node), body)

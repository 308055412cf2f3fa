"""Building blocks for seed data: countries, name pools and phone-number templates.

Pools are built once per process (Faker is slow to start; combining pooled names
is fast) and do not depend on the seed, so the same seed always gives the same data.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

# region -> (weight, Faker locale, email domains)
REGIONS: dict[str, tuple[int, str]] = {
    "US": (30, "en_US"), "GB": (8, "en_GB"), "DE": (7, "de_DE"), "FR": (6, "fr_FR"), "ES": (5, "es_ES"),
    "IT": (4, "it_IT"), "NL": (3, "nl_NL"), "TR": (6, "tr_TR"), "BR": (6, "pt_BR"), "MX": (4, "es_MX"),
    "IN": (6, "en_IN"), "JP": (4, "ja_JP"), "KR": (2, "ko_KR"), "CN": (3, "zh_CN"), "PL": (3, "pl_PL"),
    "SE": (2, "sv_SE"), "AU": (3, "en_AU"), "CA": (4, "en_CA"), "NG": (2, "en_NG"), "AE": (1, "ar_AE"),
    "EG": (1, "ar_EG"), "PT": (1, "pt_PT"), "AR": (2, "es_AR"), "IE": (1, "en_IE"), "PH": (2, "en_PH"),
    "ZA": (1, "zu_ZA"), "GR": (1, "el_GR"), "UA": (1, "uk_UA"), "VN": (1, "vi_VN"), "ID": (1, "id_ID"),
}
EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "example.com",
                 "acme.io", "mail.example.org", "fastmail.com", "hey.com")
POOL_SIZE = 120


@lru_cache(maxsize=1)
def name_pools() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Per region: (first names, last names), generated once with Faker's person providers.

    Only the person provider of each locale is loaded (a full Faker per locale
    costs ~70 ms each).
    """
    import importlib

    from faker import Generator

    pools: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for region, (_, locale) in REGIONS.items():
        try:
            module = importlib.import_module(f"faker.providers.person.{locale}")
        except ImportError:
            module = importlib.import_module("faker.providers.person.en_US")
        fake: Any = Generator()  # faker adds the provider's methods at run time
        fake.add_provider(module.Provider)  # type: ignore[attr-defined]
        fake.seed_instance(1234)
        firsts = tuple(dict.fromkeys(fake.first_name() for _ in range(POOL_SIZE)))
        lasts = tuple(dict.fromkeys(fake.last_name() for _ in range(POOL_SIZE)))
        pools[region] = (firsts, lasts)
    return pools


def ascii_slug(text: str) -> str:
    """A lowercase ASCII form of a name for an email local part ('' when none)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "", folded.lower())


@dataclass(frozen=True)
class PhoneTemplate:
    """Valid numbers of one region sharing a prefix; the last 4 digits vary."""

    country_code: int
    prefix: str  # national significant number without its last 4 digits
    trunk: str  # digits the national format shows before the number (e.g. "0")
    groups: tuple[int, ...]  # digit-group lengths of the national format (trunk included)

    def tokens(self, suffix: int) -> str:
        nsn = f"{self.prefix}{suffix:04d}"
        national = self.trunk + nsn
        parts = [f"{self.country_code}{nsn}", nsn]
        start = 0
        for size in self.groups:
            parts.append(national[start:start + size])
            start += size
        return " ".join(dict.fromkeys(parts))


def _template(number: phonenumbers.PhoneNumber) -> PhoneTemplate | None:
    nsn = phonenumbers.national_significant_number(number)
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = re.sub(r"\D", "", formatted)
    if not digits.endswith(nsn):
        return None
    groups = tuple(len(g) for g in re.findall(r"\d+", formatted))
    return PhoneTemplate(int(number.country_code or 0), nsn[:-4], digits[: len(digits) - len(nsn)], groups)


def _valid(cc: int, nsn: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(f"+{cc}{nsn}", None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == region:
        return number
    return None


@lru_cache(maxsize=64)
def phone_templates(region: str, wanted: int = 60) -> tuple[PhoneTemplate, ...]:
    """Up to ``wanted`` templates whose numbers are valid for ``region``.

    Each comes from the library's example mobile/fixed numbers with up to three
    digits before the last four varied; a template is kept only when several
    sample suffixes all give valid numbers with the same national grouping.
    """
    rng = random.Random(region)
    found: dict[str, PhoneTemplate] = {}
    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        nsn = phonenumbers.national_significant_number(example)
        if len(nsn) < 8:
            continue
        base = nsn[:-4]
        candidates = [base] + [base[:-1] + str(d) for d in range(10)] + \
            [base[:-2] + f"{d:02d}" for d in rng.sample(range(100), 100)] + \
            [base[:-3] + f"{d:03d}" for d in rng.sample(range(1000), 1000)]
        for prefix in candidates:
            if len(found) >= wanted:
                break
            if prefix in found:
                continue
            samples = [_valid(int(example.country_code or 0), f"{prefix}{s:04d}", region)
                       for s in (0, 4821, 9999)]
            if not all(samples):
                continue
            templates = {_template(n) for n in samples if n is not None}
            if len(templates) == 1 and None not in templates:
                found[prefix] = templates.pop()  # type: ignore[assignment]
    return tuple(found.values())


TAG_VOCABULARY: tuple[str, ...] = (
    "vip", "newsletter", "enterprise", "trial", "black-friday", "support-priority", "beta", "partner",
    "reseller", "churn-risk", "high-value", "wholesale", "event-2025", "webinar", "app-user", "referral",
    "spanish", "french", "german", "whatsapp-first", "sms-only", "promo", "loyalty-gold", "loyalty-silver",
    "loyalty-bronze", "do-not-call", "needs-followup", "billing-issue", "returning", "gift-card",
    "holiday-2024", "holiday-2025", "survey-responder", "nps-promoter", "nps-detractor", "b2b", "b2c",
    "smb", "startup", "nonprofit", "education", "healthcare", "retail", "fintech", "travel", "gaming",
    "media", "logistics", "real-estate", "automotive",
) + tuple(f"campaign-{n:03d}" for n in range(1, 151))

STAGES: tuple[str, ...] = ("subscriber", "lead", "customer", "churned", "trial", "prospect")
STAGE_WEIGHTS: tuple[int, ...] = (38, 25, 25, 8, 2, 2)
PLANS = ("free", "starter", "pro", "enterprise")
SOURCES = ("web", "ios", "android", "referral", "import", "pos", "api")
LANGUAGES = ("en", "es", "de", "fr", "tr", "pt", "ja", "it", "nl", "pl")

HOSTILE_STRINGS: tuple[str, ...] = (
    "[bold red]Bold[/bold red]",
    "[@click=app.quit]Quit[/]",
    "[link=https://evil.example]click[/link]",
    "\x1b[31mRed\x1b[0m",
    "\x1b]0;pwned\x07Title",
    "\x1b]8;;https://evil.example\x07Link\x1b]8;;\x07",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200djoiner",
    "李小龍",
    "山田 太郎",
    "🚀🔥💯",
    "Zoë 👩‍💻",
    "Robert'); DROP TABLE contacts;--",
    "<script>alert(1)</script>",
    "%s%s%n",
    "\\N\\t\\r",
    "A" * 10_000,
)

"""Names and homepages reduced to what tells organizations apart.

Used to match applicants with the ECOSOC list and to flag likely duplicates.
"""

import re
import unicodedata
from urllib.parse import urlsplit

NAME_NOISE = re.compile(r"\([^)]*\)|[^\w\s]", re.UNICODE)
LEADING_ARTICLES = ("the ", "la ", "le ", "les ", "l ")


def normalize_name(name: str) -> str:
    """“The Migrant-Voices Network (MVN)” and “migrant voices network” compare equal.

    Accents are dropped (“Réseau” = “reseau”) but letters of every script are kept:
    names in Arabic, Chinese or Cyrillic must not all reduce to the same empty string.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    text = NAME_NOISE.sub(" ", text)
    text = " ".join(text.split())
    for article in LEADING_ARTICLES:
        if text.startswith(article):
            text = text[len(article) :]
    return text


def homepage_domain(url: str) -> str:
    """The host of a homepage without “www.”; empty for social-media pages shared by many."""
    try:
        host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").casefold()
    except ValueError:  # "http://[bad": not an address, so no domain to compare
        return ""
    host = host.removeprefix("www.")
    return "" if host in SHARED_HOSTS else host


# Pages on these hosts belong to many organizations: a shared host is no sign of a duplicate.
SHARED_HOSTS = {
    "facebook.com", "m.facebook.com", "twitter.com", "x.com", "linkedin.com", "instagram.com",
    "youtube.com", "sites.google.com", "wordpress.com", "blogspot.com", "wix.com", "tiktok.com",
}  # fmt: skip

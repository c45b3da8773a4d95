"""URL normalisation: canonical form for cache keys and display, site comparison, canonical choice."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

import tldextract

DEFAULT_PORTS = {"http": 80, "https": 443}

# Click and campaign identifiers: they never change the page, only who gets credit for the click.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "twclid", "ttclid",
        "li_fat_id", "igshid", "yclid", "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url",
        "spm", "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "vero_conv", "wickedid", "rb_clickid", "s_kwcid", "ef_id", "srsltid",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_",)


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: no network fetch, no cache directory writes.
    # Private suffixes count, so alice.github.io and bob.github.io are different sites.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def _is_tracker(param: str) -> bool:
    key = unquote_plus(param.split("=", 1)[0]).lower().lstrip("?")  # "??utm_source=x" still tracks
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def absolute_http_url(href: str, base: str | None = None) -> str | None:
    """`href` made absolute against `base`, when that is an http(s) address whose host and port parse; else None.

    A page's links are hostile input: urllib raises on "http://[::1/x" or a port past 65535."""
    if not href.strip():  # no link, not the page's own address
        return None
    try:
        absolute = urljoin(base, href.strip()) if base else href.strip()
        parts = urlsplit(absolute)
        parts.port  # noqa: B018 (reading it checks the port)
    except ValueError:
        return None
    return absolute if parts.scheme in DEFAULT_PORTS and parts.hostname else None


def url_path(url: str) -> str | None:
    """The path of `url`; None when the address does not parse."""
    try:
        return urlsplit(url.strip()).path
    except ValueError:
        return None


def _host(url: str) -> str:
    """Lower-case host without brackets or a trailing dot; '' when there is none."""
    try:
        return (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""


def canonicalize(url: str) -> str:
    """Normal form of an http(s) URL: lower-case scheme and host, no default port, no userinfo,
    no fragment, no tracking parameters, "/" for an empty path. Other parameters keep their
    order and their exact encoding. A string that does not parse is returned stripped."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return raw
    scheme = parts.scheme.lower()
    host = _host(raw)
    if not host:
        return raw
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracker(p))
    return urlunsplit((scheme, netloc, _encode_invisible(parts.path or "/"), _encode_invisible(query), ""))


def _encode_invisible(part: str) -> str:
    # Spaces and control characters are percent-encoded as browsers do, so that canonicalising a canonical URL
    # (which strips its ends first) changes nothing.
    return "".join(quote(char) if char.isspace() or not char.isprintable() else char for char in part)


def registrable_domain(url: str) -> str:
    """example.co.uk for https://a.b.example.co.uk/; the bare host for IPs and single labels."""
    host = _host(url)
    return _extractor()(host).top_domain_under_public_suffix or host


def same_site(a: str, b: str) -> bool:
    """True when both URLs belong to the same registrable domain (www.x.com and blog.x.com do)."""
    site = registrable_domain(a)
    return bool(site) and site == registrable_domain(b)


def choose_canonical(final_url: str, declared: str | None) -> str:
    """The page's declared canonical URL (rel=canonical / og:url, possibly relative) when it is
    http(s) on the same site, else the final URL; canonicalised either way.

    A declared canonical that is the site's home page while the final URL is not is ignored: it is a
    common template bug, and trusting it would merge every article of the site into one.
    """
    candidate = absolute_http_url(declared, final_url) if declared else None
    if candidate and same_site(candidate, final_url):
        parts = urlsplit(candidate)  # it parses: absolute_http_url checked
        homepage_bug = parts.path in ("", "/") and not parts.query and url_path(final_url) not in ("", "/")
        if not homepage_bug:
            return canonicalize(candidate)
    return canonicalize(final_url)


def domain(url: str) -> str:
    """Host without a leading "www.", e.g. "nytimes.com"."""
    host = _host(url)
    return host.removeprefix("www.")

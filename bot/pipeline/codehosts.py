"""Code hosting through the hosts' REST APIs: a repository's description and its README's opening (its prose
paragraphs, Markdown or reStructuredText as its name says), an issue's or pull request's title, state, author and
opening comment, a release's name and notes.

GitHub: `GET /repos/{owner}/{repo}` (+ `/readme`), `/issues/{n}`, `/pulls/{n}`, `/releases/tags/{tag}` and
`/releases/latest`, unauthenticated (60 requests an hour per address; past that the link falls back to its
page). GitLab: `GET /projects/{path}` (+ the README file), `/issues/{iid}`, `/merge_requests/{iid}`,
`/releases/{tag}`.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from typing import Any
from urllib.parse import quote

import docutils
import docutils.utils
from docutils import nodes
from docutils.core import publish_doctree
from markdown_it import MarkdownIt

from bot.errors import DigestError
from bot.models import Digest
from bot.pipeline.facts import first_sentences
from bot.pipeline.metadata import parse_date
from bot.pipeline.providers import Link, endpoints
from bot.pipeline.web import Web, object_field, text_field

log = logging.getLogger(__name__)
GITHUB_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
OPENING_SENTENCES = 4
OPENING_CHARS = 700
TEXT_CHARS = 20_000  # what related reading and search see of a README or a long issue
_MARKDOWN = MarkdownIt("commonmark")
_RST_SETTINGS = {
    "file_insertion_enabled": False, "raw_enabled": False, "_disable_config": True, "input_encoding": "unicode",
    "report_level": 5, "halt_level": 5, "warning_stream": False,  # a README's errors are no one's to read here
}  # fmt: skip
_GITLAB_STATES = {"opened": "open"}


def markdown_paragraphs(markdown: str) -> list[str]:
    """The prose paragraphs of a README or comment: no headings, badges, raw HTML or code blocks, and no list
    items or quoted notes ("> **Note** We are looking for maintainers") unless it has nothing else."""
    prose: list[str] = []
    nested: list[str] = []
    tokens = _MARKDOWN.parse(markdown[: TEXT_CHARS * 2])
    for opener, token in pairwise(tokens):
        if opener.type != "paragraph_open" or not token.children:
            continue
        words = "".join(_inline_text(child) for child in token.children).strip()
        if any(ch.isalpha() for ch in words):
            (prose if opener.level == 0 else nested).append(" ".join(words.split()))
    return prose or nested


def rst_paragraphs(text: str) -> list[str]:
    """The prose paragraphs of a reStructuredText README, as docutils parses it (directives, badges and code
    blocks are no paragraphs); list items and admonitions only when it has nothing else. File inclusion and raw
    HTML are disabled: the README is a stranger's."""
    try:
        tree = publish_doctree(text[: TEXT_CHARS * 2], settings_overrides=_RST_SETTINGS)
    except (docutils.ApplicationError, docutils.utils.SystemMessage, ValueError) as error:
        log.info("README not parsed as reStructuredText: %s", error)
        return []
    prose: list[str] = []
    nested: list[str] = []
    for paragraph in tree.findall(nodes.paragraph):
        if any(isinstance(up, nodes.system_message) for up in _ancestors(paragraph)):
            continue  # docutils' own note on a directive it refused
        words = " ".join("".join(str(t) for t in paragraph.findall(nodes.Text)).split())  # an image's alt is no text
        if any(ch.isalpha() for ch in words):
            top = isinstance(paragraph.parent, nodes.document | nodes.section)
            (prose if top else nested).append(words)
    return prose or nested


def _ancestors(node: nodes.Node) -> Iterator[nodes.Node]:
    while (node := node.parent) is not None:
        yield node


def readme_paragraphs(text: str, name: str) -> list[str]:
    """A README's prose paragraphs, read as its file name says: reStructuredText or Markdown."""
    is_rst = name.lower().rsplit("/", 1)[-1].endswith((".rst", ".rest"))
    return rst_paragraphs(text) if is_rst else markdown_paragraphs(text)


def _inline_text(token: Any) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    return " " if token.type in ("softbreak", "hardbreak") else ""


def code_digest(source: str, url: str, site: str, title: str, item: str, author: str | None, when: Any,
                paragraphs: list[str], state: str | None = None) -> Digest:  # fmt: skip
    text = "\n\n".join(paragraphs)[:TEXT_CHARS]
    return Digest(
        source=source, url=url, canonical_url=url, kind="code", title=title, site_name=site, item=item,
        state=state, author=author, published=_date(when),
        summary=first_sentences(text, None, OPENING_SENTENCES, OPENING_CHARS), text=text,
    )  # fmt: skip


def _described(description: str | None, readme: list[str]) -> list[str]:
    """A repository's paragraphs: its one-line description, then its README's."""
    return [" ".join(description.split()), *readme] if description else readme


def _date(value: Any) -> date | None:
    return parse_date(value) if isinstance(value, str) else None


# --- GitHub ----------------------------------------------------------------------------------------


async def github_digest(link: Link, web: Web, source: str) -> Digest:
    bases = endpoints(web.settings)
    owner, repo = link.parts[:2]
    api, site = f"{bases['github_api']}/repos/{owner}/{repo}", f"{bases['github']}/{owner}/{repo}"
    if link.what == "repository":
        about = await _github(web, api)
        body = _described(text_field(about, "description"), await _github_readme(web, api))
        return code_digest(
            source,
            site,
            "GitHub",
            text_field(about, "full_name") or f"{owner}/{repo}",
            "repository",
            _login(about.get("owner")),
            about.get("pushed_at") or about.get("created_at"),
            body,
        )
    if link.what == "release":
        tag = link.parts[2]
        path = "latest" if tag == "latest" else f"tags/{quote(tag, safe='')}"
        release = await _github(web, f"{api}/releases/{path}")
        name = text_field(release, "tag_name") or tag
        return code_digest(
            source,
            f"{site}/releases/tag/{quote(name, safe='')}",
            "GitHub",
            text_field(release, "name") or name,
            f"release {name} of {owner}/{repo}",
            _login(release.get("author")),
            release.get("published_at"),
            markdown_paragraphs(text_field(release, "body") or ""),
        )
    number = link.parts[2]
    is_pull = link.what == "pull"
    found = await _github(web, f"{api}/{'pulls' if is_pull else 'issues'}/{number}")
    is_pull = is_pull or "pull_request" in found
    what = "pull request" if is_pull else "issue"
    return code_digest(source, f"{site}/{'pull' if is_pull else 'issues'}/{number}", "GitHub",
                       text_field(found, "title") or f"{what} #{number}", f"{what} {owner}/{repo}#{number}",
                       _login(found.get("user")), found.get("created_at"),
                       markdown_paragraphs(text_field(found, "body") or ""),
                       _github_state(found))  # fmt: skip


async def _github(web: Web, url: str) -> dict[str, Any]:
    answer = await web.json(url, GITHUB_HEADERS)
    if not isinstance(answer, dict):
        raise DigestError("not_json", "GitHub's answer is not an object.")
    return answer


async def _github_readme(web: Web, api: str) -> list[str]:
    """The README's paragraphs, none when there is none or it cannot be read (the description still serves)."""
    try:
        answer = await _github(web, f"{api}/readme")
        text = base64.b64decode(text_field(answer, "content") or "").decode("utf-8", errors="replace")
    except (DigestError, binascii.Error, ValueError) as error:
        log.info("README not read: %s", error)
        return []
    return readme_paragraphs(text, text_field(answer, "name") or "README.md")


def _login(user: Any) -> str | None:
    return text_field(user, "login") if isinstance(user, dict) else None


def _github_state(found: dict[str, Any]) -> str | None:
    if found.get("merged") or found.get("merged_at"):
        return "merged"
    if found.get("draft") and found.get("state") == "open":
        return "draft"
    return text_field(found, "state")


# --- GitLab ----------------------------------------------------------------------------------------


async def gitlab_digest(link: Link, web: Web, source: str) -> Digest:
    bases = endpoints(web.settings)
    path = link.parts[0]
    api, site = f"{bases['gitlab_api']}/projects/{quote(path, safe='')}", f"{bases['gitlab']}/{path}"
    if link.what == "repository":
        project = await _gitlab(web, api)
        body = _described(text_field(project, "description"), await _gitlab_readme(web, api, project))
        return code_digest(
            source,
            site,
            "GitLab",
            text_field(project, "path_with_namespace") or path,
            "repository",
            text_field(object_field(project, "namespace"), "name"),
            project.get("last_activity_at"),
            body,
        )
    if link.what == "release":
        tag = link.parts[1]
        release = await _gitlab(web, f"{api}/releases/{quote(tag, safe='')}")
        return code_digest(
            source,
            f"{site}/-/releases/{quote(tag, safe='')}",
            "GitLab",
            text_field(release, "name") or tag,
            f"release {tag} of {path}",
            _username(release.get("author")),
            release.get("released_at"),
            markdown_paragraphs(text_field(release, "description") or ""),
        )
    number = link.parts[1]
    is_mr = link.what == "merge_request"
    found = await _gitlab(web, f"{api}/{'merge_requests' if is_mr else 'issues'}/{number}")
    state = text_field(found, "state")
    return code_digest(
        source,
        f"{site}/-/{'merge_requests' if is_mr else 'issues'}/{number}",
        "GitLab",
        text_field(found, "title") or f"#{number}",
        f"{'merge request' if is_mr else 'issue'} {path}{'!' if is_mr else '#'}{number}",
        _username(found.get("author")),
        found.get("created_at"),
        markdown_paragraphs(text_field(found, "description") or ""),
        "draft" if found.get("draft") and state == "opened" else _GITLAB_STATES.get(state, state),
    )


async def _gitlab(web: Web, url: str) -> dict[str, Any]:
    answer = await web.json(url)
    if not isinstance(answer, dict):
        raise DigestError("not_json", "GitLab's answer is not an object.")
    return answer


async def _gitlab_readme(web: Web, api: str, project: dict[str, Any]) -> list[str]:
    """The paragraphs of the README named by the project's readme_url, read raw from its default branch."""
    readme_url, branch = text_field(project, "readme_url") or "", text_field(project, "default_branch") or ""
    name = readme_url.split(f"/-/blob/{branch}/", 1)[-1] if branch and f"/-/blob/{branch}/" in readme_url else ""
    if not name:
        return []
    try:
        text = await web.text(f"{api}/repository/files/{quote(name, safe='')}/raw?ref={quote(branch, safe='')}")
    except DigestError as error:
        log.info("README not read: %s", error)
        return []
    return readme_paragraphs(text, name)


def _username(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    return text_field(user, "name") or text_field(user, "username")

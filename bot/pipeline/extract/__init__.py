"""Main-text extraction: trafilatura (precision mode), checked against readability, then de-boilerplated.

How the pieces were chosen (figures from `python -m bench extraction`, 181 real pages), in the order they run:
- chrome: before any extractor, the parts whose ARIA role says they are no article (sidebar, footer, controls,
  dialogs), related-article blocks, sidebars and comment sections named in other languages are cut from the tree;
- main_text: trafilatura with favor_precision, the strongest single extractor here, is checked against readability-lxml
  where it kept far less than the page's <p> text, and a short text against the page's schema.org articleBody;
- lines: both extractors keep leftover lines (headline repeated, "Related: ...", share/follow/newsletter prompts,
  copyright), which a line filter removes;
- lead: trafilatura's precision mode drops the lead (standfirst) with the <header> or "teaser" block it sits in: it is
  put back when it lies just after the <h1> and before the body's first paragraphs;
- lists: a list of sentences that stood between two kept paragraphs, which trafilatura's precision mode drops on pages
  without an <article> or <main>, is put back between them;
- pull quotes (without_pull_quotes): a sentence or quote element whose words recur verbatim inside a longer line of
  the text is a pull quote, repeating the article's words out of context (a speaker's words without the speaker),
  and is dropped;
- author_box: an author box closing the text (a heading about the byline's writer, then the bio) is cut from its
  heading on;
- recipe: a schema.org Recipe's ingredients or steps, or a HowTo's steps, that the text lacks (drawn by script, or
  split into cells) are added;
- pull_quotes and language: the article's own quotes, and the language of its text;
- headings: the paragraphs that were headings on the page, which summary and quotes leave out (a subheading phrased
  as a long question reads as prose once its markup is gone).
Scripts, styles and comments are dropped before the input cap, so inline code cannot push the article out.
The bot runs all of it in warm worker processes that are killed when a page overruns its time (pool, warmed by server).
"""

from __future__ import annotations

from lxml.html import HtmlElement

from bot.config import Settings
from bot.models import Article
from bot.pipeline.extract.author_box import without_author_box
from bot.pipeline.extract.chrome import drop_page_chrome
from bot.pipeline.extract.language import detect_language
from bot.pipeline.extract.lead import with_lead
from bot.pipeline.extract.lists import with_dropped_lists
from bot.pipeline.extract.main_text import main_text, or_declared_body
from bot.pipeline.extract.pull_quotes import pull_quotes, quote_texts, without_pull_quotes
from bot.pipeline.extract.recipe import with_recipe
from bot.pipeline.metadata import metadata_from_tree, parse_html, squash, strip_code, title_candidates

_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def extract_article(html: str, url: str | None = None) -> Article:
    """Metadata and main text of a page, in this process and unbounded in time; never raises on hostile markup."""
    return extract_page(html, url, Settings.model_fields["extract_max_chars"].default)


def extract_page(html: str, url: str | None, max_chars: int) -> Article:
    """extract_article on at most `max_chars` of the page, once its scripts and styles are dropped."""
    page = strip_code(html, max_chars)
    tree = parse_html(page)
    article = metadata_from_tree(tree, url)
    if tree is not None:
        drop_page_chrome(tree)  # after the metadata, which reads bylines and dates wherever they are
    titles = title_candidates(tree)
    paragraphs, quotes = main_text(page, url, tree, titles)
    if tree is not None:
        paragraphs = or_declared_body(tree, paragraphs, titles)
        if paragraphs:
            paragraphs = with_lead(tree, page, paragraphs, article)
            paragraphs = with_dropped_lists(tree, paragraphs)
    quoted = quote_texts(tree, page, quotes)
    # before the recipe's lines, whose steps an introduction may repeat word for word
    paragraphs = without_pull_quotes(paragraphs, quoted)
    paragraphs = without_author_box(paragraphs, article.author)
    if tree is not None:
        # after the author box, which closes the story's own text; on a page whose text is all drawn by script too
        paragraphs = with_recipe(tree, page, paragraphs, article.title)
    article.paragraphs = paragraphs
    article.text = "\n\n".join(paragraphs)
    article.pull_quotes = pull_quotes(quoted, article.text)
    article.headings = _headings(tree, paragraphs) if tree is not None else []
    article.language = detect_language(article.text) or article.language
    return article


def _headings(tree: HtmlElement, paragraphs: list[str]) -> list[str]:
    """The paragraphs that are the text of a heading element of the page, bar the story's prose set in one: a full
    sentence ending in a full stop (a standfirst in an <h2>). A question stays a heading, however long: a section's
    title asks what its text answers."""
    texts = {squash("".join(el.itertext())) for el in tree.iter(*_HEADINGS)}
    texts = {text for text in texts if not text.endswith(".")}
    return [p for p in paragraphs if " ".join(p.split()) in texts]

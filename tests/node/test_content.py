"""What members write becomes safe HTML: formatting and links kept, anything active removed."""

from __future__ import annotations

import pytest

from node.content import render_markdown, sanitize_html

REL = 'rel="nofollow noopener noreferrer ugc"'


def test_links_emphasis_and_lists_are_kept() -> None:
    html = sanitize_html(
        '<p><strong>Hold on</strong>, <em>breathe</em>, <a href="https://help.example/">call</a>'
        '</p><ul><li>one</li></ul><ol start="3"><li>three</li></ol><blockquote>q</blockquote>'
    )
    assert "<strong>Hold on</strong>" in html
    assert "<em>breathe</em>" in html
    assert f'<a href="https://help.example/" {REL}>call</a>' in html
    assert "<ul><li>one</li></ul>" in html
    assert '<ol start="3"><li>three</li></ol>' in html
    assert "<blockquote>q</blockquote>" in html


def test_links_are_marked_so_they_pass_no_reputation_and_no_referrer() -> None:
    html = sanitize_html('<a href="https://x.example/" rel="opener" target="_blank">x</a>')
    assert html == f'<a href="https://x.example/" {REL}>x</a>'


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<style>body { display: none }</style>",
        '<iframe src="https://evil.example/"></iframe>',
        '<object data="x.swf"></object>',
        '<img src="x" onerror="alert(1)">',
        '<svg onload="alert(1)"></svg>',
        '<form action="https://evil.example/"><input name="password"></form>',
    ],
)
def test_active_content_is_removed(hostile: str) -> None:
    html = sanitize_html(f"<p>before</p>{hostile}<p>after</p>")
    assert html.startswith("<p>before</p>")
    assert html.endswith("<p>after</p>")
    for trace in ("<script", "<style", "<iframe", "<object", "<img", "<svg", "<form", "<input"):
        assert trace not in html
    assert "alert(1)" not in html
    assert "display: none" not in html


@pytest.mark.parametrize(
    "attribute",
    [
        'onclick="alert(1)"',
        'style="position:fixed;top:0"',
        'href="javascript:alert(1)"',
        'href="JaVaScRiPt:alert(1)"',
        'href="data:text/html;base64,PHNjcmlwdD4="',
        'href="vbscript:msgbox(1)"',
    ],
)
def test_event_handlers_styles_and_odd_schemes_are_dropped(attribute: str) -> None:
    html = sanitize_html(f"<a {attribute}>link</a>")
    assert ">link</a>" in html
    for trace in ("onclick", "style", "javascript", "data:", "vbscript"):
        assert trace not in html.lower()


def test_mail_links_are_allowed() -> None:
    assert 'href="mailto:help@example.org"' in sanitize_html(
        '<a href="mailto:help@example.org">write</a>'
    )


def test_classes_only_survive_on_spans() -> None:
    html = sanitize_html('<p class="x"><span class="cw">hidden</span></p>')
    assert html == '<p><span class="cw">hidden</span></p>'


def test_markdown_renders_without_passing_raw_html() -> None:
    html = render_markdown(
        "# Week one\n\n- **day** one\n- ~~day~~ two\n\n"
        "<b onclick=x>raw</b>\n\n[line](https://help.example/)"
    )
    assert "<h1>Week one</h1>" in html
    assert "<li><strong>day</strong> one</li>" in html
    assert "<del>day</del>" in html or "<s>day</s>" in html
    assert "&lt;b onclick=x&gt;raw&lt;/b&gt;" in html
    assert f'<a href="https://help.example/" {REL}>line</a>' in html


def test_markdown_links_to_scripts_are_not_links() -> None:
    for source in ("[x](javascript:alert(1))", "<javascript:alert(1)>", "[x](data:text/html,hi)"):
        assert "href" not in render_markdown(source)


def test_markdown_images_do_not_load_anything() -> None:
    html = render_markdown("![tracker](https://evil.example/pixel.png)")
    assert "<img" not in html
    assert "evil.example" not in html


def test_remote_mentions_and_hashtags_stay_marked_as_such() -> None:
    html = sanitize_html(
        '<p><span class="h-card"><a href="https://m.example/@ana" class="u-url mention '
        'evil-overlay">@<span>ana</span></a></span> <a href="https://m.example/tags/grief" '
        'class="mention hashtag" rel="tag">#<span>grief</span></a></p>'
    )
    assert 'class="u-url mention"' in html
    assert 'class="mention hashtag"' in html
    assert "evil-overlay" not in html
    assert 'rel="tag"' not in html  # every link gets our own rel

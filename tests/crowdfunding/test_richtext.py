"""The story sanitiser: a little formatting survives, nothing that runs does, plain text becomes paragraphs."""

from __future__ import annotations

import pytest

from crowdfunding.richtext import sanitise


def test_plain_text_becomes_paragraphs_with_line_breaks_and_its_markup_is_shown_not_obeyed():
    assert sanitise("Un atelier partagé.\r\n\r\nOuvert le samedi\net le dimanche.\n\n\n") == (
        "<p>Un atelier partagé.</p><p>Ouvert le samedi<br>et le dimanche.</p>"
    )
    assert sanitise("3 < 5 & <b>gras</b>") == "<p>3 &lt; 5 &amp; &lt;b&gt;gras&lt;/b&gt;</p>"
    assert sanitise("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_the_allowed_formatting_from_an_editor_is_kept():
    story = (
        "<h3>Le projet</h3><p>Un <strong>fablab</strong>, <em>ouvert</em> à <b>tous</b>, <i>vraiment</i>, "
        '<u>souligné</u>.<br>Voir <a href="https://fablab.example/plan" title="Plan">le plan</a>.</p>'
        "<ul><li>Imprimante 3D</li></ul><ol><li>Découpe laser</li></ol><h4>Contact</h4>"
        '<blockquote>« Enfin ! »</blockquote><p><a href="mailto:contact@fablab.example">Écrire</a></p>'
    )
    assert sanitise(story) == story.replace(
        'title="Plan">', 'title="Plan" rel="noopener noreferrer nofollow">'
    ).replace('example">Écrire', 'example" rel="noopener noreferrer nofollow">Écrire')


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Salut<script>alert(document.cookie)</script></p>", "<p>Salut</p>"),
        ('<p onclick="steal()" style="color:red">Texte</p>', "<p>Texte</p>"),
        ('<p><img src="x" onerror="steal()">Photo</p>', "<p>Photo</p>"),
        ('<p><a href="javascript:steal()">clic</a></p>', '<p><a rel="noopener noreferrer nofollow">clic</a></p>'),
        ('<p><a href=" JaVaScRiPt:steal()">clic</a></p>', '<p><a rel="noopener noreferrer nofollow">clic</a></p>'),
        (
            '<p><a href="data:text/html;base64,PHNjcmlwdD4=">clic</a></p>',
            '<p><a rel="noopener noreferrer nofollow">clic</a></p>',
        ),
        (
            '<p><a href="https://ok.example" target="_blank" rel="opener">ok</a></p>',
            '<p><a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a></p>',
        ),
        ('<p><iframe src="https://evil.example"></iframe>Vidéo</p>', "<p>Vidéo</p>"),
        ("<p><style>body{display:none}</style>Style</p>", "<p>Style</p>"),
        ("<div><h1>Titre</h1><p>Texte</p></div>", "Titre<p>Texte</p>"),
        ('<p>Un <span class="x">mot</span></p><form action="/x"><input name="a"></form>', "<p>Un mot</p>"),
    ],
)
def test_scripts_handlers_dangerous_urls_and_unknown_tags_are_stripped(dirty, clean):
    assert sanitise(dirty) == clean


@pytest.mark.parametrize(
    "empty",
    ["", "   \n\n  ", "<p><script>alert(1)</script></p>", "<p>&nbsp;</p>", "<br>", "<div><p> </p></div>"],
)
def test_markup_with_no_text_left_is_empty(empty):
    assert sanitise(empty) == ""

"""core.form_renderer draws selects and inputs byte for byte as Django's templates do."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from core import form_renderer
from core.form_renderer import FormRenderer

CHOICES = [("", "Every category"), ("1", "Vélos & <remorques>"), ("2", '— enfants "petits"')]
GROUPED = [("Atelier", [("a", "Scie"), ("b", "Perceuse")]), ("Salle", [("c", "Grande")]), ("d", "Hors groupe")]


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED)
    many = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    lazy = forms.ChoiceField(choices=[("x", gettext_lazy("Search")), ("y", gettext_lazy("Category"))])
    numbers = forms.TypedChoiceField(choices=[(1, "un"), (2, "deux")], coerce=int)
    integer_labels = forms.ChoiceField(choices=[("1", 1000), ("2", 2000)])
    safe = forms.ChoiceField(choices=[("s", mark_safe("<b>gras</b>"))])
    disabled = forms.ChoiceField(choices=CHOICES, disabled=True)
    text = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": 'a "b" <c>', "autofocus": True}))
    number = forms.IntegerField(min_value=0)
    decimal = forms.DecimalField(max_digits=8, decimal_places=2)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "data-x": mark_safe("&amp;")}))
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    falsy = forms.CharField(widget=forms.TextInput(attrs={"readonly": False, "aria-label": gettext_lazy("Search")}))
    area = forms.CharField(widget=forms.Textarea)
    radio = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)


DATA = [
    {},
    {
        "plain": "1",
        "grouped": "b",
        "many": ["1", "2"],
        "lazy": "y",
        "numbers": "2",
        "integer_labels": "2",
        "safe": "s",
        "text": '<script>"x"</script>',
        "number": "12",
        "decimal": "1234.5",
        "email": "a&b@example.org",
        "url": "https://example.org/?a=1&b=2",
        "password": "p<w>d",
        "hidden": "caché",
        "search": "vélo",
        "date": "2026-12-07",
        "falsy": "",
        "area": "x",
        "radio": "2",
    },
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("data", DATA)
def test_every_widget_is_drawn_as_django_draws_it(data, language):
    initial = {"date": datetime.date(2026, 1, 2), "decimal": Decimal("3.5"), "plain": "2"}
    with override(language):
        for kwargs in ({"data": data or None}, {"initial": initial}):
            fast, django = (
                Everything(renderer=FormRenderer(), **kwargs),
                Everything(renderer=DjangoTemplates(), **kwargs),
            )
            for name in fast.fields:
                assert fast[name].as_widget() == django[name].as_widget(), name
                assert fast[name].label_tag() == django[name].label_tag(), name
                assert fast[name].legend_tag() == django[name].legend_tag(), name


class Labelled(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label="Nom & <prénom>")
    asked = forms.CharField(label="Votre âge ?", required=False)
    lazy = forms.CharField(label=gettext_lazy("Search"), required=False)
    safe = forms.CharField(label=mark_safe("<abbr>IBAN</abbr>"), required=False)
    padded = forms.CharField(label="  espacé  ", required=False)
    own_id = forms.CharField(widget=forms.TextInput(attrs={"id": "mine"}), required=False)
    radio = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "kwargs", [{}, {"auto_id": False}, {"auto_id": "f-%s"}, {"label_suffix": ""}, {"label_suffix": " :"}]
)
def test_every_label_is_drawn_as_django_draws_it(kwargs, language):
    with override(language):
        fast, django = Labelled(renderer=FormRenderer(), **kwargs), Labelled(renderer=DjangoTemplates(), **kwargs)
        for name in fast.fields:
            assert fast[name].label_tag() == django[name].label_tag(), name
            assert fast[name].legend_tag() == django[name].legend_tag(), name

            # Django may add its required class to the attrs given (a radio's label): fresh ones each time.
            def given():
                return {"contents": mark_safe("<b>x</b>"), "attrs": {"class": "a", "data-n": 'q"', "hidden": True}}

            assert fast[name].label_tag(**given()) == django[name].label_tag(**given()), name
            assert fast[name].label_tag(attrs={"off": False}) == django[name].label_tag(attrs={"off": False}), name


def test_the_fast_drawings_are_in_use():
    # The templates copied are still Django's: selects and inputs do not go through them.
    drawings = form_renderer._faithful()
    assert "django/forms/widgets/select.html" in drawings
    assert "django/forms/widgets/text.html" in drawings
    assert "django/forms/widgets/number.html" in drawings
    assert "django/forms/label.html" in drawings


def test_a_changed_template_is_drawn_from_the_template_again(monkeypatch):
    monkeypatch.setitem(form_renderer._SOURCES, "select_option.html", "<option>{{ widget.label }}</option>\n")
    drawings = form_renderer._faithful()
    assert "django/forms/widgets/select.html" not in drawings
    assert "django/forms/widgets/text.html" in drawings


def test_selects_and_inputs_skip_the_templates(monkeypatch):
    def no_template(self, template_name, context, request=None):
        raise AssertionError(f"drawn from {template_name}")

    monkeypatch.setattr(DjangoTemplates, "render", no_template)
    form = Everything({"plain": "1", "text": "x"}, renderer=FormRenderer())
    assert form["plain"].as_widget().startswith('<select name="plain" id="id_plain">')
    assert '<option value="1" selected>Vélos &amp; &lt;remorques&gt;</option>' in form["plain"].as_widget()
    assert form["grouped"].as_widget().count("<optgroup") == 2
    assert form["text"].as_widget().startswith('<input type="text" name="text" value="x"')
    assert form["plain"].label_tag().startswith('<label for="id_plain">Plain')
    with pytest.raises(AssertionError, match="radio"):
        form["radio"].as_widget()  # radios still go through their templates

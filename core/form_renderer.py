"""The form renderer (settings.FORM_RENDERER): Django's own, with its commonest widgets drawn in Python.

Django draws each widget from a template, and a select from one template per option: a category
list of 50 choices costs about 3 ms, a filter form 7 ms, on every page that shows one; each
field's label is two more templates (about 1 ms of /me/profile/'s 12). The selects, the plain
inputs and the labels are drawn here instead, byte for byte as Django's templates draw them
(tests/core/test_form_renderer.py compares the two on every kind of choice). The template text
each drawing copies is checked when the renderer first draws: should a Django upgrade change one
of those templates, that widget is drawn from its template again, never differently.

Anything unusual (an option with its own template, a label that is not text) goes to the
template, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.forms import renderers
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

_FORMS = Path(renderers.__file__).parent / "templates" / "django" / "forms"
_WIDGETS = _FORMS / "widgets"

# The templates copied below, as Django 5.2 ships them.
_SOURCES = {
    "attrs.html": (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}{% endfor %}"
    ),
    "select.html": (
        '<select name="{{ widget.name }}"{% include "django/forms/widgets/attrs.html" %}>'
        "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
        '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
        "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
        "  </optgroup>{% endif %}{% endfor %}\n"
        "</select>\n"
    ),
    "select_option.html": (
        "<option value=\"{{ widget.value|stringformat:'s' }}\""
        '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n'
    ),
    "input.html": (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"'
        "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
}
# The label of a field (BoundField.label_tag and legend_tag), under django/forms/; its attrs.html is
# the widgets' one, over `attrs` instead of `widget.attrs` (drawn by the same _attrs).
_FORM_SOURCES = {
    "attrs.html": _SOURCES["attrs.html"].replace("widget.attrs.items", "attrs.items"),
    "label.html": (
        "{% if use_tag %}<{{ tag }}{% include 'django/forms/attrs.html' %}>{{ label }}</{{ tag }}>"
        "{% else %}{{ label }}{% endif %}\n"
    ),
}
# These only include input.html (and end with a newline of their own).
_INPUTS = ("text", "number", "email", "url", "password", "hidden", "search", "tel", "date", "datetime", "time")
_INCLUDE_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
_OPTION = "django/forms/widgets/select_option.html"


def _text(value: Any) -> bool:
    return isinstance(value, (str, Promise))


def _string_format(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` in an autoescaping template."""
    text = "%s" % (value,)  # noqa: UP031 - what the filter does, tuples included
    return text if isinstance(value, SafeData) else str(conditional_escape(text))


def _attrs(attrs: Mapping[str, Any]) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}"
            if value is True
            else f' {conditional_escape(name)}="{_string_format(value)}"'
        )
    return "".join(parts)


def _option(option: Mapping[str, Any]) -> str | None:
    if option.get("template_name") != _OPTION or not _text(option["label"]):
        return None
    return (
        f'<option value="{_string_format(option["value"])}"{_attrs(option["attrs"])}>'
        f"{conditional_escape(option['label'])}</option>\n"
    )


def _select(context: Mapping[str, Any]) -> str | None:
    widget = context["widget"]
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name and not _text(group_name):
            return None
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            drawn = _option(option)
            if drawn is None:
                return None
            parts.append("\n  " + drawn)
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")  # the renderer strips what it returns: the template's last newline goes
    return "".join(parts)


def _input(context: Mapping[str, Any]) -> str | None:
    widget = context["widget"]
    if not _text(widget["type"]):
        return None
    value = widget["value"]
    shown = f' value="{_string_format(value)}"' if value is not None else ""
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _label(context: Mapping[str, Any]) -> str | None:
    label, tag, attrs = context["label"], context["tag"], context["attrs"]
    if not _text(label) or not _text(tag):
        return None
    if not context["use_tag"]:
        return str(conditional_escape(label)).strip()
    tag = conditional_escape(tag)
    return f"<{tag}{_attrs(attrs) if attrs else ''}>{conditional_escape(label)}</{tag}>"


def _faithful() -> dict[str, Callable[[Mapping[str, Any]], str | None]]:
    """The drawings whose templates are still the ones copied here."""

    def same(name: str, expected: str, folder: Path = _WIDGETS) -> bool:
        try:
            return (folder / name).read_text(encoding="utf-8") == expected
        except OSError:
            return False

    drawings: dict[str, Callable[[Mapping[str, Any]], str | None]] = {}
    if all(same(name, text, _FORMS) for name, text in _FORM_SOURCES.items()):
        drawings["django/forms/label.html"] = _label
    if not same("attrs.html", _SOURCES["attrs.html"]):
        return drawings
    if same("select.html", _SOURCES["select.html"]) and same("select_option.html", _SOURCES["select_option.html"]):
        drawings["django/forms/widgets/select.html"] = _select
    if same("input.html", _SOURCES["input.html"]):
        for kind in _INPUTS:
            if same(f"{kind}.html", _INCLUDE_INPUT):
                drawings[f"django/forms/widgets/{kind}.html"] = _input
    return drawings


class FormRenderer(renderers.DjangoTemplates):
    """Django's DjangoTemplates renderer; selects, plain inputs and labels drawn without their templates.

    Like Django's, what it returns is stripped of the whitespace around it (not inside it)."""

    _drawings: dict[str, Callable[[Mapping[str, Any]], str | None]] | None = None

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        drawings = FormRenderer._drawings
        if drawings is None:
            drawings = FormRenderer._drawings = _faithful()
        draw = drawings.get(template_name)
        if draw is not None:
            drawn = draw(context)
            if drawn is not None:
                return drawn
        return super().render(template_name, context, request)

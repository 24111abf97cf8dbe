"""A text field that names one record by search (the member picker and any like it).

core imports no app: the field is given the URL of the search endpoint (JSON, see
static/js/combobox.js) and a resolver, the owning app's callable that turns what was posted
into the record or raises forms.ValidationError with the reason.

The widget renders the ARIA 1.2 combobox pattern (an input with role=combobox, a listbox of
options, a polite live region) and a hidden input `<name>_id` that the script fills with the chosen
record's id. Without the script, only the visible text is posted and the resolver reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Picked:
    """What the widget posts: the visible text and, when the script chose an option, its id."""

    text: str = ""
    id: str = ""


Resolver = Callable[[Picked], Any]


class PickerWidget(forms.Widget):
    template_name = "core/widgets/picker.html"

    def __init__(self, *, search_url: Any = "", attrs: dict[str, Any] | None = None) -> None:
        # search_url may be lazy (reverse_lazy): it is read when the page is rendered.
        self.search_url = search_url
        super().__init__(attrs)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Picked:
        return Picked(text=str(data.get(name) or "").strip(), id=str(data.get(f"{name}_id") or "").strip())

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_id" not in data

    def format_value(self, value: Any) -> Picked:  # type: ignore[override]
        if isinstance(value, Picked):
            return value
        if value is None or value == "":
            return Picked()
        if hasattr(value, "pk"):
            return Picked(text=str(value), id=str(value.pk))
        return Picked(text=str(value))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        input_id = widget["attrs"].get("id") or f"id_{name}"
        # Django points aria-describedby at the help text; the keyboard hint joins it.
        described = widget["attrs"].get("aria-describedby", "")
        widget["attrs"]["aria-describedby"] = f"{described} {input_id}_hint".strip()
        widget.update(
            search_url=str(self.search_url),
            input_id=input_id,
            listbox_id=f"{input_id}_listbox",
            status_id=f"{input_id}_status",
            hint_id=f"{input_id}_hint",
        )
        return context


class PickerField(forms.Field):
    """Cleans to whatever the resolver returns (a Member for members.picker.MemberField)."""

    widget = PickerWidget
    default_error_messages = {"required": _("This field is required.")}

    def __init__(self, *, resolver: Resolver, search_url: Any, **kwargs: Any) -> None:
        self.resolver = resolver
        kwargs.setdefault("widget", PickerWidget(search_url=search_url))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, Picked):
            value = Picked(text=str(value or "").strip())
        if not value.text and not value.id:
            return None
        return self.resolver(value)

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def bound_data(self, data: Any, initial: Any) -> Any:
        return data

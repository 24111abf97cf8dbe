"""Identity numbers: validated and normalised with python-stdnum (RNA checked here: stdnum has none).

Each `clean_*` returns the compact form or raises django.core.exceptions.ValidationError with a
translated message naming what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import bic, iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)
from stdnum.fr import siren, siret, tva

RNA_PATTERN = re.compile(r"^W\d{9}$")


def _stdnum(validate: Callable[[str], str], label: Any) -> Callable[[str], str]:
    def clean(value: str) -> str:
        try:
            return validate(value)
        except InvalidChecksum:
            raise ValidationError(
                _("This %(label)s has a wrong check digit: please check for a typo.") % {"label": label}
            ) from None
        except InvalidLength:
            raise ValidationError(
                _("This %(label)s does not have the right number of characters.") % {"label": label}
            ) from None
        except (InvalidFormat, InvalidComponent):
            raise ValidationError(_("This is not a valid %(label)s.") % {"label": label}) from None
        except StdnumError:
            raise ValidationError(_("This is not a valid %(label)s.") % {"label": label}) from None

    return clean


clean_siren = _stdnum(siren.validate, "SIREN")
clean_siret = _stdnum(siret.validate, "SIRET")
clean_vat_number = _stdnum(lambda value: "FR" + tva.validate(value), _("VAT number"))
clean_iban = _stdnum(iban.validate, "IBAN")
clean_bic = _stdnum(bic.validate, "BIC")


def clean_rna(value: str) -> str:
    """RNA (répertoire national des associations): W followed by nine digits, e.g. W853001234."""
    compact = re.sub(r"[\s.-]", "", value).upper()
    if not RNA_PATTERN.match(compact):
        raise ValidationError(_("An RNA number is a W followed by nine digits, e.g. W853001234."))
    return compact


IDENTITY_CLEANERS: dict[str, Callable[[str], str]] = {
    "siren": clean_siren,
    "siret": clean_siret,
    "vat_number": clean_vat_number,
    "rna": clean_rna,
    "iban": clean_iban,
    "bic": clean_bic,
}

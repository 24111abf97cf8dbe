"""The local currency's system memos (ledger.memos), registered in currency.apps."""

from django.utils.translation import gettext_lazy as _

from ledger.memos import MemoSpec

from .models import Conversion

DEMURRAGE = "currency.demurrage"
CONVERSION = "currency.conversion"
RECONVERSION = "currency.reconversion"
PAYMENT_REQUEST = "currency.payment_request"

MEMOS = [
    MemoSpec(DEMURRAGE, _("Demurrage (fonte) %(period)s"), periods=("period",)),
    MemoSpec(CONVERSION, _("Conversion at %(comptoir)s (%(method)s)"), choices=(("method", Conversion.PaymentMethod),)),
    MemoSpec(RECONVERSION, _("Reconversion #%(id)s of %(member)s")),
    MemoSpec(PAYMENT_REQUEST, _("Payment request #%(id)s")),
]

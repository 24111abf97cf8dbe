"""The staff's member pages: creating a member (who chooses their password from a mailed link) and
importing members from a CSV file, checked first (nothing written), then line by line."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from core.audit import describe
from core.models import AuditEvent, OutboundEmail
from ledger.models import Account
from members.models import Commune, Member

pytestmark = pytest.mark.django_db

GOOD_SIREN, GOOD_SIRET, BAD_SIREN = "732829320", "73282932000074", "123456789"


def rows() -> tuple[int, int, int, int]:
    return Member.objects.count(), User.objects.count(), Account.objects.count(), OutboundEmail.objects.count()


@pytest.fixture
def staff(staff_user) -> Client:
    client = Client()
    client.force_login(staff_user)
    return client


def create(staff: Client, capture, **fields: str):
    data = {"kind": "individual", "display_name": "Marie Gabôrit", "email": "marie@example.org", **fields}
    with capture(execute=True):
        return staff.post("/members/new/", data)


# --- creating one member ------------------------------------------------------------------------


def test_staff_creates_a_member_who_chooses_their_password_from_the_mailed_link(
    staff, django_capture_on_commit_callbacks
):
    martinet = Commune.objects.get(name="Martinet")
    response = create(
        staff,
        django_capture_on_commit_callbacks,
        kind="business",
        display_name="Boulangerie Gabôrit",
        email="pain@example.org",
        commune=str(martinet.pk),
        address="3 rue du Four",
        phone="02 51 00 00 00",
        siren="732 829 320",
        siret=GOOD_SIRET,
    )
    assert response.status_code == 302
    assert response["Location"] == "/audit/accounts/?q=boulangerie.gaborit"
    member = Member.objects.get(display_name="Boulangerie Gabôrit")
    assert (member.kind, member.commune, member.address, member.siren, member.siret) == (
        "business",
        martinet,
        "3 rue du Four",
        GOOD_SIREN,
        GOOD_SIRET,
    )
    assert member.user.username == "boulangerie.gaborit"
    assert member.user.email == "pain@example.org"
    assert not member.user.has_usable_password()
    assert member.accounts.count() > 0
    assert AuditEvent.objects.filter(action="member_create", object_id=str(member.pk)).count() == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pain@example.org"]
    assert "boulangerie.gaborit" in message.body
    link = re.search(r"https?://\S+/accounts/reset/\S+", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    newcomer = Client()
    page = newcomer.get("/" + path, follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    done = newcomer.post(
        page.redirect_chain[-1][0], {"new_password1": "Un-pain-de-4-livres", "new_password2": "Un-pain-de-4-livres"}
    )
    assert done.status_code == 302
    assert Client().login(username="boulangerie.gaborit", password="Un-pain-de-4-livres")


def test_a_username_is_proposed_from_the_name_and_kept_unique(staff, django_capture_on_commit_callbacks):
    create(staff, django_capture_on_commit_callbacks, display_name="Marie Dupont", email="m1@example.org")
    create(staff, django_capture_on_commit_callbacks, display_name="Marie Dupont", email="m2@example.org")
    create(staff, django_capture_on_commit_callbacks, display_name="Jo", username="jo-85", email="jo@example.org")
    assert sorted(Member.objects.values_list("user__username", flat=True)) == [
        "jo-85",
        "marie.dupont",
        "marie.dupont2",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"kind": "business", "siren": BAD_SIREN}, "siren", None),
        ({"username": "taken"}, "username", "Cet identifiant est déjà pris."),
        ({"display_name": ""}, "display_name", None),
        ({"email": ""}, "email", None),
        ({"kind": "individual", "rna": "W123456789"}, "rna", None),
        ({"username": "a b"}, "username", None),
        ({"email": "TAKEN@example.org"}, "email", "Un autre membre a déjà cette adresse électronique."),
    ],
)
def test_a_refused_member_is_shown_on_its_field_and_writes_nothing(
    staff, django_capture_on_commit_callbacks, django_user_model, fields, field, error
):
    django_user_model.objects.create_user(username="taken", email="taken@example.org")
    before = rows()
    response = create(staff, django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if error:
        assert errors[field] == [error]
    assert rows() == before
    assert mail.outbox == []


def test_a_member_who_is_not_staff_gets_403_and_a_stranger_the_login(make_member):
    member = make_member()
    client = Client()
    client.force_login(member.user)
    before = rows()
    for path in ("/members/new/", "/members/import/", "/members/import/template.csv", "/members/import/report.csv"):
        assert client.get(path).status_code == 403
        assert Client().get(path).status_code == 302
        assert Client().get(path)["Location"].startswith("/accounts/login/")
    assert (
        client.post("/members/new/", {"kind": "individual", "display_name": "X", "email": "x@example.org"}).status_code
        == 403
    )
    assert rows() == before


def test_the_staff_menu_offers_both_pages(staff, make_member):
    page = staff.get("/members/new/").content.decode()
    assert 'href="/members/new/"' in page
    assert 'href="/members/import/"' in page
    member = Client()
    member.force_login(make_member().user)
    assert 'href="/members/import/"' not in member.get("/").content.decode()


# --- importing a file ---------------------------------------------------------------------------

MIXED = (
    "type;nom;identifiant;email;commune;adresse;telephone;siren;siret;tva;rna\n"
    "particulier;Anne Morin;;anne@example.org;Martinet;1 place de l'Église;0601020304;;;;\n"
    f"entreprise;Garage Morin;;garage@example.org;les achards;ZA du Pont;;{BAD_SIREN};;;\n"
    "particulier;Paul Roy;;paul@example.org;Paris;;;;;;\n"
    "\n"
    f"entreprise;Café du Bourg;cafe;cafe@example.org;85430;;;{GOOD_SIREN};{GOOD_SIRET};;\n"
    "particulier;Anne Morin bis;;ANNE@example.org;;;;;;;\n"
    "particulier;Déjà Là;;old@example.org;;;;;;;\n"
    "association;;;vide@example.org;;;;;;;\n"
    "association;Les Amis du Bocage;;amis@example.org;;;;;;;W851000123\n"
)
EXPECTED = [
    (2, "would_create"),
    (3, "refused"),
    (4, "refused"),
    (6, "would_create"),
    (7, "refused"),
    (8, "existing"),
    (9, "refused"),
    (10, "would_create"),
]


def upload(staff: Client, content: bytes, name: str = "membres.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return staff.post("/members/import/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def outcomes(response) -> list[tuple[int, str]]:
    return [(result.line, result.outcome) for result in response.context["results"]]


def test_checking_a_file_reports_each_line_and_writes_nothing(staff, make_member):
    make_member(username="ancien", email="old@example.org")
    before = rows()
    response = upload(staff, MIXED.encode())
    assert response.status_code == 200
    assert outcomes(response) == EXPECTED
    results = {result.line: result for result in response.context["results"]}
    assert len(results[3].errors) == 1 and "«\u00a0siren\u00a0»" in results[3].errors[0]
    assert "«\u00a0commune\u00a0»" in results[4].errors[0] and "Paris" in results[4].errors[0]
    assert results[7].errors and "2" in results[7].errors[0]
    assert "«\u00a0nom\u00a0»" in results[9].errors[0]
    assert results[2].username == "anne.morin"
    assert rows() == before
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action__in=["member_create", "members_import"]).exists()


def test_importing_creates_exactly_the_good_lines_and_a_second_import_creates_nothing(
    staff, make_member, django_capture_on_commit_callbacks
):
    make_member(username="ancien", email="old@example.org")
    members, users, accounts, _mails = rows()
    digest = upload(staff, MIXED.encode()).context["digest"]
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post("/members/import/", {"digest": digest})
    assert response.status_code == 200
    assert outcomes(response) == [
        (line, "created" if outcome == "would_create" else outcome) for line, outcome in EXPECTED
    ]
    created = Member.objects.exclude(user__username="ancien").order_by("display_name")
    assert [(m.display_name, m.kind, m.user.username, m.user.email) for m in created] == [
        ("Anne Morin", "individual", "anne.morin", "anne@example.org"),
        ("Café du Bourg", "business", "cafe", "cafe@example.org"),
        ("Les Amis du Bocage", "association", "les.amis.du.bocage", "amis@example.org"),
    ]
    anne = created[0]
    assert (anne.commune.name, anne.address, anne.phone) == ("Martinet", "1 place de l'Église", "0601020304")
    cafe = created[1]
    assert (cafe.commune.name, cafe.siren, cafe.siret) == ("Nieul-le-Dolent", GOOD_SIREN, GOOD_SIRET)
    assert created[2].rna == "W851000123"
    assert Member.objects.count() == members + 3 and User.objects.count() == users + 3
    assert Account.objects.count() > accounts
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amis@example.org",
        "anne@example.org",
        "cafe@example.org",
    ]
    event = AuditEvent.objects.get(action="members_import")
    assert (event.details["created"], event.details["existing"], event.details["refused"]) == (3, 1, 4)
    assert describe(event, object_text="") == (
        "A importé des membres d’un fichier\u202f: 3 créés, 1 déjà membres, 4 refusés"
    )

    report = staff.get("/members/import/report.csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Ligne;Nom;Courriel;Identifiant;Résultat;Motifs"
    assert lines[1].startswith("2;Anne Morin;anne@example.org;anne.morin;")
    assert len(lines) == 1 + len(EXPECTED)

    # The same confirmation again: the file is no longer pending.
    before = rows()
    assert staff.post("/members/import/", {"digest": digest}).status_code == 302
    # The same file again: every line is now a member or still refused.
    again = upload(staff, MIXED.encode())
    assert {outcome for _line, outcome in outcomes(again)} == {"existing", "refused"}
    with django_capture_on_commit_callbacks(execute=True):
        staff.post("/members/import/", {"digest": again.context["digest"]})
    assert rows() == before


def test_a_confirmation_with_an_unknown_digest_writes_nothing(staff):
    upload(staff, MIXED.encode())
    before = rows()
    response = staff.post("/members/import/", {"digest": "0" * 64})
    assert response.status_code == 302 and response["Location"] == "/members/import/"
    assert rows() == before


def test_a_latin1_file_with_commas_and_english_headers_is_read(staff):
    content = "Kind,Name,E-mail,Town,Phone\nindividual,Hélène Côté,helene@example.org,Saint-Julien-des-Landes,02\n"
    response = upload(staff, content.encode("latin-1"))
    assert outcomes(response) == [(2, "would_create")]
    assert response.context["results"][0].name == "Hélène Côté"
    windows = "NOM;Courriel;Téléphone\nŒuvre Lévêque;oeuvre@example.org;06\n".encode("cp1252")
    assert [result.name for result in upload(staff, windows).context["results"]] == ["Œuvre Lévêque"]


def test_the_template_round_trips(staff):
    template = staff.get("/members/import/template.csv")
    assert template.status_code == 200
    text = template.content.decode("utf-8")
    assert text.startswith("\ufefftype;nom;identifiant;email;commune;adresse;telephone;siren;siret;tva;rna")
    filled = text + "association;Les Amis;;amis@example.org;Martinet;;;;;;W851000123\r\n"
    assert outcomes(upload(staff, filled.encode("utf-8"))) == [(2, "would_create")]


def test_an_oversized_or_too_long_file_is_refused_and_nothing_is_kept(staff):
    big = b"nom;email\n" + b"x" * (2 * 1024 * 1024)
    response = upload(staff, big)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    long = "nom;email\n" + "".join(f"M{n};m{n}@example.org\n" for n in range(1001))
    response = upload(staff, long.encode())
    assert response.context["form"].errors["file"]
    assert "1000" in response.context["form"].errors["file"][0]
    assert "member_import_pending" not in staff.session


def test_a_file_without_the_required_columns_is_refused(staff):
    response = upload(staff, b"prenom;ville\nAnne;Martinet\n")
    assert "nom" in response.context["form"].errors["file"][0]
    assert "email" in response.context["form"].errors["file"][0]

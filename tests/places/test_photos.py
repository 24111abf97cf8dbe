"""A place's photos: its managers add them (re-encoded, described, at most eight) and delete them,
through the service and the page; the directory, the place's page and the API show them."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from core.audit import AuditEvent
from core.errors import InvalidInput, PermissionDenied
from core.images import InvalidImage
from members.models import Member
from places.errors import TooManyPhotos
from places.models import PlaceManager, PlacePhoto
from places.services import place_photo_add, place_photo_delete
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def png(width: int = 900, height: int = 600, name: str = "bocal.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 120, 60)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BOCAGE_PHOTO_MAX_SIDE = 600
    return settings.MEDIA_ROOT


@pytest.fixture
def manager(network) -> Member:
    member = MemberFactory(username="gerante", display_name="Gérante du Bocal")
    PlaceManager.objects.create(place=network.coworking, member=member)
    return member


@pytest.fixture
def fablab_manager(network) -> Member:
    member = MemberFactory(username="fabmanager", display_name="Gérant du fablab")
    PlaceManager.objects.create(place=network.fablab, member=member)
    return member


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def client_for(member: Member | None) -> Client:
    client = Client()
    if member is not None:
        client.force_login(member.user)
    return client


# --- the service -------------------------------------------------------------------------------


def test_a_manager_adds_a_photo_reencoded_and_audited(network, manager, media):
    photo = place_photo_add(
        place=network.coworking, upload=png(), alt_text="  L'open space,  ses bureaux ", actor=manager.user
    )
    assert (photo.width, photo.height, photo.position) == (600, 400, 0)
    assert photo.alt_text == "L'open space, ses bureaux"
    assert photo.image.name.startswith("places/") and photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as file:
        assert Image.open(io.BytesIO(file.read())).format == "JPEG"
    second = place_photo_add(place=network.coworking, upload=png(), alt_text="La salle", actor=manager.user)
    assert second.position == 1
    events = AuditEvent.objects.filter(action="place_photo_add").order_by("id")
    assert [e.details["alt"] for e in events] == ["L'open space, ses bureaux", "La salle"]
    assert events[0].actor_id == manager.user_id


def test_refusals_write_nothing(network, manager, fablab_manager, media):
    with pytest.raises(PermissionDenied):
        place_photo_add(place=network.coworking, upload=png(), alt_text="Vue", actor=fablab_manager.user)
    not_an_image = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(InvalidImage):
        place_photo_add(place=network.coworking, upload=not_an_image, alt_text="Vue", actor=manager.user)
    with pytest.raises(InvalidInput) as refused:
        place_photo_add(place=network.coworking, upload=png(), alt_text="   ", actor=manager.user)
    assert "alt_text" in (refused.value.fields or {})
    assert not PlacePhoto.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="place_photo").exists()
    assert stored_files(media) == []


def test_the_ninth_photo_is_refused(network, manager, media):
    for n in range(8):
        place_photo_add(place=network.coworking, upload=png(60, 40), alt_text=f"Vue {n}", actor=manager.user)
    before = stored_files(media)
    with pytest.raises(TooManyPhotos) as refused:
        place_photo_add(place=network.coworking, upload=png(60, 40), alt_text="Une de trop", actor=manager.user)
    assert refused.value.code == "too_many_photos"
    assert PlacePhoto.objects.filter(place=network.coworking).count() == 8
    assert stored_files(media) == before


def test_delete_removes_row_and_file_and_only_for_managers(
    network, manager, fablab_manager, media, django_capture_on_commit_callbacks
):
    photo = place_photo_add(place=network.coworking, upload=png(), alt_text="Vue", actor=manager.user)
    with pytest.raises(PermissionDenied):
        place_photo_delete(photo=photo, actor=fablab_manager.user)
    assert PlacePhoto.objects.filter(pk=photo.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        place_photo_delete(photo=photo, actor=manager.user)
    place_photo_delete(photo=photo, actor=manager.user)  # a repeat changes nothing
    assert not PlacePhoto.objects.exists()
    assert stored_files(media) == []
    assert AuditEvent.objects.filter(action="place_photo_delete").count() == 1


# --- the managers' page ------------------------------------------------------------------------


def test_the_page_is_404_for_anyone_but_the_managers(network, manager, fablab_manager):
    photo = place_photo_add(place=network.coworking, upload=png(), alt_text="Vue", actor=manager.user)
    url = f"/places/{network.coworking.pk}/photos/"
    delete = f"{url}{photo.pk}/delete/"
    assert client_for(None).get(url).status_code == 302  # to the login page
    member = MemberFactory(username="passant")
    for who in (member, fablab_manager):
        client = client_for(who)
        assert client.get(url).status_code == 404
        assert client.post(url, {"alt_text": "x", "image": png()}).status_code == 404
        assert client.post(delete).status_code == 404
    assert PlacePhoto.objects.count() == 1
    # a photo of another place through this place's address
    assert client_for(fablab_manager).post(f"/places/{network.fablab.pk}/photos/{photo.pk}/delete/").status_code == 404
    assert PlacePhoto.objects.count() == 1


def test_a_manager_uploads_and_deletes_on_the_page(network, manager, media):
    client = client_for(manager)
    url = f"/places/{network.coworking.pk}/photos/"
    assert f'href="{url}"' in client.get(f"/places/{network.coworking.pk}/manage/").content.decode()
    refused = client.post(url, {"alt_text": "", "image": png()})
    assert refused.status_code == 400 and not PlacePhoto.objects.exists()
    bad = client.post(url, {"alt_text": "Vue", "image": SimpleUploadedFile("a.png", b"nope", content_type="image/png")})
    assert bad.status_code == 422 and not PlacePhoto.objects.exists()
    assert "errorlist" in bad.content.decode() or 'aria-invalid="true"' in bad.content.decode()
    response = client.post(url, {"alt_text": "L'entrée du Bocal", "image": png()})
    assert response.status_code == 302 and response["Location"] == url
    photo = PlacePhoto.objects.get()
    page = client.get(url).content.decode()
    assert 'alt="L&#x27;entrée du Bocal"' in page and 'loading="lazy"' in page
    delete = f"{url}{photo.pk}/delete/"
    assert client.get(delete).status_code == 200 and PlacePhoto.objects.exists()
    assert client.post(delete)["Location"] == url
    assert not PlacePhoto.objects.exists()


# --- display -----------------------------------------------------------------------------------


def test_directory_detail_and_api_show_the_photos(network, manager):
    first = place_photo_add(place=network.coworking, upload=png(), alt_text="La façade", actor=manager.user)
    place_photo_add(place=network.coworking, upload=png(300, 300), alt_text="Les bureaux", actor=manager.user)
    client = Client()
    directory = client.get("/places/").content.decode()
    card = f'<img class="place-card-photo" src="{first.image.url}" alt="La façade" width="600" height="400"'
    assert f'{card} loading="lazy">' in directory and "Les bureaux" not in directory
    detail = client.get(f"/places/{network.coworking.pk}/").content.decode()
    assert 'alt="La façade"' in detail and 'alt="Les bureaux"' in detail
    expected = [
        {"url": f"http://testserver{first.image.url}", "alt": "La façade", "width": 600, "height": 400},
        {
            "url": f"http://testserver{PlacePhoto.objects.last().image.url}",
            "alt": "Les bureaux",
            "width": 300,
            "height": 300,
        },
    ]
    assert client.get(f"/api/places/{network.coworking.pk}/").json()["photos"] == expected
    listed = {place["id"]: place["photos"] for place in client.get("/api/places/").json()["results"]}
    assert listed[network.coworking.pk] == expected and listed[network.fablab.pk] == []


def test_the_admin_inline_reencodes_uploads(network):
    from places.admin import PlacePhotoForm

    form = PlacePhotoForm(
        {"alt_text": "La façade", "position": 0}, {"image": png()}, instance=PlacePhoto(place=network.coworking)
    )
    assert form.is_valid(), form.errors
    photo = form.save()
    assert (photo.width, photo.height) == (600, 400) and photo.image.name.endswith(".jpg")
    text = SimpleUploadedFile("a.gif", b"GIF89a not really", content_type="image/gif")
    instance = PlacePhoto(place=network.coworking)
    refused = PlacePhotoForm({"alt_text": "x", "position": 1}, {"image": text}, instance=instance)
    assert not refused.is_valid() and "image" in refused.errors
    assert PlacePhoto.objects.count() == 1

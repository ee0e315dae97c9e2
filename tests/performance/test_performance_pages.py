"""Performance pages: who may see and change what, and lost-update protection."""

from decimal import Decimal as D

import pytest
from django.template import Context, Template
from django.urls import reverse

from bury_hc.periods import Period, Quarter
from bury_hc.roles import Role
from performance.models import Measure, Observation, SectionCommentary, Target
from performance.snapshots import snapshots_rebuild
from tests.factories import AreaFactory, MeasureFactory, ObservationFactory, user_with_role

Q4 = Quarter(2024, 4)
EDITORS = {Role.PERFORMANCE_ANALYST, Role.ADMINISTRATOR}


@pytest.fixture
def measure(db):
    bury = AreaFactory(ons_code="E08000002", name="Bury")
    measure = MeasureFactory(
        code="ASC-WL-01", name="People waiting", report_section="waiting-lists"
    )
    for quarter, value in ((Quarter(2024, 3), "60"), (Q4, "54")):
        ObservationFactory(
            measure=measure, area=bury, period=Period.for_quarter(quarter), value=D(value)
        )
    snapshots_rebuild()
    return measure


READ_PAGES = [
    ("performance:highlights", {}),
    ("performance:section", {"section": "waiting-lists"}),
    ("performance:measures", {}),
    ("performance:measure", {"code": "ASC-WL-01"}),
]
EDIT_PAGES = [
    ("performance:measure_new", {}),
    ("performance:measure_edit", {"code": "ASC-WL-01"}),
    ("performance:target_new", {"code": "ASC-WL-01"}),
    ("performance:note_new", {"code": "ASC-WL-01"}),
    ("performance:commentary_edit", {"section": "waiting-lists", "quarter": "2024-25-Q4"}),
]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES)
def test_read_pages_open_to_every_role(client, measure, role, name, kwargs):
    client.force_login(user_with_role(role))

    assert client.get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "kwargs"), EDIT_PAGES)
def test_edit_pages_only_for_the_performance_team(client, measure, role, name, kwargs):
    client.force_login(user_with_role(role))
    url = reverse(name, kwargs=kwargs)

    get_status = client.get(url).status_code
    post_status = client.post(url, {}).status_code

    if role in EDITORS:
        assert get_status == 200
        assert post_status == 200  # an empty form comes back with its errors
    else:
        assert (get_status, post_status) == (403, 403)


@pytest.mark.parametrize(("name", "kwargs"), READ_PAGES + EDIT_PAGES)
def test_pages_need_sign_in(client, measure, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_highlight_page_shows_direction_in_words(client, measure):
    measure.in_highlight_report = True
    measure.save()
    snapshots_rebuild()
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    page = client.get(reverse("performance:highlights")).content.decode()

    assert "People waiting" in page
    assert "Improving" in page  # 60 → 54 with lower is better
    assert "Trend: 2024/25 Q3 60, 2024/25 Q4 54" in page


def test_unknown_section_and_bad_quarter_are_not_found(client, measure):
    client.force_login(user_with_role(Role.BOARD_MEMBER))

    assert client.get("/performance/sections/nonsense/").status_code == 404
    assert client.get(reverse("performance:highlights") + "?quarter=Q9").status_code == 404


def test_chart_data_downloads_as_csv(client, measure):
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    url = reverse("performance:measure", kwargs={"code": "ASC-WL-01"})

    response = client.get(url + "?download=trend")

    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert body.splitlines() == ["Period,Bury", "2024/25 Q3,60", "2024/25 Q4,54"]


def test_chart_data_downloads_to_the_measures_decimal_places(client, measure):
    Measure.objects.filter(code="ASC-WL-01").update(decimal_places=1)
    Observation.objects.filter(value=54).update(value=D("79.6"))
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    url = reverse("performance:measure", kwargs={"code": "ASC-WL-01"})

    body = client.get(url + "?download=trend").content.decode("utf-8-sig")

    assert body.splitlines()[-1] == "2024/25 Q4,79.6"


def test_a_status_tag_is_followed_by_punctuation_without_a_space():
    html = Template(
        '{% include "includes/status_tag.html" with status="not_comparable" '
        'text="Not comparable" %}. Lower is better.'
    ).render(Context())

    assert "Not comparable</strong>. Lower is better." in html


def test_commentary_second_save_is_refused_and_first_kept(client, measure):
    analyst = user_with_role(Role.PERFORMANCE_ANALYST)
    client.force_login(analyst)
    url = reverse(
        "performance:commentary_edit", kwargs={"section": "waiting-lists", "quarter": "2024-25-Q4"}
    )
    client.post(url, {"text": "First version.", "version": ""})
    opened_at = SectionCommentary.objects.get().version
    client.post(url, {"text": "Alice's edit.", "version": opened_at})

    response = client.post(url, {"text": "Bob's edit.", "version": opened_at})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page
    assert "Alice&#x27;s edit." in page  # what is stored, shown beside Bob's own text
    assert "Your value (not saved)" in page
    assert SectionCommentary.objects.get().text == "Alice's edit."
    # The form now carries the stored version: saving again replaces Alice's text, knowingly.
    again = client.post(url, {"text": "Bob's edit.", "version": opened_at + 1})
    assert again.status_code == 302
    assert SectionCommentary.objects.get().text == "Bob's edit."


def test_measure_edit_refuses_stale_version(client, measure):
    client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
    url = reverse("performance:measure_edit", kwargs={"code": "ASC-WL-01"})
    form = {
        "name": "People waiting for a needs assessment",
        "polarity": "lower",
        "frequency": "quarterly",
        "unit": "count",
        "decimal_places": "0",
        "report_section": "waiting-lists",
        "highlight_order": "1",
        "is_active": "on",
        "version": "1",
    }
    assert client.post(url, form).status_code == 302

    response = client.post(url, {**form, "name": "Stale rename"})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this" in page
    assert "Stale rename" in page  # beside the stored name, in the differences table
    assert "Your value (not saved)" in page
    assert Measure.objects.get(code="ASC-WL-01").name == "People waiting for a needs assessment"
    assert Measure.objects.get(code="ASC-WL-01").history.count() == 2  # created, first edit


def test_target_added_changes_status(client, measure, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no worker in this test
    client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
    url = reverse("performance:target_new", kwargs={"code": "ASC-WL-01"})

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "applies_from": "2024-04-01",
                "applies_to": "2025-03-31",
                "value": "50",
                "tolerance": "5",
            },
        )

    assert response.status_code == 302
    assert Target.objects.get().value == D("50")
    snapshot = measure.snapshots.get(quarter=Q4)
    assert snapshot.status == "within_tolerance"  # 54 against 50, lower is better


def test_target_form_names_the_wrong_field(client, measure):
    client.force_login(user_with_role(Role.PERFORMANCE_ANALYST))
    url = reverse("performance:target_new", kwargs={"code": "ASC-WL-01"})

    response = client.post(
        url,
        {"applies_from": "2025-03-31", "applies_to": "2024-04-01", "value": "", "tolerance": "-1"},
    )

    page = response.content.decode()
    assert '<a href="#id_applies_to">The last date must be on or after the first date</a>' in page
    assert '<a href="#id_value">Enter the target value</a>' in page
    assert Target.objects.count() == 0


def test_highlight_table_cache_follows_rebuilds(client, measure, django_assert_max_num_queries):
    measure.in_highlight_report = True
    measure.save()
    snapshots_rebuild()
    client.force_login(user_with_role(Role.BOARD_MEMBER))
    url = reverse("performance:highlights") + "?quarter=2024-25-Q4"
    assert "<strong>54</strong>" in client.get(url).content.decode()
    with django_assert_max_num_queries(8):  # warm: the table is not read again
        client.get(url)

    observation = measure.observations.get(period_start=Q4.start)
    observation.value = D("49")
    observation.save()
    snapshots_rebuild()

    assert "<strong>49</strong>" in client.get(url).content.decode()


@pytest.mark.parametrize("first", [Role.PERFORMANCE_ANALYST, Role.BOARD_MEMBER])
def test_highlight_report_cached_for_one_role_is_never_served_to_another(client, measure, first):
    from django.core.cache import cache

    cache.clear()
    url = reverse("performance:highlights") + "?quarter=2024-25-Q4"
    edit_link = "Edit the measure catalogue and targets"
    pages = {}
    for role in (first, *({Role.PERFORMANCE_ANALYST, Role.BOARD_MEMBER} - {first}), first):
        client.force_login(user_with_role(role))
        pages.setdefault(role, []).append(client.get(url).content.decode())

    assert all(edit_link in page for page in pages[Role.PERFORMANCE_ANALYST])
    assert not any(edit_link in page for page in pages[Role.BOARD_MEMBER])
    assert all("<strong>54</strong>" in page for role in pages for page in pages[role])


def test_highlight_report_for_a_quarter_without_snapshots_is_not_cached(client, measure):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user_with_role(Role.BOARD_MEMBER))
    url = reverse("performance:highlights") + "?quarter=2031-32-Q1"  # any quarter can be asked
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200

    # The second time too, the quarters and sections are read: the page was not kept (a
    # quarter with snapshots is served from the cache in 2 queries, test_dashboard_selectors).
    assert len(queries) > 2
    assert any("DISTINCT" in query["sql"] for query in queries.captured_queries)

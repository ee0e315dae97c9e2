"""The `shared_demo` fixture (tests/conftest.py): the demo is loaded once, each test's changes
are rolled back after it, and the tests that do not ask for it still see an empty database."""

from programmes.models import Programme

RENAMED = "Renamed by the first shared-demo test"


def test_a_shared_demo_test_may_change_the_demo(shared_demo):
    assert Programme.objects.count() == 10
    Programme.objects.filter(number=1).update(name=RENAMED)

    assert Programme.objects.filter(name=RENAMED).exists()


def test_the_next_shared_demo_test_sees_the_demo_as_loaded(shared_demo):
    assert Programme.objects.count() == 10
    assert not Programme.objects.filter(name=RENAMED).exists()
    assert {user.username for user in shared_demo.users} >= {"board.member", "programme.lead"}


def test_a_test_without_it_after_them_sees_an_empty_database(db):
    # Runs after the two above (the shared-demo tests are gathered where the first one is).
    assert not Programme.objects.exists()

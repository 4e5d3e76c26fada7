"""The sliding window of booking/ratelimit.py, at its edges: no stretch of one window ever holds
more uses than the limit, a refused use is not counted, and the wait it names is the real one."""

import pytest
from django.core.cache import cache

from booking.ratelimit import BOOKINGS_PER_ADDRESS, GIFT_CODES, Limit, parse_rate, take

HOUR = 3600
T0 = 1_800_000_000.0  # a moment on a window's edge: T0 % 3600 == 0
TRY = Limit("test", "TEST_RATE", message="Too many.")


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.TEST_RATE = "3/h"
    cache.clear()


def uses(at: float, count: int, identity: str = "1.2.3.4") -> list[bool]:
    return [take((TRY, identity), now=at) is None for _ in range(count)]


def test_the_limit_is_the_number_of_uses_in_a_window():
    assert uses(T0 + 10, 5) == [True, True, True, False, False]


def test_a_window_edge_does_not_double_the_allowance():
    """A fixed window lets 3 through just before its edge and 3 more just after; a sliding
    window lets nothing more through until an hour after the first three."""
    before_edge = uses(T0 + HOUR - 1, 3)
    after_edge = uses(T0 + HOUR + 1, 3)
    half_an_hour_on = uses(T0 + HOUR + HOUR / 2, 1)

    assert before_edge == [True, True, True]
    assert after_edge == [False, False, False]
    assert half_an_hour_on == [False]


def test_no_stretch_of_one_window_holds_more_than_the_limit():
    allowed = [
        at for at in range(int(T0), int(T0 + 3 * HOUR), 97) if take((TRY, "x"), now=at) is None
    ]

    assert all(
        sum(1 for other in allowed if start <= other < start + HOUR) <= 3 for start in allowed
    )
    assert len(allowed) >= 6  # and the limit is given again, window after window


def test_uses_come_back_after_a_window_and_at_most_a_tenth_more():
    uses(T0 + 100, 3)

    assert uses(T0 + 100 + HOUR - 1, 1) == [False]
    assert uses(T0 + 100 + HOUR * 1.1, 1) == [True]


def test_refused_tries_are_not_counted():
    uses(T0 + 10, 3)
    uses(T0 + 20, 50)

    assert uses(T0 + 10 + HOUR * 1.1, 3) == [True, True, True]


def test_retry_after_names_when_the_next_use_is_allowed():
    uses(T0 + 10, 1)
    uses(T0 + 1000, 2)

    refusal = take((TRY, "1.2.3.4"), now=T0 + 2000)

    assert refusal.status == 429 and refusal.message == "Too many."
    first_leaves = T0 + 360 * 11  # the slice of T0+10 leaves the window after 11 slices
    assert refusal.retry_after == int(first_leaves - (T0 + 2000))
    assert take((TRY, "1.2.3.4"), now=T0 + 2000 + refusal.retry_after - 1) is not None
    assert take((TRY, "1.2.3.4"), now=T0 + 2000 + refusal.retry_after) is None


def test_each_identity_has_its_own_count_and_emails_count_whatever_their_case():
    uses(T0, 3, "ann@example.com")

    assert uses(T0, 1, "ANN@Example.com ") == [False]
    assert uses(T0, 1, "bob@example.com") == [True]


def test_when_one_of_several_limits_refuses_none_of_them_counts(settings):
    settings.OTHER_RATE = "1/h"
    other = Limit("other", "OTHER_RATE", message="Other.")
    take((other, "a"), now=T0)

    refusals = [take((TRY, "a"), (other, "a"), now=T0) for _ in range(3)]

    assert [r.message for r in refusals] == ["Other."] * 3
    assert uses(T0, 4, "a") == [True, True, True, False]  # TRY was never spent


@pytest.mark.parametrize("rate", ["10/h", "5/m", "100/d", "3/30s", " 2 / 15 m "])
def test_rates_are_written_as_a_count_per_period(rate):
    count, seconds = parse_rate(rate)
    assert count > 0 and seconds > 0


@pytest.mark.parametrize("rate", ["10", "ten/h", "10/w", "10/h/2", ""])
def test_a_mistyped_rate_is_an_error_not_no_limit(rate):
    with pytest.raises(ValueError, match="10/h"):
        parse_rate(rate)


def test_with_the_cache_down_gift_codes_are_refused_and_bookings_are_not(settings):
    from tests.conftest import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "focusedcare.cache_backend.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }

    gift = take((GIFT_CODES, "1.2.3.4"))
    booking = take((BOOKINGS_PER_ADDRESS, "1.2.3.4"))
    both = take((BOOKINGS_PER_ADDRESS, "1.2.3.4"), (GIFT_CODES, "1.2.3.4"))

    assert gift.status == 503 and gift.retry_after == 60 and "right now" in gift.message
    assert booking is None
    assert both.status == 503

"""How a column's rows are shared: every panel keeps its title, the important ones come
first, lists share what is left (`bridge.console.app.layout.share`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bridge.console.app.layout import Need, share


def test_everything_fits_and_the_list_takes_the_rest() -> None:
    needs = [Need(2, 3, 9, 60), Need(2, 2, 4, 80, grow=True), Need(2, 1, 5, 40)]
    assert share(40, needs) == [11, 22, 7]


def test_a_short_column_feeds_the_important_panels_first() -> None:
    """22 rows: Devices (80) and Connection (60) before Output (40), each keeps its title."""
    needs = [Need(2, 3, 9, 60), Need(2, 2, 10, 80, grow=True), Need(2, 1, 5, 40)]
    heights = share(22, needs)
    assert sum(heights) == 22
    assert heights == [8, 11, 3]  # a list takes its share (half) before the others
    assert heights[2] == 3  # Output keeps its title and its first row


def test_two_lists_share_instead_of_one_taking_all() -> None:
    """Controls with 40 mappings does not starve the inputs monitor under it."""
    needs = [Need(2, 3, 10, 90), Need(2, 2, 80, 50, grow=True), Need(3, 1, 6, 20, grow=True)]
    heights = share(36, needs)
    assert heights == [12, 15, 9]  # the monitor's whole content; Controls the rest


def test_too_short_for_everything_takes_rows_from_the_least_important() -> None:
    needs = [Need(2, 2, 5, 100, grow=True), Need(2, 2, 5, 10), Need(2, 2, 5, 30)]
    assert share(9, needs) == [4, 2, 3]


@given(
    st.integers(0, 80),
    st.lists(
        st.builds(
            Need,
            st.integers(1, 3),
            st.integers(1, 4),
            st.integers(0, 60),
            st.integers(0, 100),
            st.booleans(),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_the_column_is_filled_exactly_when_it_can_be(rows: int, needs: list[Need]) -> None:
    heights = share(rows, needs)
    least = sum(n.frame + min(n.least, max(n.want, 1)) for n in needs)
    frames = sum(n.frame for n in needs)
    assert all(h >= n.frame for h, n in zip(heights, needs, strict=True))
    if rows >= least:
        assert sum(heights) == rows
        assert all(
            h >= n.frame + min(n.least, max(n.want, 1)) for h, n in zip(heights, needs, strict=True)
        )
    elif rows >= frames:
        assert sum(heights) == rows

"""How the rows of one column are shared between its panels, so nothing falls off a small
terminal.

Left to Textual, a panel sized to its content pushed the panels under it off an 80x24
screen (Devices vanished). Here every panel keeps its title and at least its first rows;
then the panels that matter most in a show (Problems, Prompts, Devices) get the rows they
want first; the rows left over go to the panels that can use them (lists). Pure: numbers in,
numbers out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Need:
    """What one panel asks of its column: rows of frame (border, toolbar), the content rows
    it keeps however short the screen, the rows its content fills, its rank, and whether it
    takes spare rows."""

    frame: int
    least: int
    want: int
    priority: int = 0
    grow: bool = False


def share(rows: int, needs: Sequence[Need]) -> list[int]:
    """Each panel's height (frame included); together they fill ``rows`` exactly when they
    can. A screen too short for every frame and ``least`` gives the least-ranked panels only
    their frame, bottom first."""
    if not needs:
        return []
    content = [min(n.least, max(n.want, 1)) for n in needs]
    heights = [n.frame + c for n, c in zip(needs, content, strict=True)]
    left = rows - sum(heights)
    rank = sorted(range(len(needs)), key=lambda i: (-needs[i].priority, i))
    if left < 0:  # too short: the lowest ranks lose their content rows first
        for i in reversed(rank):
            take = min(content[i], -left)
            heights[i] -= take
            left += take
            if left >= 0:
                break
        return heights
    lists = sum(1 for n in needs if n.grow)
    cap_list = rows // (lists + 1)
    for i in rank:  # what each panel's content fills, the most important first; a list
        # (it scrolls or clips) takes only its share of the column here, so the panels and
        # lists under it keep rows of their own
        cap = cap_list if needs[i].grow else rows
        give = min(max(min(needs[i].want + needs[i].frame, cap) - heights[i], 0), left)
        heights[i] += give
        left -= give
    growers = [i for i in rank if needs[i].grow] or [len(needs) - 1]
    short = [i for i in growers if heights[i] < needs[i].frame + needs[i].want]
    while left > 0 and short:  # then the lists that want more, evenly, up to what they want
        share_each = max(left // len(short), 1)
        for i in list(short):
            give = min(share_each, needs[i].frame + needs[i].want - heights[i], left)
            heights[i] += give
            left -= give
            if heights[i] >= needs[i].frame + needs[i].want:
                short.remove(i)
            if left == 0:
                break
    for k, i in enumerate(growers):  # the rest to the lists, evenly, the first ranks first
        give = left // (len(growers) - k)
        heights[i] += give
        left -= give
    return heights

"""Server-rendered SVG charts for the attendance pages.

Charts are drawn here, in Python, so that they work without JavaScript, can be
tested as data, and look the same in the browser and in a printed bundle. Each
builder is a pure function returning a `Chart`: a list of shapes in viewBox
units that renders itself as SVG markup, every piece of text escaped by
`format_html`. A chart is never the only place a number appears: each page puts
the same numbers in a table beside it, and the chart itself carries its values
as text labels, so nothing depends on colour alone.

Sizes are viewBox units; the SVG is `width="100%"` and scales with its column.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from . import codes
from .figures import WEEKDAYS, PatternCell, Register, rate, weekly_counts
from .selectors import WeekTotal
from .years import academic_year_of, mark_index, year_start

# GOV.UK Frontend 6 palette, as compiled into this project's CSS (its red
# is #ca3535, where v5's was #d4351c). Text is #0b0c0c on white (19:1); the blue
# (5.2:1) and the red (5.1:1) pass the 3:1 WCAG 1.4.11 asks of the parts of a
# graphic needed to understand it, and each bar also has a black outline.
TEXT = "#0b0c0c"
SECONDARY_TEXT = "#484949"
BLUE = "#1d70b8"
RED = "#ca3535"
GRID = "#cecece"
WHITE = "#ffffff"

SESSIONS = ("AM", "PM")


# Shapes ---------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, short: 12, 12.5 (SVG needs no more precision than this)."""
    return f"{value:.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str = ""
    stroke_width: float = 0

    def svg(self) -> SafeString:
        stroke = (
            format_html(' stroke="{}" stroke-width="{}"', self.stroke, _n(self.stroke_width))
            if self.stroke
            else ""
        )
        return format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>',
            _n(self.x),
            _n(self.y),
            _n(self.width),
            _n(self.height),
            self.fill,
            stroke,
        )


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = TEXT
    stroke_width: float = 1
    dash: str = ""

    def svg(self) -> SafeString:
        dash = format_html(' stroke-dasharray="{}"', self.dash) if self.dash else ""
        return format_html(
            '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{}/>',
            _n(self.x1),
            _n(self.y1),
            _n(self.x2),
            _n(self.y2),
            self.stroke,
            _n(self.stroke_width),
            dash,
        )


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str = BLUE
    stroke_width: float = 3

    def svg(self) -> SafeString:
        points = " ".join(f"{_n(x)},{_n(y)}" for x, y in self.points)
        return format_html(
            '<polyline points="{}" fill="none" stroke="{}" stroke-width="{}" '
            'stroke-linejoin="round"/>',
            points,
            self.stroke,
            _n(self.stroke_width),
        )


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str = BLUE
    stroke: str = WHITE

    def svg(self) -> SafeString:
        return format_html(
            '<circle cx="{}" cy="{}" r="{}" fill="{}" stroke="{}" stroke-width="2"/>',
            _n(self.cx),
            _n(self.cy),
            _n(self.r),
            self.fill,
            self.stroke,
        )


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    size: float = 14
    bold: bool = False
    fill: str = TEXT
    rotate: float = 0

    def svg(self) -> SafeString:
        weight = format_html(' font-weight="{}"', "bold") if self.bold else ""
        transform = (
            format_html(' transform="rotate({} {} {})"', _n(self.rotate), _n(self.x), _n(self.y))
            if self.rotate
            else ""
        )
        return format_html(
            '<text x="{}" y="{}" text-anchor="{}" font-size="{}" fill="{}"{}{}>{}</text>',
            _n(self.x),
            _n(self.y),
            self.anchor,
            _n(self.size),
            self.fill,
            weight,
            transform,
            self.text,
        )


@dataclass(frozen=True)
class Path:
    """Many rectangles or lines of one colour as a single <path>: a year's
    herringbone is hundreds of cells and grid lines, and a printed bundle pays
    for every SVG element (WeasyPrint)."""

    d: str
    fill: str = "none"
    stroke: str = ""
    stroke_width: float = 0

    @classmethod
    def rects(cls, rects: Sequence[tuple[float, float, float, float]], fill: str) -> Path:
        return cls(
            "".join(f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}z" for x, y, w, h in rects), fill
        )

    @classmethod
    def lines(
        cls, lines: Sequence[tuple[float, float, float, float]], stroke: str, width: float = 1
    ) -> Path:
        return cls(
            "".join(f"M{_n(x1)} {_n(y1)}L{_n(x2)} {_n(y2)}" for x1, y1, x2, y2 in lines),
            stroke=stroke,
            stroke_width=width,
        )

    def svg(self) -> SafeString:
        stroke = (
            format_html(' stroke="{}" stroke-width="{}"', self.stroke, _n(self.stroke_width))
            if self.stroke
            else ""
        )
        return format_html('<path d="{}" fill="{}"{}/>', self.d, self.fill, stroke)


# Advance widths of Arial Bold (and of Liberation Sans Bold, its metric twin),
# in thousandths of an em, of the characters in register codes: to centre each
# code of a `Labels` run, where text-anchor would centre the run as a whole.
_BOLD_WIDTHS = {
    "#": 556, "/": 278, "\\": 278, "B": 722, "C": 722, "D": 722, "E": 667, "G": 778,
    "I": 278, "J": 556, "K": 722, "L": 611, "M": 833, "N": 722, "O": 778, "P": 667,
    "Q": 778, "R": 722, "S": 667, "T": 611, "U": 722, "V": 667, "W": 944, "X": 667,
    "Y": 667, "Z": 611,
}  # fmt: skip


@dataclass(frozen=True)
class Labels:
    """Short bold labels on one baseline in one colour, each centred on its own
    x, drawn as one <text> with a position for every character: a row of the
    herringbone's codes is one element instead of ten. (WeasyPrint made each
    centred <text> a PDF object of its own.) Digits and any character not
    listed are taken as 556 thousandths wide."""

    y: float
    labels: tuple[tuple[float, str], ...]
    size: float = 14
    fill: str = TEXT

    def svg(self) -> SafeString:
        xs: list[str] = []
        for centre, label in self.labels:
            widths = [_BOLD_WIDTHS.get(char, 556) * self.size / 1000 for char in label]
            x = centre - sum(widths) / 2
            for width in widths:
                xs.append(_n(x))
                x += width
        return format_html(
            '<text x="{}" y="{}" font-size="{}" fill="{}" font-weight="bold">{}</text>',
            " ".join(xs),
            _n(self.y),
            _n(self.size),
            self.fill,
            "".join(label for _, label in self.labels),
        )


Shape = Rect | Line | Polyline | Circle | Text | Path | Labels


@dataclass(frozen=True)
class Chart:
    """An SVG chart. `{{ chart }}` in a template renders it (via `__html__`).

    `role="img"` makes assistive technology read the chart as one image named by
    its <title> and described by its <desc>, instead of reading out every label;
    the table beside it gives the numbers one by one.
    """

    chart_id: str
    title: str
    description: str
    width: int
    height: int
    shapes: tuple[Shape, ...]
    # Whether the unauthorised-absence hatch pattern is used (and so defined).
    hatch: bool = False

    @property
    def hatch_id(self) -> str:
        return f"{self.chart_id}-hatch"

    def texts(self) -> list[str]:
        """Every text label, in drawing order (for tests and for reading)."""
        texts: list[str] = []
        for shape in self.shapes:
            if isinstance(shape, Text):
                texts.append(shape.text)
            elif isinstance(shape, Labels):
                texts.extend(label for _, label in shape.labels)
        return texts

    def svg(self) -> SafeString:
        defs = ""
        if self.hatch:
            # Red with white diagonal stripes: unauthorised absence is told
            # apart from authorised (solid blue) by the stripes, not the hue.
            defs = format_html(
                "<defs>"
                '<pattern id="{}" width="8" height="8" patternUnits="userSpaceOnUse" '
                'patternTransform="rotate(45)">'
                '<rect width="8" height="8" fill="{}"/>'
                '<line x1="0" y1="0" x2="0" y2="8" stroke="{}" stroke-width="3"/>'
                "</pattern></defs>",
                self.hatch_id,
                RED,
                WHITE,
            )
        return format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg" width="100%" '
            'viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
            'font-family="arial, sans-serif">'
            '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}{}</svg>',
            self.width,
            self.height,
            self.chart_id,
            self.chart_id,
            self.chart_id,
            self.title,
            self.chart_id,
            self.description,
            defs,
            format_html_join("", "{}", ((shape.svg(),) for shape in self.shapes)),
        )

    def __html__(self) -> str:
        return self.svg()

    def __str__(self) -> str:
        return self.svg()


def _percent(value: float | None) -> str:
    return "no sessions" if value is None else f"{value:.1f}%"


def _nice_max(value: float, steps: Sequence[float] = (10, 20, 25, 50, 100)) -> float:
    """The smallest round axis maximum at or above `value` (at most 100%)."""
    for step in steps:
        if value <= step:
            return step
    return steps[-1]


def _ticks(low: float, high: float) -> list[float]:
    """Round tick values from `low` to `high`, four to six of them."""
    span = high - low
    for step in (2, 5, 10, 20, 25):
        if span / step <= 6:
            break
    first = math.ceil(low / step) * step
    return [float(v) for v in range(int(first), int(high) + 1, int(step))]


# The herringbone --------------------------------------------------------------


@dataclass(frozen=True)
class HerringboneRow:
    """One weekday and session of the herringbone, as the table lists it."""

    weekday: str
    session: str
    possible: int
    absent: int
    unauthorised: int
    absence_rate: float | None
    authorised_rate: float | None
    unauthorised_rate: float | None
    highest: bool

    @property
    def label(self) -> str:
        return f"{self.weekday} {self.session}"


def herringbone_rows(pattern: Mapping[tuple[int, str], PatternCell]) -> list[HerringboneRow]:
    """Monday AM to Friday PM, marking the session(s) with the most absence.

    "Highest" is only marked when there is some absence, and on every session
    that ties for it: a pupil absent every Monday and every Friday afternoon has
    two questions to ask, not one.
    """
    cells = [
        (weekday, session, pattern.get((weekday, session), PatternCell(0, 0, 0)))
        for weekday in range(5)
        for session in SESSIONS
    ]
    rates = [cell.absence_rate for _, _, cell in cells if cell.absence_rate]
    top = max(rates) if rates else None
    return [
        HerringboneRow(
            weekday=WEEKDAYS[weekday],
            session=session,
            possible=cell.possible,
            absent=cell.absent,
            unauthorised=cell.unauthorised,
            absence_rate=cell.absence_rate,
            authorised_rate=rate(cell.absent - cell.unauthorised, cell.possible),
            unauthorised_rate=rate(cell.unauthorised, cell.possible),
            highest=top is not None and cell.absence_rate == top,
        )
        for weekday, session, cell in cells
    ]


def herringbone_chart(
    pattern: Mapping[tuple[int, str], PatternCell],
    *,
    chart_id: str = "herringbone",
    period: str = "this academic year",
) -> Chart:
    """Absence by weekday and session: for each weekday an AM and a PM bar side
    by side, the height the share of that session's possible sessions missed,
    authorised (solid blue) below unauthorised (striped red), the rate written
    above each bar and the highest marked in words. The picture attendance leads
    use to ask "why Fridays?"."""
    rows = herringbone_rows(pattern)
    width, height = 680, 350
    left, right, top, bottom = 64, 16, 56, 270
    plot_h = bottom - top
    group_w = (width - left - right) / 5
    bar_w, gap = 44.0, 8.0
    rates = [r.absence_rate for r in rows if r.absence_rate is not None]
    axis_max = _nice_max(max(rates, default=0))

    def y_of(value: float) -> float:
        return bottom - value / axis_max * plot_h

    hatch = f"url(#{chart_id}-hatch)"
    shapes: list[Shape] = []
    # Legend: a swatch and words for each kind of absence.
    shapes += [
        Rect(left, 14, 16, 16, BLUE, TEXT, 1),
        Text(left + 22, 27, "Authorised absence", anchor="start", size=14),
        Rect(left + 190, 14, 16, 16, hatch, TEXT, 1),
        Text(left + 212, 27, "Unauthorised absence", anchor="start", size=14),
    ]
    for tick in _ticks(0, axis_max):
        y = y_of(tick)
        shapes.append(Line(left, y, width - right, y, GRID if tick else TEXT, 1))
        shapes.append(Text(left - 8, y + 5, f"{tick:g}%", anchor="end", size=13))
    shapes.append(Text(16, (top + bottom) / 2, "Absence (% of sessions)", size=13, rotate=-90))

    for index, row in enumerate(rows):
        weekday_index, session_index = divmod(index, 2)
        group_x = left + weekday_index * group_w
        x = group_x + (group_w - 2 * bar_w - gap) / 2 + session_index * (bar_w + gap)
        centre = x + bar_w / 2
        if row.authorised_rate:
            y_auth = y_of(row.authorised_rate)
            shapes.append(Rect(x, y_auth, bar_w, bottom - y_auth, BLUE, TEXT, 1))
        else:
            y_auth = bottom
        if row.unauthorised_rate:
            y_un = y_auth - row.unauthorised_rate / axis_max * plot_h
            shapes.append(Rect(x, y_un, bar_w, y_auth - y_un, hatch, TEXT, 1))
        else:
            y_un = y_auth
        if row.highest:
            # A heavy outline round the whole bar, as well as the word below.
            shapes.append(Rect(x - 2, y_un - 2, bar_w + 4, bottom - y_un + 2, "none", TEXT, 3))
        shapes.append(
            Text(
                centre,
                y_un - 8,
                "\u2013" if row.absence_rate is None else f"{row.absence_rate:.1f}%",
                size=13,
                bold=row.highest,
            )
        )
        shapes.append(Text(centre, bottom + 18, row.session, size=13, fill=SECONDARY_TEXT))
        if session_index == 0:
            shapes.append(Text(group_x + group_w / 2, bottom + 38, row.weekday, size=15, bold=True))
        if row.highest:
            shapes.append(Text(centre, bottom + 58, "Highest", size=13, bold=True))
    shapes.append(Line(left, bottom, width - right, bottom, TEXT, 1))

    highest = [r for r in rows if r.highest]
    if highest:
        peak = "; ".join(f"{r.label}, {_percent(r.absence_rate)}" for r in highest)
        summary = f"Most absence: {peak}."
    elif rates:
        summary = "No absence recorded."
    else:
        summary = "No sessions recorded yet."
    return Chart(
        chart_id=chart_id,
        title=f"Absence by weekday and session, {period}",
        description=f"{summary} The same numbers are in the table that follows.",
        width=width,
        height=height,
        shapes=tuple(shapes),
        hatch=True,
    )


# The herringbone proper: the register week by week ----------------------------


@dataclass(frozen=True)
class GridWeek:
    """One school week of the register: the codes for Monday AM to Friday PM
    ("" where there was no session or no mark)."""

    monday: dt.date
    cells: tuple[str, ...]


def register_weeks(registers: Sequence[Register], first: dt.date, last: dt.date) -> list[GridWeek]:
    """The register from `first` to `last`, week by week, across every school
    (where two schools hold a mark for the same session, the later-listed one
    wins, as the extract does). Weeks with no mark at all (holidays) are left
    out, so a half term does not print as an empty row."""
    by_year: dict[int, list[Register]] = {}
    for register in registers:
        by_year.setdefault(register.academic_year, []).append(register)
    weeks: list[GridWeek] = []
    monday = first - dt.timedelta(days=first.weekday())
    while monday <= last:
        cells: list[str] = []
        for offset in range(5):
            day = monday + dt.timedelta(days=offset)
            for session in SESSIONS:
                code = ""
                if first <= day <= last:
                    for register in by_year.get(academic_year_of(day), []):
                        index = mark_index(day, session)  # type: ignore[arg-type]
                        char = register.marks[index] if index < len(register.marks) else ""
                        if char in codes.BY_CHAR:
                            code = codes.BY_CHAR[char].code
                cells.append(code)
        if any(cells):
            weeks.append(GridWeek(monday, tuple(cells)))
        monday += dt.timedelta(days=7)
    return weeks


def register_weekly_totals(
    registers: Sequence[Register], first: dt.date, last: dt.date
) -> list[WeekTotal]:
    """One pupil's attendance week by week from `first` to `last` (every school
    they were on roll at), for `weekly_trend_chart`."""
    totals: list[WeekTotal] = []
    for year in sorted({r.academic_year for r in registers}):
        start = max(first, year_start(year))
        end = min(last, year_start(year + 1) - dt.timedelta(days=1))
        if start > end:
            continue
        marks = [
            r.marks[: 2 * ((end - year_start(year)).days + 1)]
            for r in registers
            if r.academic_year == year
        ]
        blank = 2 * (start - year_start(year)).days
        # Sessions before `first` are blanked so the first week counts only its own days.
        clipped = [codes.NO_MARK * blank + m[blank:] for m in marks]
        for monday, counts in weekly_counts(clipped, year=year, as_at=end):
            totals.append(WeekTotal(monday, counts.possible, counts.attended))
    return totals


_GRID_STYLE = {
    # fill, text colour: the code is always written in the cell, so the colour
    # only repeats what the letter says.
    codes.Category.PRESENT: (WHITE, TEXT),
    codes.Category.APPROVED_EDUCATIONAL_ACTIVITY: ("#f3f2f1", TEXT),
    codes.Category.AUTHORISED: (BLUE, WHITE),
    codes.Category.UNAUTHORISED: (RED, WHITE),
    codes.Category.NOT_COUNTED: ("#f3f2f1", SECONDARY_TEXT),
    codes.Category.ADMINISTRATIVE: ("#f3f2f1", SECONDARY_TEXT),
}


def herringbone_grid_chart(
    weeks: Sequence[GridWeek], *, chart_id: str = "herringbone-grid", period: str = ""
) -> Chart:
    """The "herringbone" as attendance leads and courts know it: one row per
    school week, ten cells (Monday AM to Friday PM), each holding the register
    code, unauthorised absence in red and authorised in blue, with the week's
    unauthorised count at the end of the row."""
    left, cell_w, row_h, top = 96, 52.0, 18.0, 52
    width = int(left + 10 * cell_w + 64)
    height = int(top + max(1, len(weeks)) * row_h + 12)
    shapes: list[Shape] = [
        Rect(left, 6, 14, 14, RED, TEXT, 1),
        Text(left + 20, 18, "Unauthorised absence", anchor="start", size=12),
        Rect(left + 170, 6, 14, 14, BLUE, TEXT, 1),
        Text(left + 190, 18, "Authorised absence", anchor="start", size=12),
        Text(8, top - 8, "Week of", anchor="start", size=11, bold=True),
        Text(width - 32, top - 8, "Unauth.", size=11, bold=True),
    ]
    for weekday in range(5):
        x = left + weekday * 2 * cell_w
        shapes.append(Text(x + cell_w, top - 24, WEEKDAYS[weekday][:3], size=11, bold=True))
        for session_index, session in enumerate(SESSIONS):
            shapes.append(
                Text(
                    x + (session_index + 0.5) * cell_w,
                    top - 8,
                    session,
                    size=10,
                    fill=SECONDARY_TEXT,
                )
            )
    unauthorised_total = 0
    # Cells of one colour are one path, and each row's codes of one colour one
    # text: a year is some 330 cells, and a printed bundle pays for every
    # element (docs/benchmarks.md, "The referral bundle").
    fills: dict[str, list[tuple[float, float, float, float]]] = {}
    labels: list[Shape] = []
    for row, week in enumerate(weeks):
        y = top + row * row_h
        labels.append(Text(8, y + 13, f"{week.monday:%d %b %Y}", anchor="start", size=11))
        unauthorised = 0
        inks: dict[str, list[tuple[float, str]]] = {}
        for index, code in enumerate(week.cells):
            x = left + index * cell_w
            category = codes.BY_CODE[code].category if code in codes.BY_CODE else None
            fill, ink = _GRID_STYLE[category] if category else ("#f3f2f1", SECONDARY_TEXT)
            if category is codes.Category.UNAUTHORISED:
                unauthorised += 1
            # White cells are left to the background.
            if fill != WHITE:
                fills.setdefault(fill, []).append((x, y, cell_w, row_h))
            if code:
                inks.setdefault(ink, []).append((x + cell_w / 2, code))
        labels += [Labels(y + 13, tuple(run), size=11, fill=ink) for ink, run in inks.items()]
        unauthorised_total += unauthorised
        labels.append(Text(width - 32, y + 13, str(unauthorised), size=11))
    bottom = top + len(weeks) * row_h
    rows: list[tuple[float, float, float, float]] = [
        (left, top + r * row_h, left + 10 * cell_w, top + r * row_h) for r in range(len(weeks) + 1)
    ]
    columns: list[tuple[float, float, float, float]] = [
        (left + c * cell_w, top, left + c * cell_w, bottom) for c in range(11)
    ]
    shapes += [Path.rects(cells, fill) for fill, cells in fills.items()]
    shapes += labels
    # Light lines between the sessions, dark ones between the days.
    shapes += [Path.lines(rows + columns[1::2], GRID), Path.lines(columns[0::2], TEXT)]
    if not weeks:
        shapes.append(Text(left, top + 13, "No register marks in this period.", anchor="start"))
    return Chart(
        chart_id=chart_id,
        title=f"Register week by week (herringbone){', ' + period if period else ''}",
        description=(
            f"{len(weeks)} school week{'s' if len(weeks) != 1 else ''}, "
            f"{unauthorised_total} unauthorised absence session"
            f"{'s' if unauthorised_total != 1 else ''}. Each cell holds the register code "
            "for that morning or afternoon; the same codes are listed in the register extract."
        ),
        width=width,
        height=height,
        shapes=tuple(shapes),
    )


# The weekly trend -------------------------------------------------------------


@dataclass(frozen=True)
class _Point:
    x: float
    y: float
    week: WeekTotal
    labelled: bool = field(default=False)


def _labelled_weeks(weeks: Sequence[WeekTotal], room: float) -> set[int]:
    """Which points carry their value: all of them when there is room, otherwise
    the first, the latest, the lowest and the highest."""
    if room >= 44:
        return set(range(len(weeks)))
    rated = [(w.attendance_rate or 0.0, i) for i, w in enumerate(weeks)]
    return {0, len(weeks) - 1, min(rated)[1], max(rated)[1]}


def weekly_trend_chart(
    weeks: Sequence[WeekTotal], *, chart_id: str = "weekly-trend", subject: str = ""
) -> Chart:
    """Attendance week by week: a line of points, the y axis from a round floor
    below the lowest week to 100%, labelled in percent, the x axis by week
    commencing. Weeks with no possible sessions (holidays) are not plotted."""
    width, height = 680, 320
    left, right, top, bottom = 64, 24, 28, 246
    plot_w, plot_h = width - left - right, bottom - top
    rated = [w for w in weeks if w.attendance_rate is not None]
    lowest = min((w.attendance_rate or 0.0 for w in rated), default=100.0)
    # Attendance sits in a narrow band near the top; an axis from 0 would flatten
    # every change. A line (not bars) makes a floor other than 0 honest.
    floor = max(0.0, min(80.0, math.floor((lowest - 2) / 10) * 10))

    def y_of(value: float) -> float:
        return bottom - (value - floor) / (100 - floor) * plot_h

    # Points are placed by date, so a holiday leaves a gap in the line instead
    # of two weeks a fortnight apart looking adjacent. They sit in from both
    # ends, so the first value label clears the y axis labels and the last date
    # label stays inside the picture.
    inset = 28
    first_monday = rated[0].monday if rated else dt.date.min
    span = (rated[-1].monday - first_monday).days // 7 if rated else 0
    step = (plot_w - 2 * inset) / max(span, 1)

    def x_of(week: WeekTotal) -> float:
        if span == 0:
            return left + plot_w / 2
        return left + inset + (week.monday - first_monday).days // 7 * step

    shapes: list[Shape] = []
    for tick in _ticks(floor, 100):
        y = y_of(tick)
        shapes.append(Line(left, y, width - right, y, GRID if tick != floor else TEXT, 1))
        shapes.append(Text(left - 8, y + 5, f"{tick:g}%", anchor="end", size=13))
    shapes.append(Text(16, (top + bottom) / 2, "Attendance (%)", size=13, rotate=-90))
    shapes.append(Line(left, bottom, width - right, bottom, TEXT, 1))

    labelled = _labelled_weeks(rated, step if span else plot_w)
    points = [
        _Point(x_of(w), y_of(w.attendance_rate or 0.0), w, i in labelled)
        for i, w in enumerate(rated)
    ]
    # One line per run of consecutive weeks: the line breaks over a holiday.
    run: list[_Point] = []
    for point in [*points, None]:
        if point is None or (run and (point.week.monday - run[-1].week.monday).days > 7):
            if len(run) > 1:
                shapes.append(Polyline(tuple((p.x, p.y) for p in run)))
            run = []
        if point is not None:
            run.append(point)
    for point in points:
        shapes.append(Circle(point.x, point.y, 4.5))
        if point.labelled:
            shapes.append(
                Text(point.x, point.y - 10, f"{point.week.attendance_rate:.1f}%", size=12)
            )
    for point in _dated(points):
        shapes.append(Line(point.x, bottom, point.x, bottom + 5, TEXT, 1))
        shapes.append(Text(point.x, bottom + 20, _short_date(point.week.monday), size=12))
    shapes.append(Text(left + plot_w / 2, bottom + 50, "Week commencing", size=13))

    if rated:
        latest = rated[-1]
        low = min(rated, key=lambda w: (w.attendance_rate or 0.0, w.monday))
        description = (
            f"{len(rated)} school week{'s' if len(rated) != 1 else ''} from "
            f"{_date(rated[0].monday)} to {_date(latest.monday)}. Latest week "
            f"{_percent(latest.attendance_rate)}; lowest {_percent(low.attendance_rate)} "
            f"in the week commencing {_date(low.monday)}. "
            "The same numbers are in the table that follows."
        )
    else:
        description = "No school weeks with register marks yet."
    title = "Attendance by week" + (f", {subject}" if subject else "")
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=width,
        height=height,
        shapes=tuple(shapes),
    )


# Date labels are about 50 units wide: each needs this much room.
_DATE_ROOM = 56


def _dated(points: Sequence[_Point]) -> list[_Point]:
    """The points whose week gets a date label: from the first, each far enough
    from the one before not to overlap it, and always the latest week."""
    dated: list[_Point] = []
    for point in points:
        if not dated or point.x - dated[-1].x >= _DATE_ROOM:
            dated.append(point)
    if points and dated[-1] is not points[-1]:
        if points[-1].x - dated[-1].x < _DATE_ROOM and len(dated) > 1:
            dated.pop()
        dated.append(points[-1])
    return dated


def _date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"

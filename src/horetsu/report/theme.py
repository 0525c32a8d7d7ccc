"""Look of the report: a colour-blind-safe palette, a Japanese font stack, a base layout.

The palette is Okabe & Ito's eight colours ("Color Universal Design", 2008), which stay
distinguishable for the common forms of colour-vision deficiency.
"""

from __future__ import annotations

from typing import Any

# Okabe-Ito, in the order used for series.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = OKABE_ITO
GREY = "#999999"
# For lines on white the yellow is too faint: series of lines use these six.
LINE_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION)

# Sequential scale for heatmaps: white → blue (readable in grey scale too).
SEQUENTIAL = [[0.0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1.0, "#08306B"]]

# Fixed colours per relationship stage / temperature, so that every chart agrees.
STAGE_COLOURS = {
    "observer": GREY,
    "landing": SKY,
    "empathy": ORANGE,
    "engagement": GREEN,
    "circulation": BLUE,
}
CPM_COLOURS = {"first_time": SKY, "budding": YELLOW, "steady": ORANGE, "trend": PURPLE, "loyal": BLUE}
TEMPERATURE_COLOURS = {"active": GREEN, "cooling": ORANGE, "lapsed": VERMILLION}

# Proportional faces only: IPAGothic (Debian's fonts-ipafont-gothic) sets Latin letters at a
# fixed width, so its proportional sibling IPAPGothic comes first; IPAGothic stays as a last resort.
FONT_STACK = (
    '"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "YuGothic", "Meiryo", '
    '"Noto Sans CJK JP", "Noto Sans JP", "IPAPGothic", "IPAexGothic", "IPAGothic", sans-serif'
)

PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showLink": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}


TITLE_TOP = 32  # px from the top of a chart to its title: the modebar row is about 27 px high
TOP_MARGIN = 86  # px above the plot: toolbar row, title, and a horizontal legend


def colorbar(tickformat: str, title: str) -> dict[str, Any]:
    """A colour bar whose title stands beside it, turned, where it cannot touch the tick labels."""
    return {"tickformat": tickformat, "title": {"text": title, "side": "right"}}


def base_layout(title: str, *, height: int = 380) -> dict[str, Any]:
    """Layout every figure starts from (title, fonts, margins, colours)."""
    return {
        # the title starts below the toolbar row (Plotly's modebar, top right), so a long one is never covered
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 16},
                  "yref": "container", "y": 1.0, "yanchor": "top", "pad": {"t": TITLE_TOP}},
        "font": {"family": FONT_STACK, "size": 13, "color": "#222222"},
        "colorway": list(OKABE_ITO),
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "height": height,
        "margin": {"l": 70, "r": 24, "t": TOP_MARGIN, "b": 60},
        "separators": ".,",
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1.0},
        "hoverlabel": {"font": {"family": FONT_STACK}},
        "xaxis": {"gridcolor": "#E5E5E5", "zeroline": False, "automargin": True},
        "yaxis": {"gridcolor": "#E5E5E5", "zeroline": False, "automargin": True},
    }

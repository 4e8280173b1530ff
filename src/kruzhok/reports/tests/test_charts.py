"""The server-drawn charts: user text escaped, bars scaled, lines through every month."""

from kruzhok.reports.charts import Bar, Series, bar_chart, line_chart


def test_labels_are_escaped():
    svg = bar_chart(title="<b>охват</b>", bars=[Bar('<script>alert("x")</script>', 1, "1")])

    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg


def test_bars_are_scaled_to_the_maximum():
    svg = bar_chart(
        title="Охват, %", bars=[Bar("а", 50, "50 %"), Bar("б", 100, "100 %")], maximum=100
    )

    assert 'width="140.0"' in svg and 'width="280.0"' in svg  # half and all of 280


def test_a_line_has_a_point_per_month():
    svg = line_chart(
        title="Средства",
        labels=["сентябрь 2026", "октябрь 2026", "ноябрь 2026"],
        series=[Series("Остаток", [0, 50, 100])],
        value_text=str,
    )

    points = svg.split('points="')[1].split('"')[0].split()
    assert len(points) == 3
    assert points[0].endswith(",210.0") and points[2].endswith(",44.0")  # bottom and top

"""The unrolled-network picture of lesson 01: it draws, with the labels the lesson's formulas use."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from rnncourse import diagrams  # noqa: E402


def test_unrolled_network_draws_forward_and_backward_labels_without_overlap():
    fig, ax = plt.subplots(figsize=(9, 3.2))
    try:
        assert diagrams.draw_unrolled(ax) is ax
        labels = {text.get_text() for text in ax.texts}
        for step in ("1", "2", "3", "T"):
            assert f"$x_{{{step}}}$" in labels and f"$h_{{{step}}}$" in labels
        assert {"$h_0$", "$L$", "$W$", "$U$", "$\\partial L / \\partial h_T$"} <= labels
        assert "$\\mathrm{diag}(f'(z_{T}))\\,U^\\top$" in labels  # one BPTT factor per step back
        assert ax.get_title()
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        texts = [text for text in ax.texts if text.get_text()]
        boxes = [text.get_window_extent(renderer) for text in texts]
        for text, box in zip(texts, boxes):
            assert text.get_fontsize() >= 10, text.get_text()
            assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, text.get_text()
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())
    finally:
        plt.close(fig)

import pytest

from kiosk.appearance import PALETTE, TEXT_PAIRS, Appearance, contrast_ratio


@pytest.mark.parametrize("index, minimum", [(0, 4.5), (1, 7.0)])
def test_text_contrast_meets_wcag(index, minimum):
    for foreground, background in TEXT_PAIRS:
        ratio = contrast_ratio(PALETTE[foreground][index], PALETTE[background][index])
        assert ratio >= minimum, f"{foreground} on {background}: {ratio:.2f}"


def test_contrast_ratio_matches_known_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_looks_switch_and_reset():
    from kivy.metrics import Metrics

    look = Appearance()
    look.contrast = True
    assert look.look == "contrast" and tuple(look.background[:3]) == (0, 0, 0)
    look.contrast = False
    look.set_text_scale(2.0)
    assert look.look == "large" and Metrics.fontscale == 2.0
    with pytest.raises(ValueError):
        look.set_text_scale(3.0)
    look.reset()
    assert (look.look, look.text_scale, Metrics.fontscale) == ("normal", 1.0, 1.0)

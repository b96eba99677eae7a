from kiosk.journey import Journey


def test_levels_lead_to_their_screens_and_back_returns():
    journey = Journey()
    journey.go("needs")
    journey.choose_level("guided")
    assert (journey.screen, journey.guided) == ("categories", True)
    journey.choose_category("taxes")
    journey.choose_service("omavero")
    assert journey.screen == "guide" and journey.step == 0
    journey.go("help")
    journey.back()
    assert journey.screen == "guide"
    journey.home()
    assert journey.screen == "needs" and journey.history == ["welcome"]
    journey.back()
    assert journey.screen == "welcome"


def test_reset_forgets_everything():
    journey = Journey()
    journey.go("needs")
    journey.choose_level("self")
    journey.choose_category("money")
    journey.choose_service("kela")
    journey.step = 3
    journey.reset()
    assert (journey.screen, journey.history, journey.level, journey.guided, journey.category_id,
            journey.service_id, journey.step) == ("welcome", [], "", False, "", "", 0)

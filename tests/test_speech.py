"""The speech service with the fake speaker, and the real espeak-ng engine on a null device."""

from __future__ import annotations

import time

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.speaker import EspeakSpeaker, FakeSpeaker
from kiosk.speech import Speech, chunk
from testbed.fakes import FakeScheduler


def test_nothing_is_said_unless_speech_mode_is_on():
    speaker = FakeSpeaker()
    speech = Speech(speaker, 0.8)
    speech.set_language("fi")
    assert not speech.say("Hei")
    speech.enabled = True
    assert speech.say("Hei") and speaker.spoken == [("fi", "Hei")]
    assert speech.repeat() and speaker.spoken[-1] == ("fi", "Hei")


def test_a_language_without_a_voice_uses_the_nearest_and_says_so():
    speech = Speech(FakeSpeaker(("fi", "en")), 0.8)
    speech.set_language("se")  # Northern Sámi: espeak-ng has no voice
    assert speech.voice_language == "fi" and speech.voice_missing
    speech.set_language("so")  # Somali
    assert speech.voice_language == "en"
    speech.set_language("fi")
    assert not speech.voice_missing


def test_without_an_engine_speech_is_unavailable_not_an_error():
    speech = Speech(None, 0.8, "aplay is not installed")
    assert not speech.available and speech.unavailable_reason == "aplay is not installed"
    speech.enabled = True
    speech.set_language("fi")
    assert not speech.say("Hei") and not speech.repeat()
    speech.stop()
    speech.reset()


def test_long_texts_go_in_sentence_chunks_and_stop_drops_the_rest():
    text = " ".join(f"Lause numero {n} on tässä." for n in range(60))
    pieces = chunk(text, limit=120)
    assert all(len(p) <= 120 for p in pieces) and " ".join(pieces) == text
    speaker, clock = FakeSpeaker(), FakeScheduler()
    speech = Speech(speaker, 0.8, scheduler=clock)
    speech.set_language("fi")
    speech.enabled = True
    assert speech.say_long(text)
    clock.advance(0.1)  # the engine is idle: the next chunk follows, more remain
    assert [t for _, t in speaker.spoken] == pieces_of(text)[:2] and clock.pending
    speech.stop()
    clock.advance(1)
    assert not speech.next_chunk() and len(speaker.spoken) == 2 and not clock.pending
    speech.say_long(text)
    speech.say("Painike, Apua")  # a touch: the reading gives way
    clock.advance(1)
    assert speaker.spoken[-1] == ("fi", "Painike, Apua") and len(speaker.spoken) == 4 and not clock.pending


def pieces_of(text):
    return chunk(text)


def test_no_sound_card_means_no_speech(tmp_path):
    from kiosk.devices.speaker import has_sound_card

    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n")
    assert not has_sound_card(cards)
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    assert has_sound_card(cards)
    assert not has_sound_card(tmp_path / "missing")


def test_volume_is_bounded_and_reset():
    speaker = FakeSpeaker()
    speech = Speech(speaker, 0.8)
    assert speech.set_volume(1.5) and speech.volume == 1.0
    speech.enabled = True
    speech.reset()
    assert speech.volume == 0.8 and speaker.volume == 0.8 and not speech.enabled


def test_masked_input_is_never_read_out_on_the_loudspeaker():
    from kiosk.screens.spoken import describe

    class Tr:
        def _(self, text):
            return text

    class PinField:
        password = True
        text = "4829"

    assert describe(PinField(), Tr()) == "text field, hidden text"
    assert "4829" in describe(PinField(), Tr(), headset=True)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    events = []
    speaker = EspeakSpeaker(tmp_path_factory.mktemp("speech"), device="null",
                            on_event=lambda kind, t, _number: events.append((kind, t)))
    yield speaker, events
    speaker.close()


def test_real_engine_has_finnish_swedish_and_english_voices(engine):
    speaker, events = engine
    voices = speaker.voices()
    assert {"fi", "sv", "en"} <= set(voices)
    for language, text in (("fi", "Painike, Kela, kolme yhdeksästä."), ("sv", "Knapp, FPA, tre av nio."),
                           ("en", "Button, Kela, three of nine.")):
        events.clear()
        speaker.speak(text, language)
        assert speaker.wait_idle(10)
        assert [kind for kind, _ in events] == ["playing", "done"]


def test_real_engine_stops_within_100_ms_and_speaks_again(engine):
    speaker, events = engine
    speaker.speak("Tämä on hyvin pitkä lause, joka ei lopu ennen kuin se keskeytetään. " * 12, "fi")
    time.sleep(0.005)  # mid-synthesis of a long utterance
    assert speaker.busy()
    pid = speaker._current.process.pid
    started = time.perf_counter()
    speaker.stop()
    elapsed = time.perf_counter() - started
    assert elapsed < 0.1
    with pytest.raises(ProcessLookupError):
        import os

        os.killpg(pid, 0)  # the old worker and its player are gone: silence
    events.clear()
    speaker.speak("Taas.", "fi")
    assert speaker.wait_idle(10) and [k for k, _ in events] == ["playing", "done"]


def test_real_engine_refuses_a_language_without_a_voice_and_overlong_texts(engine):
    speaker, _ = engine
    with pytest.raises(DeviceError):
        speaker.speak("Buorre beaivi", "xx")
    with pytest.raises(DeviceError):
        speaker.speak("sana " * 500, "fi")


def test_real_engine_really_produces_sound(tmp_path):
    import wave

    speaker = EspeakSpeaker(tmp_path, device="null")
    try:
        speaker.speak("Painike, Kela, kolme yhdeksästä.", "fi")
        assert speaker.wait_idle(10)
        pid = speaker._current.process.pid
        with wave.open(str(tmp_path / f"utterance-{pid}.wav")) as audio:
            frames = audio.readframes(audio.getnframes())
        assert audio.getnframes() > 22050 * 0.5  # over half a second of speech
        assert max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True))
                   for i in range(0, len(frames), 2)) > 1000  # not silence
    finally:
        speaker.close()


def test_run_on_text_is_cut_into_utterances_the_engine_takes():
    pieces = chunk("sana " * 600)
    assert all(len(p) <= 400 for p in pieces) and sum(len(p.split()) for p in pieces) == 600


def test_every_packaged_language_is_spoken_in_its_voice_or_the_announced_nearest(engine):
    """Russian, Ukrainian, Estonian and Arabic in espeak-ng's own voices, a translated text of
    the kiosk's spoken whole; Northern Sámi and Somali, which have none, in the nearest voice
    (Finnish, English), and the accessibility screen says so (`voice_missing`)."""
    from kiosk.i18n import Translator
    from kiosk.languages import available_languages

    speaker, events = engine
    speech = Speech(speaker, 0.8)
    expected_nearest = {"se": "fi", "so": "en"}
    for language in available_languages():
        tr = Translator([language], language)
        speech.set_language(language)
        assert speech.voice_language == expected_nearest.get(language, language), language
        assert speech.voice_missing == (language in expected_nearest)
        assert speaker.wait_idle(10)  # the last language's words said to their end
        events.clear()
        speaker.speak(speech.spoken(tr._("Step {n} of {total}").format(n=3, total=6)), speech.voice_language)
        # Said to its end (on a busy machine the previous one's report may come in first).
        assert speaker.wait_idle(10) and [kind for kind, _ in events][-1:] == ["done"], language

"""The voice's contract: one set of assertions that FakeSpeaker (the demo and the unit tests)
and EspeakSpeaker (espeak-ng through its worker process, played to ALSA's null device)
must both pass. It is what the speech service (kiosk/speech.py) relies on: voices per
language, including the ones it falls back to; speaking that finishes and a stop that
silences at once; refusals as DeviceError; bounded volume and rate; another output device.
"""

from __future__ import annotations

import pytest

from kiosk.devices import DeviceError
from kiosk.devices.speaker import MAX_UTTERANCE_CHARS, NEAREST_SPOKEN, EspeakSpeaker, FakeSpeaker, VoiceSettings
from kiosk.speech import Speech
from testbed.desk import wait_for

SAID_S = 30  # an utterance synthesised and played, on a loaded machine
LONG = "Tämä on hyvin pitkä lause, joka ei lopu ennen kuin se keskeytetään. " * 12


@pytest.fixture(scope="module")
def espeak(tmp_path_factory):
    speaker = EspeakSpeaker(tmp_path_factory.mktemp("speech"), device="null")
    yield speaker
    speaker.close()


@pytest.fixture(params=["fake", "espeak"])
def speaker(request):
    made = FakeSpeaker() if request.param == "fake" else request.getfixturevalue("espeak")
    yield made
    made.stop()
    made.set_device("null")
    made.set_rate(VoiceSettings.rate)
    made.set_volume(VoiceSettings.volume)


def said(speaker) -> None:
    """Until the speaker has nothing more to say."""
    wait_for(lambda: not speaker.busy(), SAID_S)


def test_there_are_voices_for_the_kiosks_languages_and_the_nearest_spoken_ones(speaker):
    voices = speaker.voices()
    assert {"fi", "sv", "en"} <= set(voices) and set(NEAREST_SPOKEN.values()) <= set(voices)
    assert all(isinstance(voice, str) and voice for voice in voices.values())
    voices.clear()
    assert speaker.voices()  # a copy: the caller cannot change the speaker's


def test_an_utterance_is_said_and_stop_silences_at_once(speaker):
    assert not speaker.busy()
    speaker.speak("Painike, Kela, kolme yhdeksästä.", "fi")
    said(speaker)
    speaker.speak(LONG, "fi")
    speaker.speak("Knapp, FPA.", "sv")  # a new utterance interrupts the last
    speaker.speak(LONG, "fi")
    speaker.stop()
    assert not speaker.busy()
    speaker.stop()  # silent already: nothing happens
    speaker.speak("Taas.", "fi")
    said(speaker)


def test_a_language_without_a_voice_and_an_overlong_text_are_refused(speaker):
    with pytest.raises(DeviceError):
        speaker.speak("Buorre beaivi", "xx")
    with pytest.raises(DeviceError):
        speaker.speak("sana " * (MAX_UTTERANCE_CHARS // 5 + 1), "fi")
    assert not speaker.busy()
    speaker.speak("x" * MAX_UTTERANCE_CHARS, "en")  # at the limit: taken
    speaker.stop()


def test_volume_and_rate_are_bounded_and_a_refusal_changes_nothing(speaker):
    assert speaker.set_volume(0.0) and speaker.set_volume(1.0)
    assert not speaker.set_volume(-0.01) and not speaker.set_volume(1.01) and speaker.volume == 1.0
    assert speaker.set_rate(80) and speaker.set_rate(400)
    assert not speaker.set_rate(79) and not speaker.set_rate(401) and speaker.rate == 400
    speaker.speak("Nopea ja kova.", "fi")
    said(speaker)


def test_speech_goes_on_on_another_output_device(speaker):
    speaker.set_device("plug:null")  # a headset plugged in
    speaker.speak("Kuulokkeissa.", "fi")
    said(speaker)
    speaker.set_device("null")
    speaker.speak("Kaiuttimessa.", "fi")
    said(speaker)


def test_the_speech_service_speaks_the_nearest_language_where_there_is_no_voice(speaker):
    speech = Speech(speaker, 0.8)
    assert speech.available
    for language, spoken in (("fi", "fi"), ("sv", "sv"), ("se", "fi"), ("so", "en"), ("xx", "en")):
        speech.set_language(language)
        assert speech.voice_language == spoken and speech.voice_missing == (language != spoken), language
    speech.enabled = True
    speech.set_language("se")
    assert speech.say("Buorre beaivi.")  # said with the Finnish voice
    said(speaker)

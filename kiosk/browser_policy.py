"""The Chromium managed policy of a kiosk, generated from the e-service catalogue.

Provisioning writes it to /etc/chromium/policies/managed/kiosk.json (`kiosk browser-policy
--out FILE`); the tests install their own with the test site's address added.

Everything is blocked except the catalogue's services and the identification providers
(URLBlocklist "*" also keeps out file:, chrome:, view-source: and devtools: pages).
DevTools stay *available* (1): availability 2 also refuses the kiosk's own protocol
connection ("Target.attachToTarget: Not allowed", proven by the browser tests); the
user still cannot open them, because their pages are blocked and there is no address bar.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from kiosk.catalog import Catalog

MAX_ALLOWLIST = 1000  # Chromium reads no more than this many entries


def remote_help(help_config) -> tuple[list[str], list[str]]:
    """What the site's remote help needs of the browser when it opens at the kiosk
    (`[help] open_here`): the chat's and the video's hosts allowed, and the camera and
    microphone for the video's origin alone ("https://meet.example.fi"); else nothing."""
    if not help_config.open_here:
        return [], []
    hosts = [urlsplit(url).hostname or "" for url in (help_config.chat_url, help_config.video_url) if url]
    video = urlsplit(help_config.video_url) if help_config.video_url else None
    origin = f"{video.scheme}://{video.hostname}" + (f":{video.port}" if video and video.port else "") if video else ""
    return [h for h in hosts if h], [origin] if origin else []


def policy(catalog: Catalog, extra_allowed: list[str] | tuple[str, ...] = (),
           capture_origins: list[str] | tuple[str, ...] = ()) -> dict:
    """`capture_origins`: the only pages that may use the camera and the microphone (the
    site's video help); every other page is refused them without a prompt."""
    allowed = list(dict.fromkeys([*catalog.allowed_domains(), *extra_allowed]))
    if len(allowed) > MAX_ALLOWLIST:
        raise ValueError(f"{len(allowed)} allowed domains: Chromium reads at most {MAX_ALLOWLIST}")
    return {
        # "*" alone lets Chromium's own pages through (chrome://settings opened in a test).
        "URLBlocklist": ["*", "chrome://*", "chrome-untrusted://*", "devtools://*", "view-source:*", "file://*",
                         "javascript://*", "data:*", "blob:*", "filesystem:*", "ftp://*"],
        "URLAllowlist": allowed,
        "DeveloperToolsAvailability": 1,
        "PrintingEnabled": False,            # printing goes through the kiosk (Page.printToPDF)
        "FullscreenAllowed": False,          # F11 would cover the control strip
        "AllowFileSelectionDialogs": False,  # a file dialog opens the whole file system
        "PromptForDownloadLocation": False,
        "DownloadRestrictions": 1,           # Chromium's own list of dangerous files, too
        "PasswordManagerEnabled": False,
        "AutofillAddressEnabled": False,
        "AutofillCreditCardEnabled": False,
        "PaymentMethodQueryEnabled": False,
        "ExtensionInstallBlocklist": ["*"],
        "BrowserSignin": 0,
        "SyncDisabled": True,
        "IncognitoModeAvailability": 1,
        "BrowserGuestModeEnabled": False,
        "BrowserAddPersonEnabled": False,
        "DefaultBrowserSettingEnabled": False,
        "TranslateEnabled": False,
        "MetricsReportingEnabled": False,    # also no crash reports sent (the kiosk makes none: browser.py)
        "SearchSuggestEnabled": False,
        "SpellCheckServiceEnabled": False,
        "BookmarkBarEnabled": False,
        "EditBookmarksEnabled": False,
        "TaskManagerEndProcessEnabled": False,
        "ImportAutofillFormData": False,
        "ImportSavedPasswords": False,
        "SavingBrowserHistoryDisabled": True,
        "DefaultGeolocationSetting": 2,
        "DefaultNotificationsSetting": 2,
        # Refused to every page, except those listed (Chromium grants those without a prompt).
        "AudioCaptureAllowed": False,
        "VideoCaptureAllowed": False,
        "AudioCaptureAllowedUrls": list(capture_origins),
        "VideoCaptureAllowedUrls": list(capture_origins),
        "ScreenCaptureAllowed": False,
        "ClearBrowsingDataOnExitList": ["browsing_history", "download_history", "cookies_and_other_site_data",
                                        "cached_images_and_files", "password_signin", "autofill",
                                        "site_settings", "hosted_app_data"],
    }


def policy_json(catalog: Catalog, extra_allowed: list[str] | tuple[str, ...] = (),
                capture_origins: list[str] | tuple[str, ...] = ()) -> str:
    return json.dumps(policy(catalog, extra_allowed, capture_origins), indent=2) + "\n"

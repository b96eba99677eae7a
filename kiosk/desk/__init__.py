"""The staff desk (`kiosk-desk`): a separate process serving staff browsers."""

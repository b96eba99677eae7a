"""Compiles the translation catalogues (.po -> .mo) into wheels and sdists built from this tree."""

import runpy
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithTranslations(build_py):
    def run(self):
        here = Path(__file__).resolve().parent
        po = runpy.run_path(str(here / "kiosk" / "po.py"))
        po["compile_all"](here / "kiosk" / "locale")
        super().run()


setup(cmdclass={"build_py": BuildWithTranslations})

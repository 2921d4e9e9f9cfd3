"""Compile the reply catalogs (handlers/locales/*/LC_MESSAGES/*.po → .mo) whenever the package
is built: into the wheel for `pip install .`, beside the .po files for an editable install.
Everything else about the package is in pyproject.toml."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = "handlers/locales/*/LC_MESSAGES/*.po"


class BuildWithCatalogs(build_py):
    """build_py, and then each catalog compiled with Babel (fuzzy entries left out)."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        editable = getattr(self, "editable_mode", False)
        for po in sorted(Path(__file__).parent.glob(CATALOGS)):
            relative = po.relative_to(Path(__file__).parent)
            target = po if editable else Path(self.build_lib) / relative
            target = target.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source)
            with target.open("wb") as compiled:
                write_mo(compiled, catalog)


setup(cmdclass={"build_py": BuildWithCatalogs})

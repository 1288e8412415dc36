"""Which packages the distribution holds; everything else is in pyproject.toml.

The Jinja templates and the Alembic migrations keep their top-level folders
(``templates/``, ``migrations/``) in the repository, and the package holds them
as ``studyhub.templates`` and ``studyhub.migrations``: ``package_dir`` maps the
names to the folders, so a wheel carries them inside ``studyhub/`` and
``pip install -e .`` points the same names at the checkout's folders. The app
finds them through those names (``studyhub.package_folder``), never through the
current directory.
"""

from setuptools import find_namespace_packages, setup

MAPPED_FOLDERS = {"studyhub.templates": "templates", "studyhub.migrations": "migrations"}


def _mapped_packages() -> list[str]:
    """Each mapped folder and its subfolders, as packages (so their files are package data)."""
    packages = []
    for package, folder in MAPPED_FOLDERS.items():
        packages.append(package)
        packages.extend(f"{package}.{sub}" for sub in find_namespace_packages(where=folder))
    return packages


setup(
    packages=[*find_namespace_packages(include=["studyhub*"]), *_mapped_packages()],
    package_dir=MAPPED_FOLDERS,
)

"""The optional C accelerator for the codec; everything else is declared in pyproject.toml.

``optional=True``: where no C compiler is available the build says so and installs the pure-Python
package, which behaves the same (``singletable.codec.ACCELERATED`` tells which one is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "singletable._ccodec",
            sources=["src/singletable/_ccodec.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)

"""The trusted side of the sandbox: start the zygote, fork children, talk plain JSON to them.

The names below are imported when first used, so that starting a zygote (``sandbox.host``,
``sandbox.zygote``) does not wait for numpy, which only the proxy needs."""

from importlib import import_module

__all__ = ["Answer", "CellReport", "Limits", "Sandbox", "Zygote"]
_MODULES = {"Answer": "proxy", "CellReport": "proxy", "Sandbox": "proxy", "Limits": "limits",
            "Zygote": "zygote"}


def __getattr__(name: str) -> object:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_MODULES[name]}"), name)

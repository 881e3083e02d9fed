"""Every public class and function has a numpydoc docstring with the sections it needs."""

import dataclasses
import importlib
import inspect
import warnings

import pytest
from numpydoc.docscrape import NumpyDocString

PUBLIC_MODULES = [
    "sk_easycore", "sk_easycore.base", "sk_easycore.data", "sk_easycore.datasets",
    "sk_easycore.experiments", "sk_easycore.models", "sk_easycore.plotting",
    "sk_easycore.results", "sk_easycore.robustness", "sk_easycore.scoring",
    "sk_easycore.selection", "sk_easycore.utils",
]


def public_objects():
    """(qualified name, object) for every class and function of every ``__all__``, once."""
    seen, found = set(), []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                found.append((f"{module_name}.{name}", obj))
    return found


def parameters_of(obj):
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name, obj", public_objects(), ids=[n for n, _ in public_objects()])
def test_docstring_sections(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpydoc warns about malformed sections
        parsed = NumpyDocString(doc)
    missing = []
    if not parsed["Examples"] or ">>>" not in "\n".join(parsed["Examples"]):
        missing.append("Examples (a doctest)")
    if parameters_of(obj) and not parsed["Parameters"]:
        missing.append("Parameters")
    if inspect.isfunction(obj) and not (parsed["Returns"] or parsed["Yields"]):
        missing.append("Returns")
    # a dataclass's parameters are its attributes
    if inspect.isclass(obj) and not dataclasses.is_dataclass(obj) and not parsed["Attributes"]:
        missing.append("Attributes")
    documented = {n.strip() for p in parsed["Parameters"] for n in p.name.split(",")}
    own = obj.__init__ if inspect.isclass(obj) else obj
    # abstract bases inherit imbalanced-learn's __init__: their subclasses' parameters are named
    # (a class without its own __init__ has object's, a slot wrapper without __module__)
    checked = (parameters_of(obj)
               if getattr(own, "__module__", "").startswith("sk_easycore") else [])
    undocumented = [p.name for p in checked if p.name not in documented]
    assert not missing and not undocumented, (
        f"{name}: missing sections {missing}, undocumented parameters {undocumented}")

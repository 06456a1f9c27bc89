"""quick_init: a frozen dataclass built in one step is the same as one built field by field."""

import dataclasses
import inspect
from dataclasses import dataclass, field, replace

import pytest

import api.importer.report  # noqa: F401 - registers its classes
import api.importer.validate  # noqa: F401
from domain.frozen import QUICK, quick_init


@quick_init
@dataclass(frozen=True)
class Sample:
    a: str
    b: int = 2
    c: tuple[int, ...] | None = None


def test_the_quick_class_builds_equal_frozen_hashable_instances():
    s = Sample("x", c=(1,))
    assert (s.a, s.b, s.c) == ("x", 2, (1,)) and s == Sample(a="x", b=2, c=(1,))
    assert hash(s) == hash(Sample("x", 2, (1,))) and repr(s) == "Sample(a='x', b=2, c=(1,))"
    assert replace(s, b=3) == Sample("x", 3, (1,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.a = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Sample()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample("x", 1, None, 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Sample("x", d=1)  # type: ignore[call-arg]


@pytest.mark.parametrize("cls", QUICK, ids=lambda c: c.__qualname__)
def test_every_quick_class_has_the_dataclass_signature_and_builds_the_same(cls):
    """Each class the code makes quick (personal details, join request, situation, the
    importer's rows and report lines): same signature, same instance from the same args."""
    original = cls.__init__.__dataclass_init__
    assert inspect.signature(cls.__init__) == inspect.signature(original)
    args = [f"v{i}" for i, f in enumerate(dataclasses.fields(cls))
            if f.default is dataclasses.MISSING]
    quick = cls(*args)
    slow = object.__new__(cls)
    original(slow, *args)
    assert quick.__dict__ == slow.__dict__ and list(quick.__dict__) == list(slow.__dict__)
    assert quick == slow


def test_the_code_makes_its_per_row_classes_quick():
    names = {c.__qualname__ for c in QUICK}
    assert {"PersonalDetails", "JoinRequest", "Situation", "Eligibility", "RawRow", "Prepared",
            "RowResult", "ResidentId"} <= names


@pytest.mark.parametrize("make", [
    lambda: dataclass(type("NotFrozen", (), {"__annotations__": {"a": int}})),
    lambda: dataclass(frozen=True, slots=True)(type("Slots", (), {"__annotations__": {"a": int}})),
    lambda: dataclass(frozen=True)(type("Factory", (), {"__annotations__": {"a": list},
                                                        "a": field(default_factory=list)})),
    lambda: dataclass(frozen=True)(type("Post", (), {"__annotations__": {"a": int},
                                                     "__post_init__": lambda self: None})),
    lambda: dataclass(frozen=True, kw_only=True)(type("Kw", (), {"__annotations__": {"a": int}})),
    lambda: dataclass(frozen=True)(type("NoInit", (), {"__annotations__": {"a": int},
                                                       "a": field(default=1, init=False)})),
    lambda: type("Plain", (), {}),
])
def test_it_refuses_a_class_it_would_not_build_the_same_way(make):
    with pytest.raises(TypeError, match="quick_init"):
        quick_init(make())

"""Portable-exact inference: the voice's graphs run in NumPy with integer-exact products and IEEE basic
operations only, so the audio is the same bits on every CPU (see :mod:`.numerics`)."""

from .interpreter import PortableInterpreter
from .sequence import SequenceInterpreter

__all__ = ["PortableInterpreter", "SequenceInterpreter"]

"""Runtime hook: point Tesseract at the bundle's language data and engine.

The bundle carries ``tessdata/`` (chi_sim, eng, osd); on Windows the installer puts Tesseract in
``tesseract/`` beside the executables. A Tesseract on the system PATH is used otherwise.
"""
import os
import sys

_base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_tessdata = os.path.join(_base, "tessdata")
if os.path.isdir(_tessdata) and "TESSDATA_PREFIX" not in os.environ:
    os.environ["TESSDATA_PREFIX"] = _tessdata
for _folder in (os.path.join(os.path.dirname(sys.executable), "tesseract"), os.path.join(_base, "tesseract")):
    if os.path.isdir(_folder):
        os.environ["PATH"] = _folder + os.pathsep + os.environ.get("PATH", "")
        break
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

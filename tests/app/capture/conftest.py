import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# the product gives up after 30 s per page; a test box shared with other suites may be slower
os.environ.setdefault("JINCAI_OCR_TIMEOUT", "240")

"""Voucher OCR: preprocessing, QR decoding, engines, field extraction and cross-checks.

Qt-free (checked by import-linter). Entry points::

    from app.ocr.pipeline import OcrOptions, recognize_file, recognize_image
    results = recognize_file("invoice.jpg", OcrOptions(engine="rapidocr"))

Each :class:`~app.ocr.model.VoucherResult` carries the kind, the fields (value, confidence,
source ``qr``/``text``/``ocr``), the checks, the processed images and the SHA-256 of the original.
"""

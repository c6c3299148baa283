"""Deployment: N Streamlit replicas behind HAProxy (locally with `make serve-replicas`, or with Docker)."""

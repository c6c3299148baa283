"""Streamlit-side helpers shared by the pages: URL-backed settings, the shared sentence, layout."""

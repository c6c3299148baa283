"""The pages, one file each. Streamlit runs a page as `__main__`; importing one (as ui/pages.py does, for its
key constants) runs nothing but its definitions."""

"""PySide6 widgets, models and delegates. Shows state; never does I/O itself."""

"""The built-in alert templates (Jinja2). Installed as the package `tracker.templates`,
so a wheel carries them; `[tracker] templates` names a folder of overrides."""

"""Upload forms of the imports (批量导入): a spreadsheet file, then the confirmation of a previewed file."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp

MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a 50,000-row household list is about 2 MB as .xlsx
EXTENSIONS = ("xlsx", "csv")
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32,64}$"

__all__: list[str] = []


class ImportUploadForm(FlaskForm):
    """The file to check: Excel .xlsx, or CSV (UTF-8 with or without BOM, or GBK)."""

    file = FileField(_l("File (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(EXTENSIONS, _l("Only .xlsx and .csv files can be imported.")),
        FileSize(MAX_UPLOAD_BYTES, message=_l("The file is larger than 10 MB.")),
    ])


class ImportConfirmForm(FlaskForm):
    """Import the file previewed under ``token`` (kept on the server between preview and confirmation)."""

    token = HiddenField(validators=[InputRequired(), Regexp(TOKEN_PATTERN)])

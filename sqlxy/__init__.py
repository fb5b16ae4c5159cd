"""sqlxy: SQL-first incremental metadata for multimodal ML pipelines."""

from sqlxy.errors import InputError, SpecError, SqlxyError, TargetError
from sqlxy.project import Project, load_project
from sqlxy.store import Increment, Store

__version__ = "0.1.0"
__all__ = ["Increment", "InputError", "Project", "SpecError", "SqlxyError", "Store", "TargetError",
           "load_project"]

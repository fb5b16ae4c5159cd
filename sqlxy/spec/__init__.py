"""Feature specs: from YAML files to frozen models that keep every SPEC §3 rule.

Three steps, each raising a SpecError that names the file, the line and the feature:
load (`load.py`: the files, and YAML that remembers lines), parse (`parse.py`: one mapping into
the models of `model.py`, shape rules only) and validate (`validate.py`: the rules across
features, then each feature's column and field rules, in topological order). What passes is what
`graph.py` builds on without checking again; `columns.py` and `fields.py` hold the column and
field algebra both use.
"""

from sqlxy.spec.errors import spec_error
from sqlxy.spec.load import feature_files, read_documents
from sqlxy.spec.model import Dep, FeatureSpec, FieldDep, FieldSpec, Generate, Lineage, Source
from sqlxy.spec.parse import parse_feature
from sqlxy.spec.validate import validate_specs

__all__ = [
    "Dep",
    "FeatureSpec",
    "FieldDep",
    "FieldSpec",
    "Generate",
    "Lineage",
    "Source",
    "feature_files",
    "parse_feature",
    "read_documents",
    "spec_error",
    "validate_specs",
]

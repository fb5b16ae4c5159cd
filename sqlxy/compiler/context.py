"""The render context of one feature: every column list and hash expression a template needs.

Templates hold the SQL shape; this module turns the graph into the pieces they place. All SQL
here is built through sqlglot (identifiers quoted, literals escaped) in the source dialect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from sqlxy.compiler.sqlparts import coalesced, column, digest_expr, hash_sql, ident, table_ref
from sqlxy.config import Config
from sqlxy.dialects import SOURCE
from sqlxy.dialects.duckdb import TYPES
from sqlxy.graph import DepView, FeatureGraph, FeatureNode, fullname
from sqlxy.spec.model import table_name
from sqlxy.versions import Versions

SYSTEM_TYPES = {"sqlxy_provenance": "VARCHAR", "sqlxy_data_version": "VARCHAR",
                "sqlxy_feature_version": "VARCHAR", "sqlxy_project_version": "VARCHAR",
                "sqlxy_created_at": "TIMESTAMP", "sqlxy_updated_at": "TIMESTAMP",
                "sqlxy_deleted_at": "TIMESTAMP", "sqlxy_run_id": "VARCHAR"}
INPUT_RELATION = "sqlxy_input"
SAMPLES_RELATION = "sqlxy_samples"


def samples_relation(table: str, child_id: str | None) -> str:
    """A feature table's rows that are samples: an expansion's table also holds the rows that
    record parents without children (child id NULL), which no sample read may see."""
    if child_id is None:
        return table
    return f"(SELECT * FROM {table} WHERE {child_id} IS NOT NULL) AS stored_samples"


def provenance_column(field_suffix: str) -> str:
    return f"sqlxy_provenance__{field_suffix}"


def data_version_column(field_suffix: str) -> str:
    return f"sqlxy_data_version__{field_suffix}"


@dataclass
class FieldContext:
    key: str
    prov: str            # quoted sqlxy_provenance__<field>
    dv: str              # quoted sqlxy_data_version__<field>
    prov_name: str
    dv_name: str
    expected: str        # SQL over the joined upstream relation (or the samples, for roots)
    input: str | None    # roots: quoted input-version column


@dataclass
class DepContext:
    alias: str
    feature: str
    table: str
    ids: list[str]
    renamed: list[str]        # `"upstream col" AS "name"` for every column in filter scope
    kept: list[str]           # quoted names carried out of the dep relation
    data_versions: list[str]  # `"sqlxy_data_version__g" AS "sqlxy_dv_<i>__g"`
    dv_columns: list[str]     # quoted sqlxy_dv_<i>__g
    filter: str | None
    lineage: str
    keys: list[str]
    join: str                 # JOIN keyword for deps after the first
    join_on: list[tuple[str, str]] = field(default_factory=list)
    relation: str = ""                                            # what expected reads from
    group_values: list[tuple[str, str]] = field(default_factory=list)  # aggregation: alias → hash


@dataclass
class FeatureContext:
    key: str
    version: str
    project_version: str
    table: str
    ids: list[str]
    keys: list[str]
    columns: list[tuple[str, str]]           # (quoted name, source-dialect type), table order
    column_names: list[str]                  # the same user columns, unquoted
    user_columns: list[str]
    carried: list[str]                       # quoted non-key columns of expected rows
    fields: list[FieldContext]
    deps: list[DepContext]
    key_exprs: list[str]                     # SQL of each compare key over the joined deps
    lineage: str
    root: bool
    source: str | None                       # roots: relation holding the samples
    sample_provenance: str
    sample_data_version: str
    generate: dict[str, object] | None
    child_id: str | None = None              # expansions: quoted; NULL in empty-parent rows only
    example_column: str = ""                 # names a computed row whose id is NULL (unquoted)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def value_checks(self) -> list[tuple[str, str, str]]:
        """(column, what is wrong, SQL true for a bad value) for values materialize computes, as
        `write` checks user rows: floats finite, ints whole. Columns an expansion carries from its
        parent were checked when the parent was written. `x * 0 <> 0` holds for inf, -inf and NaN
        alone on every engine (NaN compares unequal to 0 everywhere), without a text cast."""
        computed = self.generate["computed"] if self.generate else self.column_names
        checks = []
        for (quoted, kind), name in zip(self.columns, self.column_names, strict=True):
            if name not in computed:
                continue
            if kind == "DOUBLE":
                checks.append((name, "a non-finite float (inf or nan)", f"{quoted} * 0 <> 0"))
            elif kind == "BIGINT":
                number = f"CAST({quoted} AS DOUBLE)"
                checks.append((name, "a fractional value for an int column", f"{number} <> FLOOR({number})"))
        return checks

    @property
    def samples_table(self) -> str:
        """The stored rows that are samples: expansions keep empty-parent rows in the same table
        (so one INSERT records both atomically) and every sample read leaves them out."""
        return samples_relation(self.table, self.child_id)

    @property
    def markers_table(self) -> str:
        """Expansions: the stored rows that record a parent without children."""
        return f"(SELECT * FROM {self.table} WHERE {self.child_id} IS NULL) AS stored_markers"

    @property
    def system_columns(self) -> list[tuple[str, str]]:
        per_field = [(f.prov, "VARCHAR") for f in self.fields] + [(f.dv, "VARCHAR") for f in self.fields]
        return per_field + [(ident(n), t) for n, t in SYSTEM_TYPES.items()]

    @property
    def field_column_names(self) -> list[str]:
        """The per-field provenance and data-version columns, unquoted."""
        return [f.prov_name for f in self.fields] + [f.dv_name for f in self.fields]

    @property
    def table_column_names(self) -> list[str]:
        """Every column of the feature table, unquoted, in table order."""
        return self.column_names + self.field_column_names + list(SYSTEM_TYPES)

    def typed_columns(self, only: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
        """(quoted name, type) of every table column, or of those whose plain name is in `only`."""
        typed = self.columns + self.system_columns
        return [t for name, t in zip(self.table_column_names, typed, strict=True) if only is None or name in only]

    @property
    def all_columns(self) -> list[str]:
        return self.user_columns + [name for name, _ in self.system_columns]


def build_context(graph: FeatureGraph, versions: Versions, config: Config, key: str) -> FeatureContext:
    node = graph[key]
    spec = node.spec
    views = sorted(node.deps, key=lambda v: v.dep.optional)  # required deps first, in spec order
    deps = [_dep_context(graph, config, node, view, i) for i, view in enumerate(views)]
    fields = [_field_context(node, f.key, config, deps, versions) for f in spec.fields]
    by_key = sorted(fields, key=lambda f: f.key.encode())
    keys = [ident(k) for k in node.compare_keys]
    key_exprs = _join_deps(deps, keys)
    return FeatureContext(
        key=key, version=versions.features[key], project_version=versions.project,
        table=table_ref(config.table_prefix + spec.table, config.schema),
        ids=[ident(c) for c in spec.id_columns], keys=keys,
        columns=[(ident(n), TYPES[t]) for n, t in node.columns.items()], column_names=list(node.columns),
        user_columns=[ident(n) for n in node.columns],
        carried=[c for c in _expected_columns(node) if c not in keys],
        fields=fields, deps=deps, key_exprs=key_exprs, lineage=node.lineage, root=node.is_root,
        source=_source_relation(node, config),
        sample_provenance=hash_sql([column(f.prov_name) for f in by_key], config.hash,
                                   config.hash_length),
        sample_data_version=hash_sql([column(f.dv_name) for f in by_key], config.hash,
                                     config.hash_length),
        generate=_generate_context(node),
        child_id=ident(node.child_id) if node.child_id else None,
        example_column=_example_column(node),
    )


def _example_column(node: FeatureNode) -> str:
    """What points a user at a computed row whose id is NULL: an expansion's parent key, or a
    root's first column that is not an id."""
    if node.expansion is not None:
        return node.compare_keys[0]
    return next((c for c in node.columns if c not in node.spec.id_columns), node.spec.id_columns[0])


def _expected_columns(node: FeatureNode) -> list[str]:
    if node.is_root:
        return [ident(c) for c in node.columns]
    return [ident(c) for c in node.carried]


def _source_relation(node: FeatureNode, config: Config) -> str | None:
    if not node.is_root:
        return None
    source = node.spec.source
    if source and source.table:
        parsed = exp.to_table(source.table, dialect=SOURCE)
        return table_ref(parsed.name, parsed.db or None)
    if source and source.query:
        return "(" + exp.maybe_parse(source.query, dialect=SOURCE).sql(SOURCE) + ")"
    return ident(SAMPLES_RELATION)


def _dep_context(graph: FeatureGraph, config: Config, node: FeatureNode, view: DepView,
                 index: int) -> DepContext:
    upstream = graph[view.upstream]
    alias = f"upstream_{index}"
    parent_fields = sorted({f for refs in node.field_parents.values() for (k, f) in refs
                            if k == view.upstream})
    suffix = {f.key: f.column_suffix for f in upstream.spec.fields}
    dv_aliases = [f"sqlxy_dv_{index}__{suffix[f]}" for f in parent_fields]
    renamed_from = dict(view.renamed_from)
    mapping = view.dep.rename_map
    all_renamed = {mapping.get(c, c): c for c in upstream.columns}
    member_ids = [mapping.get(c, c) for c in upstream.spec.id_columns]
    kept = list(renamed_from)
    if view.lineage == "aggregation":
        kept += [c for c in member_ids if c not in kept]
    table = samples_relation(table_ref(config.table_prefix + upstream.spec.table, config.schema),
                             ident(upstream.child_id) if upstream.child_id else None)
    context = DepContext(
        alias=alias, feature=view.upstream, table=table,
        ids=[ident(c) for c in upstream.spec.id_columns],
        renamed=[f"{ident(src)} AS {ident(out)}" for out, src in all_renamed.items()],
        kept=[ident(c) for c in kept],
        data_versions=[f"{ident(data_version_column(suffix[f]))} AS {ident(a)}"
                       for f, a in zip(parent_fields, dv_aliases, strict=True)],
        dv_columns=[ident(a) for a in dv_aliases],
        filter=view.filter.sql(SOURCE) if view.filter is not None else None,
        lineage=view.lineage, keys=[ident(k) for k in view.keys],
        join="LEFT JOIN" if view.dep.optional else "INNER JOIN", relation=alias,
    )
    if view.lineage == "aggregation":
        context.relation = f"{alias}_groups"
        context.group_values = [(ident(a), _group_hash(member_ids, a, config)) for a in dv_aliases]
    return context


def _join_deps(deps: list[DepContext], keys: list[str]) -> list[str]:
    """Join conditions of every dep after the first, and the SQL of each compare key.

    Required deps are inner-joined and optional ones left-joined to the first (required) dep; when
    every dep is optional they are full-outer-joined and each key is the first non-NULL one.
    """
    all_optional = len(deps) > 1 and all(d.join == "LEFT JOIN" for d in deps)
    exprs = [f"{deps[0].relation}.{k}" for k in keys] if deps else []
    for i, dep in enumerate(deps[1:], start=1):
        if all_optional:
            dep.join = "FULL OUTER JOIN"
        dep.join_on = [(expr, f"{dep.relation}.{k}") for expr, k in zip(exprs, keys, strict=True)]
        if all_optional:
            exprs = [f"COALESCE({', '.join(d.relation + '.' + k for d in deps[:i + 1])})" for k in keys]
    return exprs


def _group_hash(member_ids: list[str], dv_alias: str, config: Config) -> str:
    """H(join(sorted(ids=dv))) over a group's members, sorted bytewise; each id is hashed as text
    (SPEC 0.2 §5), so ids holding `:`, `=` or `|` cannot make two member sets hash alike."""
    hashed = [digest_expr(exp.cast(column(name), "VARCHAR"), config.hash, config.hash_length)
              for name in member_ids]
    ids_text = hashed[0]
    for id_hash in hashed[1:]:
        ids_text = exp.DPipe(this=exp.DPipe(this=ids_text, expression=exp.Literal.string(":")),
                             expression=id_hash)
    element = exp.DPipe(this=exp.DPipe(this=ids_text, expression=exp.Literal.string("=")),
                        expression=coalesced(dv_alias))
    ordered = exp.GroupConcat(this=exp.Order(this=element, expressions=[exp.Ordered(this=element.copy())]),
                              separator=exp.Literal.string("|"))
    return hash_sql([ordered], config.hash, config.hash_length)


def _field_context(node: FeatureNode, field_key: str, config: Config, deps: list[DepContext],
                   versions: Versions) -> FieldContext:
    spec_field = node.spec.field(field_key)
    assert spec_field is not None
    code_version = versions.code_version(node.key, spec_field.code_version)
    name = fullname((node.key, field_key))
    prov_name = provenance_column(spec_field.column_suffix)
    dv_name = data_version_column(spec_field.column_suffix)
    input_column = None
    if node.is_root:
        input_column = node.spec.input_versions[field_key]
        parts: list[object] = [name, code_version, "input", column(input_column)]
    else:
        parts = [name, code_version]
        index = {d.feature: i for i, d in enumerate(deps)}
        for ref in node.field_parents[field_key]:
            i = index[ref[0]]
            upstream_suffix = table_name(ref[1])
            parts += [fullname(ref), coalesced(f"sqlxy_dv_{i}__{upstream_suffix}")]
    return FieldContext(key=field_key, prov=ident(prov_name), dv=ident(dv_name), prov_name=prov_name,
                        dv_name=dv_name,
                        expected=hash_sql(parts, config.hash, config.hash_length),  # type: ignore[arg-type]
                        input=ident(input_column) if input_column else None)


def _generate_context(node: FeatureNode) -> dict[str, object] | None:
    view = node.expansion
    if view is None or view.dep.lineage.generate is None:
        return None
    generate = view.dep.lineage.generate
    parse = lambda sql: exp.maybe_parse(sql, dialect=SOURCE).sql(SOURCE)  # noqa: E731
    produced = dict(generate.columns)
    columns, marker_columns = [], []
    for name, kind in node.columns.items():
        null = f"CAST(NULL AS {TYPES[kind]})"
        # an empty-parent row holds what comes from the parent as is; what generate computes per
        # child (the child id above all, even when it shares a parent column's name) stays NULL
        from_parent = name in node.compare_keys or (name in node.carried and name not in produced)
        if name in produced:
            value = parse(produced[name])
        elif name == generate.index or name in node.carried:
            value = ident(name)
        else:
            value = null
        columns.append((ident(name), value))
        marker_columns.append((ident(name), ident(name) if from_parent else null))
    count = parse(generate.count)
    return {"count": count, "index": ident(generate.index), "columns": columns,
            "computed": [*produced, generate.index],
            # a NULL or negative count yields no children: the parent is settled empty (SPEC §6);
            # a fractional one its whole part (engines round or truncate a plain cast differently)
            "children": f"GREATEST(COALESCE(CAST(FLOOR(CAST({count} AS DOUBLE)) AS BIGINT), 0), 0)",
            "marker_columns": marker_columns}

"""graph → `FeatureModel`: the columns, joins and hash expressions of one feature, built once.

Every piece is a sqlglot expression or a plain name; the templates arrange them. Nothing here is
mutated after it is built.
"""

from __future__ import annotations

from sqlglot import exp

from sqlxy.compiler.dep_model import DepModel, data_version_alias, dep_relation
from sqlxy.compiler.model import (
    SAMPLES_RELATION,
    STATE_TABLE,
    Column,
    FeatureModel,
    FieldModel,
    GenerateModel,
    data_version_column,
    provenance_column,
)
from sqlxy.compiler.sqlparts import coalesced, column, digest_expr, hash_expr, samples_relation, table_expr
from sqlxy.config import Config
from sqlxy.dialects import SOURCE
from sqlxy.dialects.duckdb import TYPES
from sqlxy.graph import DepView, FeatureGraph, FeatureNode, fullname
from sqlxy.spec.model import FeatureSpec, table_name
from sqlxy.versions import Versions

JOINS = {False: "INNER JOIN", True: "LEFT JOIN"}  # by `optional`


def feature_table(spec: FeatureSpec, config: Config) -> exp.Table:
    """The feature table on the target: table_prefix + the key as an identifier, in the schema."""
    return table_expr(config.table_prefix + spec.table, config.schema)


def build_model(graph: FeatureGraph, versions: Versions, config: Config, key: str) -> FeatureModel:
    node = graph[key]
    views = sorted(node.deps, key=lambda v: v.dep.optional)  # required deps first, in spec order
    joins, key_exprs = _joins(views, node.compare_keys)
    deps = tuple(_dep_model(graph, config, node, view, i, joins[i]) for i, view in enumerate(views))
    fields = tuple(_field_model(node, f.key, config, deps, versions) for f in node.spec.fields)
    by_key = sorted(fields, key=lambda f: f.key.encode())
    expected_columns = list(node.columns) if node.is_root else list(node.carried)
    return FeatureModel(
        key=key, version=versions.features[key], project_version=versions.project,
        table=feature_table(node.spec, config), ids=node.spec.id_columns, keys=node.compare_keys,
        columns=tuple(Column(n, TYPES[t]) for n, t in node.columns.items()),
        carried=tuple(c for c in expected_columns if c not in node.compare_keys),
        fields=fields, deps=deps, key_exprs=key_exprs, lineage=node.lineage, root=node.is_root,
        source=_source_relation(node),
        sample_provenance=hash_expr([column(f.provenance) for f in by_key], config.hash, config.hash_length),
        sample_data_version=hash_expr([column(f.data_version) for f in by_key], config.hash,
                                      config.hash_length),
        generate=_generate_model(node), child_id=node.child_id, example_column=_example_column(node),
        commit_stamp=commit_stamp(feature_table(node.spec, config), config.schema))


def commit_stamp(table: exp.Table, schema: str | None) -> exp.Expression:
    """The number a write stamps on its rows: its feature's change-log counter, which the write
    raised in its own transaction (MAX: one value even where nothing keeps the row unique)."""
    seq = exp.Max(this=column("seq"))
    mine = column("feature_table").eq(exp.Literal.string(table.name))
    return exp.select(seq).from_(table_expr(STATE_TABLE, schema)).where(mine).subquery()


JoinOn = tuple[tuple[exp.Expression, exp.Expression], ...]


def _joins(views: list[DepView], keys: tuple[str, ...]) -> tuple[list[tuple[str, JoinOn]],
                                                                   tuple[exp.Expression, ...]]:
    """Per dep its JOIN kind and condition, and the SQL of each compare key over the joined deps.

    Required deps are inner-joined and optional ones left-joined to the first (required) dep; when
    every dep is optional they are full-outer-joined and each key is the first non-NULL one.
    """
    if not views:
        return [], ()
    relations = [exp.to_identifier(dep_relation(i, v.lineage)) for i, v in enumerate(views)]
    all_optional = len(views) > 1 and all(v.dep.optional for v in views)
    exprs = [exp.column(exp.to_identifier(k, quoted=True), table=relations[0].copy()) for k in keys]
    joins: list[tuple[str, JoinOn]] = [(JOINS[views[0].dep.optional], ())]
    for i, view in enumerate(views[1:], start=1):
        on = tuple((left, exp.column(exp.to_identifier(k, quoted=True), table=relations[i].copy()))
                   for left, k in zip(exprs, keys, strict=True))
        joins.append(("FULL OUTER JOIN" if all_optional else JOINS[view.dep.optional], on))
        if all_optional:
            exprs = [exp.Coalesce(this=exp.column(exp.to_identifier(k, quoted=True), table=relations[0].copy()),
                                  expressions=[exp.column(exp.to_identifier(k, quoted=True), table=r.copy())
                                               for r in relations[1:i + 1]]) for k in keys]
    return joins, tuple(exprs)


def _dep_model(graph: FeatureGraph, config: Config, node: FeatureNode, view: DepView, index: int,
               join: tuple[str, JoinOn]) -> DepModel:
    upstream = graph[view.upstream]
    parent_fields = sorted({f for refs in node.field_parents.values() for (k, f) in refs if k == view.upstream})
    suffix = {f.key: f.column_suffix for f in upstream.spec.fields}
    data_versions = tuple((data_version_column(suffix[f]), data_version_alias(index, suffix[f]))
                          for f in parent_fields)
    mapping = view.dep.rename_map
    member_ids = [mapping.get(c, c) for c in upstream.spec.id_columns]
    kept = list(view.renamed_from)
    group_values: tuple[tuple[str, exp.Expression], ...] = ()
    if view.lineage == "aggregation":
        kept += [c for c in member_ids if c not in kept]
        group_values = tuple((alias, _group_hash(member_ids, alias, config)) for _, alias in data_versions)
    renamed = tuple((c, mapping.get(c, c)) for c in upstream.columns)
    source_of = {name: c for c, name in renamed}
    traced = tuple(source_of[k] for k in node.compare_keys) if set(node.compare_keys) <= set(source_of) else ()
    stored = feature_table(upstream.spec, config)
    return DepModel(
        index=index, feature=view.upstream, lineage=view.lineage,
        table=samples_relation(stored, upstream.child_id), stored=stored, traced=traced,
        child_id=upstream.child_id,
        ids=upstream.spec.id_columns, renamed=renamed,
        kept=tuple(kept), data_versions=data_versions, filter=view.filter, keys=view.keys,
        join=join[0], join_on=join[1], group_values=group_values)


def _group_hash(member_ids: list[str], dv_alias: str, config: Config) -> exp.Expression:
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
    return hash_expr([ordered], config.hash, config.hash_length)


def _field_model(node: FeatureNode, field_key: str, config: Config, deps: tuple[DepModel, ...],
                 versions: Versions) -> FieldModel:
    spec_field = node.spec.field(field_key)
    assert spec_field is not None
    code_version = versions.code_version(node.key, spec_field.code_version)
    return FieldModel(key=field_key, provenance=provenance_column(spec_field.column_suffix),
                      data_version=data_version_column(spec_field.column_suffix),
                      expected=field_provenance(node, field_key, code_version, config, deps),
                      input=node.spec.input_versions[field_key] if node.is_root else None)


def field_provenance(node: FeatureNode, field_key: str, code_version: str, config: Config,
                     deps: tuple[DepModel, ...]) -> exp.Expression:
    """A field's expected provenance over the joined upstream relation (roots: the samples), with
    `code_version` as the formula's code version (`+D(F)` included): the model's, or one the field
    had in a recorded graph (rebase's candidates, which differ from it in that string alone)."""
    parts: list[str | exp.Expression] = [fullname((node.key, field_key)), code_version]
    input_column = node.spec.input_versions[field_key] if node.is_root else None
    if input_column is not None:
        parts += ["input", column(input_column)]
    index = {d.feature: d.index for d in deps}
    for ref in node.field_parents[field_key]:
        parts += [fullname(ref), coalesced(data_version_alias(index[ref[0]], table_name(ref[1])))]
    return hash_expr(parts, config.hash, config.hash_length)


def _example_column(node: FeatureNode) -> str:
    """What points a user at a computed row whose id is NULL: an expansion's parent key, or a
    root's first column that is not an id."""
    if node.expansion is not None:
        return node.compare_keys[0]
    return next((c for c in node.columns if c not in node.spec.id_columns), node.spec.id_columns[0])


def _source_relation(node: FeatureNode) -> exp.Expression | None:
    if not node.is_root:
        return None
    source = node.spec.source
    if source and source.table:
        parsed = exp.to_table(source.table, dialect=SOURCE)
        return table_expr(parsed.name, parsed.db or None)
    if source and source.query:
        return exp.Subquery(this=exp.maybe_parse(source.query, dialect=SOURCE))
    return table_expr(SAMPLES_RELATION)


def _generate_model(node: FeatureNode) -> GenerateModel | None:
    view = node.expansion
    if view is None or view.dep.lineage.generate is None:
        return None
    generate = view.dep.lineage.generate
    produced = {name: exp.maybe_parse(sql, dialect=SOURCE) for name, sql in generate.columns}
    columns, marker_columns = [], []
    for name, kind in node.columns.items():
        null = exp.cast(exp.Null(), TYPES[kind])
        # an empty-parent row holds what comes from the parent as is; what generate computes per
        # child (the child id above all, even when it shares a parent column's name) stays NULL
        from_parent = name in node.compare_keys or (name in node.carried and name not in produced)
        if name in produced:
            value = produced[name]
        elif name == generate.index or name in node.carried:
            value = column(name)
        else:
            value = null
        columns.append((name, value))
        marker_columns.append((name, column(name) if from_parent else null.copy()))
    count = exp.maybe_parse(generate.count, dialect=SOURCE)
    # a NULL or negative count yields no children: the parent is settled empty (SPEC §6); a
    # fractional one its whole part (engines round or truncate a plain cast differently)
    whole = exp.cast(exp.Floor(this=exp.cast(count.copy(), "DOUBLE")), "BIGINT")
    children = exp.Greatest(this=exp.Coalesce(this=whole, expressions=[exp.Literal.number(0)]),
                            expressions=[exp.Literal.number(0)], ignore_nulls=True)  # as DuckDB reads it
    return GenerateModel(count=count, children=children, index=generate.index, columns=tuple(columns),
                         marker_columns=tuple(marker_columns), computed=(*produced, generate.index))

"""data_version: one token for the state of a whole feature, computed in the database from its
current samples' provenance (or, for a root with a SQL source, from what the source gives now),
reading without creating anything."""

from __future__ import annotations

from sqlxy.compiler import Query
from sqlxy.compiler.fingerprint import VERSION, fingerprint
from sqlxy.dialects import SOURCE
from sqlxy.errors import SqlxyError
from sqlxy.store.readonly import source_as_is
from sqlxy.store.runner import naming
from sqlxy.store.tables import Tables


def data_version(tables: Tables, key: str, source: bool = False) -> str:
    """H(count | sorted `H(ids)=provenance` of every current sample): equal exactly when the feature
    holds the same samples with the same provenance, whatever the order they were written in.
    `source=True` (roots with `source.table`/`source.query`): the same aggregate over the samples
    the source gives now with the provenance they would be written with, from their input
    versions; once the root is materialized the two agree."""
    runner = tables.runner
    node = runner.compiler.graph[key]
    config = runner.compiler.config
    if source:
        if not node.spec.has_sql_source:
            raise SqlxyError(f"{key}: only a root with source.table or source.query has a source to "
                             "version (its samples come from the caller or from its deps)")
        (rows,) = runner.compiler.statements(key, Query.EXPECTED, SOURCE)
        query = "source data version"
    else:  # the feature's current samples, its table read through a stand-in when missing
        rows = source_as_is(tables, key, Query.CURRENT)
        query = "data version"
    # what downstream reads: the data versions (a writer may override them); a source's rows are
    # not written yet, and a root with a SQL source cannot override: its provenance is its data version
    column = "sqlxy_provenance" if source else "sqlxy_data_version"
    sql = fingerprint(rows, node.spec.id_columns, column, config.hash, config.hash_length, runner.adapter.dialect)
    with naming(key, query):
        return str(runner.adapter.fetch_arrow(sql).column(VERSION)[0].as_py())

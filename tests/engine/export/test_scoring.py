"""Batch scoring with an exported ONNX model: real models, real files, real onnxruntime."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest

from engine.api import infer_schema, load_table, source_for
from engine.cli import EXIT_INPUT, EXIT_OK, main
from engine.errors import InputError, ModelFileError
from engine.export.metadata import (
    CONTRACT_KEY,
    InputSpec,
    ModelMetadata,
    attach_metadata,
    read_metadata,
)
from engine.export.scoring import load_scoring_model, score_source
from engine.jobs import Cancelled, CancelToken
from engine.recipe.compile import compile_recipe
from engine.recipe.defaults import default_recipe
from engine.recipe.inputs import model_inputs, to_model_frame
from engine.recipe.onnx_graph import to_onnx_model
from engine.recipe.traits import LINEAR
from engine.sources.base import DatabaseSource, FileSource

THRESHOLD = 0.35
REGIONS = ["North", "South", "East", "West"]


def make_data(rows: int, seed: int) -> pd.DataFrame:
    """Customers with a numeric column with gaps, a category, yes/no, a date and the target."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.normal(45, 12, rows), 1)
    age[rng.random(rows) < 0.1] = np.nan
    income = np.round(rng.lognormal(8, 0.4, rows))
    region = rng.choice(REGIONS, rows, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    region[rng.random(rows) < 0.05] = None
    partner = rng.choice(["yes", "no"], rows)
    days = rng.integers(0, 1500, rows)
    signup = (np.datetime64("2020-01-01") + days.astype("timedelta64[D]")).astype(str)
    signal = (
        0.05 * (np.nan_to_num(age, nan=45) - 45)
        - 0.0004 * (income - 3000)
        + 1.2 * (region == "North")
        + 0.5 * (partner == "no")
        + rng.normal(0, 1, rows)
    )
    return pd.DataFrame(
        {
            "customer_id": [f"C{seed}-{i:05d}" for i in range(rows)],
            "age": age,
            "monthly income": income,
            "region": region,
            "has_partner": partner,
            "signup": signup,
            "churned": np.where(signal > 0.6, "yes", "no"),
        }
    )


class Trained:
    """A fitted pipeline, its inputs, and its ONNX export (with and without metadata)."""

    def __init__(self, folder: Path) -> None:
        train_path = folder / "train.csv"
        make_data(600, seed=1).to_csv(train_path, index=False)
        frame = load_table(source_for(str(train_path))).frame
        schema = infer_schema(frame)
        features = ["age", "monthly income", "region", "has_partner", "signup"]
        self.inputs = model_inputs(schema, features)
        assert [c.kind for c in self.inputs] == [
            "numeric", "numeric", "categorical", "numeric", "date"
        ]
        from sklearn.linear_model import LogisticRegression

        pipeline = compile_recipe(
            default_recipe(self.inputs, LINEAR, task="binary"), self.inputs, task="binary"
        )
        pipeline.steps.append(("model", LogisticRegression(max_iter=1000)))
        target = np.where(frame["churned"].astype(bool), "yes", "no")  # the loader's booleans
        pipeline.fit(to_model_frame(frame, self.inputs), target)
        self.pipeline = pipeline
        self.graph = to_onnx_model(pipeline, self.inputs)
        region = to_model_frame(frame, self.inputs)["region"].value_counts()
        self.metadata = ModelMetadata(
            name="churn",
            task="binary",
            inputs=tuple(
                InputSpec(
                    c.name,
                    c.kind,
                    tuple(v for v, n in region.items() if n >= 10 and v)
                    if c.kind == "categorical" else (),
                )
                for c in self.inputs
            ),
            outputs=("label", "probabilities"),
            target="churned",
            classes=tuple(str(c) for c in pipeline.classes_),
            positive_class="yes",
            threshold=THRESHOLD,
            data={"key_columns": ["customer_id"]},
        )
        self.path = self.save(folder / "churn.onnx", self.metadata)

    def save(self, path: Path, metadata: ModelMetadata | None) -> Path:
        model = onnx.ModelProto()
        model.CopyFrom(self.graph)
        if metadata is not None:
            attach_metadata(model, metadata)
        onnx.save(model, str(path))
        return path

    def expected(self, data_path: Path) -> tuple[np.ndarray, np.ndarray]:
        """scikit-learn's labels and probabilities for a file read by the engine's loader."""
        frame = load_table(source_for(str(data_path))).frame
        model_frame = to_model_frame(frame, self.inputs)
        return self.pipeline.predict(model_frame), self.pipeline.predict_proba(model_frame)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    return Trained(tmp_path_factory.mktemp("scoring_model"))


@pytest.fixture
def data_csv(tmp_path: Path) -> Path:
    path = tmp_path / "new customers.csv"
    make_data(300, seed=2).to_csv(path, index=False)
    return path


def _score(model_path: Path, data: Path, out: Path, **kwargs):
    return score_source(load_scoring_model(model_path), FileSource(str(data)), out, **kwargs)


def _assert_matches_sklearn(scores: pd.DataFrame, labels, probabilities) -> None:
    got = scores["probability of yes"].to_numpy(dtype=float)
    np.testing.assert_allclose(got, probabilities[:, 1], atol=1e-4)
    decision = np.where(scores["probability of yes"] >= THRESHOLD, "yes", "no")
    assert scores["churned"].tolist() == decision.tolist()


# --- outputs ---------------------------------------------------------------------------------


def test_csv_scores_equal_sklearn_across_several_chunks(trained, data_csv, tmp_path):
    out = tmp_path / "scores.csv"
    summary = _score(trained.path, data_csv, out, chunk_rows=64)
    scores = pd.read_csv(out, keep_default_na=False)
    # The decision first, named for the business question; no arg-max column beside it.
    assert list(scores.columns) == ["customer_id", "churned", "probability of yes"]
    assert scores["customer_id"].tolist() == make_data(300, seed=2)["customer_id"].tolist()
    _assert_matches_sklearn(scores, *trained.expected(data_csv))
    assert summary.rows == 300 and summary.key_columns == ("customer_id",)
    assert summary.decisions == scores["churned"].value_counts().sort_index().to_dict()
    assert sum(summary.decisions.values()) == 300
    assert summary.extra_columns == ("churned",)
    assert any("ignored: 'churned'" in note for note in summary.notes)
    assert json.loads(json.dumps(summary.to_dict()))["rows"] == 300


def test_parquet_output_and_parquet_input_give_the_same_scores(trained, data_csv, tmp_path):
    out = tmp_path / "scores.parquet"
    _score(trained.path, data_csv, out)
    scores = pd.read_parquet(out)
    _assert_matches_sklearn(scores, *trained.expected(data_csv))
    typed = tmp_path / "typed.parquet"
    load_table(source_for(str(data_csv))).frame.to_parquet(typed)
    again = tmp_path / "again.parquet"
    _score(trained.path, typed, again, chunk_rows=100)
    pd.testing.assert_frame_equal(pd.read_parquet(again), scores)


def test_chunk_size_does_not_change_the_output(trained, data_csv, tmp_path):
    outputs = []
    for chunk_rows in (1, 7, 100_000):
        out = tmp_path / f"scores_{chunk_rows}.csv"
        _score(trained.path, data_csv, out, chunk_rows=chunk_rows)
        outputs.append(pd.read_csv(out, keep_default_na=False))
    for other in outputs[1:]:
        # onnxruntime's matrix kernels round differently for other batch sizes (~1e-8).
        pd.testing.assert_frame_equal(other, outputs[0], check_exact=False, atol=1e-6)
        labels = ["customer_id", "churned"]
        assert other[labels].equals(outputs[0][labels])


def test_a_file_with_decimal_commas_and_semicolons_scores_like_the_plain_one(
    trained, data_csv, tmp_path
):
    european = tmp_path / "european.csv"
    make_data(300, seed=2).to_csv(european, index=False, sep=";", decimal=",")
    plain, local = tmp_path / "plain.csv", tmp_path / "local.csv"
    _score(trained.path, data_csv, plain)
    _score(trained.path, european, local)
    assert plain.read_bytes() == local.read_bytes()


def test_the_order_of_day_and_month_is_kept_from_the_first_chunk(trained, tmp_path):
    frame = make_data(200, seed=6)
    frame.loc[0, "signup"] = "2021-03-25"  # the first chunk proves the month comes first
    iso, american = tmp_path / "iso.csv", tmp_path / "mdy.csv"
    frame.to_csv(iso, index=False)
    dates = pd.to_datetime(frame["signup"])
    frame.assign(signup=dates.dt.strftime("%m/%d/%Y")).to_csv(american, index=False)
    # One row a chunk: a later chunk such as '04/03/2021' proves nothing on its own, and
    # alone it would be read day-first (the loader's default).
    outputs = [tmp_path / "iso_scores.csv", tmp_path / "mdy_scores.csv"]
    _score(trained.path, iso, outputs[0], chunk_rows=1)
    summary = _score(trained.path, american, outputs[1], chunk_rows=1)
    assert summary.conversion_failures == {}
    assert outputs[0].read_bytes() == outputs[1].read_bytes()


def test_keys_given_recorded_or_a_row_number(trained, data_csv, tmp_path):
    out = tmp_path / "keys.csv"
    _score(trained.path, data_csv, out, key_columns=["region", "customer_id"])
    assert list(pd.read_csv(out).columns[:3]) == ["region", "customer_id", "churned"]
    plain_model = trained.save(
        tmp_path / "no_keys.onnx", trained.metadata.with_changes(data={})
    )
    summary = _score(plain_model, data_csv, out)
    assert summary.key_columns == ("row",)
    assert pd.read_csv(out)["row"].tolist() == list(range(1, 301))
    with pytest.raises(InputError, match=r"no key column 'customer'.*Did you mean 'customer_id'"):
        _score(trained.path, data_csv, out, key_columns=["customer"])


def test_a_sqlite_table_scores_like_the_file(trained, data_csv, tmp_path):
    database = tmp_path / "crm.db"
    with sqlite3.connect(database) as db:
        make_data(300, seed=2).to_sql("customers", db, index=False)
    out = tmp_path / "db.csv"
    model = load_scoring_model(trained.path)
    source = DatabaseSource(url=f"sqlite:///{database}", table="customers")
    summary = score_source(model, source, out, chunk_rows=120)
    assert summary.rows == 300
    _assert_matches_sklearn(pd.read_csv(out), *trained.expected(data_csv))


# --- problems in the data are counted ---------------------------------------------------------


def test_conversion_failures_and_unseen_categories_are_counted(trained, tmp_path):
    frame = make_data(300, seed=2)
    frame["age"] = frame["age"].astype(object)
    frame.loc[[10, 20, 250], "age"] = ["abc", "forty", "abc"]
    frame.loc[[5, 6, 290], "region"] = ["Atlantis", "Atlantis", "Mars"]
    path = tmp_path / "odd.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "odd_scores.csv"
    summary = _score(trained.path, path, out, chunk_rows=100)
    assert summary.conversion_failures == {"age": 3}
    assert summary.unseen_categories == {"region": 3}
    notes = " ".join(summary.notes)
    assert "'age': 3 cell(s) (1.0%) could not be read as numbers (e.g. 'abc', 'forty')" in notes
    assert "a category never seen in training (e.g. 'Atlantis', 'Mars')" in notes
    # Failed cells are scored as missing values.
    clean = frame.copy()
    clean.loc[[10, 20, 250], "age"] = np.nan
    clean_path = tmp_path / "clean.csv"
    clean.to_csv(clean_path, index=False)
    scores = pd.read_csv(out)
    _, probabilities = trained.expected(clean_path)
    np.testing.assert_allclose(scores["probability of yes"], probabilities[:, 1], atol=1e-4)


def test_unseen_values_of_an_incomplete_category_list_are_worded_so(trained, tmp_path):
    specs = tuple(
        s.__class__(s.name, s.kind, s.categories, categories_complete=False)
        for s in trained.metadata.inputs
    )
    model = trained.save(tmp_path / "m.onnx", trained.metadata.with_changes(inputs=specs))
    frame = make_data(50, seed=3)
    frame.loc[0, "region"] = "Atlantis"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    summary = _score(model, path, tmp_path / "o.csv")
    assert any("not among the 4 categories seen at least 10 times" in n for n in summary.notes)


# --- bad input -------------------------------------------------------------------------------


def test_a_csv_renamed_to_onnx_is_not_a_model(data_csv, tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(data_csv.read_bytes())
    with pytest.raises(ModelFileError, match=r"not an ONNX model.*text file starting with"):
        load_scoring_model(fake)


def test_a_truncated_model_is_reported_as_incomplete(trained, tmp_path):
    data = trained.path.read_bytes()
    for cut in (len(data) // 2, len(data) - 40):
        broken = tmp_path / f"cut_{cut}.onnx"
        broken.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match=r"damaged or incomplete|cut short"):
            load_scoring_model(broken)


def test_a_class_label_edited_in_both_metadata_entries_is_refused(trained, tmp_path):
    edited = trained.metadata.with_changes(classes=("no", "YES"), positive_class="YES")
    path = trained.save(tmp_path / "edited.onnx", edited)
    edited = r"classes are described as \['no', 'YES'\].*edited by hand"
    with pytest.raises(ModelFileError, match=edited):
        load_scoring_model(path)


def test_metadata_entries_that_disagree_are_refused(trained, tmp_path):
    model = onnx.load(str(trained.path))
    for prop in model.metadata_props:
        if prop.key == CONTRACT_KEY:
            contract = json.loads(prop.value)
            contract["threshold"] = 0.9
            prop.value = json.dumps(contract)
    path = tmp_path / "disagree.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelFileError, match=r"disagree.*threshold.*edited by hand"):
        load_scoring_model(path)
    assert read_metadata(onnx.load(str(trained.path))) is not None


def test_header_only_file_scores_zero_rows_with_a_note(trained, tmp_path, capsys):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(make_data(1, seed=1).columns) + "\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    summary = _score(trained.path, path, out)
    assert summary.rows == 0 and any("no data rows" in note for note in summary.notes)
    written = pd.read_csv(out)
    assert len(written) == 0 and "customer_id" in written.columns
    assert any(c.startswith("probability") for c in written.columns)
    out.unlink()
    assert main(["score", str(trained.path), str(path), "--out", str(out), "-q"]) == EXIT_OK


def test_a_column_whose_every_value_fails_is_an_error(trained, tmp_path):
    frame = make_data(40, seed=2)
    frame["age"] = ["abc", "n/a", "old", "young"] * 10
    path = tmp_path / "retyped.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "scores.csv"
    with pytest.raises(
        InputError,
        match=r"column 'age' should hold numbers but its values look like 'abc', 'old', "
        r"'young', \.\.\.: was it retyped\?",
    ):
        _score(trained.path, path, out)
    assert not out.exists()


def test_renamed_columns_are_named_with_the_closest_existing_names(trained, tmp_path):
    frame = make_data(20, seed=2).rename(
        columns={"monthly income": "Monthly_Income", "region": "regions"}
    )
    path = tmp_path / "renamed.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as caught:
        _score(trained.path, path, tmp_path / "s.csv")
    message = str(caught.value)
    assert "has no columns 'monthly income' (closest: 'Monthly_Income')" in message
    assert "'region' (closest: 'regions')" in message


def test_extra_columns_are_ignored_with_a_note(trained, tmp_path):
    frame = make_data(20, seed=2).assign(notes="call back", score_2023=1.0)
    path = tmp_path / "extra.csv"
    frame.to_csv(path, index=False)
    summary = _score(trained.path, path, tmp_path / "s.csv")
    assert summary.extra_columns == ("churned", "notes", "score_2023")
    assert "3 columns are not used by the model and ignored" in " ".join(summary.notes)


def test_an_output_that_is_not_csv_or_parquet_is_refused(trained, data_csv, tmp_path):
    with pytest.raises(InputError, match=r"\.xlsx file.*\.csv or \.parquet"):
        _score(trained.path, data_csv, tmp_path / "scores.xlsx")


def test_cancel_midway_leaves_no_output_and_keeps_the_previous_one(trained, data_csv, tmp_path):
    import dataclasses

    out = tmp_path / "scores.csv"
    out.write_text("previous run\n", encoding="utf-8")
    token = CancelToken()
    model = load_scoring_model(trained.path)

    class CancelOnThirdChunk:
        """The real session; the user presses Cancel while the third chunk is scored."""

        def __init__(self) -> None:
            self.runs = 0

        def get_outputs(self):
            return model.session.get_outputs()

        def run(self, names, feed):
            self.runs += 1
            if self.runs == 3:
                token.cancel()
            return model.session.run(names, feed)

    session = CancelOnThirdChunk()
    cancelling = dataclasses.replace(model, session=session)
    with pytest.raises(Cancelled):
        score_source(cancelling, FileSource(str(data_csv)), out, chunk_rows=50, cancel=token)
    assert session.runs == 3  # two chunks were written to the temporary file, then dropped
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [data_csv.name, "scores.csv"]


# --- ONNX files made by other tools ----------------------------------------------------------


def _foreign_pipeline(frame: pd.DataFrame):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    columns = ColumnTransformer(
        [("region", OneHotEncoder(handle_unknown="ignore"), ["region"]),
         ("numbers", "passthrough", ["income"])]
    )
    pipeline = Pipeline([("columns", columns), ("model", LogisticRegression(max_iter=1000))])
    pipeline.fit(frame[["region", "income"]], frame["churned"])
    return pipeline


def test_a_foreign_onnx_model_is_scored_by_input_names_with_a_note(tmp_path):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    # skl2onnx would rename an input with a space (#1235): this tool's user avoided them.
    frame = make_data(400, seed=4).dropna().rename(columns={"monthly income": "income"})
    pipeline = _foreign_pipeline(frame)
    model = convert_sklearn(
        pipeline,
        initial_types=[("region", StringTensorType([None, 1])),
                       ("income", FloatTensorType([None, 1]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )  # default options: ZipMap probabilities, as most tools export them
    path = tmp_path / "foreign.onnx"
    onnx.save(model, str(path))
    data = tmp_path / "data.csv"
    new = make_data(100, seed=5).dropna().rename(columns={"monthly income": "income"})
    new.to_csv(data, index=False)
    out = tmp_path / "scores.csv"
    summary = _score(path, data, out, chunk_rows=30)
    assert "no schema or threshold was found" in summary.notes[0]
    scores = pd.read_csv(out)
    assert "decision" not in scores.columns
    assert scores["prediction"].tolist() == pipeline.predict(new[["region", "income"]]).tolist()
    expected = pipeline.predict_proba(new[["region", "income"]])
    np.testing.assert_allclose(
        scores[["probability:no", "probability:yes"]], expected, atol=1e-4
    )


def test_a_foreign_model_with_one_matrix_input_cannot_be_matched(tmp_path):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3)).astype(np.float32)
    model = convert_sklearn(
        LogisticRegression().fit(x, x[:, 0] > 0),
        initial_types=[("features", FloatTensorType([None, 3]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    path = tmp_path / "matrix.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ModelFileError, match="'features' is one matrix of 3 columns"):
        load_scoring_model(path)


# --- command line ----------------------------------------------------------------------------


def test_the_score_command_writes_the_file_and_prints_a_summary(
    trained, data_csv, tmp_path, capsys
):
    out = tmp_path / "cli.parquet"
    code = main(
        ["score", str(trained.path), str(data_csv), "--out", str(out), "--chunk-rows", "90",
         "--keys", "customer_id", "-q"]
    )
    printed = capsys.readouterr().out
    assert code == EXIT_OK
    assert printed.startswith("Scored 300 rows of new customers.csv with churn")
    assert f"Decisions at the threshold {THRESHOLD:g} on P(yes)" in printed
    assert len(pd.read_parquet(out)) == 300
    code = main(["score", str(trained.path), str(data_csv), "--out", str(out), "--json", "-q"])
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK and document["rows"] == 300 and document["threshold"] == THRESHOLD


def test_the_score_command_exits_2_on_a_missing_column(trained, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    make_data(20, seed=2).drop(columns=["age"]).to_csv(path, index=False)
    out = tmp_path / "s.csv"
    code = main(["score", str(trained.path), str(path), "--out", str(out), "-q"])
    assert code == EXIT_INPUT
    assert "has no column 'age'" in capsys.readouterr().err
    assert not out.exists()

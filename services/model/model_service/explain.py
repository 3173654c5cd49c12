"""Exact per-feature contributions for tree-ensemble pipelines (no SHAP dependency).

For one tree, the probability of a row is the root's class-1 share plus, for every split
on the row's decision path, the change in that share from parent to child; each change
is credited to the feature the parent splits on. A forest averages its trees, so the
averaged credits plus the averaged root share equal the forest's probability exactly.
Credits on encoded columns (one-hot, missing indicators) are summed back to the eleven
passenger features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.pipeline import Pipeline

from model_service.frame import feature_frame
from titanic_common.errors import ConflictError
from titanic_common.features import FEATURE_NAMES, PassengerFeatures

POSITIVE_CLASS = 1


class ExplanationUnavailableError(ConflictError):
    code = "explanation_unavailable"


@dataclass(frozen=True)
class Explanation:
    base_value: float
    contributions: dict[str, float]

    @property
    def probability(self) -> float:
        return self.base_value + sum(self.contributions.values())


def source_feature(encoded_name: str) -> str:
    """The passenger feature an encoded column comes from ('cat__sex_female' -> 'sex')."""
    name = encoded_name.split("__", 1)[-1].removeprefix("missingindicator_")
    matches = [f for f in FEATURE_NAMES if name == f or name.startswith(f + "_")]
    if not matches:
        raise ExplanationUnavailableError(f"cannot map encoded column {encoded_name!r}")
    return max(matches, key=len)


def _positive_share(values: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Class-1 share per node, whether the tree stores counts or fractions."""
    column = int(np.flatnonzero(classes == POSITIVE_CLASS)[0])
    totals = values[:, 0, :].sum(axis=1)
    return values[:, 0, column] / np.where(totals > 0, totals, 1.0)


def _tree_credit_matrix(
    tree, classes: np.ndarray, n_columns: int
) -> tuple[sparse.csr_matrix, float]:
    """Node x encoded-column matrix of credits, and the root share, for one tree."""
    share = _positive_share(tree.value, classes)
    children_left, children_right = tree.children_left, tree.children_right
    parent = np.full(tree.node_count, -1)
    internal = np.flatnonzero(children_left >= 0)
    parent[children_left[internal]] = internal
    parent[children_right[internal]] = internal
    nodes = np.flatnonzero(parent >= 0)
    credits = share[nodes] - share[parent[nodes]]
    columns = tree.feature[parent[nodes]]
    matrix = sparse.csr_matrix((credits, (nodes, columns)), shape=(tree.node_count, n_columns))
    return matrix, float(share[0])


class TreeExplainer:
    """Built once per loaded model; explains any number of rows with one sparse product."""

    def __init__(self, pipeline: Pipeline):
        forest = pipeline[-1]
        trees = getattr(forest, "estimators_", None)
        if trees is None or not hasattr(trees[0], "tree_"):
            name = type(forest).__name__
            raise ExplanationUnavailableError(f"explanations need a tree ensemble, not {name}")
        self._preprocess = pipeline[:-1]
        encoded = list(self._preprocess.get_feature_names_out())
        aggregate = np.zeros((len(encoded), len(FEATURE_NAMES)))
        for i, name in enumerate(encoded):
            aggregate[i, FEATURE_NAMES.index(source_feature(name))] = 1.0
        blocks, roots = [], []
        for tree in trees:
            matrix, root = _tree_credit_matrix(tree.tree_, forest.classes_, len(encoded))
            blocks.append(matrix)
            roots.append(root)
        # Credits per node of every tree, averaged and already summed to passenger features.
        self._node_credits = (sparse.vstack(blocks).tocsr() / len(trees)) @ aggregate
        self.base_value = float(np.mean(roots))
        self._forest = forest

    def explain(self, rows: Sequence[PassengerFeatures]) -> list[Explanation]:
        """One explanation per row; base_value + contributions = the forest's probability."""
        encoded = self._preprocess.transform(feature_frame(rows))
        paths, _ = self._forest.decision_path(encoded)
        totals = np.asarray(paths @ self._node_credits)
        return [
            Explanation(
                self.base_value,
                {f: float(v) for f, v in zip(FEATURE_NAMES, row, strict=True)},
            )
            for row in totals
        ]
